// SPDX-License-Identifier: Apache-2.0
// Building blocks the gradient functions share: the op's attrs, shapes, and the reduction of a broadcast
// gradient back to an input's shape (Python's SmartBroadcastGradientArgs / _ReduceGradientArgs).
import type { DType } from '../../base/dtypes';
import type { Graph } from '../../graph/graph';
import type { Operation, Output } from '../../graph/operation';
import { tensor } from '../../tensor/tensor';

/** Builds one op of `type` in `g` and returns its output `index` (the untyped builder, with OpDef attr names). */
export function build(g: Graph, type: string, inputs: Array<Output | Output[]>, attrs: Record<string, unknown> = {}, index = 0): Output {
  return g.addOperation(type, { inputs, attrs }).output(index);
}

/** The attrs `names` of `op` that it has (a name the op lacks is left out, as Python's _GetOpAttrOrNone). */
export function copyAttrs(op: Operation, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const value = tryAttr(op, name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Attr `name` of `op`, or undefined where the op has none. */
export function tryAttr(op: Operation, name: string): unknown {
  try {
    return op.attr(name);
  } catch {
    return undefined;
  }
}

/** An int32 constant vector (or scalar when `scalar`). */
export function int32(g: Graph, values: readonly number[], scalar = false): Output {
  return g.constant(tensor(Int32Array.from(values), scalar ? [] : [values.length], 'int32'));
}

/** A scalar constant of `dtype`. */
export function scalarOf(g: Graph, value: number, dtype: DType): Output {
  return g.constant(value, { dtype });
}

/**
 * The shape of `x` as int32 (Python's array_ops.shape): a constant where the graph knows it fully, so a gradient
 * in a loop body reads nothing of the forward iteration for it; else a Shape op.
 */
export function shapeOf(x: Output, outType: 'int32' | 'int64' = 'int32'): Output {
  const shape = x.shape;
  if (shape !== null && shape.every((d) => d !== null)) {
    const values = outType === 'int64' ? BigInt64Array.from(shape as number[], BigInt) : Int32Array.from(shape as number[]);
    return x.graph.constant(values, { shape: [shape.length], name: 'Shape' });
  }
  return x.graph.ops.shape(x, { outType });
}

/** The rank of `x` as an int32 scalar (Python's array_ops.rank): a constant where the graph knows it. */
export function rankOf(x: Output): Output {
  const shape = x.shape;
  if (shape !== null) return x.graph.constant(shape.length, { dtype: 'int32', name: 'Rank' });
  return x.graph.ops.rank(x);
}

/** The gradient of output `index`, or zeros of its shape where none flows in (Python's driver gives zeros there). */
export function gradOrZeros(op: Operation, index: number, grad: Output | null | undefined): Output {
  return grad ?? op.graph.ops.zerosLike(op.outputs[index]);
}

/** Sum of `x` over all its axes (rank known or not). */
export function sumAll(x: Output): Output {
  const g = x.graph;
  const axes = g.ops.range(int32(g, [0], true), g.ops.rank(x), int32(g, [1], true));
  return g.ops.sum(x, axes);
}

/** Static reduction axes of a broadcast of shapes x and y, or null where the static shapes cannot tell. */
function inferReductionAxes(x: Output, y: Output): [number[], number[]] | null {
  const xs = x.shape;
  const ys = y.shape;
  if (xs === null || ys === null) return null;
  const rank = Math.max(xs.length, ys.length);
  const xAxes: number[] = [];
  const yAxes: number[] = [];
  for (let axis = 0; axis < rank; axis++) {
    const xd = axis < rank - xs.length ? 1 : xs[axis - (rank - xs.length)];
    const yd = axis < rank - ys.length ? 1 : ys[axis - (rank - ys.length)];
    if (xd === 1 && yd !== 1) xAxes.push(axis);
    else if (yd === 1 && xd !== 1) yAxes.push(axis);
    else if (xd === null || yd === null) return null;
  }
  return [xAxes, yAxes];
}

/** One input's side of Python's SmartBroadcastGradientArgs: its shape, the axes to reduce, whether to reduce. */
type BroadcastArg = [Output, Output | Int32Array, boolean];

/** Python's SmartBroadcastGradientArgs: static reduction axes where the shapes tell, else BroadcastGradientArgs. */
function smartBroadcastGradientArgs(x: Output, y: Output): [BroadcastArg, BroadcastArg] {
  const sx = shapeOf(x);
  const sy = shapeOf(y);
  const axes = inferReductionAxes(x, y);
  if (axes === null) {
    const args = x.graph.ops.broadcastGradientArgs(sx, sy);
    return [[sx, args.r0, true], [sy, args.r1, true]];
  }
  const [xr, yr] = [x.shape!.length, y.shape!.length];
  return [[sx, Int32Array.from(axes[0]), axes[0].length > 0 || xr < yr], [sy, Int32Array.from(axes[1]), axes[1].length > 0 || yr < xr]];
}

function reduceGradientArg(grad: Output | null, [shape, axes, must]: BroadcastArg): Output | null {
  if (grad === null || !must) return grad;
  const g = grad.graph;
  // keepDims as Python: the Reshape back to the input's shape is then a no-op in shape inference.
  return g.ops.reshape(g.ops.sum(grad, axes, { keepDims: true }), shape);
}

/**
 * Reduces the gradients of a broadcasting binary op's inputs x and y to their shapes (Python's _ReduceGradientArgs):
 * statically where the shapes tell which axes were broadcast, else with BroadcastGradientArgs.
 */
export function reduceGradientArgs(x: Output, y: Output, gx: Output | null, gy: Output | null): [Output | null, Output | null] {
  if (gx === null && gy === null) return [null, null];
  const [bx, by] = smartBroadcastGradientArgs(x, y);
  return [reduceGradientArg(gx, bx), reduceGradientArg(gy, by)];
}

/**
 * The shape of `x` reduced over `axes` with the reduced dimensions kept as 1 (Python's math_ops.reduced_shape),
 * for reshaping a reduction's output and gradient back to broadcast against its input.
 */
export function reducedShape(inputShape: Output, axes: Output): Output {
  const g = inputShape.graph;
  const rank = g.ops.size(inputShape, { outType: 'int32' });
  const axes32 = axes.dtype === 'int32' ? axes : g.ops.cast(axes, { DstT: 'int32' });
  const positive = g.ops.floorMod(g.ops.addV2(axes32, rank), rank);
  const ones = g.ops.fill(shapeOf(positive), int32(g, [1], true));
  return g.ops.dynamicStitch([g.ops.range(int32(g, [0], true), rank, int32(g, [1], true)), positive], [inputShape, ones]);
}
