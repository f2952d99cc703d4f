// SPDX-License-Identifier: Apache-2.0
// Symbolic gradients (Python's tf.gradients): TensorFlow's C++ gradient registry in one TF_AddGradientsWithPrefix
// call where it covers every op on the way (the fast path), else the TypeScript driver (lib/gradients/backprop.ts),
// named under a `gradients` scope as Python's tf.gradients names them.
import type { Graph, OutputLike } from '../graph/graph';
import { Operation, Output, isOutputConvertible } from '../graph/operation';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';
import { invalidArgument } from '../base/validate';
import { backprop } from './backprop';
import { hasCppGradient } from './cpp-gradient';
import type { IndexedSlices } from './indexed-slices';
import { gradientOverrideFor, hasOverrides } from './override-map';
import { ancestorsOf, opsBetween } from './paths';
import { CPP_ALSO, isCppEquivalent, lookupGradient } from './registry';
import { isControlFlow } from './safety';
import { SPARSE_GRADIENT_TYPES } from './sparse-gradients';

/** What `gradYs` entries may be: a symbolic tensor, a host value of y's dtype, or null for ones. */
export type GradYLike = OutputLike | Tensor | TensorLike | null | undefined;

const FLOATING = new Set(['float16', 'bfloat16', 'float32', 'float64', 'complex64', 'complex128']);

/**
 * A resource variable stands for its handle here: TensorFlow's registry differentiates ReadVariableOp, so the
 * gradient with respect to the handle sums the gradients of every read of the variable (`value()`,
 * `readValue()`, reads under control dependencies), as Python's gradients do for resource variables.
 */
function resourceHandle(value: unknown): Output | undefined {
  if (!isOutputConvertible(value)) return undefined;
  const handle = (value as { handle?: unknown }).handle;
  return handle instanceof Output && handle.dtype === 'resource' ? handle : undefined;
}

function asList<T>(value: T | readonly T[], what: string): T[] {
  if (Array.isArray(value)) return [...value];
  if (value === undefined || value === null) throw invalidArgument('an Output or an array of Outputs', what, value);
  return [value as T];
}

/** A 'gradients' prefix unique in the graph, under the current name scope: 'gradients', 'gradients_1', … */
function gradientsPrefix(g: Graph): string {
  // TF_AddGradientsWithPrefix refuses a prefix that any existing operation name starts with, including names
  // given explicitly (which uniqueName does not see as scopes), so keep drawing until none does.
  const names = g._native.operationNames();
  for (;;) {
    const prefix = g.uniqueName('gradients');
    const scoped = `${prefix}/`;
    if (!names.some((n) => n === prefix || n.startsWith(scoped))) return prefix;
  }
}

/** A gradYs entry checked against its y: an Output, a host Tensor (made a constant later), or null for ones. */
function gradYFor(g: Graph, y: Output, value: GradYLike, i: number): Output | Tensor | null {
  if (value === null || value === undefined) return null;
  let dy: Output | Tensor;
  if (value instanceof Output || isOutputConvertible(value)) {
    dy = g._toOutput(value, `gradYs[${i}]`);
  } else if (value instanceof Tensor) {
    dy = value;
  } else {
    try {
      dy = tensor(value as TensorLike, undefined, y.dtype);
    } catch (err) {
      throw new TypeError(`gradYs[${i}] cannot be a ${y.dtype} tensor like ys[${i}] ('${y.name}'): ${(err as Error).message}`);
    }
  }
  if (dy.dtype !== y.dtype) {
    throw new TypeError(`gradYs[${i}] has dtype ${dy.dtype} but ys[${i}] ('${y.name}') has dtype ${y.dtype}; they must match`);
  }
  const a = dy.shape;
  const b = y.shape;
  if (a && b && (a.length !== b.length || a.some((d, k) => d !== null && b[k] !== null && d !== b[k]))) {
    throw new RangeError(
      `gradYs[${i}] has shape [${a.join(', ')}] but ys[${i}] ('${y.name}') has shape [${b.join(', ')}]; they must match`,
    );
  }
  return dy;
}

