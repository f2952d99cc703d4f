// SPDX-License-Identifier: Apache-2.0
// tf.math: Python's tf.math names for the math functions (they are on `tf` itself as well).
export { abs, add, addN, argmax, argmin, cos, divide, divideNoNan, equal, exp, floor, floordiv, greater, greaterEqual, less, lessEqual,
  log, log1p, logicalAnd, logicalNot, logicalOr, matmul, maximum, minimum, multiply, negative, notEqual, pow, reduceAll, reduceAny,
  reduceMax, reduceMean, reduceMin, reduceProd, reduceSum, rsqrt, sigmoid, sin, sqrt, square, squaredDifference, subtract, tanh,
} from './math-ops';
export { divide as truediv } from './math-ops';
export { globalNorm } from './clip-ops';
