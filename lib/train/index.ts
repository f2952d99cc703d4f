// SPDX-License-Identifier: Apache-2.0
// tf.train: optimizers, the global step, checkpoints.
export * from '../checkpoint/checkpoint-reader';
export * from '../checkpoint/checkpoint-state';
export * from '../checkpoint/checkpoint-utils';
export { Optimizer } from './optimizer';
export type { ApplyGradientsOptions, ComputeGradientsOptions, GradAndVar, Hyperparameter, MinimizeOptions } from './optimizer';
export { GradientDescentOptimizer } from './gradient-descent';
export type { GradientDescentOptions } from './gradient-descent';
export { MomentumOptimizer } from './momentum';
export type { MomentumOptions } from './momentum';
export { AdamOptimizer } from './adam';
export type { AdamOptions } from './adam';
export { RMSPropOptimizer } from './rmsprop';
export type { RMSPropOptions } from './rmsprop';
export { createGlobalStep, getGlobalStep, getOrCreateGlobalStep } from './global-step';
export { replicaDeviceSetter, STANDARD_PS_OPS } from '../distributed/device-setter';
export type { ReplicaDeviceSetterOptions } from '../distributed/device-setter';
export * from '../checkpoint/saver';
export * from '../checkpoint/import-meta-graph';
export { AdagradOptimizer } from './adagrad';
export type { AdagradOptions } from './adagrad';
export { cosineDecay, exponentialDecay, inverseTimeDecay, piecewiseConstant, polynomialDecay } from './learning-rate-decay';
export type { StepLike } from './learning-rate-decay';
export { ExponentialMovingAverage } from './moving-averages';
export type { ExponentialMovingAverageOptions } from './moving-averages';
export * from '../monitored';
