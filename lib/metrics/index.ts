// SPDX-License-Identifier: Apache-2.0
// tf.metrics: Python's tf.compat.v1.metrics.
export { accuracy, auc, mean, precision, recall } from './metrics';
export type { MetricOptions, MetricResult } from './metrics';
