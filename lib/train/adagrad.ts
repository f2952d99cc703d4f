// SPDX-License-Identifier: Apache-2.0
// Adagrad (Python's tf.compat.v1.train.AdagradOptimizer) on ResourceApplyAdagrad / ResourceSparseApplyAdagrad.
import type { Graph } from '../graph/graph';
import type { Operation, Output } from '../graph/operation';
import type { Variable } from '../variables/variable';
import { optionalObject } from '../base/validate';
import { Hyperparameter, Optimizer, cast, requireHyperparameter } from './optimizer';

export interface AdagradOptions {
  /** Take the variables' locks while updating (default false). */
  useLocking?: boolean;
  /** The update scope's name and the slot's suffix (default 'Adagrad': slot `w/Adagrad`). */
  name?: string;
}

/**
 * Adagrad: `accum += grad²; variable -= learningRate * grad / sqrt(accum)`. Slot: 'accumulator' (`w/Adagrad`).
 * @example const step = new tf.train.AdagradOptimizer(0.1).minimize(loss);
 */
export class AdagradOptimizer extends Optimizer {
  readonly learningRate: Hyperparameter;
  readonly initialAccumulatorValue: number;

  /**
   * @param learningRate a number, a scalar float tensor or a function returning either.
   * @param initialAccumulatorValue where every accumulator starts (default 0.1, must be positive).
   * @throws TypeError/RangeError for hyperparameters of the wrong kind.
   */
  constructor(learningRate: Hyperparameter, initialAccumulatorValue = 0.1, options: AdagradOptions = {}) {
    optionalObject(options, 'the options of AdagradOptimizer');
    super(options.name ?? 'Adagrad', options.useLocking ?? false);
    this.learningRate = requireHyperparameter(learningRate, 'the learning rate of AdagradOptimizer');
    if (typeof initialAccumulatorValue !== 'number' || !(initialAccumulatorValue > 0)) {
      const got = String(initialAccumulatorValue);
      throw new RangeError(`initialAccumulatorValue of AdagradOptimizer must be a positive number but received ${got}`);
    }
    this.initialAccumulatorValue = initialAccumulatorValue;
  }

  protected createSlots(vars: Variable[]): void {
    for (const v of vars) this.slotWithInitializer(v, 'accumulator', this.initialAccumulatorValue);
  }

  protected prepare(g: Graph): void {
    this.hyperTensor(g, this.learningRate, 'learning_rate');
  }

  protected applyDense(grad: Output, v: Variable): Operation {
    const g = v.graph;
    return g.addOperation('ResourceApplyAdagrad', {
      inputs: [v.handle, this.getSlot(v, 'accumulator')!.handle, cast(g, this.hyperparameter('learning_rate'), grad.dtype), grad],
      attrs: { T: grad.dtype, use_locking: this.useLocking, update_slots: true },
    });
  }
}
