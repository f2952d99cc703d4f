// SPDX-License-Identifier: Apache-2.0
// Gradients of the broadcasting arithmetic ops and of Sum/Mean/Square, as tensorflow/python/ops/math_grad.py writes
// them. TensorFlow's C++ registry has these too, but its versions read the inputs' shapes at run time (Shape,
// BroadcastGradientArgs, DynamicStitch) even where the graph knows them. Inside a loop body that matters: every
// forward tensor a gradient op reads (a Shape of it included) is pushed to an accumulator each iteration. Python
// folds static shapes into constants, so these do too, with Python's node names. TF_AddGradients keeps the C++
// ones on its fast path (registerCppEquivalentGradient): same values, and graphs without loops gain nothing there.
// Relu's is here too: Python's reads the op's output where C++'s reads its input.
import type { Operation, Output } from '../../graph/operation';
import { registerCppEquivalentGradient } from '../registry';
import { reduceGradientArgs, reducedShape, shapeOf, tryAttr } from './util';

const FLOATING = new Set(['float16', 'bfloat16', 'float32', 'float64', 'complex64', 'complex128']);

function isComplex(t: Output): boolean {
  return t.dtype === 'complex64' || t.dtype === 'complex128';
}

/** Python's math_ops.conj: the identity (no op) for real tensors. */
function conj(t: Output): Output {
  return isComplex(t) ? t.graph.ops.conj(t) : t;
}

function fullyDefined(t: Output): number[] | null {
  const shape = t.shape;
  return shape !== null && shape.every((d) => d !== null) ? (shape as number[]) : null;
}

/** Python's _ShapesFullySpecifiedAndEqual. */
function sameFullShapes(x: Output, y: Output, grad: Output): boolean {
  const xs = fullyDefined(x);
  const ys = y.shape;
  const gs = grad.shape;
  if (xs === null || ys === null || gs === null) return false;
  const equal = (a: ReadonlyArray<number | null>) => a.length === xs.length && a.every((d, i) => d === xs[i]);
  return equal(ys) && equal(gs);
}

function addGrad(op: Operation, grad: Output | null): Array<Output | null> {
  if (grad === null) return [null, null];
  const [x, y] = op.inputs;
  if (sameFullShapes(x, y, grad)) return [grad, grad];
  return reduceGradientArgs(x, y, grad, grad);
}

registerCppEquivalentGradient('Add', addGrad);
registerCppEquivalentGradient('AddV2', addGrad);

registerCppEquivalentGradient('Sub', (op, grad) => {
  if (grad === null) return [null, null];
  const [x, y] = op.inputs;
  if (sameFullShapes(x, y, grad)) return [grad, op.graph.ops.neg(grad)];
  return reduceGradientArgs(x, y, grad, op.graph.ops.neg(grad));
});

registerCppEquivalentGradient('Mul', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [x, y] = op.inputs;
  if (sameFullShapes(x, y, grad) && (grad.dtype === 'int32' || grad.dtype === 'float32')) {
    return [g.ops.mul(grad, y), g.ops.mul(grad, x)];
  }
  const gx = g.ops.mul(grad, conj(y));
  const gy = g.ops.mul(conj(x), grad);
  return reduceGradientArgs(x, y, gx, gy);
});

registerCppEquivalentGradient('RealDiv', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [x, y] = op.inputs;
  const cx = conj(x);
  const cy = conj(y);
  const gx = g.ops.realDiv(grad, cy);
  const gy = g.ops.mul(grad, g.ops.realDiv(g.ops.realDiv(g.ops.neg(cx), cy), cy), { name: 'mul' });
  return reduceGradientArgs(x, y, gx, gy);
});

registerCppEquivalentGradient('Square', (op, grad) => {
  if (grad === null) return [null];
  const g = op.graph;
  // As Python: 2 * x waits for the incoming gradient, so it is not computed (and kept alive) early.
  return g.controlDependencies([grad], () => {
    const x = conj(op.inputs[0]);
    const two = g.constant(2, { dtype: x.dtype });
    return [g.ops.mul(grad, g.ops.mul(x, two))];
  });
});