/** Options of `gradients(ys, xs, options)` (Python's tf.gradients keyword arguments). */
export interface GradientsOptions {
  /** Initial gradients, one per y (default: ones shaped like y); a null entry means ones. */
  gradYs?: GradYLike | readonly GradYLike[];
  /** Tensors held constant: no gradient flows through them (Python's `stop_gradients`). */
  stopGradients?: OutputLike | readonly OutputLike[];
  /**
   * Use the TypeScript driver even where TensorFlow's C++ registry covers every op (for comparisons and
   * benchmarks; also when the environment variable NODE_LIBTENSORFLOW_GRADIENTS is 'driver').
   */
  forceDriver?: boolean;
}

/** A gradient: dense, sparse (a gather's), or null where none reaches the x. */
export type Gradient = Output | IndexedSlices | null;

function isOptions(value: unknown): value is GradientsOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (value instanceof Tensor || value instanceof Output || isOutputConvertible(value) || ArrayBuffer.isView(value)) return false;
  const keys = Object.keys(value);
  return keys.every((k) => k === 'gradYs' || k === 'stopGradients' || k === 'forceDriver');
}

/**
 * Whether one TF_AddGradients call may build these gradients: every op between xs and ys has a C++ gradient that
 * nothing here replaces, and no control flow (which TF_AddGradients may crash on) is among the ys' ancestors.
 */
function fastPathApplies(g: Graph, ancestors: Set<Operation>, between: Set<Operation>, xs: Output[]): boolean {
  for (const op of ancestors) if (isControlFlow(op.type)) return false;
  const overrides = hasOverrides(g);
  const xOps = new Set(xs.map((x) => x.op));
  for (const op of between) {
    // An x computed from nothing between is where backprop stops: its own gradient is never asked for.
    if (xOps.has(op) && !op.inputs.some((input) => between.has(input.op))) continue;
    // Ours also registers a few ops whose C++ gradient is right in float32 (CPP_ALSO): those stay on the fast path.
    // So do the ones whose C++ gradient differs only in building shapes at run time (isCppEquivalent).
    const ours = lookupGradient(op.type) !== undefined && !isCppEquivalent(op.type) &&
      !(CPP_ALSO.has(op.type) && op.numOutputs > 0 && op.output(0).dtype === 'float32');
    if (ours || SPARSE_GRADIENT_TYPES.has(op.type)) return false;
    if (overrides && gradientOverrideFor(op) !== undefined) return false;
    if (!hasCppGradient(op)) return false;
  }
  return true;
}

/**
 * The symbolic partial derivatives of `sum(ys)` with respect to each of `xs` (Python's `tf.gradients`).
 * Entries are null where an x does not affect any y, and IndexedSlices where the gradient is sparse (a gather of
 * a variable). Gradient operations are named under a fresh `gradients` scope (`gradients`, `gradients_1`, …,
 * inside the current name scope).
 * @param ys the Outputs to differentiate (one or an array).
 * @param xs the Outputs (or Variables: the gradient covers every read of the variable) to differentiate by.
 * @param options `{gradYs, stopGradients}`, or the gradYs alone: initial gradients, one per y (default ones).
 * @throws NotFoundError naming the op and the path from y to x when an op on the way has no gradient (gradient
 *   ops built before it stay in the graph, as in Python); Error for control flow the gradient cannot pass;
 *   TypeError/RangeError for malformed arguments; Error for tensors of another graph.
 */
