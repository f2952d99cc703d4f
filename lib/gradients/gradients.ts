// SPDX-License-Identifier: Apache-2.0
// Symbolic gradients over TensorFlow's C++ gradient registry (TF_AddGradientsWithPrefix), named under a
// `gradients` scope as Python's tf.gradients names them.
import { NotFoundError } from '../binding/errors';
import type { Graph, OutputLike } from '../graph/graph';
import { Operation, Output, isOutputConvertible } from '../graph/operation';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';
import { invalidArgument } from '../base/validate';

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

function describeOp(op: Operation): string {
  return `'${op.name}' (${op.type})`;
}

/** Tensors (by name) that some y depends on through data edges, and the operations those edges pass. */
function ancestorsOf(ys: Output[]): { tensors: Set<string>; ops: Set<Operation> } {
  const tensors = new Set<string>(ys.map((y) => y.name));
  const ops = new Set<Operation>();
  const stack = ys.map((y) => y.op);
  while (stack.length > 0) {
    const op = stack.pop()!;
    if (ops.has(op)) continue;
    ops.add(op);
    for (const input of op.inputs) {
      tensors.add(input.name);
      if (!ops.has(input.op)) stack.push(input.op);
    }
  }
  return { tensors, ops };
}

/** Operations on some path from an x to a y (the ones whose gradients TensorFlow builds). */
function opsBetween(xs: Output[], ancestors: Set<Operation>): Set<Operation> {
  const between = new Set<Operation>();
  const stack = xs.map((x) => x.op).filter((op) => ancestors.has(op));
  while (stack.length > 0) {
    const op = stack.pop()!;
    if (between.has(op)) continue;
    between.add(op);
    for (const out of op.outputs) {
      for (const consumer of out.consumers()) {
        if (ancestors.has(consumer) && !between.has(consumer)) stack.push(consumer);
      }
    }
  }
  return between;
}

/** A shortest chain of operations from `from` back to one of `targets` through inputs, within `allowed`. */
function pathBack(from: Operation, targets: Set<Operation>, allowed: Set<Operation>): Operation[] | undefined {
  const parent = new Map<Operation, Operation | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const op = queue[i];
    if (targets.has(op)) {
      const chain: Operation[] = [];
      for (let at: Operation | null = op; at; at = parent.get(at)!) chain.unshift(at);
      return chain;
    }
    for (const input of op.inputs) {
      if (allowed.has(input.op) && !parent.has(input.op)) {
        parent.set(input.op, op);
        queue.push(input.op);
      }
    }
  }
  return undefined;
}

/**
 * TensorFlow says only "No gradient defined for op: T". Name the operation of that type on the way from a y
 * to an x, and the path through it, so the caller sees which part of the model needs another op.
 */
function explainMissingGradient(err: Error, ys: Output[], xs: Output[], ancestors: Set<Operation>): Error {
  const match = /No gradient defined for op: ([A-Za-z0-9_>.]+?)\./.exec(err.message);
  if (!match) return err;
  const type = match[1];
  const between = opsBetween(xs, ancestors);
  const candidates = [...between].filter((op) => op.type === type);
  const culprits = candidates.length > 0 ? candidates : [...ancestors].filter((op) => op.type === type);
  const xOps = new Set(xs.map((x) => x.op));
  for (const culprit of culprits) {
    for (const y of ys) {
      const down = pathBack(y.op, new Set([culprit]), ancestors);
      if (!down) continue;
      const up = pathBack(culprit, xOps, between.size > 0 ? between : ancestors) ?? [culprit];
      const chain = [...down, ...up.slice(1)];
      const x = xs.find((candidate) => candidate.op === chain[chain.length - 1]);
      const message =
        `No gradient defined for operation '${culprit.name}' (op type: ${type}) on the path from ` +
        `'${y.name}' to ${x ? `'${x.name}'` : 'the xs'}: ${chain.map(describeOp).join(' <- ')}. ` +
        `TensorFlow's C++ gradient registry (TF_AddGradients) has no gradient for ${type}; compute this part ` +
        'with ops it can differentiate, or stop the gradient before it (StopGradient).';
      const enriched = new NotFoundError(message);
      enriched.stack = `${enriched.name}: ${message}\n${(err.stack ?? '').split('\n').slice(1).join('\n')}`;
      return enriched;
    }
  }
  return err;
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
    throw new RangeError(`gradYs[${i}] has shape [${a.join(', ')}] but ys[${i}] ('${y.name}') has shape [${b.join(', ')}]; they must match`);
  }
  return dy;
}

/**
 * The symbolic partial derivatives of `sum(ys)` with respect to each of `xs` (Python's `tf.gradients`).
 * Entries are null where an x does not affect any y. Gradient operations are named under a fresh
 * `gradients` scope (`gradients`, `gradients_1`, …, inside the current name scope).
 * @param ys the Outputs to differentiate (one or an array).
 * @param xs the Outputs (or Variables: the gradient covers every read of the variable) to differentiate by.
 * @param gradYs initial gradients, one per y (default: ones shaped like y); a null entry means ones.
 * @throws NotFoundError naming the op type and the path from y to x when TensorFlow's C++ registry has no
 *   gradient for an op on the way (TensorFlow may have added some gradient ops before it found out, as Python
 *   does); TypeError/RangeError for malformed arguments; Error for tensors of another graph.
 */
export function gradients(
  g: Graph,
  ysIn: OutputLike | readonly OutputLike[],
  xsIn: OutputLike | readonly OutputLike[],
  gradYsIn?: GradYLike | readonly GradYLike[],
): Array<Output | null> {
  const ys = asList(ysIn, 'ys of gradients(ys, xs)').map((y, i) => g._toOutput(y, `ys[${i}] of gradients(ys, xs)`));
  const xs = asList(xsIn, 'xs of gradients(ys, xs)').map((x, i) => {
    const handle = resourceHandle(x);
    if (handle) return g._toOutput(handle, `xs[${i}] of gradients(ys, xs)`);
    return g._toOutput(x, `xs[${i}] of gradients(ys, xs)`);
  });
  if (ys.length === 0) throw new RangeError('gradients(ys, xs) needs at least one y');
  for (const [i, y] of ys.entries()) {
    if (!FLOATING.has(y.dtype)) {
      throw new TypeError(`gradients(ys, xs): ys[${i}] ('${y.name}') has dtype ${y.dtype}; only floating-point and complex tensors can be differentiated`);
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
  const prefix = gradientsPrefix(g);
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
  } catch (err) {
    g._markNamesStale();
    throw err instanceof Error ? explainMissingGradient(err, ys, wanted, ops) : err;
  }
  g._markNamesStale();
  const results = raw.map((ref) => (ref ? g.operation(ref[0])!.output(ref[1]) : null));
  return xs.map((x, i) => (connected[i] ? results[slot.get(x.name)!] : null));
}

