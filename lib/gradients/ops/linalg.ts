// SPDX-License-Identifier: Apache-2.0
// Gradients of the linear-algebra ops TensorFlow's C++ registry lacks (tensorflow/python/ops/linalg_grad.py and
// array_grad.py's diagonal ops), on batches of matrices. For real dtypes an adjoint is a transpose.
import type { Output } from '../../graph/operation';
import { registerGradient } from '../registry';
import { int32, scalarOf } from './util';

/** a @ b over the batch, with either side adjoint (Python's math_ops.matmul on batches). */
function matmul(a: Output, b: Output, adjA = false, adjB = false): Output {
  return a.graph.ops.batchMatMulV2(a, b, { adjX: adjA, adjY: adjB });
}

/** The transpose of the last two axes, whatever the rank (Python's linalg.adjoint for real dtypes). */
function adjoint(x: Output): Output {
  const g = x.graph;
  const rank = g.ops.rank(x);
  const two = int32(g, [2], true);
  const batch = g.ops.range(int32(g, [0], true), g.ops.sub(rank, two), int32(g, [1], true));
  const last = g.ops.sub(rank, int32(g, [1], true));
  const perm = g.ops.concatV2([batch, g.ops.pack([last, g.ops.sub(rank, two)])], int32(g, [0], true));
  return g.ops.conjugateTranspose(x, perm);
}

registerGradient('MatrixInverse', (op, grad) => {
  if (grad === null) return [null];
  const g = op.graph;
  const ainv = op.outputs[0];
  const adj = op.attr('adjoint') as boolean;
  return [g.ops.neg(matmul(ainv, matmul(grad, ainv, adj, !adj), !adj))];
});

/** d det(A) = det(A) tr(A^-1 dA): the scaled inverse adjoint, one scale per matrix of the batch. */
registerGradient('MatrixDeterminant', (op, grad) => {
  if (grad === null) return [null];
  const g = op.graph;
  const c = op.outputs[0];
  const aAdjInv = g.ops.matrixInverse(op.inputs[0], { adjoint: true });
  const shape = g.ops.concatV2([g.ops.shape(c, { outType: 'int32' }), int32(g, [1, 1])], int32(g, [0], true));
  return [g.ops.mul(g.ops.reshape(g.ops.mul(grad, c), shape), aAdjInv)];
});

registerGradient('LogMatrixDeterminant', (op, _gradSign, gradLogAbsDet) => {
  if (gradLogAbsDet === null) return [null];
  const g = op.graph;
  const c = op.outputs[1];
  const aAdjInv = g.ops.matrixInverse(op.inputs[0], { adjoint: true });
  const shape = g.ops.concatV2([g.ops.shape(c, { outType: 'int32' }), int32(g, [1, 1])], int32(g, [0], true));
  return [g.ops.mul(g.ops.reshape(gradLogAbsDet, shape), aAdjInv)];
});

registerGradient('MatrixSolve', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const a = op.inputs[0];
  const adj = op.attr('adjoint') as boolean;
  const c = op.outputs[0];
  const gradB = g.ops.matrixSolve(a, grad, { adjoint: !adj });
  const gradA = g.ops.neg(adj ? matmul(c, gradB, false, true) : matmul(gradB, c, false, true));
  return [gradA, gradB];
});

registerGradient('MatrixTriangularSolve', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [a, b] = op.inputs;
  const adj = op.attr('adjoint') as boolean;
  const lower = op.attr('lower') as boolean;
  const c = op.outputs[0];
  let gradB = g.ops.matrixTriangularSolve(a, grad, { lower, adjoint: !adj });
  let gradA = g.ops.neg(adj ? matmul(c, gradB, false, true) : matmul(gradB, c, false, true));
  const minusOne = scalarOf(g, -1, 'int64');
  const zero = scalarOf(g, 0, 'int64');
  gradA = lower ? g.ops.matrixBandPart(gradA, minusOne, zero) : g.ops.matrixBandPart(gradA, zero, minusOne);
  const [as, bs] = [a.shape, b.shape];
  const known = as !== null && bs !== null && !as.includes(null) && !bs.includes(null);
  if (known && as.slice(0, -2).join() === bs.slice(0, -2).join()) return [gradA, gradB];
  // Batch dimensions broadcast: each gradient summed back over the ones its input was broadcast along.
  const aShape = g.ops.shape(a, { outType: 'int32' });
  const bShape = g.ops.shape(b, { outType: 'int32' });
  const batchOf = (s: Output) => {
    const batchRank = g.ops.sub(g.ops.size(s, { outType: 'int32' }), int32(g, [2], true));
    return g.ops.slice(s, int32(g, [0]), g.ops.reshape(batchRank, int32(g, [1])));
  };
  const { r0, r1 } = g.ops.broadcastGradientArgs(batchOf(aShape), batchOf(bShape));
  gradA = g.ops.reshape(g.ops.sum(gradA, r0), aShape);
  gradB = g.ops.reshape(g.ops.sum(gradB, r1), bShape);
  return [gradA, gradB];
});

/** Python's _CholeskyGrad (Murray's formula); like Python's, the gradient is symmetric, as A is. */
registerGradient('Cholesky', (op, grad) => {
  if (grad === null) return [null];
  const g = op.graph;
  const l = op.outputs[0];
  const eye = g.ops.matrixDiag(g.ops.onesLike(g.ops.matrixDiagPart(l)));
  const lInverse = g.ops.matrixTriangularSolve(l, eye);
  let middle = matmul(l, grad, true);
  middle = g.ops.matrixSetDiag(middle, g.ops.mul(scalarOf(g, 0.5, middle.dtype), g.ops.matrixDiagPart(middle)));
  middle = g.ops.matrixBandPart(middle, scalarOf(g, -1, 'int64'), scalarOf(g, 0, 'int64'));
  let gradA = matmul(matmul(lInverse, middle, true), lInverse);
  gradA = g.ops.addV2(gradA, adjoint(gradA));
  return [g.ops.mul(gradA, scalarOf(g, 0.5, gradA.dtype))];
});

registerGradient('MatrixDiagPart', (op, grad) => {
  if (grad === null) return [null];
  const g = op.graph;
  const shape = op.inputs[0].shape;
  const [rows, cols] = shape === null ? [null, null] : shape.slice(-2);
  const square = rows !== null && rows !== undefined && rows === cols;
  return [square ? g.ops.matrixDiag(grad) : g.ops.matrixSetDiag(g.ops.zerosLike(op.inputs[0]), grad)];
});

registerGradient('MatrixSetDiag', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const diag = g.ops.matrixDiagPart(grad);
  return [g.ops.matrixSetDiag(grad, g.ops.zerosLike(diag)), diag];
});
