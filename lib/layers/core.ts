// SPDX-License-Identifier: Apache-2.0
// TF 1.15's tf.layers: dense, conv2d, pooling, flatten, dropout. Variables and ops are named as TF 1.15 names
// them ('dense/kernel', 'dense/MatMul', 'conv2d/Conv2D', 'max_pooling2d/MaxPool').
import type { Output } from '../graph/operation';
import { tensor } from '../tensor/tensor';
import { zeros as zerosInit } from '../variables/initializers';
import type { InitializerLike } from '../variables/variable-scope';
import { NameOption, TensorInput, graphFor, op1, requireRank, toTensor } from '../math/common';
import { avgPool, conv2d as nnConv2d, maxPool, requirePadding, spatial4 } from '../nn/conv';
import { dropout as nnDropout } from '../nn/normalization';
import { cond } from '../control-flow/cond';
import {
  ActivationLike, LayerOptions, Regularizer, TrainingFlag, inLayerScope, layerWeight, positiveInts, resolveActivation, trainingFlag,
} from './base';

export interface DenseOptions extends LayerOptions {
  activation?: ActivationLike;
  useBias?: boolean;
  kernelInitializer?: InitializerLike;
  biasInitializer?: InitializerLike;
  kernelRegularizer?: Regularizer | null;
  biasRegularizer?: Regularizer | null;
}

/**
 * TF 1.15's `tf.layers.dense(inputs, units)`: variables `dense/kernel` and `dense/bias`.
 * @throws Error when the last dimension of inputs is unknown, or on reuse with another shape.
 * @example const h = tf.layers.dense(x, 128, { activation: 'relu' });
 */
export function dense(inputs: TensorInput, units: number, options: DenseOptions = {}): Output {
  const g = graphFor('layers.dense', inputs);
  positiveInts(units, 1, 'layers.dense', 'units');
  const activation = resolveActivation(options.activation, 'layers.dense');
  return inLayerScope(g, 'dense', options, () => {
    const x = toTensor(g, inputs, 'inputs');
    const s = x.shape;
    const inDim = s === null ? null : s[s.length - 1];
    if (s === null || s.length < 2 || inDim === null) {
      throw new Error(`layers.dense: the last dimension of the inputs should be defined and the rank at least 2, but ${x} has shape ` +
        `${JSON.stringify(s)}`);
    }
    const kernel = layerWeight(g, 'kernel', [inDim, units], { initializer: options.kernelInitializer,
      regularizer: options.kernelRegularizer, trainable: options.trainable });
    const bias = options.useBias === false ? null
      : layerWeight(g, 'bias', [units], { initializer: options.biasInitializer ?? zerosInit(), regularizer: options.biasRegularizer,
        trainable: options.trainable });
    let y: Output;
    if (s.length === 2) {
      y = op1(g, 'MatMul', [x, kernel.value()], { transpose_a: false, transpose_b: false }, 'MatMul');
    } else {
      // As Keras' tensordot for rank > 2: flatten the leading dimensions, multiply, restore them.
      const flat = g.ops.reshape(x, tensor([-1, inDim], [2], 'int32'), { name: 'Reshape' });
      const prod = op1(g, 'MatMul', [flat, kernel.value()], { transpose_a: false, transpose_b: false }, 'MatMul');
      const lead = s.slice(0, -1).map((d) => d ?? -1);
      if (lead.filter((d) => d === -1).length > 1) throw new Error('layers.dense: at most one unknown leading dimension is supported');
      y = g.ops.reshape(prod, tensor([...lead, units], [lead.length + 1], 'int32'), { name: 'Reshape_1' });
    }
    if (bias) y = op1(g, 'BiasAdd', [y, bias.value()], { data_format: 'NHWC' }, 'BiasAdd');
    return activation(y);
  });
}

export interface Conv2DLayerOptions extends DenseOptions {
  strides?: number | [number, number];
  padding?: 'valid' | 'same';
  dataFormat?: 'channels_last';
  dilationRate?: number | [number, number];
}

