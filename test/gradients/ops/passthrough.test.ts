// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../../lib';
import { lookupGradient } from '../../../lib/gradients/registry';
import { GradCase, InputSpec, describeGradients, floats, ints } from '../../helpers/gradient-check';
import { hasPythonTensorFlow } from '../../helpers/python';

const scalar = (value: number, dtype: tf.DType, wrt = true): InputSpec => ({ values: [value], shape: [], dtype, wrt });

const cases: GradCase[] = [
  { name: 'Reverse', type: 'Reverse', inputs: [floats([2, 3], 1), { values: [0, 1], shape: [2], dtype: 'bool', wrt: false }] },
  {
    name: 'StridedSliceGrad',
    type: 'StridedSliceGrad',
    inputs: [ints([4, 3]), ints([1, 0]), ints([4, 3]), ints([2, 2]), floats([2, 2], 2)],
  },
  { name: 'CheckNumericsV2', type: 'CheckNumericsV2', inputs: [floats([3], 3)], attrs: { message: 'x' } },
  { name: 'Print', type: 'Print', inputs: [floats([3], 4), [floats([2], 5)]], attrs: { message: 'p' } },
  // Straight-through estimators: the op is a step function (finite differences 0), its gradient the identity inside the range.
  {
    name: 'QuantizeAndDequantizeV2',
    type: 'QuantizeAndDequantizeV2',
    inputs: [floats([4], 6), scalar(-1, 'float64', false), scalar(1, 'float64', false)],
    pythonOnly: [0],
  },
  {
    name: 'FakeQuantWithMinMaxArgs',
    type: 'FakeQuantWithMinMaxArgs',
    inputs: [floats([5], 7, 'float32', -8, 8)],
    attrs: { min: -6, max: 6 },
    pythonOnly: [0],
  },
  {
    name: 'FakeQuantWithMinMaxVars',
    type: 'FakeQuantWithMinMaxVars',
    inputs: [floats([5], 8, 'float32', -8, 8), { values: [-6], shape: [], dtype: 'float32' }, { values: [6], shape: [], dtype: 'float32' }],
    pythonOnly: [0, 1, 2],
  },
  {
    name: 'FakeQuantWithMinMaxVarsPerChannel',
    type: 'FakeQuantWithMinMaxVarsPerChannel',
    inputs: [
      floats([2, 3], 9, 'float32', -8, 8),
      { values: [-6, -5, -4], shape: [3], dtype: 'float32' },
      { values: [6, 5, 4], shape: [3], dtype: 'float32' },
    ],
    pythonOnly: [0, 1, 2],
  },
  {
    name: 'QuantizeAndDequantizeV4',
    type: 'QuantizeAndDequantizeV4',
    inputs: [floats([4], 10, 'float32', -2, 2), scalar(-1, 'float32'), scalar(1, 'float32')],
    pythonOnly: [0, 1, 2],
  },
];

describeGradients('pass-through gradients', cases, hasPythonTensorFlow);

describe('PreventGradient', () => {
  it('refuses with the op message, as Python raises', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2]);
    const op = g.ops.preventGradient(x, { message: 'no second derivative here' }).op;
    const fn = lookupGradient('PreventGradient');
    expect(typeof fn).toBe('function');
    const call = () => (fn as Exclude<typeof fn, 'none' | undefined>)(op, g.constant([1, 1]));
    expect(call).toThrow(/Gradient explicitly disabled. Reason: no second derivative here/);
  });
});
