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
import { cond } from '../control-flow/cond';
import { LayerOptions, TrainingFlag, inLayerScope, layerWeight, trainingFlag } from './base';

export interface BatchNormalizationOptions extends LayerOptions {
  /** The feature axis (default -1). */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  /**
   * Batch statistics and moving-average updates when true; the moving averages when false (default). A bool scalar
   * Output decides at run time (tf.cond), as TF 1.15's smart_cond.
   */
  training?: TrainingFlag;
  betaInitializer?: InitializerLike;
  gammaInitializer?: InitializerLike;
  movingMeanInitializer?: InitializerLike;
  movingVarianceInitializer?: InitializerLike;
  /** Use FusedBatchNormV3 (default: when the input has rank 4 and the axis is the last one). */
  fused?: boolean;
}

/**
 * TF 1.15's `_assign_moving_average`: variable -= (variable - value) * (1 - momentum). Built in the current
 * (maybe cond-branch) graph; a momentum Output (cond'd on a symbolic training flag) gives decay `sub` = 1 - momentum.
 */
function assignMovingAverage(variable: Variable, value: Output, momentum: number | Output): Output {
  const g = graphFor('layers.batchNormalization', value);
  return withScope(g, 'AssignMovingAvg', (scope) => {
    const decay = typeof momentum === 'number' ? g.constant(tensor([1 - momentum], [], 'float32'), { name: 'decay' })
      : withScope(g, 'sub', (sub) => op1(g, 'Sub', [g.constant(tensor([1], [], 'float32'), { name: 'x' }), momentum], {}, sub));
    const delta = op1(g, 'Mul', [op1(g, 'Sub', [variable, value], {}, 'sub'), decay], {}, 'mul');
    const assign = g.addOperation('AssignSubVariableOp', { inputs: [variable.handle, delta], attrs: { dtype: 'float32' }, name: scope });
    return g.controlDependencies([assign], () => op1(g, 'ReadVariableOp', [variable.handle], { dtype: 'float32' }, 'ReadVariableOp'));
  });
}

const constVector = (g: Graph, values: number[]): Output => g.constant(tensor(values, [values.length], 'float32'), { name: 'Const' });
/** A float32 scalar in the graph being built (a cond branch's, in a branch). */
const constScalar = (value: number): Output => graphFor('layers.batchNormalization').constant(tensor([value], [], 'float32'),
  { name: 'Const' });

/**
 * TF 1.15's `tf.layers.batch_normalization(inputs, {training, momentum = 0.99, epsilon = 0.001, axis = -1})`.
 * Run the ops of `UPDATE_OPS` with the train op (`tf.controlDependencies(g.getCollection('update_ops'), …)`).
 * @throws Error for an unknown feature dimension.
 */
export function batchNormalization(inputs: TensorInput, options: BatchNormalizationOptions = {}): Output {
  const g = graphFor('layers.batchNormalization', inputs);
  const momentum = options.momentum ?? 0.99;
  const epsilon = options.epsilon ?? 1e-3;
  const training = trainingFlag(g, options.training, 'layers.batchNormalization');
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) {
    throw new RangeError(`layers.batchNormalization: momentum must be a number in [0, 1], but received ${JSON.stringify(momentum)}`);
  }
  if (typeof epsilon !== 'number' || !(epsilon > 0)) {
    throw new RangeError(`layers.batchNormalization: epsilon must be a positive number, but received ${JSON.stringify(epsilon)}`);
  }
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
    if (fused && (r !== 4 || axis !== 3)) {
      throw new Error('layers.batchNormalization: fused needs rank-4 inputs normalised over the last axis');
    }
    // As Keras' smart_cond: a JS (or constant) flag builds one side; a run-time one both, under a tf.cond.
    const smartCond = (ifTraining: () => Output[], ifNot: () => Output[]): Output[] =>
      typeof training === 'boolean' ? (training ? ifTraining() : ifNot()) : cond(training, ifTraining, ifNot) as Output[];
    let y: Output;
    let mean: Output;
    let variance: Output;
    if (fused) {
      const fusedBn = (isTraining: boolean) => (): Output[] => {
        const gb = graphFor('layers.batchNormalization', x);
        const scale = gamma ? gamma.value() : constVector(gb, new Array(depth).fill(1));
        const offset = beta ? beta.value() : constVector(gb, new Array(depth).fill(0));
        const m = isTraining ? constVector(gb, []) : movingMean.value();
        const v = isTraining ? constVector(gb, []) : movingVariance.value();
        const r3 = gb.ops.fusedBatchNormV3(x, scale, offset, m, v, { epsilon: Math.max(epsilon, 1.001e-5), isTraining,
          dataFormat: 'NHWC', name: 'FusedBatchNormV3' });
        return [r3.y, r3.batchMean, r3.batchVariance];
      };
      [y, mean, variance] = smartCond(fusedBn(true), fusedBn(false));
    } else {
      const axes = Array.from({ length: r }, (_, i) => i).filter((i) => i !== axis);
      if (training === false) [mean, variance] = [movingMean.value(), movingVariance.value()];
      else {
        const [batchMean, batchVariance] = moments(x, axes);
        [mean] = smartCond(() => [batchMean], () => [movingMean.value()]);
        [variance] = smartCond(() => [batchVariance], () => [movingVariance.value()]);
      }
      y = nnBatchNorm(x, mean, variance, beta ? beta.value() : null, gamma ? gamma.value() : null, epsilon);
    }
    if (training === true) {
      g.addToCollection(GraphKeys.UPDATE_OPS, assignMovingAverage(movingMean, mean, momentum));
      g.addToCollection(GraphKeys.UPDATE_OPS, assignMovingAverage(movingVariance, variance, momentum));
    } else if (training !== false && fused) {
      // TF 1.15 conditions the decay, not the assign: momentum 1 when not training leaves the averages as they are.
      const [m] = smartCond(() => [constScalar(momentum)], () => [constScalar(1)]);
      g.addToCollection(GraphKeys.UPDATE_OPS, assignMovingAverage(movingMean, mean, m));
      g.addToCollection(GraphKeys.UPDATE_OPS, assignMovingAverage(movingVariance, variance, m));
    } else if (training !== false) {
      // The non-fused layer conditions the assigns themselves.
      for (const [v, value] of [[movingMean, mean], [movingVariance, variance]] as const) {
        g.addToCollection(GraphKeys.UPDATE_OPS, smartCond(() => [assignMovingAverage(v, value, momentum)], () => [v.value()])[0]);
      }
    }
    return y;
  });
}
