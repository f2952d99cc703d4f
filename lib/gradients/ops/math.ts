// SPDX-License-Identifier: Apache-2.0
// Gradients of the math ops TensorFlow's C++ registry lacks, as tensorflow/python/ops/math_grad.py and
// sparse_grad.py define them. FloorDiv, TruncateDiv and Round have a gradient function in Python that gives None.
import type { Operation, Output } from '../../graph/operation';
import { IndexedSlices } from '../indexed-slices';
import { registerGradient } from '../registry';
import { int32, reduceGradientArgs, reducedShape, scalarOf, shapeOf, tryAttr } from './util';

for (const type of ['FloorDiv', 'TruncateDiv']) registerGradient(type, () => [null, null]);
registerGradient('Round', () => [null]);

registerGradient('FloorMod', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [x, y] = op.inputs;
  const gy = g.ops.mul(grad, g.ops.neg(g.ops.floorDiv(x, y)));
  return reduceGradientArgs(x, y, grad, gy);
});

registerGradient('MulNoNan', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [x, y] = op.inputs;
  return reduceGradientArgs(x, y, g.ops.mulNoNan(grad, y), g.ops.mulNoNan(x, grad));
});

/** Xlogy and Xdivy: partial derivatives reduced over the broadcast axes, the x one zero where x is. */
type Partials = (x: Output, y: Output, notZeroX: Output) => [Output, Output];

function xopGrad(op: Operation, grad: Output | null, partials: Partials): Array<Output | null> {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [x, y] = op.inputs;
  const sx = shapeOf(x);
  const sy = shapeOf(y);
  const { r0, r1 } = g.ops.broadcastGradientArgs(sx, sy);
  return g.controlDependencies([grad], () => {
    const notZeroX = g.ops.cast(g.ops.notEqual(x, scalarOf(g, 0, x.dtype)), { DstT: x.dtype });
    const [px, py] = partials(x, y, notZeroX);
    return [g.ops.reshape(g.ops.sum(g.ops.mul(px, grad), r0), sx), g.ops.reshape(g.ops.sum(g.ops.mul(py, grad), r1), sy)];
  });
}

registerGradient('Xlogy', (op, grad) => xopGrad(op, grad, (x, y, nz) => [op.graph.ops.xlogy(nz, y), op.graph.ops.xdivy(x, y)]));

registerGradient('Xdivy', (op, grad) =>
  xopGrad(op, grad, (x, y, nz) => {
    const g = op.graph;
    return [g.ops.xdivy(nz, y), g.ops.xdivy(g.ops.neg(x), g.ops.square(y))];
  }),
);

registerGradient('Erfc', (op, grad) => {
  if (grad === null) return [null];
  const g = op.graph;
  const x = op.inputs[0];
  const minusTwoOverRootPi = scalarOf(g, -2 / Math.sqrt(Math.PI), grad.dtype);
  return g.controlDependencies([grad], () => [g.ops.mul(g.ops.mul(grad, minusTwoOverRootPi), g.ops.exp(g.ops.neg(g.ops.square(x))))]);
});

registerGradient('Digamma', (op, grad) => {
  if (grad === null) return [null];
  const g = op.graph;
  const x = op.inputs[0];
  return g.controlDependencies([grad], () => [g.ops.mul(grad, g.ops.polygamma(scalarOf(g, 1, x.dtype), x))]);
});

registerGradient('Cumprod', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [x, axis] = op.inputs;
  const exclusive = op.attr('exclusive') as boolean;
  const reverse = op.attr('reverse') as boolean;
  const prod = g.ops.cumprod(x, axis, { exclusive, reverse });
  const out = g.ops.cumsum(g.ops.mul(prod, grad), axis, { exclusive, reverse: !reverse });
  return [g.ops.divNoNan(out, x), null];
});

registerGradient('EuclideanNorm', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  let output = op.outputs[0];
  let dy = grad;
  if (!op.attr('keep_dims')) {
    const kept = reducedShape(shapeOf(op.inputs[0]), op.inputs[1]);
    output = g.ops.reshape(output, kept);
    dy = g.ops.reshape(dy, kept);
  }
  return [g.ops.realDiv(op.inputs[0], g.ops.realDiv(output, dy)), null];
});

const SPARSE_SEGMENT_GRAD: Record<string, string> = {
  SparseSegmentSum: 'SparseSegmentSumGrad',
  SparseSegmentMean: 'SparseSegmentMeanGrad',
  SparseSegmentSqrtN: 'SparseSegmentSqrtNGrad',
};

/**
 * Python's sparse-segment reduction gradients: dense through the *Grad kernel, or, where the op asks for a
 * sparse gradient (`sparse_gradient`), IndexedSlices from the *GradV2 kernel over the unique indices.
 */
