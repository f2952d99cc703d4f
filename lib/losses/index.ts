// SPDX-License-Identifier: Apache-2.0
// tf.losses: Python's tf.compat.v1.losses.
export { absoluteDifference, addLoss, getLosses, getRegularizationLoss, getRegularizationLosses, getTotalLoss, hingeLoss, huberLoss,
  logLoss, meanSquaredError, sigmoidCrossEntropy, softmaxCrossEntropy, sparseSoftmaxCrossEntropy } from './losses';
export type { LossOptions } from './losses';
export { Reduction, computeWeightedLoss } from './weighted-loss';
