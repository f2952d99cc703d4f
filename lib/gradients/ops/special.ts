// SPDX-License-Identifier: Apache-2.0
// Gradients of the special functions TensorFlow's C++ registry lacks (math_grad.py): Bessel functions, Dawson's
// and Fresnel integrals, the exponential integral, Spence's function, and the incomplete gamma, beta and zeta
// families (which, as in Python, differentiate only some of their arguments).
import type { Graph } from '../../graph/graph';
import type { Operation, Output } from '../../graph/operation';
import { registerGradient } from '../registry';
import { build, scalarOf, shapeOf } from './util';

/** A unary special function's gradient: grad times its derivative, built after grad (as Python's). */
function unary(type: string, partial: (g: Graph, x: Output, y: Output) => Output): void {
  registerGradient(type, (op, grad) => {
    if (grad === null) return [null];
    const g = op.graph;
    return g.controlDependencies([grad], () => [g.ops.mul(grad, partial(g, op.inputs[0], op.outputs[0]))]);
  });
}

const f = (g: Graph, type: string, x: Output) => build(g, type, [x]);
const c = (g: Graph, v: number, x: Output) => scalarOf(g, v, x.dtype);
/** where(x == 0, at0, value): a limit where the formula divides by x. */
const atZero = (g: Graph, x: Output, at0: number, value: Output) =>
  g.ops.selectV2(g.ops.equal(x, c(g, 0, x)), c(g, at0, x), value);

unary('Dawsn', (g, x, y) => g.ops.sub(c(g, 1, x), g.ops.mul(g.ops.mul(c(g, 2, x), x), y)));
unary('Expint', (g, x) => g.ops.realDiv(g.ops.exp(x), x));
unary('FresnelCos', (g, x) => g.ops.cos(g.ops.mul(c(g, Math.PI / 2, x), g.ops.square(x))));
unary('FresnelSin', (g, x) => g.ops.sin(g.ops.mul(c(g, Math.PI / 2, x), g.ops.square(x))));
unary('Spence', (g, x) => {
  const partial = g.ops.realDiv(g.ops.log(x), g.ops.sub(c(g, 1, x), x));
  return g.ops.select(g.ops.equal(x, c(g, 1, x)), g.ops.neg(g.ops.onesLike(x)), partial);
});
unary('BesselI0', (g, x) => f(g, 'BesselI1', x));
unary('BesselI0e', (g, x, y) => g.ops.sub(f(g, 'BesselI1e', x), g.ops.mul(g.ops.sign(x), y)));
unary('BesselI1', (g, x, y) => atZero(g, x, 1, g.ops.sub(f(g, 'BesselI0', x), g.ops.realDiv(y, x))));
unary('BesselI1e', (g, x, y) => {
  const value = g.ops.sub(f(g, 'BesselI0e', x), g.ops.mul(y, g.ops.addV2(g.ops.sign(x), g.ops.reciprocal(x))));
  return atZero(g, x, 0.5, value);
});
unary('BesselK0', (g, x) => g.ops.neg(f(g, 'BesselK1', x)));
unary('BesselK0e', (g, x, y) => g.ops.sub(y, f(g, 'BesselK1e', x)));
unary('BesselK1', (g, x, y) => g.ops.sub(g.ops.neg(f(g, 'BesselK0', x)), g.ops.realDiv(y, x)));
unary('BesselK1e', (g, x, y) => g.ops.sub(g.ops.mul(y, g.ops.sub(c(g, 1, x), g.ops.reciprocal(x))), f(g, 'BesselK0e', x)));
unary('BesselJ0', (g, x) => g.ops.neg(f(g, 'BesselJ1', x)));
unary('BesselJ1', (g, x, y) => atZero(g, x, 0.5, g.ops.sub(f(g, 'BesselJ0', x), g.ops.realDiv(y, x))));
unary('BesselY0', (g, x) => g.ops.neg(f(g, 'BesselY1', x)));
unary('BesselY1', (g, x, y) => g.ops.sub(f(g, 'BesselY0', x), g.ops.realDiv(y, x)));

/** sum(partial * grad) over the axes `input` was broadcast along, reshaped to it. */
function reduceTo(g: Graph, partial: Output, grad: Output, axes: Output, input: Output): Output {
  return g.ops.reshape(g.ops.sum(g.ops.mul(partial, grad), axes), shapeOf(input));
}

/** Igamma's gradient (Igammac's is its negative): IgammaGradA for a, the gamma density for x. */
function igammaGrad(op: Operation, grad: Output, sign: number): Output[] {
  const g = op.graph;
  const [a, x] = op.inputs;
  const { r0, r1 } = g.ops.broadcastGradientArgs(shapeOf(a), shapeOf(x));
  return g.controlDependencies([grad], () => {
    const partialA = g.ops.igammaGradA(a, x);
    const logDensity = g.ops.sub(g.ops.addV2(g.ops.neg(x), g.ops.mul(g.ops.sub(a, c(g, 1, a)), g.ops.log(x))), g.ops.lgamma(a));
    const [da, dx] = [reduceTo(g, partialA, grad, r0, a), reduceTo(g, g.ops.exp(logDensity), grad, r1, x)];
    return sign > 0 ? [da, dx] : [g.ops.neg(da), g.ops.neg(dx)];
  });
}

registerGradient('Igamma', (op, grad) => (grad === null ? [null, null] : igammaGrad(op, grad, 1)));
registerGradient('Igammac', (op, grad) => (grad === null ? [null, null] : igammaGrad(op, grad, -1)));

registerGradient('Betainc', (op, grad) => {
  if (grad === null) return [null, null, null];
  const g = op.graph;
  const [a, b, x] = op.inputs;
  const rx = g.ops.broadcastGradientArgs(shapeOf(a), shapeOf(x)).r1;
  const logBeta = g.ops.sub(g.ops.addV2(g.ops.lgamma(a), g.ops.lgamma(b)), g.ops.lgamma(g.ops.addV2(a, b)));
  const one = c(g, 1, a);
  const logDensity = g.ops.sub(g.ops.addV2(g.ops.xlog1py(g.ops.sub(b, one), g.ops.neg(x)), g.ops.xlogy(g.ops.sub(a, one), x)), logBeta);
  return [null, null, reduceTo(g, g.ops.exp(logDensity), grad, rx, x)];
});

registerGradient('Zeta', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [x, q] = op.inputs;
  const rq = g.ops.broadcastGradientArgs(shapeOf(x), shapeOf(q)).r1;
  return g.controlDependencies([grad], () => {
    const partialQ = g.ops.mul(g.ops.neg(x), g.ops.zeta(g.ops.addV2(x, c(g, 1, x)), q));
    return [null, reduceTo(g, partialQ, grad, rq, q)];
  });
});

registerGradient('Polygamma', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [n, x] = op.inputs;
  const rx = g.ops.broadcastGradientArgs(shapeOf(n), shapeOf(x)).r1;
  return g.controlDependencies([grad], () => [null, reduceTo(g, g.ops.polygamma(g.ops.addV2(n, c(g, 1, n)), x), grad, rx, x)]);
});