function sparseSegmentGrad(base: string, op: Operation, grad: Output | null): Array<Output | IndexedSlices | null> {
  const g = op.graph;
  const none = new Array<null>(op.numInputs - 1).fill(null);
  if (grad === null) return [null, ...none];
  const [data, indices, segmentIds] = op.inputs;
  const dataShape = shapeOf(data);
  const dim0 = g.ops.gatherV2(dataShape, int32(g, [0], true), int32(g, [0], true));
  const gradType = SPARSE_SEGMENT_GRAD[base];
  if (tryAttr(op, 'sparse_gradient') === true) {
    const v2 = g.addOperation(`${gradType}V2`, { inputs: [grad, indices, segmentIds, dim0] });
    return [new IndexedSlices(v2.output(0), v2.output(1), dataShape), ...none];
  }
  return [g.addOperation(gradType, { inputs: [grad, indices, segmentIds, dim0] }).output(0), ...none];
}

for (const base of Object.keys(SPARSE_SEGMENT_GRAD)) {
  registerGradient(base, (op, grad) => sparseSegmentGrad(base, op, grad));
  registerGradient(`${base}WithNumSegments`, (op, grad) => sparseSegmentGrad(base, op, grad));
}

/** Python's _SparseTensorDenseMatMulGrad: the values' gradient only at a's nonzero positions, and b's. */
registerGradient('SparseTensorDenseMatMul', (op, grad) => {
  if (grad === null) return [null, null, null, null];
  const g = op.graph;
  const [aIndices, aValues, aShape, b] = op.inputs;
  const adjA = op.attr('adjoint_a') as boolean;
  const adjB = op.attr('adjoint_b') as boolean;
  if (aValues.dtype !== b.dtype) {
    throw new TypeError(`SparseTensorDenseMatMul op received operands with different types: '${aValues.dtype}' and '${b.dtype}'`);
  }
  const transpose = (m: Output) => g.ops.transpose(m, int32(g, [1, 0]));
  let bGrad = g.ops.sparseTensorDenseMatMul(aIndices, aValues, aShape, grad, { adjointA: !adjA });
  if (adjB) bGrad = transpose(bGrad);
  const column = (j: number) => g.ops.gatherV2(aIndices, int32(g, [j], true), int32(g, [1], true));
  const rows = column(0);
  const cols = column(1);
  const partsA = g.ops.gatherV2(grad, adjA ? cols : rows, int32(g, [0], true));
  const partsB = g.ops.gatherV2(adjB ? transpose(b) : b, adjA ? rows : cols, int32(g, [0], true));
  const expand = (t: Output, axis: number) => g.ops.expandDims(t, int32(g, [axis], true));
  // One product of two vectors per nonzero of a: row or column vectors, adjoint or not, as the adjoints ask.
  const valuesGrad = g.ops.batchMatMulV2(expand(partsA, adjA ? -1 : -2), expand(partsB, adjA !== adjB ? -1 : -2), {
    adjX: adjA,
    adjY: adjA === adjB,
  });
  return [null, g.ops.squeeze(valuesGrad, { squeezeDims: [-2, -1] }), null, bGrad];
});

for (const type of ['Ceil', 'Rint']) registerGradient(type, () => [null]);

registerGradient('AccumulateNV2', (op, grad) => op.inputs.map(() => grad));

registerGradient('Xlog1py', (op, grad) =>
  xopGrad(op, grad, (x, y, nz) => {
    const g = op.graph;
    return [g.ops.xlog1py(nz, y), g.ops.xdivy(x, g.ops.addV2(y, scalarOf(g, 1, y.dtype)))];
  }),
);

/** NextAfter moves x1 by at most one ulp: its gradient is the identity for x1 and zero for x2. */
registerGradient('NextAfter', (op, grad) =>
  xopGrad(op, grad, (x1, x2) => {
    const g = op.graph;
    return [g.ops.onesLike(x1), g.ops.zerosLike(x2)];
  }),
);

registerGradient('Cross', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [u, v] = op.inputs;
  return [g.ops.cross(v, grad), g.ops.cross(grad, u)];
});

/** Each segment's mean gradient, divided by the segment's size and gathered back to its rows. */
registerGradient('SegmentMean', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [data, segmentIds] = op.inputs;
  const innerRank = g.ops.expandDims(g.ops.sub(g.ops.rank(data), int32(g, [1], true)), int32(g, [0], true));
  const remaining = g.ops.fill(innerRank, int32(g, [1], true));
  const onesShape = g.ops.concatV2([shapeOf(segmentIds), remaining], int32(g, [0], true));
  const ones = g.ops.fill(onesShape, scalarOf(g, 1, grad.dtype));
  const scaled = g.ops.realDiv(grad, g.ops.segmentSum(ones, segmentIds));
  return [g.ops.gatherV2(scaled, segmentIds, int32(g, [0], true)), null];
});

/** SegmentMin/Max: each segment's gradient shared evenly among the elements that attained the extremum. */
function segmentMinOrMaxGrad(op: Operation, grad: Output | null): Array<Output | null> {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [data, ids] = op.inputs;
  const axis0 = int32(g, [0], true);
  const isSelected = g.ops.equal(data, g.ops.gatherV2(op.outputs[0], ids, axis0));
  const numSelected = g.ops.segmentSum(g.ops.cast(isSelected, { DstT: grad.dtype }), ids);
  const gathered = g.ops.gatherV2(g.ops.realDiv(grad, numSelected), ids, axis0);
  return [g.ops.selectV2(isSelected, gathered, g.ops.zerosLike(data)), null];
}

