// SPDX-License-Identifier: Apache-2.0
// Moving variable values between live sessions by explicit assignment (tf.copy.transferVariables, getWeights,
// setWeights): every name, dtype and shape is checked before anything runs, and each value is assigned by
// feeding the variable's initializer, so no operation is added to either graph.
import { DType } from '../base/dtypes';
import type { Graph } from '../graph/graph';
import { Operation, Output } from '../graph/operation';
import { Session } from '../session/session';
import { StaticShape, shapeToString, shapesCompatible } from '../base/shape';
import { Tensor, TensorLike } from '../tensor/tensor';
import { invalidArgument, optionalObject } from '../base/validate';
import { Variable, hostTensor } from '../variables/variable';

/** Source name → destination name, or explicit [source, destination] pairs. */
export type VariableMapping = Record<string, string> | Array<[Variable, Variable]>;

export interface TransferOptions {
  /**
   * Which variables go where. Without it, every variable of the destination graph's collections takes the
   * value of the source variable of the same name (the source may have more, e.g. optimizer slots).
   */
  mapping?: VariableMapping;
}

function requireSession(value: unknown, what: string): Session {
  if (!(value instanceof Session)) throw invalidArgument('a Session', what, value);
  if (value.closed) throw new Error(`${what}: the session on ${value.graph} is closed`);
  return value;
}

/** The variables in a graph's collections, by name (first seen wins), in collection order. */
function variablesByName(g: Graph): Map<string, Variable> {
  const out = new Map<string, Variable>();
  for (const key of g.collectionKeys) {
    for (const item of g.getCollection(key)) {
      if (item instanceof Variable && item.graph === g && !out.has(item.name)) out.set(item.name, item);
    }
  }
  return out;
}

function stripIndex(name: string): string {
  return name.endsWith(':0') ? name.slice(0, -2) : name;
}

function checkPair(from: Variable, to: Variable): void {
  if (from.dtype !== to.dtype) {
    throw new TypeError(`Cannot transfer '${from.name}' of ${from.graph} (${from.dtype}) to '${to.name}' of ${to.graph} ` +
      `(${to.dtype}): the dtypes differ`);
  }
  if (!shapesCompatible(from.shape, to.shape)) {
    throw new Error(`Cannot transfer '${from.name}' of ${from.graph} (shape ${shapeToString(from.shape)}) to '${to.name}' of ` +
      `${to.graph} (shape ${shapeToString(to.shape)}): the shapes differ`);
  }
}

function pairsFor(fromSession: Session, toSession: Session, mapping: unknown): Array<[Variable, Variable]> {
  const from = fromSession.graph;
  const to = toSession.graph;
  const pairs: Array<[Variable, Variable]> = [];
  if (mapping === undefined) {
    const sources = variablesByName(from);
    const targets = variablesByName(to);
    if (targets.size === 0) throw new Error(`transferVariables: ${to} has no variables in its collections`);
    const missing: string[] = [];
    for (const [name, target] of targets) {
      const source = sources.get(name);
      if (source) pairs.push([source, target]);
      else missing.push(name);
    }
    if (missing.length) {
      const names = missing.slice(0, 5).map((n) => `'${n}'`).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
      throw new Error(`transferVariables: ${from} has no variable named ${names}, which ${to} has; pass a mapping for ` +
        `renamed or partial transfers`);
    }
  } else if (Array.isArray(mapping)) {
    mapping.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw invalidArgument('a [source, destination] pair of Variables', `mapping[${i}]`, pair);
      }
      const [a, b] = pair;
      if (!(a instanceof Variable)) throw invalidArgument('a Variable', `mapping[${i}][0]`, a);
      if (!(b instanceof Variable)) throw invalidArgument('a Variable', `mapping[${i}][1]`, b);
      if (a.graph !== from) throw new Error(`transferVariables: mapping[${i}][0] '${a.name}' belongs to ${a.graph}, not to ` +
        `the source session's ${from}`);
      if (b.graph !== to) throw new Error(`transferVariables: mapping[${i}][1] '${b.name}' belongs to ${b.graph}, not to the ` +
        `destination session's ${to}`);
      pairs.push([a, b]);
    });
  } else if (mapping !== null && typeof mapping === 'object') {
    const sources = variablesByName(from);
    const targets = variablesByName(to);
    for (const [src, dst] of Object.entries(mapping as Record<string, unknown>)) {
      if (typeof dst !== 'string') throw invalidArgument('a variable name', `mapping['${src}']`, dst);
      const a = sources.get(stripIndex(src));
      if (!a) throw new Error(`transferVariables: ${from} has no variable named '${src}' (mapping['${src}'])`);
      const b = targets.get(stripIndex(dst));
      if (!b) throw new Error(`transferVariables: ${to} has no variable named '${dst}' (mapping['${src}'])`);
      pairs.push([a, b]);
    }
  } else {
    throw invalidArgument('a Record of names or an array of [Variable, Variable] pairs', 'mapping', mapping);
  }
  const seen = new Map<Variable, Variable>();
  for (const [a, b] of pairs) {
    const previous = seen.get(b);
    if (previous && previous !== a) throw new Error(`transferVariables: '${b.name}' would receive both '${previous.name}' and '${a.name}'`);
    seen.set(b, a);
    checkPair(a, b);
  }
  return pairs;
}

