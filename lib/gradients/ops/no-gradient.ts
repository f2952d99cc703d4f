// SPDX-License-Identifier: Apache-2.0
// Ops Python declares not differentiable (ops.NotDifferentiable) that TensorFlow's C++ registry differentiates or
// does not know: gradients stop there with null, as in Python, instead of failing the backprop.
import { noGradient } from '../registry';

for (const type of ['OnesLike', 'ZerosLike', 'ConcatOffset']) noGradient(type);
