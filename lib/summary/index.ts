// SPDX-License-Identifier: Apache-2.0
// tf.summary: Python's tf.compat.v1.summary.
export { audio, cleanTag, histogram, image, merge, mergeAll, scalar, text } from './summary-ops';
export type { SummaryOptions } from './summary-ops';
export { FileWriter } from './file-writer';
export type { FileWriterOptions } from './file-writer';
export type { SessionLog, SessionStatus } from './event';
