// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../../lib';
import { GradCase, InputSpec, describeGradients, floats, ints } from '../../helpers/gradient-check';
import { hasPythonTensorFlow } from '../../helpers/python';

/** Runs one op on constant inputs and returns its outputs as specs (not differentiated), for the ops that take them. */
function forward(type: string, inputs: InputSpec[], attrs: Record<string, unknown>): InputSpec[] {
  const g = new tf.Graph();
  // Placeholders, not constants: Grappler would fold a constant-only op and drop its other outputs.
  const feeds = inputs.map((s, i): [tf.Output, tf.Tensor] => [
    g.placeholder(s.dtype, s.shape, `in${i}`),
    tf.tensor(Array.from(s.values), s.shape, s.dtype),
  ]);
  const op = g.addOperation(type, { inputs: feeds.map(([p]) => p), attrs });
  const sess = new tf.Session(g);
  const values = sess.runSync(op.outputs, new Map(feeds)) as tf.Tensor[];
  sess.close();
  return values.map((t) => ({ values: Array.from(t.data() as Float32Array), shape: t.shape, dtype: t.dtype, wrt: false }));
}

const pool = { ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'VALID' };
// Distinct values, so that the maximum of each window is unique.
const poolInput: InputSpec = {
  values: Array.from({ length: 16 }, (_, i) => ((i * 7) % 16) / 8 - 1),
  shape: [1, 4, 4, 1],
  dtype: 'float64',
  wrt: false,
};
const [poolOutput] = forward('MaxPool', [poolInput], pool);

function batchNorm(format: 'NHWC' | 'NCHW', training: boolean, seed: number): GradCase {
  const shape = format === 'NHWC' ? [2, 2, 2, 3] : [2, 3, 2, 2];
  const x = floats(shape, seed, 'float32', -2, 2);
  const scale = floats([3], seed + 1, 'float32', 0.5, 1.5);
  const offset = floats([3], seed + 2, 'float32');
  const mean = floats([3], seed + 3, 'float32', -0.5, 0.5);
  const variance = floats([3], seed + 4, 'float32', 0.5, 1.5);
  const attrs = { epsilon: 0.001, data_format: format, is_training: training };
  const empty = (s: InputSpec): InputSpec => (training ? { ...s, shape: [0], values: [] } : s);
  const outs = forward('FusedBatchNormV3', [x, scale, offset, empty(mean), empty(variance)], attrs);
  const reserve = training ? [outs[3], outs[4], outs[5]] : [{ ...mean, wrt: false }, { ...variance, wrt: false }, outs[5]];
  return {
    name: `FusedBatchNormGradV3 ${format}${training ? ', training' : ', inference'}`,
    type: 'FusedBatchNormGradV3',
    inputs: [floats(shape, seed + 5, 'float32'), x, scale, ...reserve],
    attrs,
    outputs: [0, 1, 2],
    // In training the kernel reads x's batch statistics from the reserve spaces, where Python's gradient treats them
    // as functions of x: the finite differences of the op with them held do not measure it.
    pythonOnly: training ? [1] : [],
  };
}

const cases: GradCase[] = [
  { name: 'ReluGrad', type: 'ReluGrad', inputs: [floats([2, 3], 1), floats([2, 3], 2, 'float64', -1, 1, 0.1)] },
  { name: 'EluGrad', type: 'EluGrad', inputs: [floats([2, 3], 3), floats([2, 3], 4, 'float64', -0.9, 1, 0.1)] },
  { name: 'SoftplusGrad', type: 'SoftplusGrad', inputs: [floats([2, 3], 5), floats([2, 3], 6, 'float64', -2, 2)] },
  { name: 'TanhGrad', type: 'TanhGrad', inputs: [floats([2, 3], 7), floats([2, 3], 8)] },
  { name: 'SigmoidGrad', type: 'SigmoidGrad', inputs: [floats([2, 3], 9, 'float64', 0.1, 0.9), floats([2, 3], 10)] },
  { name: 'SqrtGrad', type: 'SqrtGrad', inputs: [floats([2, 3], 11, 'float64', 0.5, 2), floats([2, 3], 12)] },
  { name: 'RsqrtGrad', type: 'RsqrtGrad', inputs: [floats([2, 3], 13, 'float64', 0.5, 2), floats([2, 3], 14)] },
  { name: 'BiasAddGrad NHWC', type: 'BiasAddGrad', inputs: [floats([2, 3, 4], 15)] },
  { name: 'BiasAddGrad NCHW', type: 'BiasAddGrad', inputs: [floats([2, 3, 2, 2], 16)], attrs: { data_format: 'NCHW' } },
  { name: 'BiasAddGrad, a matrix', type: 'BiasAddGrad', inputs: [floats([4, 3], 17)] },
  { name: 'MaxPoolGrad', type: 'MaxPoolGrad', inputs: [poolInput, poolOutput, floats([1, 2, 2, 1], 18)], attrs: pool },
  batchNorm('NHWC', true, 20),
  batchNorm('NCHW', true, 30),
  batchNorm('NHWC', false, 40),
  // No NCHW inference case: without oneDNN, TensorFlow's CPU FusedBatchNormGradV3 runs inference in NHWC only.
  { name: 'Relu6Grad', type: 'Relu6Grad', inputs: [floats([2, 3], 60), floats([2, 3], 61, 'float64', -2, 8, 0.1)] },
  { name: 'SeluGrad', type: 'SeluGrad', inputs: [floats([2, 3], 62), floats([2, 3], 63, 'float64', -1.5, 1, 0.1)] },
  { name: 'ReciprocalGrad', type: 'ReciprocalGrad', inputs: [floats([2, 3], 64, 'float64', 0.5, 2), floats([2, 3], 65)] },
  { name: 'InvGrad', type: 'InvGrad', inputs: [floats([2, 3], 66, 'float64', 0.5, 2), floats([2, 3], 67)] },
  { name: 'MaxPoolGradGrad', type: 'MaxPoolGradGrad', inputs: [poolInput, poolOutput, floats([1, 4, 4, 1], 68)], attrs: pool },
  {
    name: 'MaxPoolGradV2',
    type: 'MaxPoolGradV2',
    inputs: [poolInput, poolOutput, floats([1, 2, 2, 1], 69), ints([1, 2, 2, 1]), ints([1, 2, 2, 1])],
    attrs: { padding: 'VALID' },
  },
  { name: 'AvgPoolGrad', type: 'AvgPoolGrad', inputs: [ints([1, 4, 4, 1]), floats([1, 2, 2, 1], 70)], attrs: pool },
];

describeGradients('second-order gradients', cases, hasPythonTensorFlow);
