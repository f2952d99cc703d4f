// SPDX-License-Identifier: Apache-2.0
// Python's losses_impl.compute_weighted_loss and its helpers (assert_broadcastable, broadcast_weights,
// num_present, safe_mean), built op for op so the losses get Python's nodes (`…/value`, `…/num_present`).
import { isFullyDefined } from '../base/shape';
import type { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { Operation, Output } from '../graph/operation';
import type { Tensor, TensorLike } from '../tensor/tensor';
import { tensor } from '../tensor/tensor';
import { onesLikeImpl, shape, zerosLike } from '../math/array-ops';
import { allAxes, op1, opsMethod, toTensor, withScope } from '../math/common';

/** Weights given as a value rather than a tensor of the graph (Python's default `weights=1.0`). */
export type HostWeights = number | Tensor | TensorLike;

/** Python's `tf.compat.v1.losses.Reduction`. */
export const Reduction = Object.freeze({
  NONE: 'none',
  SUM: 'weighted_sum',
  SUM_OVER_BATCH_SIZE: 'weighted_sum_over_batch_size',
  MEAN: 'weighted_mean',
  SUM_BY_NONZERO_WEIGHTS: 'weighted_sum_by_nonzero_weights',
  SUM_OVER_NONZERO_WEIGHTS: 'weighted_sum_by_nonzero_weights',
} as const);
export type ReductionValue = (typeof Reduction)[keyof typeof Reduction];

const REDUCTIONS = new Set<string>(Object.values(Reduction));

/**
 * Python's `weights_broadcast_ops.assert_broadcastable` for static shapes (a NoOp to depend on). A host value is made
 * a Const named after its scope, as Python's convert_to_tensor(weights, name=weights_scope) does.
 */
function assertBroadcastable(g: Graph, weightsIn: Output | HostWeights, values: Output): Operation {
  return withScope(g, 'assert_broadcastable', () => {
    const part = (x: Output | HostWeights, name: string) => withScope(g, name, (scope) => {
      const t = x instanceof Output ? x : toTensor(g, x, scope, 'float32');
      shape(t, { name: 'shape' });
      g.constant(tensor([t.shape?.length ?? 0], [], 'int32'), { name: 'rank' });
      return t;
    });
    const weights = part(weightsIn, 'weights');
    part(values, 'values');
    const ws = weights.shape;
    const vs = values.shape;
    if (ws !== null && ws.length === 0) return g.addOperation('NoOp', { name: 'static_scalar_check_success' });
    if (ws === null || vs === null) return g.addOperation('NoOp', { name: 'static_dims_check_success' });
    if (ws.length !== vs.length) {
      throw new Error(`weights can not be broadcast to values: values.rank=${vs.length}, weights.rank=${ws.length}, ` +
        `values.shape=[${vs.join(', ')}], weights.shape=[${ws.join(', ')}]`);
    }
    ws.forEach((d, i) => {
      if (d !== null && vs[i] !== null && d !== 1 && d !== vs[i]) {
        throw new Error(`weights can not be broadcast to values: weights.shape=[${ws.join(', ')}] has ${d} at dim ${i}, ` +
          `values.shape=[${vs.join(', ')}]`);
      }
    });
    return g.addOperation('NoOp', { name: 'static_dims_check_success' });
  });
}

function broadcastWeights(g: Graph, weights: Output, values: Output): Output {
  return withScope(g, 'broadcast_weights', (scope) => {
    if (isFullyDefined(weights.shape) && isFullyDefined(values.shape) && weights.shape.join() === values.shape.join()) return weights;
    const ok = assertBroadcastable(g, weights, values);
    return g.controlDependencies([ok], () => op1(g, 'Mul', [weights, onesLikeImpl(values, {}, true)], {}, scope));
  });
}

function numPresent(g: Graph, losses: Output, weights: Output): Output {
  return withScope(g, 'num_present', (scope) => {
    const eq = opsMethod(g, 'equal')(weights, tensor([0], [], 'float32'), { name: 'Equal' });
    const present = op1(g, 'Select', [eq, zerosLike(weights), onesLikeImpl(weights, {}, true)], {}, 'Select');
    const broadcast = broadcastWeights(g, present, losses);
    return op1(g, 'Sum', [broadcast, allAxes(g, broadcast)], { keep_dims: false }, scope);
  });
}

function safeMean(g: Graph, total: Output, count: Output): Output {
  const sum = op1(g, 'Sum', [total, allAxes(g, total)], { keep_dims: false }, 'Sum');
  return op1(g, 'DivNoNan', [sum, count], {}, 'value');
}

/**
 * Python's `tf.compat.v1.losses.compute_weighted_loss(losses, weights, scope, loss_collection, reduction)`, in the
 * current name scope (the loss's); adds the loss to `lossCollection` (LOSSES unless null).
 */
export function computeWeightedLoss(g: Graph, losses: Output, weightsIn: Output | HostWeights,
  reduction: string = Reduction.SUM_BY_NONZERO_WEIGHTS, lossCollection: string | null = GraphKeys.LOSSES): Output {
  if (!REDUCTIONS.has(reduction)) throw new Error(`Invalid reduction ${JSON.stringify(reduction)}; expected one of ` +
    `${[...REDUCTIONS].join(', ')}`);
  const weightsType = weightsIn instanceof Output ? weightsIn.dtype : 'float32';
  if (losses.dtype !== 'float32' || weightsType !== 'float32') {
    throw new TypeError(`losses and weights must be float32 here (received ${losses.dtype} and ${weightsType})`);
  }
  const ok = assertBroadcastable(g, weightsIn, losses);
  const loss = g.controlDependencies([ok], () => {
    // Python's math_ops.cast(weights, float32): a host value becomes the Const 'Cast/x' and no Cast op.
    const weights = weightsIn instanceof Output ? weightsIn
      : withScope(g, 'Cast', () => toTensor(g, weightsIn, 'x', 'float32'));
    const weighted = op1(g, 'Mul', [losses, weights], {}, 'Mul');
    if (reduction === Reduction.NONE) return weighted;
    const total = op1(g, 'Sum', [weighted, allAxes(g, weighted)], { keep_dims: false }, 'Sum');
    if (reduction === Reduction.SUM) return total;
    if (reduction === Reduction.MEAN) {
      const w = op1(g, 'Mul', [onesLikeImpl(losses, {}, true), weights], {}, 'mul');
      return safeMean(g, total, op1(g, 'Sum', [w, allAxes(g, w)], { keep_dims: false }, 'Sum'));
    }
    if (reduction === Reduction.SUM_OVER_BATCH_SIZE) {
      const n = withScope(g, 'num_elements', (scope) => {
        const size = isFullyDefined(losses.shape) ? g.constant(losses.shape.reduce((a, b) => a * b, 1), { dtype: 'int32',
          name: scope }) : op1(g, 'Size', [losses], {}, scope);
        return op1(g, 'Cast', [size], { DstT: 'float32' }, 'Cast');
      });
      return safeMean(g, total, n);
    }
    return safeMean(g, total, numPresent(g, losses, weights));
  });
  if (lossCollection) g.addToCollection(lossCollection, loss);
  return loss;
}
