// SPDX-License-Identifier: Apache-2.0
// Adam (Python's tf.compat.v1.train.AdamOptimizer) on ResourceApplyAdam, with Python's beta1_power/beta2_power.
import type { Graph } from '../graph/graph';
import type { Operation, Output } from '../graph/operation';
import type { Variable } from '../variables/variable';
import { optionalObject } from '../base/validate';
import { Hyperparameter, Optimizer, cast, colocateWith, requireHyperparameter } from './optimizer';

export interface AdamOptions {
  /** Take the variables' locks while updating (default false). */
  useLocking?: boolean;
  /** The update scope's name and the slots' suffix (default 'Adam': slots `w/Adam`, `w/Adam_1`). */
  name?: string;
}

/**
 * Adam (Kingma & Ba), as TensorFlow 1.x computes it. Slots: 'm' (`w/Adam`) and 'v' (`w/Adam_1`); the
 * accumulators `beta1_power` and `beta2_power` (one per graph, next to the variable that sorts first by name),
 * so a checkpoint of an Adam-trained model moves between Python and here.
 * @example const step = new tf.train.AdamOptimizer(1e-3).minimize(loss, { globalStep });
 */
export class AdamOptimizer extends Optimizer {
  readonly learningRate: Hyperparameter;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  #t: { lr: Output; beta1: Output; beta2: Output; epsilon: Output } | undefined;

  /**
   * @param learningRate default 0.001
   * @param beta1 decay of the first-moment average (default 0.9)
   * @param beta2 decay of the second-moment average (default 0.999)
   * @param epsilon default 1e-8
   * @throws TypeError/RangeError for hyperparameters of the wrong kind.
   */
  constructor(learningRate: Hyperparameter = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, options: AdamOptions = {}) {
    optionalObject(options, 'the options of AdamOptimizer');
    super(options.name ?? 'Adam', options.useLocking ?? false);
    this.learningRate = requireHyperparameter(learningRate, 'the learning rate of AdamOptimizer');
    // The power accumulators start at beta1 and beta2, so these are numbers (as Python needs them to be).
    this.beta1 = requireHyperparameter(beta1, 'beta1 of AdamOptimizer') as number;
    this.beta2 = requireHyperparameter(beta2, 'beta2 of AdamOptimizer') as number;
    this.epsilon = requireHyperparameter(epsilon, 'epsilon of AdamOptimizer') as number;
    for (const [what, value] of [['beta1', beta1], ['beta2', beta2], ['epsilon', epsilon]] as const) {
      if (typeof value !== 'number') throw new TypeError(`Expected a number for ${what} of AdamOptimizer but received ${typeof value}`);
    }
  }

  protected createSlots(vars: Variable[]): void {
    // Python puts the accumulators next to the variable that sorts first by name, so that every worker
    // agrees on where they live.
    const first = vars.reduce((a, b) => (b.name < a.name ? b : a));
    this.nonSlotVariable(this.beta1, 'beta1_power', first);
    this.nonSlotVariable(this.beta2, 'beta2_power', first);
    for (const v of vars) {
      this.zerosSlot(v, 'm');
      this.zerosSlot(v, 'v');
    }
  }

  protected prepare(g: Graph): void {
    this.#t = {
      lr: this.hyperTensor(g, this.learningRate, 'learning_rate'),
      beta1: this.hyperTensor(g, this.beta1, 'beta1'),
      beta2: this.hyperTensor(g, this.beta2, 'beta2'),
      epsilon: this.hyperTensor(g, this.epsilon, 'epsilon'),
    };
  }

  #powers(g: Graph): [Variable, Variable] {
    const b1 = this.getNonSlotVariable('beta1_power', g);
    const b2 = this.getNonSlotVariable('beta2_power', g);
    if (!b1 || !b2) throw new Error('AdamOptimizer: the power accumulators were not created (applyGradients creates them)');
    return [b1, b2];
  }

  protected applyDense(grad: Output, v: Variable): Operation {
    const g = v.graph;
    const t = this.#t!;
    const T = grad.dtype;
    const m = this.getSlot(v, 'm')!;
    const vv = this.getSlot(v, 'v')!;
    const [b1, b2] = this.#powers(g);
    return g.addOperation('ResourceApplyAdam', {
      inputs: [
        v.handle, m.handle, vv.handle,
        cast(g, b1.value(), T), cast(g, b2.value(), T),
        cast(g, t.lr, T), cast(g, t.beta1, T), cast(g, t.beta2, T), cast(g, t.epsilon, T),
        grad,
      ],
      attrs: { T, use_locking: this.useLocking, use_nesterov: false },
    });
  }

  /** After the updates, multiplies the power accumulators by beta1 and beta2. */
  protected finish(g: Graph, updates: Operation[], name: string | null): Operation {
    const [b1, b2] = this.#powers(g);
    const t = this.#t!;
    // As Python's `beta1_power * beta1_t`: a plain read (after the updates) and a Mul named 'mul'.
    const power = (p: Variable, beta: Output) => {
      const read = g.addOperation('ReadVariableOp', { inputs: [p.handle], attrs: { dtype: p.dtype }, name: 'ReadVariableOp' }).output(0);
      return p.assign(mul(g, read, beta), { readValue: false });
    };
    const powerUpdates = g.controlDependencies(updates, () => colocateWith(b1, () => [power(b1, t.beta1), power(b2, t.beta2)]));
    return super.finish(g, [...updates, ...powerUpdates], name);
  }
}

function mul(g: Graph, a: Output, b: Output): Output {
  return g.addOperation('Mul', { inputs: [a, b], attrs: { T: a.dtype }, name: 'mul' }).output(0);
}
