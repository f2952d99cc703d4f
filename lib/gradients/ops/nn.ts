// SPDX-License-Identifier: Apache-2.0
// Gradients of the nn ops that TensorFlow's C++ registry lacks, as tensorflow/python/ops/nn_grad.py defines them:
// the softmax cross-entropy losses (every dtype, with the second derivative through the backprop output),
// fused batch norm, BiasAddV1 and TopKV2.
import type { Operation, Output } from '../../graph/operation';
import { tensor } from '../../tensor/tensor';
import { isZerosGradient, registerGradient } from '../registry';
import type { InputGradient } from '../registry';
import { build, copyAttrs, gradOrZeros, int32, shapeOf } from './util';

/** vec[..., None] * mat (Python's _BroadcastMul). */
function broadcastMul(vec: Output, mat: Output): Output {
  const g = vec.graph;
  return g.ops.mul(g.ops.expandDims(vec, int32(g, [-1], true)), mat);
}

/**
 * The logits' gradient of a softmax cross-entropy: grad_loss times the op's backprop output, plus, where a
 * gradient flows into that backprop output (a second derivative), its own term through softmax(logits).
 */
function xentLogitsGrad(op: Operation, gradLoss: Output | null, gradGrad: Output | null): Output | null {
  const g = op.graph;
  let grad = gradLoss === null ? null : broadcastMul(gradLoss, op.outputs[1]);
  if (gradGrad !== null && !isZerosGradient(gradGrad)) {
    const softmax = g.ops.softmax(op.inputs[0]);
    const proj = g.ops.squeeze(
      g.ops.batchMatMulV2(g.ops.expandDims(gradGrad, int32(g, [1], true)), g.ops.expandDims(softmax, int32(g, [2], true))),
      { squeezeDims: [1] },
    );
    const term = g.ops.mul(g.ops.sub(gradGrad, proj), softmax);
    grad = grad === null ? term : g.ops.addV2(grad, term);
  }
  return grad;
}

registerGradient('SoftmaxCrossEntropyWithLogits', (op, gradLoss, gradGrad) => {
  const g = op.graph;
  const dLogits = xentLogitsGrad(op, gradLoss, gradGrad);
  const dLabels = gradLoss === null ? null : broadcastMul(gradLoss, g.ops.neg(g.ops.logSoftmax(op.inputs[0])));
  return [dLogits, dLabels];
});

registerGradient('SparseSoftmaxCrossEntropyWithLogits', (op, gradLoss, gradGrad) => [xentLogitsGrad(op, gradLoss, gradGrad), null]);

registerGradient('BiasAddV1', (op, grad) => {
  const g = op.graph;
  if (grad === null) return [null, null];
  const lastAxes = g.ops.range(int32(g, [0], true), g.ops.sub(g.ops.rank(grad), int32(g, [1], true)), int32(g, [1], true));
  return [grad, g.ops.sum(grad, lastAxes)];
});

const GRAD_OF_FUSED_BATCH_NORM: Record<string, string> = {
  FusedBatchNorm: 'FusedBatchNormGrad',
  FusedBatchNormV2: 'FusedBatchNormGradV2',
  FusedBatchNormV3: 'FusedBatchNormGradV3',
};

/**
 * Python's _BaseFusedBatchNormGrad: in training, the fused grad kernel with the batch statistics the forward op
 * saved; in inference, with the population statistics, in the channels-last layout that kernel requires. Only
 * y's gradient is used, as in Python: the statistics outputs are not differentiated.
 */
function fusedBatchNormGrad(op: Operation, ...grads: Array<Output | null>): InputGradient[] {
  const g = op.graph;
  if (grads[0] === null) return [null, null, null, null, null];
  let x = op.inputs[0];
  let gradY = grads[0];
  const scale = op.inputs[1];
  const epsilon = op.attr('epsilon');
  const dataFormat = op.attr('data_format') as string;
  const isTraining = op.attr('is_training') as boolean;
  const type = GRAD_OF_FUSED_BATCH_NORM[op.type];
  const v3 = op.type === 'FusedBatchNormV3';
  let inputs: Output[];
  let format = dataFormat;
  if (isTraining) {
    inputs = [gradY, x, scale, op.outputs[3], op.outputs[4]];
  } else {
    const perm = dataFormat === 'NCHW' ? [0, 2, 3, 1] : dataFormat === 'NCDHW' ? [0, 2, 3, 4, 1] : null;
    if (perm !== null) {
      x = g.ops.transpose(x, int32(g, perm));
      gradY = g.ops.transpose(gradY, int32(g, perm));
    }
    format = dataFormat === 'NCHW' || dataFormat === 'NHWC' ? 'NHWC' : 'NDHWC';
    inputs = [gradY, x, scale, op.inputs[3], op.inputs[4]];
  }
  if (v3) inputs.push(op.outputs[5]);
  const gradOp = g.addOperation(type, { inputs, attrs: { epsilon, data_format: format, is_training: isTraining } });
  let dx = gradOp.output(0);
  if (!isTraining && dataFormat === 'NCHW') dx = g.ops.transpose(dx, int32(g, [0, 3, 1, 2]));
  if (!isTraining && dataFormat === 'NCDHW') dx = g.ops.transpose(dx, int32(g, [0, 4, 1, 2, 3]));
  return [dx, gradOp.output(1), gradOp.output(2), null, null];
}

