// SPDX-License-Identifier: Apache-2.0
// Plain gradient descent (Python's tf.compat.v1.train.GradientDescentOptimizer) on ResourceApplyGradientDescent.
import type { Graph } from '../graph/graph';
import type { Operation, Output } from '../graph/operation';
import type { Variable } from '../variables/variable';
import { optionalObject } from '../base/validate';
import { Hyperparameter, Optimizer, cast, requireHyperparameter } from './optimizer';

export interface GradientDescentOptions {
  /** Take the variables' locks while updating (default false). */
  useLocking?: boolean;
  /** The update scope's name (default 'GradientDescent'). */
  name?: string;
}

/**
 * `variable -= learningRate * gradient`.
 * @example const step = new tf.train.GradientDescentOptimizer(0.1).minimize(loss);
 */
export class GradientDescentOptimizer extends Optimizer {
  readonly learningRate: Hyperparameter;
  #lr: Output | undefined;

  /**
   * @param learningRate a number, a scalar float tensor (e.g. a placeholder or a decayed rate), or a function
   *   returning either.
   * @throws TypeError/RangeError for a learning rate that is none of these.
   */
  constructor(learningRate: Hyperparameter, options: GradientDescentOptions = {}) {
    optionalObject(options, 'the options of GradientDescentOptimizer');
    super(options.name ?? 'GradientDescent', options.useLocking ?? false);
    this.learningRate = requireHyperparameter(learningRate, 'the learning rate of GradientDescentOptimizer');
  }

  protected prepare(g: Graph): void {
    this.#lr = this.hyperTensor(g, this.learningRate, 'learning_rate');
  }

  protected applyDense(grad: Output, v: Variable): Operation {
    const g = v.graph;
    return g.addOperation('ResourceApplyGradientDescent', {
      inputs: [v.handle, cast(g, this.#lr!, grad.dtype), grad],
      attrs: { T: grad.dtype, use_locking: this.useLocking },
    });
  }
}
