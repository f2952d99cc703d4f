// SPDX-License-Identifier: Apache-2.0
import { GradCase, InputSpec, describeGradients, floats, uniform } from '../../helpers/gradient-check';
import { hasPythonTensorFlow } from '../../helpers/python';

/** A batch of well-conditioned n×n matrices: the identity (times `scale`) plus small noise. */
function wellConditioned(batch: number[], n: number, seed: number, scale = 1): InputSpec {
  const noise = uniform(batch.reduce((a, b) => a * b, 1) * n * n, seed, -0.3, 0.3);
  const values = noise.map((v, i) => v + ((i % (n * n)) % (n + 1) === 0 ? scale : 0));
  return { values, shape: [...batch, n, n], dtype: 'float64' };
}

/** Symmetric positive definite matrices (B Bᵀ + n I). */
function spd(n: number, seed: number): InputSpec {
  const b = uniform(n * n, seed);
  const values: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? n : 0;
    for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
    values.push(s);
  }
  return { values, shape: [n, n], dtype: 'float64' };
}

/** Lower-triangular matrices with a diagonal away from 0 (the op reads only that triangle). */
function lowerTriangular(n: number, seed: number): InputSpec {
  const m = wellConditioned([], n, seed, 2);
  m.values = Array.from(m.values).map((v, i) => (i % n > Math.floor(i / n) ? 0 : v));
  return m;
}

const cases: GradCase[] = [
  { name: 'MatrixInverse', type: 'MatrixInverse', inputs: [wellConditioned([2], 3, 1)] },
  { name: 'MatrixInverse adjoint', type: 'MatrixInverse', inputs: [wellConditioned([], 3, 2)], attrs: { adjoint: true } },
  { name: 'MatrixDeterminant', type: 'MatrixDeterminant', inputs: [wellConditioned([2], 3, 3)] },
  { name: 'LogMatrixDeterminant', type: 'LogMatrixDeterminant', inputs: [wellConditioned([2], 3, 4, -1)], outputs: [1] },
  { name: 'MatrixSolve', type: 'MatrixSolve', inputs: [wellConditioned([], 3, 5), floats([3, 2], 6)] },
  {
    name: 'MatrixSolve adjoint',
    type: 'MatrixSolve',
    inputs: [wellConditioned([2], 3, 7), floats([2, 3, 2], 8)],
    attrs: { adjoint: true },
  },
  { name: 'MatrixTriangularSolve lower', type: 'MatrixTriangularSolve', inputs: [lowerTriangular(3, 9), floats([3, 2], 10)] },
  {
    name: 'MatrixTriangularSolve lower adjoint',
    type: 'MatrixTriangularSolve',
    inputs: [lowerTriangular(3, 11), floats([3, 1], 12)],
    attrs: { adjoint: true },
  },
  // The kernel reads the lower triangle only, where Python's gradient is symmetric (A is): Python's values check it.
  { name: 'Cholesky', type: 'Cholesky', inputs: [spd(3, 13)], pythonOnly: [0] },
  { name: 'MatrixDiagPart, square', type: 'MatrixDiagPart', inputs: [floats([2, 3, 3], 14)] },
  { name: 'MatrixDiagPart, not square', type: 'MatrixDiagPart', inputs: [floats([3, 2], 15)] },
  { name: 'MatrixSetDiag', type: 'MatrixSetDiag', inputs: [floats([2, 3, 2], 16), floats([2, 2], 17)] },
];

describeGradients('linear-algebra gradients', cases, hasPythonTensorFlow);
