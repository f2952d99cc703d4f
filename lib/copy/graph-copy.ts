// SPDX-License-Identifier: Apache-2.0
// tf.copy: copying operations, tensors and variables into another graph (or under a namespace of the same
// graph). A copy is one GraphDef import: the closure of what the elements need is cut out of the source's
// GraphDef at the byte level (node-index.ts, closure.ts, copy-assembly.ts), already-copied and replaced
// tensors become the import's input map, and TensorFlow adds the namespace to names, inputs and colocation
// constraints. The source's GraphDef is read and indexed once per size of the source graph (copy-records.ts),
// and the copies come back from the import's return elements.
import { DType, dtypeNumber } from '../base/dtypes';
import { Graph, OutputLike } from '../graph/graph';
import { Operation, Output } from '../graph/operation';
import { Session } from '../session/session';
import { StaticShape, shapeToString, shapesCompatible } from '../base/shape';
import { Tensor } from '../tensor/tensor';
import { tensorToProto } from '../tensor/tensor-proto';
import { invalidArgument, optionalObject } from '../base/validate';
import { Variable } from '../variables/variable';
import { WireGraphDef } from './node-index';
import {
  CopiedVariables,
  Copyable,
  UserMap,
  describeNamespace,
  elementGraph,
  requireCopyable,
  requireCopiedVariables,
  requireGraph,
  requireInputMap,
  requireNamespace,
} from './copy-validation';
import { Snapshot, lookupCopy, recordFor, snapshotOf } from './copy-records';
import { CopyRequest } from './closure';
import { CopyResult, copyClosure } from './copy-assembly';

export { getWeights, setWeights, transferVariables } from './variable-transfer';
export type { TransferOptions, VariableMapping } from './variable-transfer';

export type { CopiedVariables, Copyable } from './copy-validation';

export interface CopyOptions {
  /**
   * Name scope of the copies in the destination graph (`'N'` copies `x` as `N/x`); '' or omitted keeps names,
   * which needs a graph where they are free.
   */
  namespace?: string;
  /**
   * Variables of the destination graph to use instead of copying source variables: an array matched by name
   * (the variable `w` is replaced by the entry named `N/w`, as Python's contrib.copy_graph), or a Map from
   * source variable to destination variable.
   */
  copiedVariables?: CopiedVariables;
}

export interface CopyToGraphOptions extends CopyOptions {
  /**
   * Source tensors replaced by tensors of the destination graph (graph_editor's copy_with_input_replacements):
   * keys are source Outputs or tensor names ('x:0'; '^x' replaces a control input by an Operation).
   */
  inputMap?: Record<string, OutputLike | Operation> | Map<Output | string, OutputLike | Operation>;
}

export interface CopyVariableOptions extends CopyOptions {
  /** A session of the variable's graph: the copy starts from the variable's current value in it. */
  session?: Session;
}

/** An element that can be copied. */

function rootIndex(def: WireGraphDef, element: Copyable): number {
  const op = element instanceof Variable ? element.handle.op : element instanceof Output ? element.op : element;
  const i = def.indexOf(op.name);
  if (i < 0) throw new Error(`${op} is not in the GraphDef of ${op.graph}`);
  return i;
}

/** The copy of `element` made by this call (from the import's results) or by an earlier one. */
function resultOf(element: Copyable, done: CopyResult, req: CopyRequest): Copyable {
  if (!(element instanceof Variable)) {
    const op = element instanceof Output ? element.op : element;
    const copy = done.imported.get(done.record.def.indexOf(op.name));
    if (copy) return element instanceof Output ? copy.output(element.index) : copy;
  }
  const found = lookupCopy(element, done.record, req.toGraph, req.ns, req.copiedVariables, done.record.def);
  if (!found) throw new Error(`${element} was not copied into ${req.toGraph}`);
  return found;
}

