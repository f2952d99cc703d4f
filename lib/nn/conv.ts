// SPDX-License-Identifier: Apache-2.0
// tf.nn convolutions and pools, with Python's argument normalisation (an int stride means [1, s, s, 1]) and
// node names, and ValueError-like errors for wrong ranks and unknown paddings.
import type { Output } from '../graph/operation';
import { tensor } from '../tensor/tensor';
import { NameOption, TensorInput, graphFor, op1, requireRank, toTensor, withScope } from '../math/common';

export type Padding = 'SAME' | 'VALID';
export type DataFormat = 'NHWC' | 'NCHW';

export interface Conv2DOptions extends NameOption {
  dataFormat?: DataFormat;
  dilations?: number | number[];
}

/** Python's padding check: 'SAME' or 'VALID' (any case). */
export function requirePadding(padding: unknown, fnName: string): Padding {
  const p = typeof padding === 'string' ? padding.toUpperCase() : padding;
  if (p !== 'SAME' && p !== 'VALID') {
    throw new Error(`${fnName}: padding must be 'SAME' or 'VALID', but received ${JSON.stringify(padding)}`);
  }
  return p;
}

/** Python's `_get_sequence`: an int or a list of 1, 2 or 4 numbers → the 4 numbers of an NHWC/NCHW attr. */
export function spatial4(value: number | number[], what: string, dataFormat: DataFormat = 'NHWC'): number[] {
  const v = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(v) || v.some((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 1)) {
    throw new TypeError(`${what} must be a positive integer or an array of them, but received ${JSON.stringify(value)}`);
  }
  if (v.length === 4) return v;
  const hw = v.length === 1 ? [v[0], v[0]] : v.length === 2 ? v : null;
  if (!hw) throw new Error(`${what} must have 1, 2 or 4 elements, but received ${v.length}`);
  return dataFormat === 'NHWC' ? [1, hw[0], hw[1], 1] : [1, 1, hw[0], hw[1]];
}

/**
 * Python's `tf.nn.conv2d(input, filters, strides, padding)`.
 * @throws Error for inputs or filters not of rank 4, or an unknown padding.
 */
export function conv2d(input: TensorInput, filters: TensorInput, strides: number | number[], padding: Padding,
  options: Conv2DOptions = {}): Output {
  const g = graphFor('nn.conv2d', input, filters);
  const dataFormat = options.dataFormat ?? 'NHWC';
  const p = requirePadding(padding, 'nn.conv2d');
  return withScope(g, options.name ?? 'Conv2D', (scope) => {
    const x = toTensor(g, input, 'input');
    const f = toTensor(g, filters, 'filter', x.dtype);
    requireRank(x, [4], 'nn.conv2d: input');
    requireRank(f, [4], 'nn.conv2d: filters');
    return op1(g, 'Conv2D', [x, f], {
      strides: spatial4(strides, 'strides', dataFormat), padding: p, data_format: dataFormat,
      dilations: spatial4(options.dilations ?? 1, 'dilations', dataFormat),
    }, scope);
  });
}

/** Python's `tf.compat.v1.nn.conv2d_transpose(value, filter, outputShape, strides, padding)`. */
export function conv2dTranspose(value: TensorInput, filter: TensorInput, outputShape: number[], strides: number | number[],
  padding: Padding,
  options: Conv2DOptions = {}): Output {
  const g = graphFor('nn.conv2dTranspose', value, filter);
  const dataFormat = options.dataFormat ?? 'NHWC';
  const p = requirePadding(padding, 'nn.conv2dTranspose');
  return withScope(g, options.name ?? 'conv2d_transpose', (scope) => {
    const x = toTensor(g, value, 'value');
    const f = toTensor(g, filter, 'filter', x.dtype);
    requireRank(x, [4], 'nn.conv2dTranspose: value');
    requireRank(f, [4], 'nn.conv2dTranspose: filter');
    if (!Array.isArray(outputShape) || outputShape.length !== 4) throw new Error('nn.conv2dTranspose: outputShape must have 4 elements');
    const sizes = g.constant(tensor(outputShape, [4], 'int32'), { name: 'input_sizes' });
    return op1(g, 'Conv2DBackpropInput', [sizes, f, x], {
      strides: spatial4(strides, 'strides', dataFormat), padding: p, data_format: dataFormat,
      dilations: spatial4(options.dilations ?? 1, 'dilations', dataFormat),
    }, scope);
  });
}

/** Python's `tf.nn.depthwise_conv2d(input, filter, strides, padding)`. */
export function depthwiseConv2d(input: TensorInput, filter: TensorInput, strides: number | number[], padding: Padding,
  options: Conv2DOptions = {}): Output {
  const g = graphFor('nn.depthwiseConv2d', input, filter);
  const dataFormat = options.dataFormat ?? 'NHWC';
  const p = requirePadding(padding, 'nn.depthwiseConv2d');
  return withScope(g, options.name ?? 'depthwise', (scope) => {
    const x = toTensor(g, input, 'input');
    const f = toTensor(g, filter, 'filter', x.dtype);
    requireRank(x, [4], 'nn.depthwiseConv2d: input');
    requireRank(f, [4], 'nn.depthwiseConv2d: filter');
    // As Python's with_space_to_batch, which records the filter shape and the dilation rate.
    if (f.shape && f.shape.every((d) => d !== null)) g.constant(tensor(f.shape as number[], [4], 'int32'), { name: 'Shape' });
    g.constant(tensor([1, 1], [2], 'int32'), { name: 'dilation_rate' });
    return op1(g, 'DepthwiseConv2dNative', [x, f], {
      strides: spatial4(strides, 'strides', dataFormat), padding: p, data_format: dataFormat,
      dilations: spatial4(options.dilations ?? 1, 'dilations', dataFormat),
    }, scope);
  });
}

function pool(type: 'MaxPool' | 'AvgPool', fnName: string, defaultName: string) {
  return (value: TensorInput, ksize: number | number[], strides: number | number[], padding: Padding,
    options: { dataFormat?: DataFormat } & NameOption = {}): Output => {
    const g = graphFor(`nn.${fnName}`, value);
    const dataFormat = options.dataFormat ?? 'NHWC';
    const p = requirePadding(padding, `nn.${fnName}`);
    return withScope(g, options.name ?? defaultName, (scope) => {
      const x = toTensor(g, value, 'input');
      requireRank(x, [4], `nn.${fnName}: input`);
      return op1(g, type, [x], {
        ksize: spatial4(ksize, 'ksize', dataFormat), strides: spatial4(strides, 'strides', dataFormat), padding: p, data_format: dataFormat,
      }, scope);
    });
  };
}

/** Python's `tf.compat.v1.nn.max_pool(value, ksize, strides, padding)`. */
export const maxPool = pool('MaxPool', 'maxPool', 'MaxPool');
/** Python's `tf.nn.max_pool2d(input, ksize, strides, padding)`. */
export const maxPool2d = pool('MaxPool', 'maxPool2d', 'MaxPool2d');
/** Python's `tf.compat.v1.nn.avg_pool(value, ksize, strides, padding)`. */
export const avgPool = pool('AvgPool', 'avgPool', 'AvgPool');
/** Python's `tf.nn.avg_pool2d(input, ksize, strides, padding)`. */
export const avgPool2d = pool('AvgPool', 'avgPool2d', 'AvgPool2D');
