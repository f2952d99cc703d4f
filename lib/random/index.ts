// SPDX-License-Identifier: Apache-2.0
// tf.random: Python's tf.random functions, seeded as Python seeds them.
export { normal, shuffle, truncatedNormal, uniform } from './random-ops';
export type { RandomOptions } from './random-ops';
export { setRandomSeed as setSeed } from '../math/graph-functions';