/** Copies `elements` (all of one graph) with a validated input map; returns their copies. */
function copyElements(
  snap: Snapshot,
  elements: Copyable[],
  toGraph: Graph,
  ns: string,
  userMap: UserMap,
  copiedVariables: CopiedVariables | undefined,
  extraNodes: Array<Record<string, unknown>> = [],
): Copyable[] {
  const source = elementGraph(elements[0]);
  const req: CopyRequest = { source, toGraph, ns, roots: [], userMap, copiedVariables, extraNodes };
  const existing = recordFor(toGraph, ns, source);
  const direct = new Map<Copyable, Copyable>();
  for (const e of elements) {
    // An Output replaced through inputMap is its replacement; a variable already copied (or standing in
    // copiedVariables) is that copy: nothing to import for them.
    const mapped = e instanceof Output ? userMap.outputs.get(snap.def.indexOf(e.op.name))?.get(e.index) : undefined;
    const found = mapped ?? lookupCopy(e, existing, toGraph, ns, copiedVariables, snap.def);
    if (found) direct.set(e, found);
    else req.roots.push(rootIndex(snap.def, e));
  }
  const done = req.roots.length ? copyClosure(req, snap) : { record: recordFor(toGraph, ns, source, snap.def)!, imported: new Map() };
  return elements.map((e) => direct.get(e) ?? resultOf(e, done, req));
}

// ---- public API ----

/**
 * Copies `element` and everything it depends on (inputs, control inputs, the functions of while loops and
 * conds, colocation targets, variables with their initializers) into `toGraph`, once: what was already copied
 * under the same namespace is reused, so repeated calls and elements with shared ancestors add nothing twice.
 * Copied elements join `namespace/C` for each collection C of their originals; copied variables also join the
 * variable collections, so `tf.globalVariablesInitializer(toGraph)` initializes them. Resources (variables,
 * tables, queues) get shared names under the namespace, so a copy never aliases its original.
 * @param element an Output, an Operation, a Variable (its copy is returned as a Variable), or an array of them
 *   (copied in one import).
 * @returns the copy of `element` in `toGraph` (for an Output replaced through `inputMap`, the replacement).
 * @throws TypeError for malformed arguments; Error for names already taken in `toGraph` (copying into the same
 *   graph needs a namespace), for `inputMap`/`copiedVariables` entries of the wrong graph, dtype or shape; the
 *   TensorFlow error when the import fails. `toGraph` is unchanged after a throw.
 * @example
 * const g2 = new tf.Graph();
 * const trainCopy = tf.copy.copyToGraph(trainOp, g2, { namespace: 'CopiedOps' });
 * const sess2 = new tf.Session(g2);
 * await sess2.run(tf.globalVariablesInitializer(g2));
 * await sess2.run(trainCopy, { [tf.copy.getCopied(x, g2, { namespace: 'CopiedOps' }).name]: xs });
 */
export function copyToGraph<T extends Copyable | Copyable[]>(element: T, toGraph: Graph, options: CopyToGraphOptions = {}): T {
  const elements = Array.isArray(element)
    ? element.map((e, i) => requireCopyable(e, `copyToGraph element ${i}`))
    : [requireCopyable(element, 'the element of copyToGraph')];
  requireGraph(toGraph, 'the destination graph of copyToGraph');
  optionalObject(options, 'the options of copyToGraph');
  const ns = requireNamespace(options.namespace);
  if (elements.length === 0) return [] as unknown as T;
  const source = elementGraph(elements[0]);
  for (const e of elements) {
    if (elementGraph(e) !== source) throw new Error(`copyToGraph: ${e} belongs to ${elementGraph(e)}, but ${elements[0]} ` +
      `belongs to ${source}; copy the elements of each graph separately`);
  }
  const snap = snapshotOf(source);
  const userMap = requireInputMap(options.inputMap, source, toGraph, snap.def);
  const copiedVariables = requireCopiedVariables(options.copiedVariables, source, toGraph);
  const results = copyElements(snap, elements, toGraph, ns, userMap, copiedVariables);
  return (Array.isArray(element) ? results : results[0]) as T;
}

/**
 * The copy of `element` (an Output, Operation or Variable) made by `copyToGraph`/`copyVariableToGraph` into
 * `toGraph` under `namespace`, or the entry of `copiedVariables` that stands for it.
 * @throws Error when it has not been copied there.
 * @example const xCopy = tf.copy.getCopied(x, g2, { namespace: 'CopiedOps' });
 */