/**
 * Copies the current values of variables from one live session to another (both graphs may differ), after
 * checking every pair's dtype and shape; the destination variables need not be initialized.
 * @returns the [source, destination] pairs transferred.
 * @throws (synchronously) TypeError/Error naming the variable when a name is missing, a dtype or shape differs,
 *   or a session is closed; (rejects) FailedPreconditionError when a source variable is not initialized.
 * @example await tf.copy.transferVariables(trainSession, serveSession); // by name
 * @example await tf.copy.transferVariables(s1, s2, { mapping: { 'dense/kernel': 'model/dense/kernel' } });
 */
export function transferVariables(
  fromSession: Session,
  toSession: Session,
  options: TransferOptions = {},
): Promise<Array<[Variable, Variable]>> {
  requireSession(fromSession, 'the source session of transferVariables');
  requireSession(toSession, 'the destination session of transferVariables');
  optionalObject(options, 'the options of transferVariables');
  const pairs = pairsFor(fromSession, toSession, options.mapping);
  const caller = new Error();
  return (async () => {
    try {
      const values = (await fromSession.run(pairs.map(([a]) => a))) as Tensor[];
      // Static shapes may be partly unknown: check the values themselves before assigning any.
      pairs.forEach(([a, b], i) => checkValue(b, values[i], `the value of '${a.name}'`));
      await assignAll(toSession, pairs.map(([, b]) => b), values);
      return pairs;
    } catch (err) {
      if (err instanceof Error && caller.stack) err.stack = `${err.stack}\n${caller.stack.split('\n').slice(1).join('\n')}`;
      throw err;
    }
  })();
}

function requireVariablesOf(session: Session, vars: unknown, what: string): Variable[] {
  if (!Array.isArray(vars)) throw invalidArgument('an array of Variables', what, vars);
  return vars.map((v, i) => {
    if (!(v instanceof Variable)) throw invalidArgument('a Variable', `${what}[${i}]`, v);
    if (v.graph !== session.graph) throw new Error(`${what}[${i}]: '${v.name}' belongs to ${v.graph}, not to the session's ` +
      `${session.graph}`);
    return v;
  });
}

/**
 * The current values of `vars` in `session` (one run, blocking), in order.
 * @throws TypeError/Error for variables of another graph or a closed session; FailedPreconditionError for an
 *   uninitialized variable.
 * @example const [w, b] = tf.copy.getWeights(sess, [wVar, bVar]);
 */
export function getWeights(session: Session, vars: Variable[]): Tensor[] {
  requireSession(session, 'the session of getWeights');
  const list = requireVariablesOf(session, vars, 'the variables of getWeights');
  if (list.length === 0) return [];
  return session.runSync(list) as Tensor[];
}

/**
 * Assigns `values` (Tensors or anything `tf.tensor` takes) to `vars` in `session`, in one run, after checking
 * every dtype and shape; the variables need not be initialized.
 * @throws (synchronously) TypeError/Error naming the variable for a count, dtype or shape mismatch.
 * @example await tf.copy.setWeights(sess, [wVar, bVar], [[[0.1], [0.2]], [0.3]]);
 */
export function setWeights(session: Session, vars: Variable[], values: Array<Tensor | TensorLike>): Promise<void> {
  requireSession(session, 'the session of setWeights');
  const list = requireVariablesOf(session, vars, 'the variables of setWeights');
  if (!Array.isArray(values)) throw invalidArgument('an array of values', 'the values of setWeights', values);
  if (values.length !== list.length) throw new RangeError(`setWeights: ${list.length} variables but ${values.length} values`);
  const tensors = list.map((v, i) => hostTensor(values[i] as Tensor | TensorLike, v.dtype as DType, `the value for '${v.name}'`));
  list.forEach((v, i) => checkValue(v, tensors[i], `the value for '${v.name}'`));
  return assignAll(session, list, tensors);
}

function checkValue(v: Variable, value: Tensor, what: string): void {
  if (value.dtype !== v.dtype) throw new TypeError(`Cannot assign ${what} (${value.dtype}) to '${v.name}' of ${v.graph} (${v.dtype})`);
  if (!shapesCompatible(v.shape as StaticShape, value.shape)) {
    throw new Error(`Cannot assign ${what} (shape ${shapeToString(value.shape)}) to '${v.name}' of ${v.graph} (shape ` +
      `${shapeToString(v.shape)})`);
  }
}

/** Where a variable's value can be fed: the initial-value input of its AssignVariableOp initializer. */
function assignTarget(v: Variable): { op: Operation; input: Output } {
  const init = v.initializer;
  if (init.type === 'AssignVariableOp' && init.numInputs === 2) {
    const [handle, input] = init.inputs;
    if (handle.op === v.handle.op) return { op: init, input };
  }
  throw new Error(`Cannot assign to '${v.name}': its initializer ${init} is not an AssignVariableOp of its handle`);
}

/** Runs the initializers of `vars` with `values` fed as their initial values; as few runs as feeds allow. */
async function assignAll(session: Session, vars: Variable[], values: Tensor[]): Promise<void> {
  const targets = vars.map(assignTarget);
  // Two variables initialized from one tensor cannot both be fed in one run.
  let pending = targets.map((t, i) => ({ ...t, value: values[i] }));
  while (pending.length) {
    const feeds = new Map<Output, Tensor>();
    const fed = new Set<string>();
    const ops: Operation[] = [];
    const later: typeof pending = [];
    for (const p of pending) {
      if (fed.has(p.input.name)) later.push(p);
      else {
        fed.add(p.input.name);
        feeds.set(p.input, p.value);
        ops.push(p.op);
      }
    }
    await session.run(ops, feeds);
    pending = later;
  }
}
