// SPDX-License-Identifier: Apache-2.0
// Gradients of the array ops TensorFlow's C++ registry lacks (tensorflow/python/ops/array_grad.py): concatenation
// (v1 and v2), the pass-through ops, and the tensor scatters.
import type { Operation, Output } from '../../graph/operation';
import type { InputGradient } from '../registry';
import { registerGradient } from '../registry';
import { rankOf, scalarOf, shapeOf } from './util';

/**
 * Python's _ConcatGradHelper for a dense gradient: each value's part of `grad`, sliced at the offsets of
 * ConcatOffset. The axis may be negative (taken modulo the rank, as the op does); its own gradient is null.
 */
function concatGrad(op: Operation, grad: Output | null, values: Output[], axis: Output, axisFirst: boolean): InputGradient[] {
  const g = op.graph;
  const withAxis = (parts: InputGradient[]) => (axisFirst ? [null, ...parts] : [...parts, null]);
  if (values.length === 1) return withAxis([grad]);
  if (grad === null) return withAxis(values.map(() => null));
  const axis32 = axis.dtype === 'int32' ? axis : g.ops.cast(axis, { DstT: 'int32' });
  const nonNegAxis = g.ops.floorMod(axis32, rankOf(values[0]));
  // Python's _ExtractInputShapes: constants where every shape is known (in a loop body, ShapeN would make the
  // forward loop accumulate every value of the concatenation).
  const known = values.every((v) => v.shape !== null && v.shape.every((d) => d !== null));
  const sizes = known ? values.map((v) => shapeOf(v)) : g.ops.shapeN(values, { outType: 'int32' }).output;
  const offsets = g.ops.concatOffset(nonNegAxis, sizes).offset;
  return withAxis(sizes.map((size, i) => g.ops.slice(grad, offsets[i], size)));
}

registerGradient('ConcatV2', (op, grad) => {
  const inputs = op.inputs;
  return concatGrad(op, grad, inputs.slice(0, -1), inputs[inputs.length - 1], false);
});

registerGradient('Concat', (op, grad) => {
  const inputs = op.inputs;
  return concatGrad(op, grad, inputs.slice(1), inputs[0], true);
});

// Pass-through ops: the gradient is the upstream one. Python has no gradient for Snapshot; it is a copy, so
// it passes the gradient as Identity does.
for (const type of ['EnsureShape', 'PlaceholderWithDefault', 'Snapshot']) registerGradient(type, (_op, grad) => [grad]);
registerGradient('IdentityN', (_op, ...grads) => grads);

registerGradient('TensorScatterUpdate', (op, grad) => {
  if (grad === null) return [null, null, null];
  const g = op.graph;
  const [, indices, updates] = op.inputs;
  const updatesGrad = g.ops.gatherNd(grad, indices);
  const tensorGrad = g.ops.tensorScatterUpdate(g.ops.identity(grad), indices, g.ops.zerosLike(updates));
  return [tensorGrad, null, updatesGrad];
});

registerGradient('TensorScatterAdd', (op, grad) => {
  if (grad === null) return [null, null, null];
  const g = op.graph;
  return [g.ops.identity(grad), null, g.ops.gatherNd(grad, op.inputs[1])];
});

registerGradient('TensorScatterSub', (op, grad) => {
  if (grad === null) return [null, null, null];
  const g = op.graph;
  return [g.ops.identity(grad), null, g.ops.neg(g.ops.gatherNd(grad, op.inputs[1]))];
});

/** TensorScatterMin/Max: the gradient split evenly among the tensor's and the updates' elements that won. */
function tensorScatterMinMaxGrad(op: Operation, grad: Output | null): InputGradient[] {
  if (grad === null) return [null, null, null];
  const g = op.graph;
  const [x, indices, y] = op.inputs;
  const output = op.outputs[0];
  const policy = op.attr('bad_indices_policy') as string;
  const xIndicators = g.ops.cast(g.ops.equal(x, output), { DstT: grad.dtype });
  const yOutput = g.ops.gatherNd(output, indices, { badIndicesPolicy: policy });
  const yIndicators = g.ops.cast(g.ops.equal(y, yOutput), { DstT: grad.dtype });
  const xShape = g.ops.shape(x, { outType: indices.dtype === 'int64' ? 'int64' : 'int32' });
  const ysIndicators = g.ops.scatterNd(indices, yIndicators, xShape, { badIndicesPolicy: policy });
  const indicators = g.ops.addV2(xIndicators, ysIndicators);
  const xGrad = g.ops.realDiv(g.ops.mul(grad, xIndicators), indicators);
  const yGrad = g.ops.mul(g.ops.gatherNd(g.ops.realDiv(grad, indicators), indices, { badIndicesPolicy: policy }), yIndicators);
  return [xGrad, null, yGrad];
}

registerGradient('TensorScatterMax', tensorScatterMinMaxGrad);
registerGradient('TensorScatterMin', tensorScatterMinMaxGrad);


registerGradient('ConjugateTranspose', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  return [g.ops.conjugateTranspose(grad, g.ops.invertPermutation(op.inputs[1])), null];
});

type Align = 'LEFT_RIGHT' | 'RIGHT_LEFT' | 'LEFT_LEFT' | 'RIGHT_RIGHT';

// The V3 diagonal ops (tf.linalg.diag, diag_part, set_diag in TensorFlow 2 graphs), with their `align`.
registerGradient('MatrixDiagV3', (op, grad) => {
  if (grad === null) return [null, null, null, null, null];
  const g = op.graph;
  const zero = g.ops.zerosLike(op.inputs[4]);
  return [g.ops.matrixDiagPartV3(grad, op.inputs[1], zero, { align: op.attr('align') as Align }), null, null, null, null];
});

registerGradient('MatrixDiagPartV3', (op, grad) => {
  if (grad === null) return [null, null, null];
  const g = op.graph;
  return [g.ops.matrixSetDiagV3(g.ops.zerosLike(op.inputs[0]), grad, op.inputs[1], { align: op.attr('align') as Align }), null, null];
});

registerGradient('MatrixSetDiagV3', (op, grad) => {
  if (grad === null) return [null, null, null];
  const g = op.graph;
  const align = op.attr('align') as Align;
  const k = op.inputs[2];
  const diag = g.ops.matrixDiagPartV3(grad, k, scalarOf(g, 0, grad.dtype), { align });
  return [g.ops.matrixSetDiagV3(grad, g.ops.zerosLike(diag), k, { align }), diag, null];
});
