// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../../lib';
import { GradCase, InputSpec, describeGradients, floats, ints, uniform } from '../../helpers/gradient-check';
import { hasPythonTensorFlow } from '../../helpers/python';

/** Labels whose rows sum to 1: the op's backprop output is the loss gradient only for distributions. */
function distributions(rows: number, cols: number, seed: number, dtype: tf.DType = 'float64'): InputSpec {
  const v = uniform(rows * cols, seed, 0.1, 1);
  for (let r = 0; r < rows; r++) {
    const row = v.slice(r * cols, (r + 1) * cols);
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((x, c) => (v[r * cols + c] = x / total));
  }
  return { values: v, shape: [rows, cols], dtype };
}

/** Fused batch norm on float32 (its only CPU type); in inference the population statistics are held (Python: no gradient). */
function batchNorm(type: string, format: 'NHWC' | 'NCHW', training: boolean, seed: number): GradCase {
  const shape = format === 'NHWC' ? [2, 2, 2, 3] : [2, 3, 2, 2];
  const stat = (lo: number, hi: number, k: number): InputSpec =>
    training ? { values: [], shape: [0], dtype: 'float32', wrt: false } : { ...floats([3], seed + k, 'float32', lo, hi), wrt: false };
  return {
    name: `${type} ${format}${training ? ', training' : ', inference'}`,
    type,
    inputs: [
      floats(shape, seed, 'float32', -2, 2),
      floats([3], seed + 1, 'float32', 0.5, 1.5),
      floats([3], seed + 2, 'float32'),
      stat(-0.5, 0.5, 3),
      stat(0.5, 1.5, 4),
    ],
    attrs: { epsilon: 0.001, data_format: format, is_training: training },
    // Python differentiates y only: the batch statistics outputs get no gradient.
    outputs: [0],
  };
}

const cases: GradCase[] = [
  batchNorm('FusedBatchNormV3', 'NHWC', true, 40),
  batchNorm('FusedBatchNormV3', 'NCHW', true, 50),
  batchNorm('FusedBatchNormV3', 'NCHW', false, 60),
  batchNorm('FusedBatchNormV2', 'NHWC', true, 70),
  batchNorm('FusedBatchNormV2', 'NHWC', false, 80),
  batchNorm('FusedBatchNorm', 'NHWC', true, 90),
  batchNorm('FusedBatchNorm', 'NCHW', false, 100),
  ...(['float64', 'float32'] as const).map((dtype): GradCase => ({
    name: `SoftmaxCrossEntropyWithLogits ${dtype}, loss and backprop outputs`,
    type: 'SoftmaxCrossEntropyWithLogits',
    // As in Python, the labels' gradient ignores the backprop output's: the labels are held constant here.
    inputs: [floats([3, 4], 1, dtype), { ...distributions(3, 4, 2, dtype), wrt: false }],
  })),
  // float16 (the C++ gradient builds for float32 only): finite differences at half precision, a wide step.
  {
    name: 'SoftmaxCrossEntropyWithLogits float16',
    type: 'SoftmaxCrossEntropyWithLogits',
    inputs: [floats([2, 3], 11, 'float16'), distributions(2, 3, 12, 'float16')],
    outputs: [0],
    eps: 0.05,
    tol: 2e-2,
    pythonTol: 2e-3,
  },
  {
    name: 'SoftmaxCrossEntropyWithLogits, loss output only',
    type: 'SoftmaxCrossEntropyWithLogits',
    inputs: [floats([2, 5], 3), distributions(2, 5, 4)],
    outputs: [0],
  },
  {
    name: 'SparseSoftmaxCrossEntropyWithLogits, loss and backprop outputs',
    type: 'SparseSoftmaxCrossEntropyWithLogits',
    inputs: [floats([3, 4], 5), ints([0, 3, 2])],
  },
  {
    name: 'SparseSoftmaxCrossEntropyWithLogits int64 labels, loss output only',
    type: 'SparseSoftmaxCrossEntropyWithLogits',
    inputs: [floats([4, 3], 6), ints([2, 0, 1, 1], [4], 'int64')],
    outputs: [0],
  },
  { name: 'BiasAddV1', type: 'BiasAddV1', inputs: [floats([2, 3, 4], 7), floats([4], 8)] },
  {
    name: 'TopKV2',
    type: 'TopKV2',
    inputs: [
      { values: [0.5, -0.3, 0.9, 0.1, -0.7, 0.2, 0.8, -0.1, 0.35, 0.6, -0.45, 0.05], shape: [3, 4], dtype: 'float64' },
      ints([2], [], 'int32'),
    ],
  },
  {
    name: 'MaxPoolWithArgmax',
    type: 'MaxPoolWithArgmax',
    inputs: [{ values: Array.from({ length: 16 }, (_, i) => ((i * 7) % 16) / 8 - 1), shape: [1, 4, 4, 1], dtype: 'float32' }],
    attrs: { ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'VALID' },
    outputs: [0],
  },
  // CTCLossV2 (cuDNN's) has a GPU kernel only; it shares this gradient function.
  {
    name: 'CTCLoss',
    type: 'CTCLoss',
    inputs: [floats([3, 2, 4], 110, 'float32', -2, 2), ints([0, 0, 0, 1, 1, 0], [3, 2], 'int64'), ints([1, 2, 1]), ints([3, 3])],
    outputs: [0],
  },
  {
    name: 'Dilation2D',
    type: 'Dilation2D',
    inputs: [floats([1, 4, 4, 2], 120), floats([2, 2, 2], 121)],
    attrs: { strides: [1, 1, 1, 1], rates: [1, 1, 1, 1], padding: 'VALID' },
  },
  { name: 'NthElement', type: 'NthElement', inputs: [floats([2, 5], 122), ints([2], [])] },
  {
    name: 'NthElement reverse, a tie',
    type: 'NthElement',
    inputs: [{ values: [0.3, 0.7, 0.7, 0.1], shape: [4], dtype: 'float64' }, ints([0], [])],
    attrs: { reverse: true },
    pythonOnly: [0],
  },
];

describeGradients('nn gradients', cases, hasPythonTensorFlow);
