// SPDX-License-Identifier: Apache-2.0
// TF 1.15's tf.layers.batch_normalization: gamma/beta/moving_mean/moving_variance in the layer's scope; rank-4
// inputs normalised by FusedBatchNormV3; in training, moving-average assigns added to UPDATE_OPS.
import type { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import type { Output } from '../graph/operation';
import { tensor } from '../tensor/tensor';
import { ones as onesInit, zeros as zerosInit } from '../variables/initializers';
import type { Variable } from '../variables/variable';
import type { InitializerLike } from '../variables/variable-scope';
import { TensorInput, graphFor, op1, rankOf, toTensor, withScope } from '../math/common';
import { batchNormalization as nnBatchNorm, moments } from '../nn/normalization';
import { LayerOptions, inLayerScope, layerWeight } from './base';

export interface BatchNormalizationOptions extends LayerOptions {
  /** The feature axis (default -1). */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  /** Batch statistics and moving-average updates when true; the moving averages when false (default). */
  training?: boolean;
  betaInitializer?: InitializerLike;
  gammaInitializer?: InitializerLike;
  movingMeanInitializer?: InitializerLike;
  movingVarianceInitializer?: InitializerLike;
  /** Use FusedBatchNormV3 (default: when the input has rank 4 and the axis is the last one). */
  fused?: boolean;
}

/** TF 1.15's `_assign_moving_average`: variable -= (variable - value) * (1 - momentum). */
function assignMovingAverage(g: Graph, variable: Variable, value: Output, momentum: number): Output {
  return withScope(g, 'AssignMovingAvg', (scope) => {
    const decay = g.constant(tensor([1 - momentum], [], 'float32'), { name: 'decay' });
    const delta = op1(g, 'Mul', [op1(g, 'Sub', [variable, value], {}, 'sub'), decay], {}, 'mul');
    const assign = g.addOperation('AssignSubVariableOp', { inputs: [variable.handle, delta], attrs: { dtype: 'float32' }, name: scope });
    return g.controlDependencies([assign], () => op1(g, 'ReadVariableOp', [variable.handle], { dtype: 'float32' }, 'ReadVariableOp'));
  });
}

/**
 * TF 1.15's `tf.layers.batch_normalization(inputs, {training, momentum = 0.99, epsilon = 0.001, axis = -1})`.
 * Run the ops of `UPDATE_OPS` with the train op (`tf.controlDependencies(g.getCollection('update_ops'), …)`).
 * @throws Error for an unknown feature dimension.
 */
export function batchNormalization(inputs: TensorInput, options: BatchNormalizationOptions = {}): Output {
  const g = graphFor('layers.batchNormalization', inputs);
  const momentum = options.momentum ?? 0.99;
  const epsilon = options.epsilon ?? 1e-3;
  const training = options.training ?? false;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new RangeError(`layers.batchNormalization: momentum must be a number in [0, 1], but received ${JSON.stringify(momentum)}`);
  }
  if (typeof epsilon !== 'number' || !(epsilon > 0)) {
    throw new RangeError(`layers.batchNormalization: epsilon must be a positive number, but received ${JSON.stringify(epsilon)}`);
  }
  if (typeof training !== 'boolean') throw new Error('layers.batchNormalization: training must be a boolean here (a symbolic training ' +
    'flag needs tf.cond)');
  return inLayerScope(g, 'batch_normalization', options, () => {
    const x = toTensor(g, inputs, 'inputs');
    const r = rankOf(x);
    if (r === null) throw new Error('layers.batchNormalization: the rank of the inputs must be known');
    const axisIn = options.axis ?? -1;
    if (!Number.isInteger(axisIn) || axisIn < -r || axisIn >= r) {
      throw new Error(`layers.batchNormalization: invalid axis ${JSON.stringify(axisIn)} for inputs of rank ${r} (shape ` +
        `${JSON.stringify(x.shape)})`);
    }
    const axis = axisIn < 0 ? r + axisIn : axisIn;
    const depth = x.shape![axis];
    if (depth === null || depth === undefined) throw new Error(`layers.batchNormalization: axis ${axis} of the inputs should have a ` +
      `defined dimension, but ${x} has shape ${JSON.stringify(x.shape)}`);
    const trainable = options.trainable ?? true;
    const gamma = options.scale === false ? null : layerWeight(g, 'gamma', [depth], { initializer: options.gammaInitializer ?? onesInit(),
      trainable });
    const beta = options.center === false ? null : layerWeight(g, 'beta', [depth], { initializer: options.betaInitializer ?? zerosInit(),
      trainable });
    const movingMean = layerWeight(g, 'moving_mean', [depth], { initializer: options.movingMeanInitializer ?? zerosInit(),
      trainable: false });
    const movingVariance = layerWeight(g, 'moving_variance', [depth], { initializer: options.movingVarianceInitializer ?? onesInit(),
      trainable: false });
    const fused = options.fused ?? (r === 4 && axis === 3);
    let y: Output;
    let mean: Output;
    let variance: Output;
    if (fused) {
      if (r !== 4 || axis !== 3) throw new Error('layers.batchNormalization: fused needs rank-4 inputs normalised over the last axis');
      const scale = gamma ? gamma.value() : g.constant(tensor(new Array(depth).fill(1), [depth], 'float32'), { name: 'Const' });
      const offset = beta ? beta.value() : g.constant(tensor(new Array(depth).fill(0), [depth], 'float32'), { name: 'Const' });
      const m = training ? g.constant(tensor([], [0], 'float32'), { name: 'Const' }) : movingMean.value();
      const v = training ? g.constant(tensor([], [0], 'float32'), { name: 'Const' }) : movingVariance.value();
      const r3 = g.ops.fusedBatchNormV3(x, scale, offset, m, v, { epsilon: Math.max(epsilon, 1.001e-5), isTraining: training,
        dataFormat: 'NHWC', name: 'FusedBatchNormV3' });
      [y, mean, variance] = [r3.y, r3.batchMean, r3.batchVariance];
    } else {
      const axes = Array.from({ length: r }, (_, i) => i).filter((i) => i !== axis);
      if (training) [mean, variance] = moments(x, axes);
      else [mean, variance] = [movingMean.value(), movingVariance.value()];
      y = nnBatchNorm(x, mean, variance, beta ? beta.value() : null, gamma ? gamma.value() : null, epsilon);
    }
    if (training) {
      g.addToCollection(GraphKeys.UPDATE_OPS, assignMovingAverage(g, movingMean, mean, momentum));
      g.addToCollection(GraphKeys.UPDATE_OPS, assignMovingAverage(g, movingVariance, variance, momentum));
    }
    return y;
  });
}
