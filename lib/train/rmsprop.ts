// SPDX-License-Identifier: Apache-2.0
// RMSProp (Python's tf.compat.v1.train.RMSPropOptimizer) on ResourceApplyRMSProp / ResourceApplyCenteredRMSProp.
import type { Graph } from '../graph/graph';
import { Output, isOutputConvertible } from '../graph/operation';
import type { Operation } from '../graph/operation';
import type { Variable } from '../variables/variable';
import { optionalObject, requireBoolean } from '../base/validate';
import { Hyperparameter, Optimizer, cast, requireHyperparameter } from './optimizer';

export interface RMSPropOptions {
  /** Discounting factor of the squared-gradient average (default 0.9). */
  decay?: Hyperparameter;
  /** Default 0. */
  momentum?: Hyperparameter;
  /** Added to the denominator (default 1e-10). */
  epsilon?: Hyperparameter;
  /** Normalize by the gradient's estimated variance rather than its second moment (default false). */
  centered?: boolean;
  /** Take the variables' locks while updating (default false). */
  useLocking?: boolean;
  /** The update scope's name and the slots' suffix (default 'RMSProp'). */
  name?: string;
}

function isOutputLike(value: unknown): boolean {
  return value instanceof Output || isOutputConvertible(value);
}

/**
 * RMSProp. Slots, named as Python names them: 'rms' (`w/RMSProp`, starting at ones), with `centered` 'mg'
 * (`w/RMSProp_1`), and 'momentum' (`w/RMSProp_1`, or `w/RMSProp_2` when centered).
 * @example const step = new tf.train.RMSPropOptimizer(1e-3, { decay: 0.9 }).minimize(loss);
 */
export class RMSPropOptimizer extends Optimizer {
  readonly learningRate: Hyperparameter;
  readonly decay: Hyperparameter;
  readonly momentum: Hyperparameter;
  readonly epsilon: Hyperparameter;
  readonly centered: boolean;
  #t: { lr: Output; decay: Output; momentum: Output; epsilon: Output } | undefined;

  /**
   * Takes the hyperparameters in an options object, or positionally as Python does
   * (`new RMSPropOptimizer(lr, decay, momentum, epsilon, {centered})`).
   * @throws TypeError/RangeError for hyperparameters that are not numbers, tensors or functions.
   */
  constructor(learningRate: Hyperparameter, options?: RMSPropOptions);
  constructor(
    learningRate: Hyperparameter,
    decay: Hyperparameter,
    momentum?: Hyperparameter,
    epsilon?: Hyperparameter,
    options?: Omit<RMSPropOptions, 'decay' | 'momentum' | 'epsilon'>,
  );
  constructor(
    learningRate: Hyperparameter,
    decayOrOptions?: Hyperparameter | RMSPropOptions,
    momentum?: Hyperparameter,
    epsilon?: Hyperparameter,
    rest?: Omit<RMSPropOptions, 'decay' | 'momentum' | 'epsilon'>,
  ) {
    const positional =
      decayOrOptions !== undefined && (typeof decayOrOptions !== 'object' || decayOrOptions === null || isOutputLike(decayOrOptions));
    const options: RMSPropOptions = positional
      ? { ...optionalObject(rest, 'the options of RMSPropOptimizer'), decay: decayOrOptions as Hyperparameter, momentum, epsilon }
      : (optionalObject(decayOrOptions, 'the options of RMSPropOptimizer') as RMSPropOptions);
    super(options.name ?? 'RMSProp', options.useLocking ?? false);
    this.learningRate = requireHyperparameter(learningRate, 'the learning rate of RMSPropOptimizer');
    this.decay = requireHyperparameter(options.decay ?? 0.9, 'decay of RMSPropOptimizer');
    this.momentum = requireHyperparameter(options.momentum ?? 0, 'momentum of RMSPropOptimizer');
    this.epsilon = requireHyperparameter(options.epsilon ?? 1e-10, 'epsilon of RMSPropOptimizer');
    this.centered = options.centered === undefined ? false : requireBoolean(options.centered, 'centered of RMSPropOptimizer');
  }

  protected createSlots(vars: Variable[]): void {
    for (const v of vars) {
      this.slotWithInitializer(v, 'rms', 1);
      if (this.centered) this.zerosSlot(v, 'mg');
      this.zerosSlot(v, 'momentum');
    }
  }

  protected prepare(g: Graph): void {
    this.#t = {
      lr: this.hyperTensor(g, this.learningRate, 'learning_rate'),
      decay: this.hyperTensor(g, this.decay, 'decay'),
      momentum: this.hyperTensor(g, this.momentum, 'momentum'),
      epsilon: this.hyperTensor(g, this.epsilon, 'epsilon'),
    };
  }

  protected applyDense(grad: Output, v: Variable): Operation {
    const g = v.graph;
    const t = this.#t!;
    const T = grad.dtype;
    const rms = this.getSlot(v, 'rms')!;
    const mom = this.getSlot(v, 'momentum')!;
    const hyper = [cast(g, t.lr, T), cast(g, t.decay, T), cast(g, t.momentum, T), cast(g, t.epsilon, T), grad];
    const attrs = { T, use_locking: this.useLocking };
    if (this.centered) {
      const mg = this.getSlot(v, 'mg')!;
      return g.addOperation('ResourceApplyCenteredRMSProp', { inputs: [v.handle, mg.handle, rms.handle, mom.handle, ...hyper], attrs });
    }
    return g.addOperation('ResourceApplyRMSProp', { inputs: [v.handle, rms.handle, mom.handle, ...hyper], attrs });
  }
}