/** TF 1.15's `tf.layers.conv2d(inputs, filters, kernelSize)`: variables `conv2d/kernel` [kh, kw, in, filters], `conv2d/bias`. */
export function conv2d(inputs: TensorInput, filters: number, kernelSize: number | [number, number],
  options: Conv2DLayerOptions = {}): Output {
  const g = graphFor('layers.conv2d', inputs);
  const activation = resolveActivation(options.activation, 'layers.conv2d');
  const padding = requirePadding(options.padding ?? 'valid', 'layers.conv2d');
  if (options.dataFormat !== undefined && options.dataFormat !== 'channels_last') throw new Error(`layers.conv2d: only dataFormat ` +
    `'channels_last' is supported`);
  positiveInts(filters, 1, 'layers.conv2d', 'filters');
  const [kh, kw] = positiveInts(kernelSize, 2, 'layers.conv2d', 'kernelSize');
  positiveInts(options.strides ?? 1, 2, 'layers.conv2d', 'strides');
  positiveInts(options.dilationRate ?? 1, 2, 'layers.conv2d', 'dilationRate');
  return inLayerScope(g, 'conv2d', options, () => {
    const x = toTensor(g, inputs, 'inputs');
    requireRank(x, [4], 'layers.conv2d: inputs');
    const inDim = x.shape?.[3];
    if (inDim === null || inDim === undefined) throw new Error(`layers.conv2d: the channel dimension of the inputs should be defined, ` +
      `but ${x} has shape ${JSON.stringify(x.shape)}`);
    const kernel = layerWeight(g, 'kernel', [kh, kw, inDim, filters], { initializer: options.kernelInitializer,
      regularizer: options.kernelRegularizer, trainable: options.trainable });
    const bias = options.useBias === false ? null
      : layerWeight(g, 'bias', [filters], { initializer: options.biasInitializer ?? zerosInit(), regularizer: options.biasRegularizer,
        trainable: options.trainable });
    let y = nnConv2d(x, kernel.value(), spatial4(options.strides ?? 1, 'strides'), padding, { dilations: options.dilationRate ?? 1 });
    if (bias) y = op1(g, 'BiasAdd', [y, bias.value()], { data_format: 'NHWC' }, 'BiasAdd');
    return activation(y);
  });
}

function pooling(kind: 'max_pooling2d' | 'average_pooling2d') {
  return (inputs: TensorInput, poolSize: number | [number, number], strides: number | [number, number],
    options: { padding?: 'valid' | 'same' } & NameOption = {}): Output => {
    const g = graphFor(`layers.${kind}`, inputs);
    const padding = requirePadding(options.padding ?? 'valid', `layers.${kind}`);
    positiveInts(poolSize, 2, `layers.${kind}`, 'poolSize');
    positiveInts(strides, 2, `layers.${kind}`, 'strides');
    return g.nameScope(options.name ?? kind, () => {
      const x = toTensor(g, inputs, 'inputs');
      requireRank(x, [4], `layers.${kind}: inputs`);
      const build = kind === 'max_pooling2d' ? maxPool : avgPool;
      return build(x, spatial4(poolSize, 'poolSize'), spatial4(strides, 'strides'), padding,
        { name: kind === 'max_pooling2d' ? 'MaxPool' : 'AvgPool' });
    });
  };
}

/** TF 1.15's `tf.layers.max_pooling2d(inputs, poolSize, strides, padding = 'valid')`. */
export const maxPooling2d = pooling('max_pooling2d');
/** TF 1.15's `tf.layers.average_pooling2d(inputs, poolSize, strides, padding = 'valid')`. */
export const averagePooling2d = pooling('average_pooling2d');

/** TF 1.15's `tf.layers.flatten(inputs)`: [batch, everything else]. */
export function flatten(inputs: TensorInput, options: NameOption = {}): Output {
  const g = graphFor('layers.flatten', inputs);
  return g.nameScope(options.name ?? 'flatten', () => {
    const x = toTensor(g, inputs, 'inputs');
    const s = x.shape;
    if (s !== null && s.length < 2) throw new Error(`layers.flatten: inputs must have rank at least 2 (a batch dimension and more), but ` +
      `${x} has shape ${JSON.stringify(s)}`);
    if (s === null || s.slice(1).some((d) => d === null)) throw new Error(`layers.flatten: the non-batch dimensions must be known, but ` +
      `${x} has shape ${JSON.stringify(s)}`);
    const n = s.slice(1).reduce<number>((a, b) => a * (b as number), 1);
    return g.ops.reshape(x, tensor([-1, n], [2], 'int32'), { name: 'Reshape' });
  });
}

/**
 * TF 1.15's `tf.layers.dropout(inputs, rate = 0.5, training = false)`: tf.nn.dropout when training, else an Identity.
 * A bool scalar Output `training` builds both under a tf.cond (`dropout/cond`), as Keras' smart_cond; a constant one folds.
 * @throws TypeError for a `training` that is neither a boolean nor a bool scalar Output.
 */
export function dropout(inputs: TensorInput,
  options: { rate?: number; training?: TrainingFlag; noiseShape?: number[]; seed?: number } & NameOption = {}): Output {
  const g = graphFor('layers.dropout', inputs);
  const training = trainingFlag(g, options.training, 'layers.dropout');
  const rate = options.rate ?? 0.5;
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new RangeError(`layers.dropout: rate must be a number in [0, 1), but received ${JSON.stringify(rate)}`);
  }
  return g.nameScope(options.name ?? 'dropout', () => {
    const x = toTensor(g, inputs, 'inputs');
    const dropped = () => nnDropout(x, { rate, noiseShape: options.noiseShape, seed: options.seed });
    // In a cond branch the branch's graph builds (graphFor finds it), capturing x.
    const identity = () => op1(graphFor('layers.dropout', x), 'Identity', [x], {}, 'Identity');
    if (typeof training === 'boolean') return training ? dropped() : identity();
    return cond(training, dropped, identity) as Output;
  });
}
