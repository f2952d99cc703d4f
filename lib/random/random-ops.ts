// SPDX-License-Identifier: Apache-2.0
// Python's tf.random (tf.compat.v1.random_*): the same ops, node names and seeds (random_seed.get_seed from
// the graph seed and the op seed), so a seeded program draws Python's numbers.
import type { DType } from '../base/dtypes';
import { getDefaultGraph } from '../graph/default-graph';
import type { Graph } from '../graph/graph';
import type { Output } from '../graph/operation';
import { getSeed } from '../graph/random-seed';
import { tensor } from '../tensor/tensor';
import { NameOption, TensorInput, graphFor, isSymbolic, op1, optionalDType, toTensor, withScope } from '../math/common';
import { isIntegerDType } from '../base/dtypes';

export interface RandomOptions extends NameOption {
  dtype?: DType;
  /** The op-level seed (Python's `seed=`), combined with the graph seed as Python combines them. */
  seed?: number;
}

function shapeTensor(g: Graph, shape: TensorInput): Output {
  if (isSymbolic(shape)) return g._toOutput(shape, 'shape');
  if (!Array.isArray(shape)) throw new TypeError(`Expected an array of dimensions for the shape but received ${String(shape)}`);
  return g.constant(tensor(shape as number[], [shape.length], 'int32'), { name: 'shape' });
}

function scalar(g: Graph, value: TensorInput, name: string, dtype: DType): Output {
  if (isSymbolic(value)) return toTensor(g, value, name, dtype);
  return g.constant(tensor(dtype === 'int64' ? [BigInt(value as number)] : [value as number], [], dtype), { name });
}

function normalLike(kind: 'random_normal' | 'truncated_normal', opType: string) {
  return (shape: TensorInput, options: { mean?: TensorInput; stddev?: TensorInput } & RandomOptions = {}): Output => {
    const g = graphFor(`random.${kind}`, shape, options.mean, options.stddev);
    const dtype = optionalDType(options.dtype, 'dtype') ?? 'float32';
    return withScope(g, options.name ?? kind, (scope) => {
      const dims = shapeTensor(g, shape);
      const mean = scalar(g, options.mean ?? 0, 'mean', dtype);
      const stddev = scalar(g, options.stddev ?? 1, 'stddev', dtype);
      const [seed, seed2] = getSeed(g, options.seed);
      const rnd = op1(g, opType, [dims], { dtype, seed, seed2 }, opType);
      return op1(g, 'AddV2', [op1(g, 'Mul', [rnd, stddev], {}, 'mul'), mean], {}, scope);
    });
  };
}

/**
 * Normally distributed values (Python's `tf.random.normal`).
 * @example tf.setRandomSeed(1); tf.random.normal([4], { seed: 2 }) // Python's four numbers
 */
export const normal = normalLike('random_normal', 'RandomStandardNormal');

/** Truncated normal values, redrawn beyond two standard deviations (Python's `tf.random.truncated_normal`). */
export const truncatedNormal = normalLike('truncated_normal', 'TruncatedNormal');

/** Uniform values in [minval, maxval) (Python's `tf.random.uniform`; integers need `maxval`). */
export function uniform(shape: TensorInput, options: { minval?: TensorInput; maxval?: TensorInput } & RandomOptions = {}): Output {
  const g = graphFor('random.uniform', shape, options.minval, options.maxval);
  const dtype = optionalDType(options.dtype, 'dtype') ?? 'float32';
  const integer = isIntegerDType(dtype);
  if (integer && (options.maxval === undefined || options.maxval === null)) {
    throw new Error(`random.uniform: maxval must be given for the integer dtype ${dtype}`);
  }
  const minval = options.minval ?? 0;
  const maxval = options.maxval ?? 1;
  // Python skips min and max for [0, 1) and scales only for [0, max): its `isinstance(minval, int)` tests.
  const minIsZero = minval === 0;
  const maxIsOne = maxval === 1;
  return withScope(g, options.name ?? 'random_uniform', (scope) => {
    const dims = shapeTensor(g, shape);
    let min: Output | undefined;
    let max: Output | undefined;
    if (!minIsZero || !maxIsOne || integer) {
      min = scalar(g, minval, 'min', dtype);
      max = scalar(g, maxval, 'max', dtype);
    }
    const [seed, seed2] = getSeed(g, options.seed);
    if (integer) return op1(g, 'RandomUniformInt', [dims, min!, max!], { seed, seed2 }, scope);
    const rnd = op1(g, 'RandomUniform', [dims], { dtype, seed, seed2 }, 'RandomUniform');
    if (minIsZero) return maxIsOne ? rnd : op1(g, 'Mul', [rnd, max!], {}, 'Mul');
    return op1(g, 'AddV2', [op1(g, 'Mul', [rnd, op1(g, 'Sub', [max!, min!], {}, 'sub')], {}, 'mul'), min!], {}, scope);
  });
}

/** Python's `tf.random.shuffle`: shuffles along the first dimension. */
export function shuffle(value: TensorInput, options: { seed?: number } & NameOption = {}): Output {
  const g = graphFor('random.shuffle', value);
  const [seed, seed2] = getSeed(g, options.seed);
  return g.ops.randomShuffle(value, { seed, seed2, name: options.name ?? 'RandomShuffle' });
}

/** The default graph's graph-level seed (undefined when unset). */
export function graphSeed(): number | undefined {
  return getDefaultGraph().seed;
}