/** The reduction axes of a Const (Python's tensor_util.constant_value), or null when they are only known at run time. */
function constantAxes(t: Output): { axes: number[]; scalar: boolean } | null {
  if (t.op.type !== 'Const') return null;
  const value = t.op.attr('value') as { data(): ArrayLike<number | bigint>; shape: number[] };
  return { axes: Array.from(value.data(), Number), scalar: value.shape.length === 0 };
}

/** Python's _SumGrad: tiles the gradient back over the reduced axes, statically where the shapes are known. */
function sumGrad(op: Operation, grad: Output): Output {
  const g = op.graph;
  const [x, axesIn] = op.inputs;
  const xShape = x.shape;
  const known = constantAxes(axesIn);
  if (xShape !== null && known !== null) {
    const rank = xShape.length;
    const full = fullyDefined(x);
    if (!known.scalar && known.axes.length === rank && known.axes.every((a, i) => a === i)) {
      const flat = g.ops.reshape(grad, new Int32Array(rank).fill(1));
      const inputShape = full !== null ? g.constant(Int32Array.from(full), { shape: [rank] }) : g.ops.shape(x, { outType: 'int32' });
      return g.ops.tile(flat, inputShape);
    }
    if (full !== null) {
      const reduced = new Set(known.axes.map((a) => ((a % rank) + rank) % rank));
      const kept = full.map((d, i) => (reduced.has(i) ? 1 : d));
      const scaling = full.map((d, i) => Math.floor(d / Math.max(kept[i], 1)));
      return g.ops.tile(g.ops.reshape(grad, Int32Array.from(kept)), Int32Array.from(scaling));
    }
  }
  const inputShape = shapeOf(x);
  let kept = grad;
  if (!tryAttr(op, 'keep_dims')) kept = g.ops.reshape(grad, reducedShape(inputShape, axesIn));
  return g.ops.broadcastTo(kept, inputShape);
}

registerCppEquivalentGradient('Sum', (op, grad) => [grad === null ? null : sumGrad(op, grad), null]);

registerCppEquivalentGradient('Mean', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [x, axesIn] = op.inputs;
  const summed = sumGrad(op, grad);
  const inputShape = fullyDefined(x);
  const outputShape = fullyDefined(op.outputs[0]);
  let factor: Output;
  if (inputShape !== null && outputShape !== null) {
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    factor = g.constant(Math.floor(size(inputShape) / Math.max(size(outputShape), 1)), { dtype: summed.dtype });
  } else {
    const shape = shapeOf(x);
    const rank = g.ops.size(shape, { outType: 'int32' });
    const axes = axesIn.dtype === 'int32' ? axesIn : g.ops.cast(axesIn, { DstT: 'int32' });
    const positive = g.ops.floorMod(g.ops.addV2(axes, rank, { name: 'add' }), rank, { name: 'mod' });
    const count = g.ops.prod(g.ops.gatherV2(shape, positive, 0), g.constant(Int32Array.of(0), { shape: [1] }));
    factor = g.ops.cast(count, { DstT: summed.dtype });
  }
  // Python's truediv: RealDiv for floating types; integer means keep the C++ gradient's integer Div.
  const divide = FLOATING.has(summed.dtype) ? g.ops.realDiv : g.ops.div;
  return [divide.call(g.ops, summed, factor, { name: 'truediv' }), null];
});

// Python's _ReluGrad reads the op's output, C++'s its input: in a loop body whose next op reads the output anyway
// (a MatMul's gradient), reading the input would cost the forward loop one more accumulator.
registerCppEquivalentGradient('Relu', (op, grad) => [grad === null ? null : op.graph.ops.reluGrad(grad, op.outputs[0])]);
