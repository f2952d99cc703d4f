// SPDX-License-Identifier: Apache-2.0
// tf.layers: TF 1.15's functional layers (Python 2.21 no longer has them), with their names and defaults.
export { averagePooling2d, conv2d, dense, dropout, flatten, maxPooling2d } from './core';
export type { Conv2DLayerOptions, DenseOptions } from './core';
export { batchNormalization } from './batch-normalization';
export type { BatchNormalizationOptions } from './batch-normalization';
export type { ActivationLike, LayerOptions, Regularizer } from './base';