registerGradient('SegmentMin', segmentMinOrMaxGrad);
registerGradient('SegmentMax', segmentMinOrMaxGrad);

/** SegmentProd: the product of the other elements, with Python's care for segments holding one zero or more. */
registerGradient('SegmentProd', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [data, ids] = op.inputs;
  const axis0 = int32(g, [0], true);
  const isZero = g.ops.equal(data, scalarOf(g, 0, data.dtype));
  const numZeros = g.ops.segmentSum(g.ops.cast(isZero, { DstT: 'int32' }), ids);
  const dy = g.ops.selectV2(g.ops.greater(numZeros, int32(g, [1], true)), g.ops.zerosLike(grad), grad);
  const nonZeroData = g.ops.selectV2(isZero, g.ops.onesLike(data), data);
  const nonZeroProd = g.ops.segmentProd(nonZeroData, ids);
  const prodDividedByEl = g.ops.realDiv(g.ops.gatherV2(op.outputs[0], ids, axis0), nonZeroData);
  const partial = g.ops.selectV2(isZero, g.ops.gatherV2(nonZeroProd, ids, axis0), prodDividedByEl);
  return [g.ops.mul(g.ops.gatherV2(dy, ids, axis0), partial), null];
});

const LOWEST: Partial<Record<string, number>> = {
  float64: -1.7976931348623157e308,
  float32: -3.4028234663852886e38,
  float16: -65504,
  bfloat16: -3.3895313892515355e38,
};

/**
 * CumulativeLogsumexp: the reverse cumulative sums of grad * exp(x - out), kept in log space; the positive and
 * negative parts of grad separately, as Python does (log of a non-positive part is the dtype's lowest value).
 */
registerGradient('CumulativeLogsumexp', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [x, axis] = op.inputs;
  const out = op.outputs[0];
  const exclusive = op.attr('exclusive') as boolean;
  const reverse = op.attr('reverse') as boolean;
  const lowest = scalarOf(g, LOWEST[grad.dtype] ?? -Infinity, grad.dtype);
  const zero = scalarOf(g, 0, grad.dtype);
  const logPositive = g.ops.selectV2(g.ops.greater(grad, zero), g.ops.log(grad), lowest);
  const logNegative = g.ops.selectV2(g.ops.less(grad, zero), g.ops.log(g.ops.neg(grad)), lowest);
  const part = (logGrad: Output) =>
    g.ops.exp(g.ops.addV2(g.ops.cumulativeLogsumexp(g.ops.sub(logGrad, out), axis, { reverse: !reverse, exclusive }), x));
  return [g.ops.sub(part(logPositive), part(logNegative)), null];
});

/** params gathered at ids, zero where an id is negative (an unsorted segment op drops those rows). */
function gatherDropNegatives(params: Output, ids: Output, clipped: Output): Output {
  const g = params.graph;
  const gathered = g.ops.gatherV2(params, clipped, int32(g, [0], true));
  const extraRank = g.ops.expandDims(g.ops.sub(g.ops.rank(gathered), g.ops.rank(ids)), int32(g, [0], true));
  const broadcastable = g.ops.concatV2([shapeOf(ids), g.ops.fill(extraRank, int32(g, [1], true))], int32(g, [0], true));
  const isPositive = g.ops.reshape(g.ops.greaterEqual(ids, g.ops.zerosLike(ids)), broadcastable);
  return g.ops.selectV2(isPositive, gathered, g.ops.zerosLike(gathered));
}

/** UnsortedSegmentProd: as SegmentProd's, with negative segment ids dropped. */
registerGradient('UnsortedSegmentProd', (op, grad) => {
  if (grad === null) return [null, null, null];
  const g = op.graph;
  const [data, ids, numSegments] = op.inputs;
  const axis0 = int32(g, [0], true);
  const isZero = g.ops.equal(data, scalarOf(g, 0, data.dtype));
  const numZeros = g.ops.unsortedSegmentSum(g.ops.cast(isZero, { DstT: 'int32' }), ids, numSegments);
  const dy = g.ops.selectV2(g.ops.greater(numZeros, int32(g, [1], true)), g.ops.zerosLike(grad), grad);
  const nonZeroData = g.ops.selectV2(isZero, g.ops.onesLike(data), data);
  const nonZeroProd = g.ops.unsortedSegmentProd(nonZeroData, ids, numSegments);
  const clipped = g.ops.maximum(ids, g.ops.zerosLike(ids));
  const prodDividedByEl = g.ops.realDiv(g.ops.gatherV2(op.outputs[0], clipped, axis0), data);
  const partial = g.ops.selectV2(isZero, g.ops.gatherV2(nonZeroProd, clipped, axis0), prodDividedByEl);
  return [g.ops.mul(gatherDropNegatives(dy, ids, clipped), partial), null, null];
});