for (const type of Object.keys(GRAD_OF_FUSED_BATCH_NORM)) registerGradient(type, fusedBatchNormGrad);

/** Python's _TopKGrad: the values' gradient scattered back to the positions `indices` picked, row by row. */
registerGradient('TopKV2', (op, grad) => {
  const g = op.graph;
  const input = op.inputs[0];
  const indices = op.outputs[1];
  const int64 = (x: Output) => g.ops.cast(x, { DstT: 'int64' });
  const last = (s: Output) => g.ops.gatherV2(int64(s), g.ops.sub(g.ops.size(s), int32(g, [1], true)), int32(g, [0], true));
  const inShape = shapeOf(input);
  const indLastDim = last(shapeOf(indices));
  const minusOne = g.constant(tensor(BigInt64Array.from([-1n]), [], 'int64'));
  const ind2d = g.ops.reshape(indices, g.ops.pack([minusOne, indLastDim]));
  const inLastDim = last(inShape);
  const outerDim = int64(g.ops.gatherV2(shapeOf(ind2d), int32(g, [0], true), int32(g, [0], true)));
  const zero = g.constant(tensor(BigInt64Array.from([0n]), [], 'int64'));
  const rowStarts = g.ops.range(zero, g.ops.mul(outerDim, inLastDim), inLastDim);
  const offsets = g.ops.cast(g.ops.expandDims(rowStarts, int32(g, [-1], true)), { DstT: indices.dtype });
  const ind = g.ops.reshape(g.ops.addV2(ind2d, offsets), int32(g, [-1]));
  const values = g.ops.reshape(gradOrZeros(op, 0, grad), int32(g, [-1]));
  const size = g.ops.expandDims(g.ops.prod(inShape, int32(g, [0], true)), int32(g, [0], true));
  const flat = g.ops.scatterNd(g.ops.expandDims(ind, int32(g, [-1], true)), values, size);
  return [g.ops.reshape(flat, inShape), build(g, 'Fill', [int32(g, []), int32(g, [0], true)])];
});

registerGradient('MaxPoolWithArgmax', (op, grad) => {
  if (grad === null) return [null];
  const g = op.graph;
  const attrs = copyAttrs(op, ['ksize', 'strides', 'padding', 'include_batch_in_index']);
  return [g.addOperation('MaxPoolGradWithArgmax', { inputs: [op.inputs[0], grad, op.outputs[1]], attrs }).output(0)];
});

/**
 * CTC loss: the gradient the op computed alongside the loss, scaled by the loss's gradient; as in Python, a
 * second derivative through it is refused (PreventGradient), as the fused kernel cannot give one.
 */
for (const type of ['CTCLoss', 'CTCLossV2']) {
  registerGradient(type, (op, gradLoss) => {
    if (gradLoss === null) return [null, null, null, null];
    const g = op.graph;
    const message =
      "Currently there is no way to take the second  derivative of ctc_loss due to the fused implementation's interaction " +
      ' with tf.gradients()';
    return [broadcastMul(gradLoss, g.ops.preventGradient(op.outputs[1], { message })), null, null, null];
  });
}

registerGradient('Dilation2D', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [input, filter] = op.inputs;
  const attrs = copyAttrs(op, ['strides', 'rates', 'padding']);
  return [
    g.addOperation('Dilation2DBackpropInput', { inputs: [input, filter, grad], attrs }).output(0),
    g.addOperation('Dilation2DBackpropFilter', { inputs: [input, filter, grad], attrs }).output(0),
  ];
});

/** NthElement: the gradient shared among the elements equal to the selected value, per row. */
registerGradient('NthElement', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const input = op.inputs[0];
  const last = int32(g, [-1], true);
  const indicators = g.ops.cast(g.ops.equal(g.ops.expandDims(op.outputs[0], last), input), { DstT: grad.dtype });
  const numSelected = g.ops.expandDims(g.ops.sum(indicators, last), last);
  return [g.ops.mul(g.ops.realDiv(indicators, numSelected), g.ops.expandDims(grad, last)), null];
});
