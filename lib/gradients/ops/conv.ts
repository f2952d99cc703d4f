// SPDX-License-Identifier: Apache-2.0
// Gradients of the convolutions TensorFlow's C++ registry lacks (nn_grad.py): Conv3D and its two backprops, and
// the backprops of Conv2D and the depthwise convolution, whose gradients are again convolutions.
import type { Operation, Output } from '../../graph/operation';
import { registerGradient } from '../registry';
import { build, copyAttrs, shapeOf } from './util';

const CONV2D_ATTRS = ['strides', 'padding', 'explicit_paddings', 'use_cudnn_on_gpu', 'data_format', 'dilations'];
const CONV3D_ATTRS = ['strides', 'padding', 'data_format', 'dilations'];

/** Builds `type` with the convolution attrs of `op` (those it has). */
function conv(op: Operation, type: string, inputs: Output[], attrNames: readonly string[]): Output {
  return build(op.graph, type, inputs, copyAttrs(op, attrNames));
}

registerGradient('Conv3D', (op, grad) => {
  if (grad === null) return [null, null];
  const [input, filter] = op.inputs;
  const sizes = op.graph.ops.shapeN([input, filter], { outType: 'int32' }).output;
  return [
    conv(op, 'Conv3DBackpropInputV2', [sizes[0], filter, grad], CONV3D_ATTRS),
    conv(op, 'Conv3DBackpropFilterV2', [input, sizes[1], grad], CONV3D_ATTRS),
  ];
});

registerGradient('Conv3DBackpropInputV2', (op, grad) => {
  if (grad === null) return [null, null, null];
  const [, filter, outBackprop] = op.inputs;
  return [
    null,
    conv(op, 'Conv3DBackpropFilterV2', [grad, shapeOf(filter), outBackprop], CONV3D_ATTRS),
    conv(op, 'Conv3D', [grad, filter], CONV3D_ATTRS),
  ];
});

registerGradient('Conv3DBackpropFilterV2', (op, grad) => {
  if (grad === null) return [null, null, null];
  const [input, , outBackprop] = op.inputs;
  return [
    conv(op, 'Conv3DBackpropInputV2', [shapeOf(input), grad, outBackprop], CONV3D_ATTRS),
    null,
    conv(op, 'Conv3D', [input, grad], CONV3D_ATTRS),
  ];
});

registerGradient('Conv2DBackpropInput', (op, grad) => {
  if (grad === null) return [null, null, null];
  const [, filter, outBackprop] = op.inputs;
  return [
    null,
    conv(op, 'Conv2DBackpropFilter', [grad, shapeOf(filter), outBackprop], CONV2D_ATTRS),
    conv(op, 'Conv2D', [grad, filter], CONV2D_ATTRS),
  ];
});

registerGradient('Conv2DBackpropFilter', (op, grad) => {
  if (grad === null) return [null, null, null];
  const [input, , outBackprop] = op.inputs;
  return [
    conv(op, 'Conv2DBackpropInput', [shapeOf(input), grad, outBackprop], CONV2D_ATTRS),
    null,
    conv(op, 'Conv2D', [input, grad], CONV2D_ATTRS),
  ];
});

const DEPTHWISE_ATTRS = ['strides', 'padding', 'explicit_paddings', 'data_format', 'dilations'];

registerGradient('DepthwiseConv2dNativeBackpropInput', (op, grad) => {
  if (grad === null) return [null, null, null];
  const [, filter, outBackprop] = op.inputs;
  return [
    null,
    conv(op, 'DepthwiseConv2dNativeBackpropFilter', [grad, shapeOf(filter), outBackprop], DEPTHWISE_ATTRS),
    conv(op, 'DepthwiseConv2dNative', [grad, filter], DEPTHWISE_ATTRS),
  ];
});

registerGradient('DepthwiseConv2dNativeBackpropFilter', (op, grad) => {
  if (grad === null) return [null, null, null];
  const [input, , outBackprop] = op.inputs;
  return [
    conv(op, 'DepthwiseConv2dNativeBackpropInput', [shapeOf(input), grad, outBackprop], DEPTHWISE_ATTRS),
    null,
    conv(op, 'DepthwiseConv2dNative', [input, grad], DEPTHWISE_ATTRS),
  ];
});
