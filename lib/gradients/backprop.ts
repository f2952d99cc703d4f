// SPDX-License-Identifier: Apache-2.0
// The TypeScript backprop driver (Python's gradients_util._GradientsHelper): walks the operations between the xs
// and the ys in reverse topological order and asks each for its input gradients — a user or registered TypeScript
// gradient where there is one, the sparse gather gradients, else TensorFlow's C++ gradient of that one op
// (lib/gradients/cpp-gradient.ts). Gradients of one tensor are aggregated as Python does (AddN, or concatenated
// IndexedSlices), and everything is named under the caller's `gradients` scope as Python names it.
import { NotFoundError } from '../binding/errors';
import type { Graph } from '../graph/graph';
import type { Operation, Output } from '../graph/operation';
import { Tensor } from '../tensor/tensor';
import { cppGradient } from './cpp-gradient';
import { IndexedSlices, densify } from './indexed-slices';
import { gradientOverrideFor } from './override-map';
import { describePath } from './paths';
import { GradientFunction, InputGradient, lookupGradient, markZerosGradient } from './registry';
import { controlFlowProblem } from './safety';
import { sparseGradientFor } from './sparse-gradients';

type Grad = Output | IndexedSlices;

/**
 * Dtypes whose missing output gradients Python fills with zeros before calling a gradient function. Not 'resource':
 * ZerosLike has no kernel for handles, and one such node anywhere in a graph fails every run at placement (a While
 * that carries a variable's handle has a resource output); gradient functions make a variable's zeros themselves.
 */
const TRAINABLE = new Set(['float16', 'bfloat16', 'float32', 'float64', 'complex64', 'complex128', 'variant']);
/** Ops whose gradient is the incoming one as it is, so an IndexedSlices passes through them still sparse. */
const PASS_THROUGH = new Set(['Identity', 'ReadVariableOp', 'Snapshot']);

export interface BackpropRequest {
  ys: Output[];
  xs: Output[];
  /** One per y: an Output, a host Tensor (made a constant), or null for ones. */
  gradYs: Array<Output | Tensor | null>;
  /** Operations gradients do not pass (the ops of `stopGradients`). */
  stopOps: Set<Operation>;
  /** The ops between xs and ys (lib/gradients/paths.ts opsBetween). */
  between: Set<Operation>;
}

/** Python's _DefaultGradYs: ones shaped like y, named Shape / grad_ys_i/Const / grad_ys_i. */
function initialGradient(g: Graph, y: Output, given: Output | Tensor | null, i: number): Output {
  if (given instanceof Tensor) return g.constant(given, { name: `grad_ys_${i}` });
  if (given) return given;
  const known = y.shape;
  const shape = known && known.every((d) => d !== null)
    ? g.constant(known as number[], { dtype: 'int32', name: 'Shape' })
    : g.addOperation('Shape', { inputs: [y], attrs: { T: y.dtype, out_type: 'int32' }, name: 'Shape' }).output(0);
  return g.nameScope(`grad_ys_${i}`, (scope) => {
    const one = g.constant(1, { dtype: y.dtype, name: 'Const' });
    return g.addOperation('Fill', { inputs: [shape, one], attrs: { T: y.dtype, index_type: 'int32' }, name: scope }).output(0);
  });
}

function addN(g: Graph, grads: Output[]): Output {
  return g.addOperation('AddN', { inputs: [grads], attrs: { N: grads.length, T: grads[0].dtype }, name: 'AddN' }).output(0);
}

function concat(g: Graph, parts: Output[]): Output {
  return g.nameScope('concat', (scope) => {
    const axis = g.constant(0, { dtype: 'int32', name: 'axis' });
    return g.addOperation('ConcatV2', {
      inputs: [parts, axis],
      attrs: { N: parts.length, T: parts[0].dtype, Tidx: 'int32' },
      name: scope,
    }).output(0);
  });
}

/** Python's _AggregatedGrads for one tensor: AddN of dense gradients, concatenated slices, densified when mixed. */
function aggregate(g: Graph, grads: Grad[] | undefined): Grad | null {
  if (!grads || grads.length === 0) return null;
  if (grads.length === 1) return grads[0];
  if (grads.every((d) => !(d instanceof IndexedSlices))) return addN(g, grads as Output[]);
  if (grads.some((d) => !(d instanceof IndexedSlices))) return addN(g, grads.map((d) => (d instanceof IndexedSlices ? densify(d) : d)));
  const slices = grads as IndexedSlices[];
  // As Python's _as_indexed_slices_list: mixed index types meet at int64.
  const mixed = slices.some((s) => s.indices.dtype !== slices[0].indices.dtype);
  const indices = slices.map((s) =>
    mixed && s.indices.dtype !== 'int64'
      ? g.addOperation('Cast', { inputs: [s.indices], attrs: { SrcT: s.indices.dtype, DstT: 'int64' } }).output(0)
      : s.indices,
  );
  return new IndexedSlices(concat(g, slices.map((s) => s.values)), concat(g, indices), slices[0].denseShape);
}

function zerosLike(g: Graph, x: Output): Output {
  return markZerosGradient(g.addOperation('ZerosLike', { inputs: [x], attrs: { T: x.dtype }, name: 'zeros_like' }).output(0));
}

