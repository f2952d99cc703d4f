// SPDX-License-Identifier: Apache-2.0
// tf.nn moments, batch normalization (composite and fused) and dropout, built from ops as Python builds them.
import { isFullyDefined } from '../base/shape';
import type { Output } from '../graph/operation';
import { getSeed } from '../graph/random-seed';
import { tensor } from '../tensor/tensor';
import { NameOption, TensorInput, graphFor, op1, opsMethod, requireRank, toTensor, withScope } from '../math/common';
import { FLOAT_DTYPES } from '../base/dtypes';

/**
 * Python's `tf.nn.moments(x, axes, keepdims?)` → `[mean, variance]`.
 * @example const [mean, variance] = tf.nn.moments(x, [0, 1, 2]);
 */
export function moments(x: TensorInput, axes: number[], options: { keepdims?: boolean; shift?: null } & NameOption = {}): [Output, Output] {
  const g = graphFor('nn.moments', x);
  return withScope(g, options.name ?? 'moments', () => {
    const y = toTensor(g, x, 'x');
    const mean = g.ops.mean(y, axes, { keepDims: true, name: 'mean' });
    const sq = op1(g, 'SquaredDifference', [y, op1(g, 'StopGradient', [mean], {}, 'StopGradient')], {}, 'SquaredDifference');
    const variance = g.ops.mean(sq, axes, { keepDims: true, name: 'variance' });
    if (options.keepdims) return [mean, variance];
    return [g.ops.squeeze(mean, { squeezeDims: axes, name: 'Squeeze' }), g.ops.squeeze(variance, { squeezeDims: axes, name: 'Squeeze' })];
  });
}

/** Python's `tf.nn.batch_normalization(x, mean, variance, offset, scale, varianceEpsilon)`. */
export function batchNormalization(x: TensorInput, mean: TensorInput, variance: TensorInput, offset: TensorInput | null,
  scale: TensorInput | null,
  varianceEpsilon: number, options: NameOption = {}): Output {
  const g = graphFor('nn.batchNormalization', x, mean, variance, offset, scale);
  return withScope(g, options.name ?? 'batchnorm', () => {
    const t = toTensor(g, x, 'x');
    let inv = op1(g, 'Rsqrt', [opsMethod(g, 'addV2')(variance, varianceEpsilon, { name: 'add' })], {}, 'Rsqrt');
    if (scale !== null && scale !== undefined) inv = opsMethod(g, 'mul')(inv, scale, { name: 'mul' });
    const xs = op1(g, 'Mul', [t, inv], {}, 'mul');
    const shift = offset !== null && offset !== undefined
      ? opsMethod(g, 'sub')(offset, opsMethod(g, 'mul')(mean, inv, { name: 'mul' }), { name: 'sub' })
      : op1(g, 'Mul', [op1(g, 'Neg', [toTensor(g, mean, 'mean')], {}, 'Neg'), inv], {}, 'mul');
    return op1(g, 'AddV2', [xs, shift], {}, 'add');
  });
}

export interface FusedBatchNormOptions extends NameOption {
  mean?: TensorInput;
  variance?: TensorInput;
  epsilon?: number;
  dataFormat?: 'NHWC' | 'NCHW';
  isTraining?: boolean;
  exponentialAvgFactor?: number;
}

/**
 * Python's `tf.compat.v1.nn.fused_batch_norm(x, scale, offset, …)` (FusedBatchNormV3) → `[y, batchMean, batchVariance]`.
 * @throws Error when x is not of rank 4.
 */
export function fusedBatchNorm(x: TensorInput, scale: TensorInput, offset: TensorInput, options: FusedBatchNormOptions = {}): [Output,
  Output, Output] {
  const g = graphFor('nn.fusedBatchNorm', x, scale, offset, options.mean, options.variance);
  const isTraining = options.isTraining ?? true;
  const t = toTensor(g, x, 'x');
  requireRank(t, [4], 'nn.fusedBatchNorm: x');
  if ((options.mean === undefined || options.variance === undefined) && !isTraining) {
    throw new Error('nn.fusedBatchNorm: mean and variance are required when isTraining is false');
  }
  const mean = options.mean ?? g.constant(tensor([], [0], 'float32'), { name: 'Const' });
  const variance = options.variance ?? g.constant(tensor([], [0], 'float32'), { name: 'Const' });
  // As Python: cuDNN's smallest epsilon.
  const epsilon = Math.max(options.epsilon ?? 0.001, 1.001e-5);
  const r = g.ops.fusedBatchNormV3(t, scale, offset, mean, variance, {
    epsilon, dataFormat: options.dataFormat ?? 'NHWC', isTraining, exponentialAvgFactor: options.exponentialAvgFactor ?? 1,
    name: options.name ?? 'FusedBatchNormV3',
  });
  return [r.y, r.batchMean, r.batchVariance];
}

/**
 * Python's `tf.nn.dropout(x, rate, noise_shape?, seed?)`: keeps each value with probability 1 - rate, scaled by
 * 1 / (1 - rate), built as Python builds it (random_uniform >= rate, SelectV2).
 * @throws RangeError for a rate outside [0, 1).
 */
export function dropout(x: TensorInput, options: { rate: number; noiseShape?: number[]; seed?: number } & NameOption): Output {
  const g = graphFor('nn.dropout', x);
  const { rate } = options;
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new RangeError(`nn.dropout: rate must be in [0, 1), but received ` +
    `${String(rate)}`);
  return withScope(g, options.name ?? 'dropout', () => {
    const t = toTensor(g, x, 'x');
    if (!FLOAT_DTYPES.has(t.dtype)) throw new TypeError(`nn.dropout: x must be a floating point tensor, but ${t} is ${t.dtype}`);
    const one = (v: number, name: string) => g.constant(tensor([v], [], t.dtype), { name });
    const scaled = op1(g, 'Mul', [t, one(1 / (1 - rate), 'Const')], {}, 'Mul');
    // As Python: the input's static shape is a 'Shape' Const of the dropout scope; a given noise shape is
    // converted inside random_uniform ('random_uniform/shape').
    const own = options.noiseShape ? null : isFullyDefined(t.shape)
      ? g.constant(tensor(t.shape, [t.shape.length], 'int32'), { name: 'Shape' }) : op1(g, 'Shape', [t], { out_type: 'int32' }, 'Shape');
    const [seed, seed2] = getSeed(g, options.seed);
    const rnd = withScope(g, 'random_uniform', () => {
      const shape = own ?? g.constant(tensor(options.noiseShape!, [options.noiseShape!.length], 'int32'), { name: 'shape' });
      return op1(g, 'RandomUniform', [shape], { dtype: t.dtype, seed, seed2 }, 'RandomUniform');
    });
    const keep = opsMethod(g, 'greaterEqual')(rnd, tensor([rate], [], t.dtype), { name: 'GreaterEqual' });
    return op1(g, 'SelectV2', [keep, scaled, one(0, 'Const')], {}, 'SelectV2');
  });
}
