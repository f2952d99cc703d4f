// SPDX-License-Identifier: Apache-2.0
// The optimizers' updates for IndexedSlices gradients (a gather's), as Python's tf.compat.v1.train optimizers
// apply them (`_resource_apply_sparse`): TensorFlow's ResourceSparseApply* kernels, or for gradient descent a
// ResourceScatterAdd of -lr * values and for Adam Python's scatter-add formulation. Only the gathered rows of
// the variable and of its slots are touched, so a step costs the batch, not the vocabulary.
import type { Graph } from '../graph/graph';
import type { Operation, Output } from '../graph/operation';
import type { Variable } from '../variables/variable';
import { AdagradOptimizer } from './adagrad';
import { AdamOptimizer } from './adam';
import { GradientDescentOptimizer } from './gradient-descent';
import { MomentumOptimizer } from './momentum';
import { Optimizer, SPARSE_UPDATES, cast } from './optimizer';
import { RMSPropOptimizer } from './rmsprop';

function binary(g: Graph, type: string, a: Output, b: Output, name?: string): Output {
  return g.addOperation(type, { inputs: [a, b], attrs: { T: a.dtype }, name }).output(0);
}

function unary(g: Graph, type: string, a: Output): Output {
  return g.addOperation(type, { inputs: [a], attrs: { T: a.dtype } }).output(0);
}

function hyper(opt: Optimizer, name: string, T: Output['dtype'], g: Graph): Output {
  return cast(g, opt.hyperparameter(name), T);
}

function scatterAdd(g: Graph, v: Variable, indices: Output, updates: Output): Operation {
  return g.addOperation('ResourceScatterAdd', {
    inputs: [v.handle, indices, updates],
    attrs: { dtype: updates.dtype, Tindices: indices.dtype },
  });
}

// Python's GradientDescentOptimizer._resource_apply_sparse_duplicate_indices: repeated rows simply add up.
SPARSE_UPDATES.set(GradientDescentOptimizer, {
  duplicates: true,
  apply(opt, values, indices, v) {
    const g = v.graph;
    return scatterAdd(g, v, indices, binary(g, 'Mul', unary(g, 'Neg', values), hyper(opt, 'learning_rate', values.dtype, g)));
  },
});

SPARSE_UPDATES.set(MomentumOptimizer, {
  apply(opt, values, indices, v) {
    const g = v.graph;
    const T = values.dtype;
    return g.addOperation('ResourceSparseApplyMomentum', {
      inputs: [
        v.handle, opt.getSlot(v, 'momentum')!.handle, hyper(opt, 'learning_rate', T, g), values, indices, hyper(opt, 'momentum', T, g),
      ],
      attrs: { T, Tindices: indices.dtype, use_locking: opt.useLocking, use_nesterov: (opt as MomentumOptimizer).useNesterov },
    });
  },
});

SPARSE_UPDATES.set(RMSPropOptimizer, {
  apply(opt, values, indices, v) {
    const g = v.graph;
    const T = values.dtype;
    const rest = ['learning_rate', 'decay', 'momentum', 'epsilon'].map((n) => hyper(opt, n, T, g));
    const attrs = { T, Tindices: indices.dtype, use_locking: opt.useLocking };
    const rms = opt.getSlot(v, 'rms')!.handle;
    const mom = opt.getSlot(v, 'momentum')!.handle;
    if ((opt as RMSPropOptimizer).centered) {
      const mg = opt.getSlot(v, 'mg')!.handle;
      return g.addOperation('ResourceSparseApplyCenteredRMSProp', { inputs: [v.handle, mg, rms, mom, ...rest, values, indices], attrs });
    }
    return g.addOperation('ResourceSparseApplyRMSProp', { inputs: [v.handle, rms, mom, ...rest, values, indices], attrs });
  },
});

SPARSE_UPDATES.set(AdagradOptimizer, {
  apply(opt, values, indices, v) {
    const g = v.graph;
    const T = values.dtype;
    return g.addOperation('ResourceSparseApplyAdagrad', {
      inputs: [v.handle, opt.getSlot(v, 'accumulator')!.handle, hyper(opt, 'learning_rate', T, g), values, indices],
      attrs: { T, Tindices: indices.dtype, use_locking: opt.useLocking, update_slots: true },
    });
  },
});

/**
 * Python's AdamOptimizer._apply_sparse_shared: m and v decay in full, the gradient's rows are scatter-added, and
 * the variable takes the dense step (TensorFlow has no sparse Adam kernel; this is what Python runs).
 */
SPARSE_UPDATES.set(AdamOptimizer, {
  apply(opt, values, indices, v) {
    const g = v.graph;
    const T = values.dtype;
    const b1 = cast(g, opt._nonSlotVariable('beta1_power', g).value(), T);
    const b2 = cast(g, opt._nonSlotVariable('beta2_power', g).value(), T);
    const lrT = hyper(opt, 'learning_rate', T, g);
    const beta1 = hyper(opt, 'beta1', T, g);
    const beta2 = hyper(opt, 'beta2', T, g);
    const epsilon = hyper(opt, 'epsilon', T, g);
    const one = (name: string) => g.constant(1, { dtype: T, name });
    // Named as Python's operators name them ('sub', 'mul', 'truediv', 'add'), in Python's order of creation.
    const sub = (b: Output, x: string) => binary(g, 'Sub', one(`${x}/x`), b, 'sub');
    const mul = (a: Output, b: Output) => binary(g, 'Mul', a, b, 'mul');
    // lr_t * sqrt(1 - beta2_power) / (1 - beta1_power)
    const numerator = mul(lrT, unary(g, 'Sqrt', sub(b2, 'sub')));
    const lr = binary(g, 'RealDiv', numerator, sub(b1, 'sub_1'), 'truediv');
    const read = (slot: Variable) =>
      g.addOperation('ReadVariableOp', { inputs: [slot.handle], attrs: { dtype: slot.dtype }, name: 'ReadVariableOp' }).output(0);
    const moment = (slot: Variable, scaled: Output, decay: Output): Output => {
      const decayed = slot.assign(mul(slot.value(), decay), { readValue: false });
      return g.controlDependencies([decayed], () => {
        const added = scatterAdd(g, slot, indices, scaled);
        return g.controlDependencies([added], () => read(slot));
      });
    };
    const m = opt.getSlot(v, 'm')!;
    const mt = moment(m, mul(values, sub(beta1, 'sub_2')), beta1);
    const vs = opt.getSlot(v, 'v')!;
    const vt = moment(vs, mul(mul(values, values), sub(beta2, 'sub_3')), beta2);
    const vSqrt = unary(g, 'Sqrt', vt);
    const step = binary(g, 'RealDiv', mul(lr, mt), binary(g, 'AddV2', vSqrt, epsilon, 'add'), 'truediv');
    const update = g.addOperation('AssignSubVariableOp', { inputs: [v.handle, step], attrs: { dtype: T } });
    return g.addOperation('NoOp', { controlInputs: [update, mt.op, vt.op], name: 'group_deps' });
  },
});
