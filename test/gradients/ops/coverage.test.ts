// SPDX-License-Identifier: Apache-2.0
// The op types issue 16 asks gradients for are registered once the package is loaded (lib/index.ts imports
// lib/gradients/ops), with the not-differentiable ones declared so, as in Python.
import '../../../lib';
import { lookupGradient } from '../../../lib/gradients/registry';

const WITH_FUNCTION = [
  'SparseSoftmaxCrossEntropyWithLogits', 'SoftmaxCrossEntropyWithLogits', 'ConcatV2', 'Concat', 'SparseSegmentSum', 'SparseSegmentMean',
  'SparseSegmentSqrtN', 'SparseSegmentSumWithNumSegments', 'SparseSegmentMeanWithNumSegments', 'SparseSegmentSqrtNWithNumSegments',
  'FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3', 'BiasAddV1', 'IdentityN', 'EnsureShape', 'PlaceholderWithDefault', 'Snapshot',
  'FloorDiv', 'TruncateDiv', 'Round', 'FloorMod', 'MulNoNan', 'Xlogy', 'Xdivy', 'Erfc', 'Digamma', 'Cumprod', 'EuclideanNorm',
  'TensorScatterUpdate', 'TensorScatterAdd', 'TopKV2', 'SparseTensorDenseMatMul', 'Conv3D', 'Conv3DBackpropInputV2',
  'Conv3DBackpropFilterV2', 'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
  'ReluGrad', 'TanhGrad', 'SigmoidGrad', 'BiasAddGrad', 'MaxPoolGrad', 'SoftplusGrad', 'EluGrad', 'SqrtGrad', 'RsqrtGrad',
  'FusedBatchNormGradV3',
];

describe('gradient coverage', () => {
  it.each(WITH_FUNCTION)('%s has a TypeScript gradient function', (type) => {
    expect(typeof lookupGradient(type)).toBe('function');
  });

  it.each(['OnesLike', 'ZerosLike'])('%s is not differentiable', (type) => {
    expect(lookupGradient(type)).toBe('none');
  });
});
