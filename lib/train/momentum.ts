// SPDX-License-Identifier: Apache-2.0
// Momentum, optionally Nesterov's (Python's tf.compat.v1.train.MomentumOptimizer) on ResourceApplyMomentum.
import type { Graph } from '../graph/graph';
import type { Operation, Output } from '../graph/operation';
import type { Variable } from '../variables/variable';
import { optionalObject, requireBoolean } from '../base/validate';
import { Hyperparameter, Optimizer, cast, requireHyperparameter } from './optimizer';

export interface MomentumOptions {
  /** Nesterov momentum (default false). */
  useNesterov?: boolean;
  /** Take the variables' locks while updating (default false). */
  useLocking?: boolean;
  /** The update scope's name and the slots' suffix (default 'Momentum': slot `w/Momentum`). */
  name?: string;
}

/**
 * `accum = momentum * accum + gradient; variable -= learningRate * accum` (with Nesterov:
 * `variable -= learningRate * (gradient + momentum * accum)`). Slot: 'momentum' (`w/Momentum`).
 * @example const step = new tf.train.MomentumOptimizer(0.01, 0.9, { useNesterov: true }).minimize(loss);
 */
export class MomentumOptimizer extends Optimizer {
  readonly learningRate: Hyperparameter;
  readonly momentum: Hyperparameter;
  readonly useNesterov: boolean;
  #lr: Output | undefined;
  #momentum: Output | undefined;

  /** @throws TypeError/RangeError for hyperparameters that are not numbers, tensors or functions. */
  constructor(learningRate: Hyperparameter, momentum: Hyperparameter, options: MomentumOptions = {}) {
    optionalObject(options, 'the options of MomentumOptimizer');
    super(options.name ?? 'Momentum', options.useLocking ?? false);
    this.learningRate = requireHyperparameter(learningRate, 'the learning rate of MomentumOptimizer');
    this.momentum = requireHyperparameter(momentum, 'the momentum of MomentumOptimizer');
    this.useNesterov = options.useNesterov === undefined ? false : requireBoolean(options.useNesterov, 'useNesterov of MomentumOptimizer');
  }

  protected createSlots(vars: Variable[]): void {
    for (const v of vars) this.zerosSlot(v, 'momentum');
  }

  protected prepare(g: Graph): void {
    this.#lr = this.hyperTensor(g, this.learningRate, 'learning_rate');
    this.#momentum = this.hyperTensor(g, this.momentum, 'momentum');
  }

  protected applyDense(grad: Output, v: Variable): Operation {
    const g = v.graph;
    const accum = this.getSlot(v, 'momentum')!;
    return g.addOperation('ResourceApplyMomentum', {
      inputs: [v.handle, accum.handle, cast(g, this.#lr!, grad.dtype), grad, cast(g, this.#momentum!, grad.dtype)],
      attrs: { T: grad.dtype, use_locking: this.useLocking, use_nesterov: this.useNesterov },
    });
  }
}
