// SPDX-License-Identifier: Apache-2.0
// Python's tf.compat.v1.train.ExponentialMovingAverage: one shadow variable per variable, named as Python names
// it ('w/ExponentialMovingAverage'), so checkpoints and variablesToRestore line up with Python's.
import type { Graph } from '../graph/graph';
import { getDefaultGraph } from '../graph/default-graph';
import { GraphKeys } from '../graph/graph-keys';
import type { Operation, Output } from '../graph/operation';
import { tensor } from '../tensor/tensor';
import { Variable } from '../variables/variable';
import { TensorInput, graphFor, op1, opsMethod, toTensor, withScope } from '../math/common';

export interface ExponentialMovingAverageOptions {
  /** A step count: the decay is min(decay, (1 + numUpdates) / (10 + numUpdates)), as in Python. */
  numUpdates?: TensorInput;
  /** The name of the shadow variables' suffix and of the update op (default 'ExponentialMovingAverage'). */
  name?: string;
}

/**
 * Python's `tf.compat.v1.train.ExponentialMovingAverage(decay, num_updates?)`.
 * @example
 * const ema = new tf.train.ExponentialMovingAverage(0.999, { numUpdates: step });
 * const maintain = ema.apply(g.trainableVariables());
 * const shadow = ema.average(w); // 'w/ExponentialMovingAverage'
 */
export class ExponentialMovingAverage {
  readonly decay: number;
  readonly name: string;
  readonly #numUpdates: TensorInput | undefined;
  readonly #averages = new Map<Variable, Variable>();

  constructor(decay: number, options: ExponentialMovingAverageOptions = {}) {
    if (typeof decay !== 'number' || !(decay >= 0 && decay <= 1)) throw new RangeError(`ExponentialMovingAverage: decay must be in [0, ` +
      `1], but received ${String(decay)}`);
    this.decay = decay;
    this.name = options.name ?? 'ExponentialMovingAverage';
    this.#numUpdates = options.numUpdates;
  }

  /**
   * Creates the shadow variables (initialised with the variables' initial values) and returns the op that
   * moves each shadow towards its variable (Python's `apply`).
   * @throws Error for a variable seen before or not of a float dtype.
   */
  apply(varList: Variable[]): Operation {
    if (!Array.isArray(varList) || varList.length === 0) throw new TypeError('ExponentialMovingAverage.apply needs a non-empty array of ' +
      'Variables');
    const g = graphFor('ExponentialMovingAverage.apply', varList, this.#numUpdates);
    for (const v of varList) {
      if (!(v instanceof Variable)) throw new TypeError(`ExponentialMovingAverage.apply: ${String(v)} is not a Variable`);
      if (v.dtype !== 'float32' && v.dtype !== 'float64' && v.dtype !== 'float16') {
        throw new TypeError(`ExponentialMovingAverage.apply: ${v.name} has dtype ${v.dtype}; only float variables have averages`);
      }
      if (this.#averages.has(v)) throw new Error(`ExponentialMovingAverage.apply: ${v.name} already has an average ` +
        `(${this.averageName(v)})`);
    }
    for (const v of varList) {
      const shadow = g.nameScope('', () => g.controlDependencies(null, () =>
        g.variable(v.initializedValue(), { name: this.averageName(v), trainable: false, dtype: v.dtype })));
      this.#averages.set(v, shadow);
      g.addToCollection(GraphKeys.MOVING_AVERAGE_VARIABLES, v);
    }
    return withScope(g, this.name, (scope) => {
      let decay = g.constant(tensor([this.decay], [], 'float32'), { name: 'decay' });
      if (this.#numUpdates !== undefined) {
        const n = op1(g, 'Cast', [toTensor(g, this.#numUpdates, 'num_updates')], { DstT: 'float32' }, 'num_updates');
        const ratio = op1(g, 'RealDiv', [opsMethod(g, 'addV2')(tensor([1], [], 'float32'), n, { name: 'add' }),
          opsMethod(g, 'addV2')(tensor([10], [], 'float32'), n, { name: 'add' })], {}, 'truediv');
        decay = op1(g, 'Minimum', [decay, ratio], {}, 'Minimum');
      }
      const updates = varList.map((v) => this.#assignMovingAverage(g, this.#averages.get(v)!, v, decay));
      return g.addOperation('NoOp', { name: scope, controlInputs: updates });
    });
  }

  #assignMovingAverage(g: Graph, average: Variable, value: Variable, decay: Output): Operation {
    return withScope(g, 'AssignMovingAvg', (scope) => {
      const oneMinus = opsMethod(g, 'sub')(tensor([1], [], 'float32'), decay, { name: 'sub' });
      const d = average.dtype === 'float32' ? oneMinus : op1(g, 'Cast', [oneMinus], { DstT: average.dtype }, 'Cast');
      const delta = op1(g, 'Mul', [op1(g, 'Sub', [average, value], {}, 'sub'), d], {}, 'mul');
      return g.addOperation('AssignSubVariableOp', { inputs: [average.handle, delta], attrs: { dtype: average.dtype }, name: scope });
    });
  }

  /** The shadow variable of `v` (undefined before `apply`). */
  average(v: Variable): Variable | undefined {
    return this.#averages.get(v);
  }

  /** The shadow variable's name: `${v.name}/${this.name}`. */
  averageName(v: Variable): string {
    return `${v.name}/${this.name}`;
  }

  /**
   * Python's `variables_to_restore()`: for a Saver that loads the averages into the variables — each moving-average
   * variable under its average's name, every other global variable under its own.
   */
  variablesToRestore(movingAvgVariables?: Variable[], graph?: Graph): Record<string, Variable> {
    // Python reads the default graph's collections; the graph of what apply() saw is the better guess when it differs.
    const g = graph ?? (this.#averages.size ? [...this.#averages.keys()][0].graph : getDefaultGraph());
    const averaged = movingAvgVariables ?? [...g.getCollection<Variable>(GraphKeys.MOVING_AVERAGE_VARIABLES), ...g.trainableVariables()];
    const result: Record<string, Variable> = {};
    for (const v of averaged) result[this.averageName(v)] = v;
    const shadows = new Set(this.#averages.values());
    for (const v of g.globalVariables()) {
      if (averaged.includes(v) || shadows.has(v)) continue;
      result[v.name] = v;
    }
    return result;
  }
}
