// SPDX-License-Identifier: Apache-2.0
import { GradCase, describeGradients, floats, ints } from '../../helpers/gradient-check';
import { hasPythonTensorFlow } from '../../helpers/python';

const valid3d = { strides: [1, 1, 1, 1, 1], padding: 'VALID' };
const same3d = { strides: [1, 2, 1, 2, 1], padding: 'SAME' };
const valid2d = { strides: [1, 1, 1, 1], padding: 'VALID' };
const same2d = { strides: [1, 2, 2, 1], padding: 'SAME' };

const cases: GradCase[] = [
  { name: 'Conv3D VALID', type: 'Conv3D', inputs: [floats([1, 3, 3, 3, 2], 1), floats([2, 2, 2, 2, 2], 2)], attrs: valid3d },
  { name: 'Conv3D SAME, strides 2', type: 'Conv3D', inputs: [floats([1, 3, 2, 3, 1], 3), floats([2, 1, 2, 1, 2], 4)], attrs: same3d },
  {
    name: 'Conv3DBackpropInputV2',
    type: 'Conv3DBackpropInputV2',
    inputs: [ints([1, 3, 3, 3, 2]), floats([2, 2, 2, 2, 2], 5), floats([1, 2, 2, 2, 2], 6)],
    attrs: valid3d,
  },
  {
    name: 'Conv3DBackpropFilterV2',
    type: 'Conv3DBackpropFilterV2',
    inputs: [floats([1, 3, 3, 3, 2], 7), ints([2, 2, 2, 2, 2]), floats([1, 2, 2, 2, 2], 8)],
    attrs: valid3d,
  },
  {
    name: 'Conv2DBackpropInput SAME, strides 2',
    type: 'Conv2DBackpropInput',
    inputs: [ints([1, 4, 4, 2]), floats([3, 3, 2, 3], 9), floats([1, 2, 2, 3], 10)],
    attrs: same2d,
  },
  {
    name: 'Conv2DBackpropFilter VALID',
    type: 'Conv2DBackpropFilter',
    inputs: [floats([1, 4, 4, 2], 11), ints([2, 2, 2, 3]), floats([1, 3, 3, 3], 12)],
    attrs: valid2d,
  },
  {
    name: 'Conv2DBackpropFilter SAME, strides 2',
    type: 'Conv2DBackpropFilter',
    inputs: [floats([2, 4, 3, 1], 13), ints([3, 3, 1, 2]), floats([2, 2, 2, 2], 14)],
    attrs: same2d,
  },
  {
    name: 'DepthwiseConv2dNativeBackpropInput',
    type: 'DepthwiseConv2dNativeBackpropInput',
    inputs: [ints([1, 4, 4, 2]), floats([2, 2, 2, 2], 15), floats([1, 3, 3, 4], 16)],
    attrs: valid2d,
  },
  {
    name: 'DepthwiseConv2dNativeBackpropFilter SAME, strides 2',
    type: 'DepthwiseConv2dNativeBackpropFilter',
    inputs: [floats([1, 4, 4, 2], 17), ints([3, 3, 2, 1]), floats([1, 2, 2, 2], 18)],
    attrs: same2d,
  },
];

describeGradients('convolution gradients', cases, hasPythonTensorFlow);
