// SPDX-License-Identifier: Apache-2.0
import { GradCase, describeGradients, floats, ints } from '../../helpers/gradient-check';
import { hasPythonTensorFlow } from '../../helpers/python';

const segments = { indices: ints([0, 2, 4, 2]), ids: ints([0, 0, 1, 2]) };

const cases: GradCase[] = [
  // Python's gradient is None for both: ours is null, and the finite differences are 0 away from the steps.
  { name: 'FloorDiv (no gradient)', type: 'FloorDiv', inputs: [floats([2, 3], 1, 'float64', -3, 3), floats([3], 2, 'float64', 0.5, 1.5)] },
  { name: 'Round (no gradient)', type: 'Round', inputs: [floats([5], 3, 'float64', -3, 3)] },
  { name: 'FloorMod, broadcast', type: 'FloorMod', inputs: [floats([2, 3], 4, 'float64', -2, 2), floats([3], 5, 'float64', 0.5, 1.5)] },
  { name: 'MulNoNan, same shapes', type: 'MulNoNan', inputs: [floats([2, 3], 6), floats([2, 3], 7)] },
  { name: 'MulNoNan, broadcast', type: 'MulNoNan', inputs: [floats([2, 1, 3], 8), floats([4, 1], 9)] },
  { name: 'Xlogy, broadcast', type: 'Xlogy', inputs: [floats([2, 3], 10, 'float64', -1, 1, 0.1), floats([3], 11, 'float64', 0.5, 2)] },
  { name: 'Xdivy, broadcast', type: 'Xdivy', inputs: [floats([3], 12, 'float64', -1, 1, 0.1), floats([2, 3], 13, 'float64', 0.5, 2)] },
  { name: 'Erfc', type: 'Erfc', inputs: [floats([2, 3], 14, 'float64', -2, 2)] },
  { name: 'Digamma', type: 'Digamma', inputs: [floats([2, 3], 15, 'float64', 0.5, 3)] },
  ...[
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ].map(([exclusive, reverse]): GradCase => ({
    name: `Cumprod exclusive=${exclusive} reverse=${reverse}`,
    type: 'Cumprod',
    inputs: [floats([2, 4], 16, 'float64', 0.5, 1.5), ints([1], [])],
    attrs: { exclusive, reverse },
  })),
  { name: 'EuclideanNorm over axis 1', type: 'EuclideanNorm', inputs: [floats([2, 3, 4], 17), ints([1])] },
  {
    name: 'EuclideanNorm over axes 0, -1, keep_dims',
    type: 'EuclideanNorm',
    inputs: [floats([2, 3, 4], 18), ints([0, -1])],
    attrs: { keep_dims: true },
  },
  { name: 'EuclideanNorm over all (int64 axes)', type: 'EuclideanNorm', inputs: [floats([3, 2], 19), ints([0, 1], [2], 'int64')] },
  ...['Sum', 'Mean', 'SqrtN'].flatMap((kind): GradCase[] => [
    { name: `SparseSegment${kind}`, type: `SparseSegment${kind}`, inputs: [floats([5, 3], 20), segments.indices, segments.ids] },
    {
      name: `SparseSegment${kind}WithNumSegments`,
      type: `SparseSegment${kind}WithNumSegments`,
      inputs: [floats([5, 3], 21), segments.indices, segments.ids, ints([4], [])],
    },
    {
      name: `SparseSegment${kind} with sparse_gradient (IndexedSlices)`,
      type: `SparseSegment${kind}`,
      inputs: [floats([5, 2], 22), segments.indices, segments.ids],
      attrs: { sparse_gradient: true },
    },
  ]),
  ...[
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ].map(([adjointA, adjointB]): GradCase => ({
    name: `SparseTensorDenseMatMul adjoint_a=${adjointA} adjoint_b=${adjointB}`,
    type: 'SparseTensorDenseMatMul',
    inputs: [
      ints([0, 1, 1, 0, 2, 2, 2, 0], [4, 2], 'int64'),
      floats([4], 23),
      ints([3, 3], [2], 'int64'),
      floats(adjointB ? [2, 3] : [3, 2], 24),
    ],
    attrs: { adjoint_a: adjointA, adjoint_b: adjointB },
  })),
  { name: 'Ceil (no gradient)', type: 'Ceil', inputs: [floats([4], 30, 'float64', -3, 3)] },
  { name: 'Rint (no gradient)', type: 'Rint', inputs: [floats([4], 31, 'float64', -3, 3)] },
  // AccumulateNV2 has no kernel, only a graph rewrite: eager Python cannot run it, a session can.
  {
    name: 'AccumulateNV2',
    type: 'AccumulateNV2',
    inputs: [[floats([2, 3], 32), floats([2, 3], 33), floats([2, 3], 34)]],
    attrs: { shape: [2, 3] },
    python: false,
  },
  { name: 'Xlog1py, broadcast', type: 'Xlog1py', inputs: [floats([2, 3], 35, 'float64', -1, 1, 0.1), floats([3], 36, 'float64', 0.5, 2)] },
  { name: 'NextAfter', type: 'NextAfter', inputs: [floats([2, 3], 37), floats([2, 3], 38)] },
  { name: 'Cross', type: 'Cross', inputs: [floats([2, 3], 39), floats([2, 3], 40)] },
  { name: 'SegmentMean', type: 'SegmentMean', inputs: [floats([5, 3], 41), ints([0, 0, 1, 2, 2])] },
  // Ties within a segment share the gradient (rows 0 and 1 of segment 0 hold 0.9 in column 1): no finite difference there.
  {
    name: 'SegmentMax with a tie',
    type: 'SegmentMax',
    inputs: [{ values: [0.1, 0.9, 0.5, 0.9, 0.4, 0.3], shape: [3, 2], dtype: 'float64' }, ints([0, 0, 1])],
    pythonOnly: [0],
  },
  { name: 'SegmentMax', type: 'SegmentMax', inputs: [floats([5, 2], 44), ints([0, 1, 1, 1, 2])] },
  { name: 'SegmentMin', type: 'SegmentMin', inputs: [floats([5, 2], 42), ints([0, 0, 1, 1, 1])] },
  { name: 'SegmentProd', type: 'SegmentProd', inputs: [floats([5, 2], 43, 'float64', -1, 1, 0.2), ints([0, 0, 1, 2, 2])] },
  {
    name: 'SegmentProd with zeros',
    type: 'SegmentProd',
    inputs: [{ values: [0, 0.5, 0.7, 0, 0, 0.3], shape: [6], dtype: 'float64' }, ints([0, 0, 1, 1, 2, 2])],
    pythonOnly: [0],
  },
  ...[
    [false, false],
    [false, true],
    [true, true],
  ].map(([exclusive, reverse]): GradCase => ({
    name: `CumulativeLogsumexp exclusive=${exclusive} reverse=${reverse}`,
    type: 'CumulativeLogsumexp',
    inputs: [floats([2, 4], 45), ints([1], [])],
    attrs: { exclusive, reverse },
    // An exclusive sum starts at log(0) = -inf, where sum(dy * y) has no finite differences.
    pythonOnly: exclusive ? [0] : [],
  })),
  {
    name: 'UnsortedSegmentProd, a dropped row',
    type: 'UnsortedSegmentProd',
    inputs: [floats([5, 2], 46, 'float64', -1, 1, 0.2), ints([1, -1, 0, 1, 2]), ints([3], [])],
  },
  {
    name: 'UnsortedSegmentProd with zeros',
    type: 'UnsortedSegmentProd',
    inputs: [{ values: [0, 0.5, 0.7, 0, 0, 0.3], shape: [6], dtype: 'float64' }, ints([0, 0, 1, 1, 2, 2]), ints([3], [])],
    pythonOnly: [0],
  },
];

describeGradients('math gradients', cases, hasPythonTensorFlow);