/** The gradient function for `op`, or undefined for TensorFlow's C++ one; 'none' when declared not differentiable. */
function gradientFunctionFor(op: Operation, req: BackpropRequest): GradientFunction | 'none' | undefined {
  const override = gradientOverrideFor(op);
  if (override !== undefined) {
    const fn = lookupGradient(override);
    if (fn === undefined) {
      throw new NotFoundError(
        `No gradient registered under '${override}', which gradientOverrideMap gives operation '${op.name}' (op type: ${op.type}) ` +
          `${describePath(op, req.ys, req.xs, req.between)}; register it with tf.registerGradient('${override}', fn)`,
      );
    }
    return fn;
  }
  return lookupGradient(op.type) ?? sparseGradientFor(op);
}

function missingGradient(op: Operation, req: BackpropRequest): Error {
  const where = describePath(op, req.ys, req.xs, req.between);
  const problem = controlFlowProblem(op);
  if (problem) return new Error(`${problem} (${where})`);
  return new NotFoundError(
    `No gradient defined for operation '${op.name}' (op type: ${op.type}) ${where}. Neither tf.registerGradient nor ` +
      `TensorFlow's C++ gradient registry has a gradient for ${op.type}: register one with tf.registerGradient('${op.type}', fn), ` +
      `declare it not differentiable with tf.noGradient('${op.type}'), or stop the gradient before it (StopGradient).`,
  );
}

function inputGradients(g: Graph, op: Operation, inputs: Output[], outGrads: Array<Grad | null>, req: BackpropRequest): InputGradient[] {
  const fn = gradientFunctionFor(op, req);
  if (fn === 'none') return inputs.map(() => null);
  if (fn === undefined && PASS_THROUGH.has(op.type) && outGrads[0] instanceof IndexedSlices) return [outGrads[0]];
  if (fn === undefined && controlFlowProblem(op)) throw missingGradient(op, req);
  // As Python: an output that got no gradient but could carry one gets zeros, so gradient functions see tensors.
  const filled = outGrads.map((d, i) => (d === null && TRAINABLE.has(op.output(i).dtype) ? zerosLike(g, op.output(i)) : d));
  const scopeName = `${op.name}_grad`;
  if (fn === undefined) {
    const scope = g.uniqueName(scopeName);
    const dense = g.nameScope(`${scope}/`, () => filled.map((d) => (d instanceof IndexedSlices ? densify(d) : d)));
    const result = cppGradient(op, inputs, dense, scope, (j) => zerosLike(g, op.output(j)));
    if (result === 'none') throw missingGradient(op, req);
    return result;
  }
  const result = g.nameScope(scopeName, () => {
    const dense = filled.map((d) => (d instanceof IndexedSlices ? densify(d) : d));
    return fn(op, ...dense);
  });
  const list: InputGradient[] = Array.isArray(result) ? result : [result as InputGradient];
  if (list.length !== op.numInputs) {
    throw new Error(
      `The gradient function of operation '${op.name}' (op type: ${op.type}) returned ${list.length} gradients; ` +
        `the op has ${op.numInputs} inputs and needs one gradient (or null) per input`,
    );
  }
  return list.map((d) => d ?? null);
}

/**
 * Backpropagates from `req.ys` to `req.xs` inside the caller's gradients scope. Returns one gradient per x
 * (an Output, IndexedSlices, or null where no gradient reaches it).
 */
export function backprop(g: Graph, req: BackpropRequest): Array<Grad | null> {
  const { ys, xs, between } = req;
  const pending = new Map<Operation, number>();
  const inputsOf = new Map<Operation, Output[]>();
  for (const op of between) {
    const inputs = op.inputs;
    inputsOf.set(op, inputs);
    for (const input of inputs) if (between.has(input.op)) pending.set(input.op, (pending.get(input.op) ?? 0) + 1);
  }
  // Python's _StopOps: xs whose own inputs come from outside the between ops, and the stopGradients ops.
  const stop = new Set(req.stopOps);
  for (const x of xs) {
    if (between.has(x.op) && !inputsOf.get(x.op)!.some((input) => between.has(input.op))) stop.add(x.op);
  }
  const grads = new Map<string, Grad[]>();
  const add = (t: Output, d: Grad) => {
    const list = grads.get(t.name);
    if (list) list.push(d);
    else grads.set(t.name, [d]);
  };
  ys.forEach((y, i) => add(y, initialGradient(g, y, req.gradYs[i], i)));

  const queue: Operation[] = [];
  const queued = new Set<Operation>();
  for (const y of ys) {
    if (between.has(y.op) && !pending.get(y.op) && !queued.has(y.op)) {
      queued.add(y.op);
      queue.push(y.op);
    }
  }
  const done = new Map<Operation, Array<Grad | null>>();
  for (let head = 0; head < queue.length; head++) {
    const op = queue[head];
    const outGrads = op.outputs.map((out) => aggregate(g, grads.get(out.name)));
    done.set(op, outGrads);
    const inputs = inputsOf.get(op)!;
    const hasGrads = outGrads.some((d) => d !== null);
    const inGrads = hasGrads && !stop.has(op) ? inputGradients(g, op, inputs, outGrads, req) : null;
    inputs.forEach((input, i) => {
      const d = inGrads?.[i];
      if (d) add(input, d);
      if (!between.has(input.op)) return;
      const left = pending.get(input.op)! - 1;
      pending.set(input.op, left);
      if (left === 0) queue.push(input.op);
    });
  }
  return xs.map((x) => {
    const settled = done.get(x.op);
    return settled ? settled[x.index] : aggregate(g, grads.get(x.name));
  });
}
