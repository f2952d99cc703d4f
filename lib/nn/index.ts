// SPDX-License-Identifier: Apache-2.0
// tf.nn: Python's tf.nn functions, built from ops with Python's node names.
export { biasAdd, elu, l2Loss, l2Normalize, leakyRelu, logSoftmax, relu, relu6, selu, sigmoid, softmax, softplus, softsign,
  tanh } from './activations';
export { avgPool, avgPool2d, conv2d, conv2dTranspose, depthwiseConv2d, maxPool, maxPool2d } from './conv';
export type { Conv2DOptions, DataFormat, Padding } from './conv';
export { batchNormalization, dropout, fusedBatchNorm, moments } from './normalization';
export type { FusedBatchNormOptions } from './normalization';
export { embeddingLookup, inTopK, sigmoidCrossEntropyWithLogits, softmaxCrossEntropyWithLogits, sparseSoftmaxCrossEntropyWithLogits,
  topK } from './classification';
export { nceLoss, sampledSoftmaxLoss } from './sampled';
export type { SampledLossArgs } from './sampled';
