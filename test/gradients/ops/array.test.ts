// SPDX-License-Identifier: Apache-2.0
import { GradCase, describeGradients, floats, ints } from '../../helpers/gradient-check';
import { hasPythonTensorFlow } from '../../helpers/python';

const scatterIndices = ints([1, 3], [2, 1]);

const cases: GradCase[] = [
  {
    name: 'ConcatV2 of three on axis 1',
    type: 'ConcatV2',
    inputs: [[floats([2, 1], 1), floats([2, 3], 2), floats([2, 2], 3)], ints([1], [])],
  },
  {
    name: 'ConcatV2 on axis -1 (int64 axis)',
    type: 'ConcatV2',
    inputs: [[floats([2, 2, 1], 4), floats([2, 2, 2], 5)], ints([-1], [], 'int64')],
  },
  { name: 'Concat (v1) on axis 0', type: 'Concat', inputs: [ints([0], []), [floats([1, 3], 7), floats([2, 3], 8)]] },
  { name: 'IdentityN', type: 'IdentityN', inputs: [[floats([2, 2], 9), floats([3], 10, 'float32')]] },
  { name: 'IdentityN, gradient into one output', type: 'IdentityN', inputs: [[floats([2], 11), floats([3], 12)]], outputs: [1] },
  { name: 'EnsureShape', type: 'EnsureShape', inputs: [floats([2, 3], 13)], attrs: { shape: [2, null] } },
  { name: 'PlaceholderWithDefault', type: 'PlaceholderWithDefault', inputs: [floats([2, 3], 14)], attrs: { shape: [null, 3] } },
  // Python has no gradient for Snapshot (tape.gradient raises): only the finite differences check it.
  { name: 'Snapshot', type: 'Snapshot', inputs: [floats([4], 15)], python: false },
  { name: 'TensorScatterUpdate', type: 'TensorScatterUpdate', inputs: [floats([4, 3], 16), scatterIndices, floats([2, 3], 17)] },
  { name: 'TensorScatterAdd', type: 'TensorScatterAdd', inputs: [floats([4, 3], 18), scatterIndices, floats([2, 3], 19)] },
  { name: 'TensorScatterSub', type: 'TensorScatterSub', inputs: [floats([4, 3], 20), scatterIndices, floats([2, 3], 21)] },
  { name: 'TensorScatterMax', type: 'TensorScatterMax', inputs: [floats([4, 3], 22), scatterIndices, floats([2, 3], 23)] },
  {
    name: 'TensorScatterMin (2-D indices)',
    type: 'TensorScatterMin',
    inputs: [floats([3, 2], 24), ints([0, 1, 2, 0], [2, 2]), floats([2], 25)],
  },
  // Not differentiable in Python: null for every input, where the finite differences are 0 too.
  { name: 'OnesLike (not differentiable)', type: 'OnesLike', inputs: [floats([3], 26)] },
  { name: 'ZerosLike (not differentiable)', type: 'ZerosLike', inputs: [floats([3], 27)] },
  { name: 'ConjugateTranspose', type: 'ConjugateTranspose', inputs: [floats([2, 3, 4], 28), ints([2, 0, 1])] },
  {
    name: 'MatrixDiagV3, a band, LEFT_RIGHT',
    type: 'MatrixDiagV3',
    inputs: [floats([2, 3], 29), ints([-1, 0]), ints([3], []), ints([4], []), { values: [0], shape: [], dtype: 'float64', wrt: false }],
    attrs: { align: 'LEFT_RIGHT' },
  },
  {
    name: 'MatrixDiagPartV3, a band',
    type: 'MatrixDiagPartV3',
    inputs: [floats([2, 3, 4], 30), ints([0, 1]), { values: [0], shape: [], dtype: 'float64', wrt: false }],
  },
  { name: 'MatrixSetDiagV3, k = 1', type: 'MatrixSetDiagV3', inputs: [floats([3, 4], 31), floats([3], 32), ints([1], [])] },
];

describeGradients('array gradients', cases, hasPythonTensorFlow);
