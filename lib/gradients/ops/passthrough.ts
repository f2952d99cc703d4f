// SPDX-License-Identifier: Apache-2.0
// Gradients of ops that pass, check, quantize or refuse gradients (array_grad.py, array_ops.py, logging_ops.py):
// Reverse, StridedSliceGrad, CheckNumericsV2, Print, PreventGradient, the fake-quantization ops.
import { registerGradient } from '../registry';
import { copyAttrs } from './util';

registerGradient('Reverse', (op, grad) => [grad === null ? null : op.graph.ops.reverse(grad, op.inputs[1]), null]);

/** StridedSliceGrad scatters dy into zeros: its gradient slices the incoming one the same way. */
registerGradient('StridedSliceGrad', (op, grad) => {
  if (grad === null) return [null, null, null, null, null];
  const [, begin, end, strides] = op.inputs;
  const attrs = copyAttrs(op, ['begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask']);
  return [null, null, null, null, op.graph.addOperation('StridedSlice', { inputs: [grad, begin, end, strides], attrs }).output(0)];
});

registerGradient('CheckNumericsV2', (op, grad) => {
  if (grad === null) return [null];
  const message = `Not a number (NaN) or infinity (Inf) values detected in gradient. ${String(op.attr('message'))}`;
  return [op.graph.ops.checkNumericsV2(grad, { message })];
});

registerGradient('Print', (op, ...grads) => [...grads, ...new Array<null>(op.numInputs - 1).fill(null)]);
registerGradient('DebugGradientIdentity', (_op, grad) => [grad]);
// A straight-through estimator, as Python's.
registerGradient('QuantizeAndDequantizeV2', (_op, grad) => [grad, null, null]);

/** The op's own refusal, as Python raises it: differentiating through it is an error, never a silent zero. */
registerGradient('PreventGradient', (op) => {
  throw new Error(`Gradient explicitly disabled. Reason: ${String(op.attr('message'))} (op '${op.name}')`);
});

registerGradient('FakeQuantWithMinMaxArgs', (op, grad) => {
  if (grad === null) return [null];
  const attrs = copyAttrs(op, ['min', 'max', 'num_bits', 'narrow_range']);
  return [op.graph.addOperation('FakeQuantWithMinMaxArgsGradient', { inputs: [grad, op.inputs[0]], attrs }).output(0)];
});

for (const type of ['FakeQuantWithMinMaxVars', 'FakeQuantWithMinMaxVarsPerChannel']) {
  registerGradient(type, (op, grad) => {
    if (grad === null) return [null, null, null];
    const attrs = copyAttrs(op, ['num_bits', 'narrow_range']);
    const gradOp = op.graph.addOperation(`${type}Gradient`, { inputs: [grad, ...op.inputs], attrs });
    return [gradOp.output(0), gradOp.output(1), gradOp.output(2)];
  });
}

/** QuantizeAndDequantizeV4: straight through inside [min, max], with the range's own gradients (its Grad kernel). */
registerGradient('QuantizeAndDequantizeV4', (op, grad) => {
  if (grad === null) return [null, null, null];
  const [input, inputMin, inputMax] = op.inputs;
  const inputs = [grad, input, inputMin, inputMax];
  const gradOp = op.graph.addOperation('QuantizeAndDequantizeV4Grad', { inputs, attrs: copyAttrs(op, ['axis']) });
  return [gradOp.output(0), gradOp.output(1), gradOp.output(2)];
});