export function gradients(
  g: Graph,
  ysIn: OutputLike | readonly OutputLike[],
  xsIn: OutputLike | readonly OutputLike[],
  optionsIn?: GradYLike | readonly GradYLike[] | GradientsOptions,
): Gradient[] {
  const options: GradientsOptions = isOptions(optionsIn) ? optionsIn : { gradYs: optionsIn as GradYLike | readonly GradYLike[] };
  const gradYsIn = options.gradYs;
  const ys = asList(ysIn, 'ys of gradients(ys, xs)').map((y, i) => g._toOutput(y, `ys[${i}] of gradients(ys, xs)`));
  const xs = asList(xsIn, 'xs of gradients(ys, xs)').map((x, i) => {
    const handle = resourceHandle(x);
    if (handle) return g._toOutput(handle, `xs[${i}] of gradients(ys, xs)`);
    return g._toOutput(x, `xs[${i}] of gradients(ys, xs)`);
  });
  const stopGradients = options.stopGradients === undefined || options.stopGradients === null
    ? []
    : asList(options.stopGradients, 'stopGradients').map((t, i) => g._toOutput(resourceHandle(t) ?? t, `stopGradients[${i}]`));
  if (ys.length === 0) throw new RangeError('gradients(ys, xs) needs at least one y');
  for (const [i, y] of ys.entries()) {
    if (!FLOATING.has(y.dtype)) {
      throw new TypeError(
        `gradients(ys, xs): ys[${i}] ('${y.name}') has dtype ${y.dtype}; ` +
          'only floating-point and complex tensors can be differentiated',
      );
    }
  }
  let gradYs: Array<Output | Tensor | null> | null = null;
  if (gradYsIn !== undefined && gradYsIn !== null) {
    const list = Array.isArray(gradYsIn) ? (gradYsIn as GradYLike[]) : [gradYsIn as GradYLike];
    if (list.length !== ys.length) {
      throw new RangeError(`gradients(ys, xs, gradYs) needs one gradYs entry per y: ${ys.length} ys but ${list.length} gradYs`);
    }
    gradYs = list.map((v, i) => gradYFor(g, ys[i], v, i));
  }
  if (xs.length === 0) return [];

  // TensorFlow rejects an x that no y depends on; Python answers None for it.
  const { tensors, ops } = ancestorsOf(ys);
  const connected = xs.map((x) => tensors.has(x.name));
  // TensorFlow answers a repeated x only once (null the second time); ask once, answer each.
  const wanted: Output[] = [];
  const slot = new Map<string, number>();
  for (const [i, x] of xs.entries()) {
    if (connected[i] && !slot.has(x.name)) {
      slot.set(x.name, wanted.length);
      wanted.push(x);
    }
  }
  if (wanted.length === 0) return xs.map(() => null);
  const between = opsBetween(wanted, ops);
  const force = options.forceDriver === true || process.env.NODE_LIBTENSORFLOW_GRADIENTS === 'driver';
  // TF_AddGradients hands a y that is also an x its own gradYs and drops what flows in through the other ys
  // (Python sums both): the driver gets those right.
  const yIsX = ys.some((y) => slot.has(y.name));
  let results: Gradient[];
  if (!force && !yIsX && stopGradients.length === 0 && fastPathApplies(g, ops, between, wanted)) {
    results = addGradientsInOneCall(g, ys, wanted, gradYs);
  } else {
    const prefix = gradientsPrefix(g);
    const stopOps = new Set(stopGradients.map((t) => t.op));
    results = g.nameScope(`${prefix}/`, () =>
      backprop(g, { ys, xs: wanted, gradYs: gradYs ?? ys.map(() => null), stopOps, between }),
    );
    // The driver imported C++ gradient nodes under fresh scopes; let the next name the graph hands out see them.
    g._markNamesStale();
  }
  return xs.map((x, i) => (connected[i] ? results[slot.get(x.name)!] : null));
}

/** The fast path: TensorFlow's C++ registry builds every gradient in one TF_AddGradientsWithPrefix call. */
function addGradientsInOneCall(g: Graph, ys: Output[], wanted: Output[], gradYs: Array<Output | Tensor | null> | null): Gradient[] {
  const prefix = gradientsPrefix(g);
  let dx: Output[] | null = null;
  if (gradYs) {
    // The C API takes all initial gradients or none: fill the gaps with ones, as it would.
    dx = gradYs.map((dy, i) => {
      if (dy instanceof Output) return dy;
      if (dy instanceof Tensor) return g.constant(dy, { name: `grad_ys_${i}` });
      return g.addOperation('OnesLike', { inputs: [ys[i]], attrs: { T: ys[i].dtype }, name: `grad_ys_${i}` }).output(0);
    });
  }
  let raw: Array<[string, number] | null>;
  try {
    raw = g._native.addGradients(
      prefix,
      ys.map((y) => y.op._native),
      ys.map((y) => y.index),
      wanted.map((x) => x.op._native),
      wanted.map((x) => x.index),
      dx ? dx.map((d) => d.op._native) : null,
      dx ? dx.map((d) => d.index) : null,
    );
  } finally {
    g._markNamesStale();
  }
  return raw.map((ref) => (ref ? g.operation(ref[0])!.output(ref[1]) : null));
}
