// SPDX-License-Identifier: Apache-2.0
// Gradients of the reshaping and slicing ops as tensorflow/python/ops/array_grad.py writes them: the input's shape
// is a constant where the graph knows it. TensorFlow's C++ versions read it with Shape at run time, which in a loop
// body makes the forward loop push the op's input to an accumulator every iteration only for its shape (see
// broadcast.ts). The C++ fast path keeps the C++ ones (registerCppEquivalentGradient).
import type { Operation, Output } from '../../graph/operation';
import { registerCppEquivalentGradient } from '../registry';
import { rankOf, shapeOf } from './util';

/** Python's _ReshapeToInput (Reshape, ExpandDims, Squeeze): the gradient in the input's shape, static where known. */
function reshapeToInput(op: Operation, grad: Output | null): Array<Output | null> {
  const rest = new Array<null>(op.numInputs - 1).fill(null);
  return [grad === null ? null : op.graph.ops.reshape(grad, shapeOf(op.inputs[0])), ...rest];
}

for (const type of ['Reshape', 'ExpandDims', 'Squeeze']) registerCppEquivalentGradient(type, reshapeToInput);

/** Python's _StridedSliceGrad: StridedSliceGrad on the input's shape, a constant where the graph knows it. */
registerCppEquivalentGradient('StridedSlice', (op, grad) => {
  if (grad === null) return [null, null, null, null];
  const [x, begin, end, strides] = op.inputs;
  const shape = shapeOf(x, begin.dtype === 'int64' ? 'int64' : 'int32');
  const attrs = ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'];
  const masks = Object.fromEntries(attrs.map((name) => [name, op.attr(name)]));
  const dx = op.graph.addOperation('StridedSliceGrad', { inputs: [shape, begin, end, strides, grad], attrs: masks }).output(0);
  return [dx, null, null, null];
});

/** Python's _SliceGrad: the gradient padded with zeros before `begin` and after the slice. */
registerCppEquivalentGradient('Slice', (op, grad) => {
  if (grad === null) return [null, null, null];
  const g = op.graph;
  const [x, begin] = op.inputs;
  const indexType = begin.dtype === 'int64' ? 'int64' : 'int32';
  const sliceSize = shapeOf(op.outputs[0], indexType);
  const rank = rankOf(x);
  const padShape = g.ops.pack([rank, g.constant(1, { dtype: 'int32' })]);
  const before = g.ops.reshape(begin, padShape);
  const after = g.ops.reshape(g.ops.sub(g.ops.sub(shapeOf(x, indexType), sliceSize), begin), padShape);
  const paddings = g.ops.concatV2([before, after], g.constant(1, { dtype: 'int32' }));
  return [g.ops.pad(grad, paddings), null, null];
});