export function getCopied<T extends Copyable>(element: T, toGraph: Graph, options: CopyOptions = {}): T extends Variable ? Variable : T {
  const e = requireCopyable(element, 'the element of getCopied');
  requireGraph(toGraph, 'the destination graph of getCopied');
  optionalObject(options, 'the options of getCopied');
  const ns = requireNamespace(options.namespace);
  const source = elementGraph(e);
  const copiedVariables = requireCopiedVariables(options.copiedVariables, source, toGraph);
  const record = recordFor(toGraph, ns, source);
  const found = lookupCopy(e, record, toGraph, ns, copiedVariables);
  if (!found) throw new Error(`${e} of ${source} has not been copied into ${toGraph} with ${describeNamespace(ns)}`);
  return found as T extends Variable ? Variable : T;
}

/**
 * Copies a variable into `toGraph` (as `namespace/name`) with its handle, initializer and read. With
 * `session`, the copy's initial value is the variable's current value in that session (a constant of the
 * copy); without, its initializer and initial value are copied. A variable already copied under the namespace
 * (or standing in `copiedVariables`) is returned as it is.
 * @throws TypeError for malformed arguments; Error for a session of another graph or names already taken;
 *   FailedPreconditionError when the variable is not initialized in `session`. `toGraph` is unchanged after a
 *   throw.
 * @example const w2 = tf.copy.copyVariableToGraph(w, g2, { namespace: 'M', session: sess });
 */
export function copyVariableToGraph(variable: Variable, toGraph: Graph, options: CopyVariableOptions = {}): Variable {
  if (!(variable instanceof Variable)) throw invalidArgument('a Variable', 'the variable of copyVariableToGraph', variable);
  requireGraph(toGraph, 'the destination graph of copyVariableToGraph');
  optionalObject(options, 'the options of copyVariableToGraph');
  const ns = requireNamespace(options.namespace);
  const source = variable.graph;
  const copiedVariables = requireCopiedVariables(options.copiedVariables, source, toGraph);
  const existing = lookupCopy(variable, recordFor(toGraph, ns, source), toGraph, ns, copiedVariables);
  if (existing) return existing as Variable;
  const session = options.session;
  if (session === undefined) return copyToGraph(variable, toGraph, { namespace: ns, copiedVariables }) as Variable;
  if (!(session instanceof Session)) throw invalidArgument('a Session', 'the session of copyVariableToGraph', session);
  if (session.graph !== source) {
    throw new Error(`copyVariableToGraph: the session runs ${session.graph}, but '${variable.name}' belongs to ${source}`);
  }
  const value = session.runSync(variable) as Tensor;
  checkValue(variable, value);
  // The current value is a Const imported with the copy (one import: nothing changes if it fails), in place of
  // the initial value the initializer assigns.
  const snap = snapshotOf(source);
  const constName = freeName(toGraph, snap.def, `${variable.name}/Initializer/current_value`, ns);
  const userMap: UserMap = { outputs: new Map(), controls: new Map(), constants: new Map() };
  const initial = variable.initialValue;
  userMap.constants.set(snap.def.indexOf(initial.op.name), new Map([[initial.index, constName]]));
  const constant = {
    name: constName,
    op: 'Const',
    attr: { dtype: { type: dtypeNumber(value.dtype) }, value: { tensor: tensorToProto(value) } },
  };
  return copyElements(snap, [variable], toGraph, ns, userMap, copiedVariables, [constant])[0] as Variable;
}

function checkValue(v: Variable, value: Tensor): void {
  if (value.dtype !== (v.dtype as DType)) throw new TypeError(`The value of '${v.name}' has dtype ${value.dtype} but the ` +
    `variable has dtype ${v.dtype}`);
  if (!shapesCompatible(v.shape as StaticShape, value.shape)) {
    throw new Error(`The value of '${v.name}' has shape ${shapeToString(value.shape)} but the variable has shape ` +
      `${shapeToString(v.shape)}`);
  }
}

/** `name`, or `name_1`, …: a source name that no source operation has and whose copy is free in `toGraph`. */
function freeName(toGraph: Graph, def: WireGraphDef, name: string, ns: string): string {
  const prefix = ns ? `${ns}/` : '';
  const taken = (n: string) => def.indexOf(n) >= 0 || toGraph.operation(prefix + n) !== undefined;
  let candidate = name;
  for (let k = 1; taken(candidate); k++) candidate = `${name}_${k}`;
  return candidate;
}

