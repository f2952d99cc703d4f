// SPDX-License-Identifier: Apache-2.0
// tf.copy: copying operations, tensors and variables into another graph (or under a namespace of the same
// graph). A copy is one GraphDef import: the closure of what the elements need is cut out of the source's
// GraphDef at the byte level (lib/graph-def-wire.ts), already-copied and replaced tensors become the import's
// input map, and TensorFlow adds the namespace to names, inputs and colocation constraints.
import { DType, dtypeNumber } from '../base/dtypes';
import { Graph, OutputLike } from '../graph/graph';
import { VARIABLE_COLLECTIONS } from '../graph/graph-keys';
import { planLibrary, renameNodeFunctions } from './library';
import { GraphDefBuilder, prefixAttrStrings } from './graph-def-builder';
import { NodeIndex, WireGraphDef, nodeIndexOf, nodeName, sameNameAt } from './node-index';
import { WireAttrs, scanNode } from './node-scan';
import { Operation, Output, isOutputConvertible, toOutput } from '../graph/operation';
import { encode } from '../proto';
import { Session } from '../session/session';
import { StaticShape, shapeToString, shapesCompatible } from '../base/shape';
import { Tensor } from '../tensor/tensor';
import { tensorToProto } from '../tensor/tensor-proto';
import { invalidArgument, optionalObject, requireString } from '../base/validate';
import { Variable, VariableDefObject } from '../variables/variable';
import { tensorNameParts } from '../base/tensor-name';

export { getWeights, setWeights, transferVariables } from './variable-transfer';
export type { TransferOptions, VariableMapping } from './variable-transfer';

/** Variables already in the destination graph that stand for source variables (Python's `copied_variables`). */
export type CopiedVariables = Variable[] | Map<Variable, Variable>;

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
export type Copyable = Output | Operation | Variable;

// ---- source snapshots ----

interface Snapshot {
  numOps: number;
  def: WireGraphDef;
  /** The decoded function library, and its functions by name (empty without a library). */
  library: Record<string, any> | null;
  functions: Map<string, Record<string, any>>;
}

// A graph only grows (the C API has no removal), so its GraphDef is re-read only when it has more operations.
const snapshots = new WeakMap<Graph, Snapshot>();

function snapshotOf(g: Graph, refresh = false): Snapshot {
  const numOps = g.numOperations;
  const cached = snapshots.get(g);
  if (cached && cached.numOps === numOps && !refresh) return cached;
  const def = new WireGraphDef(g.toGraphDef());
  const library = def.hasLibrary ? def.decodeLibrary() : null;
  const functions = new Map<string, Record<string, any>>();
  for (const f of library?.function ?? []) functions.set(f.signature?.name ?? '', f);
  def.functionNames = new Set(functions.keys());
  const snap = { numOps, def, library, functions };
  snapshots.set(g, snap);
  return snap;
}

// ---- what has been copied where ----

interface CopyRecord {
  /** The snapshot whose node indices `copied` refers to. */
  def: WireGraphDef;
  /** 1 for each source node already copied (its copy is the namespaced name). */
  copied: Uint8Array;
  /** Source variable → its copy, or the destination variable that stands for it. */
  variables: Map<Variable, Variable>;
}

// toGraph → namespace → source graph → record. Weak on both graphs: records go with either.
const records = new WeakMap<Graph, Map<string, WeakMap<Graph, CopyRecord>>>();

/** The record of copies from `source` into `toGraph` under `namespace`; created (on `def`) when `def` is given. */
function recordFor(toGraph: Graph, namespace: string, source: Graph, def?: WireGraphDef): CopyRecord | undefined {
  const create = def !== undefined;
  let byNamespace = records.get(toGraph);
  if (!byNamespace) {
    if (!create) return undefined;
    records.set(toGraph, (byNamespace = new Map()));
  }
  let bySource = byNamespace.get(namespace);
  if (!bySource) {
    if (!create) return undefined;
    byNamespace.set(namespace, (bySource = new WeakMap()));
  }
  let record = bySource.get(source);
  if (!record && create) {
    record = { def: def!, copied: new Uint8Array(def!.size), variables: new Map() };
    bySource.set(source, record);
  }
  return record;
}

/** Re-bases a record's flags on the current snapshot of its source graph. */
function syncRecord(record: CopyRecord, def: WireGraphDef): void {
  if (record.def === def) return;
  record.copied = rebaseCopied(record.def.index, def.index, record.copied);
  record.def = def;
}

/** The flags `copied` of the nodes of `old`, for the nodes of `current`. */
function rebaseCopied(old: NodeIndex, current: NodeIndex, copied: Uint8Array): Uint8Array {
  const oldSize = old.starts.length;
  const out = new Uint8Array(current.starts.length);
  // Nodes keep their GraphDef positions as a graph grows; check that, and fall back to names if not.
  let samePositions = oldSize <= out.length;
  for (let i = 0; samePositions && i < oldSize; i++) samePositions = sameNameAt(old, current, i);
  if (samePositions) out.set(copied.subarray(0, Math.min(oldSize, copied.length)));
  else {
    for (let i = 0; i < oldSize; i++) {
      if (!copied[i]) continue;
      const j = nodeIndexOf(current, nodeName(old, i));
      if (j >= 0) out[j] = 1;
    }
  }
  return out;
}

// Functions are global to a graph: renames made for one source are reused by every copy from it.
const functionRenames = new WeakMap<Graph, WeakMap<Graph, Map<string, string>>>();

function functionRenamesFor(toGraph: Graph, source: Graph): Map<string, string> {
  let bySource = functionRenames.get(toGraph);
  if (!bySource) functionRenames.set(toGraph, (bySource = new WeakMap()));
  let map = bySource.get(source);
  if (!map) bySource.set(source, (map = new Map()));
  return map;
}

// ---- validation ----

const VALID_NAMESPACE = /^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$/;

function requireNamespace(value: unknown): string {
  if (value === undefined || value === null) return '';
  const ns = requireString(value, 'the namespace').replace(/\/+$/, '');
  if (ns !== '' && !VALID_NAMESPACE.test(ns)) {
    throw new TypeError(`Expected a valid name scope for the namespace (letters, digits and . _ - / >, not starting with _ - / >) but received '${ns}'`);
  }
  return ns;
}

function requireGraph(value: unknown, what: string): Graph {
  if (!(value instanceof Graph)) throw invalidArgument('a Graph', what, value);
  return value;
}

function describeNamespace(ns: string): string {
  return ns ? `namespace '${ns}'` : 'no namespace';
}

function elementGraph(element: Copyable): Graph {
  return element.graph;
}

function requireCopyable(value: unknown, what: string): Copyable {
  if (value instanceof Output || value instanceof Operation || value instanceof Variable) return value;
  throw invalidArgument('an Output, an Operation or a Variable', what, value);
}

/** Every Variable in the graph's collections, by the GraphDef index of its handle op. */
function sourceVariables(g: Graph, index: NodeIndex): Map<number, Variable> {
  const out = new Map<number, Variable>();
  for (const key of g.collectionKeys) {
    for (const item of g.getCollection(key)) {
      if (!(item instanceof Variable) || item.graph !== g) continue;
      const i = nodeIndexOf(index, item.handle.op.name);
      if (i >= 0 && !out.has(i)) out.set(i, item);
    }
  }
  return out;
}

function checkReplacement(source: Variable, target: Variable, toGraph: Graph): void {
  if (!(target instanceof Variable)) throw invalidArgument('a Variable', `the copiedVariables entry for '${source.name}'`, target);
  if (target.graph !== toGraph) {
    throw new Error(`copiedVariables: '${target.name}' (for '${source.name}') belongs to ${target.graph}, not to the destination ${toGraph}`);
  }
  if (target.dtype !== source.dtype) {
    throw new TypeError(`copiedVariables: '${target.name}' has dtype ${target.dtype} but the variable it replaces, '${source.name}', has dtype ${source.dtype}`);
  }
  if (!shapesCompatible(target.shape, source.shape)) {
    throw new Error(`copiedVariables: '${target.name}' has shape ${shapeToString(target.shape)} but the variable it replaces, '${source.name}', has shape ${shapeToString(source.shape)}`);
  }
}

/** The replacement for source variable `v` given by a call's `copiedVariables`, validated, or undefined. */
function mappedVariable(v: Variable, copied: CopiedVariables | undefined, ns: string, toGraph: Graph): Variable | undefined {
  if (!copied) return undefined;
  let target: Variable | undefined;
  if (copied instanceof Map) target = copied.get(v);
  else {
    const want = ns ? `${ns}/${v.name}` : v.name;
    target = copied.find((c) => c instanceof Variable && c.name === want && c.graph === toGraph);
  }
  if (target !== undefined) checkReplacement(v, target, toGraph);
  return target;
}

function requireCopiedVariables(value: unknown, source: Graph, toGraph: Graph): CopiedVariables | undefined {
  if (value === undefined || value === null) return undefined;
  const inDestination = (v: Variable, what: string) => {
    if (v.graph !== toGraph) throw new Error(`${what}: '${v.name}' belongs to ${v.graph}, not to the destination ${toGraph}`);
  };
  if (value instanceof Map) {
    for (const [k, v] of value) {
      if (!(k instanceof Variable)) throw invalidArgument('a Variable as key', 'copiedVariables', k);
      if (!(v instanceof Variable)) throw invalidArgument('a Variable', `copiedVariables.get('${k.name}')`, v);
      if (k.graph !== source) throw new Error(`copiedVariables: the key '${k.name}' belongs to ${k.graph}, not to the source ${source}`);
      inDestination(v, `copiedVariables.get('${k.name}')`);
    }
    return value as Map<Variable, Variable>;
  }
  if (!Array.isArray(value)) throw invalidArgument('an array of Variables or a Map from Variable to Variable', 'copiedVariables', value);
  value.forEach((v, i) => {
    if (!(v instanceof Variable)) throw invalidArgument('a Variable', `copiedVariables[${i}]`, v);
    inDestination(v, `copiedVariables[${i}]`);
  });
  return value as Variable[];
}

interface UserMap {
  outputs: Map<number, Map<number, Output>>;
  controls: Map<number, Operation>;
  /** Source tensors replaced by constants imported with the copy (name before the namespace). */
  constants: Map<number, Map<number, string>>;
}

function requireInputMap(value: unknown, source: Graph, toGraph: Graph, def: WireGraphDef): UserMap {
  const map: UserMap = { outputs: new Map(), controls: new Map(), constants: new Map() };
  if (value === undefined || value === null) return map;
  let entries: Array<[unknown, unknown]>;
  if (value instanceof Map) entries = [...value.entries()];
  else if (typeof value === 'object' && !Array.isArray(value)) entries = Object.entries(value as object);
  else throw invalidArgument('an object or a Map from source tensors to destination tensors', 'inputMap', value);
  for (const [key, target] of entries) {
    let opName: string;
    let index: number;
    let keyName: string;
    if (key instanceof Output) {
      if (key.graph !== source) throw new Error(`inputMap: the key ${key} belongs to ${key.graph}, not to the source ${source}`);
      opName = key.op.name;
      index = key.index;
      keyName = key.name;
    } else if (typeof key === 'string') {
      keyName = key;
      if (key.startsWith('^')) [opName, index] = [key.slice(1), -1];
      else [opName, index] = tensorNameParts(key);
    } else {
      throw invalidArgument('an Output or a tensor name as key', 'inputMap', key);
    }
    const op = source.operation(opName);
    const i = def.indexOf(opName);
    if (!op || i < 0) throw new Error(`inputMap: ${source} has no operation '${opName}' (key '${keyName}')`);
    if (index < 0) {
      if (!(target instanceof Operation)) throw invalidArgument('an Operation', `inputMap['${keyName}']`, target);
      if (target.graph !== toGraph) throw new Error(`inputMap['${keyName}']: ${target} belongs to ${target.graph}, not to the destination ${toGraph}`);
      map.controls.set(i, target);
      continue;
    }
    if (index >= op.numOutputs) throw new RangeError(`inputMap: '${opName}' has ${op.numOutputs} outputs; there is no output ${index} (key '${keyName}')`);
    let out: unknown = target;
    if (isOutputConvertible(target)) out = target[toOutput]();
    if (!(out instanceof Output)) throw invalidArgument('an Output or a Variable', `inputMap['${keyName}']`, target);
    if (out.graph !== toGraph) {
      throw new Error(`inputMap['${keyName}']: ${out} belongs to ${out.graph}, not to the destination ${toGraph}`);
    }
    const src = op.output(index);
    if (out.dtype !== src.dtype) {
      throw new TypeError(`inputMap['${keyName}']: ${out} has dtype ${out.dtype} but ${src} has dtype ${src.dtype}`);
    }
    if (!shapesCompatible(out.shape, src.shape)) {
      throw new Error(`inputMap['${keyName}']: ${out} has shape ${shapeToString(out.shape)}, incompatible with the shape ${shapeToString(src.shape)} of ${src}`);
    }
    let byIndex = map.outputs.get(i);
    if (!byIndex) map.outputs.set(i, (byIndex = new Map()));
    byIndex.set(index, out);
  }
  return map;
}

// ---- the copy ----

interface CopyRequest {
  source: Graph;
  toGraph: Graph;
  ns: string;
  roots: number[];
  userMap: UserMap;
  copiedVariables: CopiedVariables | undefined;
  /** NodeDefs (plain objects) imported along with the closure. */
  extraNodes: Array<Record<string, unknown>>;
}

interface Rewrite {
  attrs: WireAttrs | null;
  dropColocation: Set<string> | null;
  /** 'op:index' inputs to replace by the named node's output 0. */
  inputRenames: Map<string, string> | null;
  /** Whether the node calls a function imported under another name. */
  functions: boolean;
}

interface Closure {
  nodes: number[];
  /** Tensors and control inputs outside the closure, with what stands for them in the destination. */
  inputMap: Record<string, Output>;
  controlMap: Record<string, Operation>;
  /** Nodes whose NodeDef is rewritten (shared names, frame names, colocation with replaced operations). */
  rewrites: Map<number, Rewrite>;
  functions: Set<string>;
  /** Nodes that call functions (their references are rewritten when a function is renamed). */
  funcNodes: number[];
  /** Whether some colocation target is not among the imported nodes. */
  outsideColocation: boolean;
  /** Source variables copied by this call, and source variables replaced by destination ones. */
  newVariables: Variable[];
  replacedVariables: Map<Variable, Variable>;
}

/** The state of the walk from the roots through inputs, control inputs, colocation targets and variables' initializers. */
interface Walk {
  req: CopyRequest;
  record: CopyRecord;
  closure: Closure;
  index: NodeIndex;
  prefix: string;
  vars: Map<number, Variable>;
  /** The read each variable was created with (its snapshot), by GraphDef index → the variable's handle index. */
  snapshotOwner: Map<number, number>;
  copied: Uint8Array;
  seen: Uint8Array;
  /**
   * Nodes that need more than "copy it" (variables, their reads, replaced tensors): one flag check per edge
   * keeps the Map lookups off the path of ordinary nodes.
   */
  special: Uint8Array;
  stack: number[];
  /** Replacement of each source variable met on the way (undefined: it is copied). */
  replacement: Map<number, Variable | undefined>;
}

function computeClosure(req: CopyRequest, snap: Snapshot, record: CopyRecord): Closure {
  const index = snap.def.index;
  const size = index.starts.length;
  const vars = sourceVariables(req.source, index);
  const snapshotOwner = new Map<number, number>();
  for (const [j, v] of vars) {
    const k = nodeIndexOf(index, v.value().op.name);
    if (k >= 0) snapshotOwner.set(k, j);
  }
  const special = new Uint8Array(size);
  const { userMap } = req;
  for (const keys of [vars.keys(), snapshotOwner.keys(), userMap.outputs.keys(), userMap.controls.keys(), userMap.constants.keys()]) {
    for (const j of keys) special[j] = 1;
  }
  const walk: Walk = {
    req,
    record,
    closure: {
      nodes: [],
      inputMap: {},
      controlMap: {},
      rewrites: new Map(),
      functions: new Set(),
      funcNodes: [],
      outsideColocation: false,
      newVariables: [],
      replacedVariables: new Map(),
    },
    index,
    prefix: req.ns ? `${req.ns}/` : '',
    vars,
    snapshotOwner,
    copied: record.copied,
    seen: new Uint8Array(size),
    special,
    stack: [],
    replacement: new Map(),
  };
  walkClosure(walk);
  return walk.closure;
}

/**
 * Marks the closure in `seen` and lists it. GraphDef order is creation order, so inputs nearly always come
 * before their consumers: one sweep from the last root down to the first node reads the bytes in order, and the
 * rare forward edges (loops' back edges, variables' initializers) are followed at once from a stack.
 */
function walkClosure(w: Walk): void {
  const { copied, seen } = w;
  let top = -1;
  for (const r of w.req.roots) {
    if (copied[r]) continue;
    seen[r] = 1;
    if (r > top) top = r;
  }
  sweepClosure(w, w.index, copied, seen, w.special, w.stack, top);
  listFlags(seen, w.closure.nodes);
}

// The two loops below take what they read as arguments and never touch `w` themselves: Walk's map dies between
// copies with those of the class instances it holds, and with it the loops' compiled code (graph-def-wire.ts).

/** Scans the nodes of the closure, from node `top` down. */
function sweepClosure(w: Walk, index: NodeIndex, copied: Uint8Array, seen: Uint8Array, special: Uint8Array, stack: number[], top: number): void {
  const inputs: number[] = [];
  for (let i = top; i >= 0; i--) {
    if (!seen[i]) continue;
    walkNode(w, index, copied, seen, special, stack, i, i, inputs);
    while (stack.length) walkNode(w, index, copied, seen, special, stack, stack.pop()!, i, inputs);
  }
}

/**
 * Scans node i: its ordinary inputs join the closure, the others go through `edge`. `sweep` is where the sweep
 * is: nodes below it are scanned when it reaches them, nodes above it at once (from the stack).
 */
function walkNode(w: Walk, index: NodeIndex, copied: Uint8Array, seen: Uint8Array, special: Uint8Array, stack: number[], i: number, sweep: number, inputs: number[]): void {
  if (special[i]) variableOf(w, i, sweep);
  inputs.length = 0;
  const attrs = scanNode(index, i, inputs);
  for (let k = 0; k < inputs.length; k += 2) {
    const j = inputs[k];
    if (special[j] || copied[j]) edge(w, i, j, inputs[k + 1], sweep);
    else if (!seen[j]) {
      seen[j] = 1;
      if (j > sweep) stack.push(j);
    }
  }
  if (attrs) attrsOf(w, i, attrs, sweep);
}

/** Appends to `out` each i where flags[i] is set. */
function listFlags(flags: Uint8Array, out: number[]): void {
  for (let i = 0; i < flags.length; i++) if (flags[i]) out.push(i);
}

function visit(w: Walk, j: number, sweep: number): void {
  if (w.seen[j]) return;
  w.seen[j] = 1;
  if (j > sweep) w.stack.push(j);
}

/** The copy (made earlier) of node j. */
function copyOf(w: Walk, j: number): Operation {
  return w.req.toGraph.operation(w.prefix + nodeName(w.index, j))!;
}

function replacementOf(w: Walk, j: number): Variable | undefined {
  if (w.replacement.has(j)) return w.replacement.get(j);
  const v = w.vars.get(j);
  let target: Variable | undefined;
  if (v) {
    const { copied, req } = w;
    target = w.record.variables.get(v);
    // A variable that this record copied is found through `copied`; one it mapped stands in here.
    if (target && copied[j]) target = undefined;
    if (!target) target = mappedVariable(v, req.copiedVariables, req.ns, req.toGraph);
    if (target && !copied[j]) w.closure.replacedVariables.set(v, target);
  }
  w.replacement.set(j, target);
  return target;
}

/** A copied variable brings its initializer (and initial value) and its read: a whole Variable of the copy. */
function variableOf(w: Walk, i: number, sweep: number): void {
  const v = w.vars.get(i);
  if (!v) return;
  w.closure.newVariables.push(v);
  for (const op of [v.initializer, v.value().op]) {
    const k = nodeIndexOf(w.index, op.name);
    if (k >= 0 && !w.copied[k]) visit(w, k, sweep);
  }
}

/** An input of node i (output `index` of node j, -1 for a control input) that is not simply copied. */
function edge(w: Walk, i: number, j: number, index: number, sweep: number): void {
  const { closure, req } = w;
  const { userMap } = req;
  const name = (k: number) => nodeName(w.index, k);
  if (index >= 0) {
    const mapped = userMap.outputs.get(j)?.get(index);
    if (mapped) {
      closure.inputMap[`${name(j)}:${index}`] = mapped;
      return;
    }
    const constant = userMap.constants.get(j)?.get(index);
    if (constant) {
      const rewrite = rewriteOf(closure, i);
      (rewrite.inputRenames ??= new Map()).set(`${name(j)}:${index}`, constant);
      return;
    }
  } else {
    const mapped = userMap.controls.get(j);
    if (mapped) {
      closure.controlMap[name(j)] = mapped;
      return;
    }
  }
  if (w.copied[j]) {
    const op = copyOf(w, j);
    if (index >= 0) closure.inputMap[`${name(j)}:${index}`] = op.output(index);
    else closure.controlMap[name(j)] = op;
    return;
  }
  // A replaced variable's handle and snapshot read stand for the replacement's.
  const owner = w.vars.has(j) ? j : w.snapshotOwner.get(j);
  const target = owner === undefined ? undefined : replacementOf(w, owner);
  if (target) {
    const stand = owner === j ? target.handle : target.value();
    if (index > 0) throw new Error(`Cannot replace '${name(j)}' by '${stand.op.name}': '${name(i)}' uses its output ${index}`);
    if (index === 0) closure.inputMap[`${name(j)}:0`] = stand;
    else closure.controlMap[name(j)] = stand.op;
    return;
  }
  visit(w, j, sweep);
}

function attrsOf(w: Walk, i: number, attrs: WireAttrs, sweep: number): void {
  const { closure, req } = w;
  let drop: Set<string> | null = null;
  for (const t of attrs.colocation ?? []) {
    const j = nodeIndexOf(w.index, t);
    if (j < 0 || w.copied[j]) {
      closure.outsideColocation = true;
      continue;
    }
    const owner = w.vars.has(j) ? j : w.snapshotOwner.get(j);
    const replaced = (owner !== undefined && replacementOf(w, owner)) || req.userMap.outputs.has(j) || req.userMap.controls.has(j);
    // A colocation target replaced by a destination operation: TensorFlow would point the constraint at the
    // namespaced name, which does not exist; the constraint (a placement hint) is dropped.
    if (replaced) (drop ??= new Set()).add(t);
    else visit(w, j, sweep);
  }
  if (attrs.funcs) {
    for (const f of attrs.funcs) closure.functions.add(f);
    closure.funcNodes.push(i);
  }
  if (drop || (req.ns && (attrs.sharedName || attrs.frameName))) {
    const rewrite = rewriteOf(closure, i);
    rewrite.attrs = attrs;
    rewrite.dropColocation = drop;
  }
}

function rewriteOf(closure: Closure, i: number): Rewrite {
  let r = closure.rewrites.get(i);
  if (!r) closure.rewrites.set(i, (r = { attrs: null, dropColocation: null, inputRenames: null, functions: false }));
  return r;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function rewriteNode(def: WireGraphDef, i: number, ns: string, change: Rewrite, functionRenames: Map<string, string>): Uint8Array {
  if (!change.functions && !change.inputRenames && !change.dropColocation) {
    // Only shared and frame names change (every variable of a namespaced copy): done on the bytes.
    const names = new Set<string>();
    if (ns && change.attrs?.sharedName) names.add('shared_name').add('debug_name');
    if (ns && change.attrs?.frameName) names.add('frame_name');
    return prefixAttrStrings(def.index, i, names, `${ns}/`);
  }
  const node = def.decodeNode(i);
  const attr = node.attr ?? {};
  if (change.functions) renameNodeFunctions(node, functionRenames);
  if (change.inputRenames) {
    node.input = (node.input ?? []).map((input: string) => {
      if (input.startsWith('^')) return input;
      const [name, index] = tensorNameParts(input);
      return change.inputRenames!.get(`${name}:${index}`) ?? input;
    });
  }
  const prefixed = (value: { s?: Uint8Array }) => {
    if (value?.s && value.s.length) value.s = utf8.encode(`${ns}/${utf8Decoder.decode(value.s)}`);
  };
  if (ns && change.attrs?.sharedName) {
    // A resource's shared name must follow its op: the copy of a variable would otherwise be the source's
    // variable whenever both graphs run in one session (or the copy is in the source's own graph).
    prefixed(attr.shared_name);
    if (attr.debug_name) prefixed(attr.debug_name);
  }
  if (ns && change.attrs?.frameName) prefixed(attr.frame_name);
  if (change.dropColocation && attr._class?.list?.s) {
    const kept = attr._class.list.s.filter((s: Uint8Array) => {
      const v = utf8Decoder.decode(s);
      return !(v.startsWith('loc:@') && change.dropColocation!.has(v.slice(5)));
    });
    if (kept.length) attr._class.list.s = kept;
    else delete attr._class;
  }
  return encode('NodeDef', node);
}

function checkCollisions(req: CopyRequest, index: NodeIndex, nodes: ArrayLike<number> & Iterable<number>, extra: string[]): void {
  const { toGraph, ns } = req;
  const prefix = ns ? `${ns}/` : '';
  const total = toGraph.numOperations;
  if (total === 0 || nodes.length === 0) return;
  const clashes: string[] = [];
  const native = toGraph._native;
  for (const name of extra) if (native.operationByName(prefix + name)) clashes.push(prefix + name);
  if (nodes.length < total) {
    for (const i of nodes) {
      const name = prefix + nodeName(index, i);
      if (native.operationByName(name)) clashes.push(name);
      if (clashes.length >= 3) break;
    }
  } else {
    const taken = new Set<string>();
    for (const name of native.operationNames()) if (name.startsWith(prefix)) taken.add(name);
    if (taken.size === 0) return;
    for (const i of nodes) {
      const name = prefix + nodeName(index, i);
      if (taken.has(name)) clashes.push(name);
      if (clashes.length >= 3) break;
    }
  }
  if (clashes.length === 0) return;
  const sameGraph = toGraph === req.source;
  throw new Error(
    `Cannot copy into ${toGraph} with ${describeNamespace(ns)}: it already has operations named ${clashes.map((c) => `'${c}'`).join(', ')}` +
      (sameGraph && !ns ? ' (copying within one graph needs a namespace)' : ` that are not copies made from ${req.source} under this namespace; choose another namespace`),
  );
}

/** Copies the closure of `req.roots`; returns the record (updated) of this source, destination and namespace. */
function copyClosure(req: CopyRequest, snap: Snapshot): CopyRecord {
  const { source, toGraph, ns } = req;
  const record = recordFor(toGraph, ns, source, snap.def)!;
  syncRecord(record, snap.def);
  let closure = computeClosure(req, snap, record);
  for (const f of closure.functions) {
    if (!snap.functions.has(f) && snap.def.functionNames !== null) {
      // A function added to the library without a new operation: re-read the GraphDef once.
      snap = snapshotOf(source, true);
      syncRecord(record, snap.def);
      closure = computeClosure(req, snap, record);
      break;
    }
  }
  const { def } = snap;
  if (closure.nodes.length === 0) {
    noteReplacedVariables(record, closure);
    return record;
  }
  const nodes = closure.nodes; // ascending
  checkCollisions(req, def.index, nodes, req.extraNodes.map((n) => n.name as string));
  const library = planLibrary(snap, closure.functions, toGraph, functionRenamesFor(toGraph, source));
  if (library.renames.size) {
    for (const i of closure.funcNodes) rewriteOf(closure, i).functions = true;
  }
  const builder = new GraphDefBuilder(def);
  // Nodes go verbatim, in runs between the few that are rewritten (found in `nodes` by bisection).
  let from = 0;
  for (const i of [...closure.rewrites.keys()].sort((a, b) => a - b)) {
    const k = bisect(nodes, i);
    builder.addNodes(nodes, from, k);
    builder.addField(1, rewriteNode(def, i, ns, closure.rewrites.get(i)!, library.renames));
    from = k + 1;
  }
  builder.addNodes(nodes, from, nodes.length);
  for (const node of req.extraNodes) builder.addField(1, encode('NodeDef', node));
  if (library.payload) builder.addField(2, library.payload);
  const versions = def.versionsPayload();
  if (versions) builder.addField(4, versions);
  toGraph.importGraphDef(builder.finish(), {
    prefix: ns || undefined,
    inputMap: closure.inputMap,
    remapControlDependencies: closure.controlMap,
    validateColocationConstraints: !closure.outsideColocation,
  });
  setFlags(record.copied, closure.nodes);
  noteReplacedVariables(record, closure);
  const created = createVariables(req, def, closure, record);
  copyCollections(req, def, closure, created);
  return record;
}

/** The position of `value` in the ascending `sorted`, or where it would go. */
function bisect(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sets flags[i] for each i of `nodes`; returns `flags`. */
function setFlags(flags: Uint8Array, nodes: number[]): Uint8Array {
  for (let k = 0; k < nodes.length; k++) flags[nodes[k]] = 1;
  return flags;
}

function noteReplacedVariables(record: CopyRecord, closure: Closure): void {
  for (const [v, target] of closure.replacedVariables) record.variables.set(v, target);
}

/** Destination Variables for the source variables this copy brought over. */
function createVariables(req: CopyRequest, def: WireGraphDef, closure: Closure, record: CopyRecord): Map<Variable, Variable> {
  const { toGraph, ns } = req;
  const prefix = ns ? `${ns}/` : '';
  const created = new Map<Variable, Variable>();
  for (const v of closure.newVariables) {
    const initializer = toGraph.operation(prefix + v.initializer.name);
    if (!initializer) continue;
    const d: VariableDefObject = {
      variable_name: prefix + v.handle.name,
      initial_value_name: initializer.inputs[1]?.name,
      initializer_name: initializer.name,
      snapshot_name: prefix + v.value().name,
      is_resource: true,
      trainable: v.trainable,
    };
    const copy = Variable.fromProto(toGraph, d);
    record.variables.set(v, copy);
    created.set(v, copy);
  }
  return created;
}

const VARIABLE_COLLECTION_SET = new Set<string>(VARIABLE_COLLECTIONS);

/**
 * Python's copy_op_to_graph: a copied element joins `N/C` for each collection C of its original. Copied
 * variables also join C itself for the variable collections, so that the destination's initializers and
 * savers see them.
 */
function copyCollections(req: CopyRequest, def: WireGraphDef, closure: Closure, created: Map<Variable, Variable>): void {
  const { source, toGraph, ns } = req;
  const prefix = ns ? `${ns}/` : '';
  const fresh = setFlags(new Uint8Array(def.size), closure.nodes);
  for (const key of source.collectionKeys) {
    const target = prefix + key;
    for (const item of source.getCollection(key)) {
      if (item instanceof Variable) {
        const copy = created.get(item);
        if (!copy) continue;
        toGraph.addToCollection(target, copy);
        if (ns && VARIABLE_COLLECTION_SET.has(key)) toGraph.addToCollection(key, copy);
      } else if (item instanceof Operation || item instanceof Output) {
        if (item.graph !== source) continue;
        const opName = item instanceof Operation ? item.name : item.op.name;
        const i = def.indexOf(opName);
        if (i < 0 || !fresh[i]) continue;
        const op = toGraph.operation(prefix + opName)!;
        toGraph.addToCollection(target, item instanceof Operation ? op : op.output(item.index));
      }
    }
  }
}

function rootIndex(def: WireGraphDef, element: Copyable): number {
  const op = element instanceof Variable ? element.handle.op : element instanceof Output ? element.op : element;
  const i = def.indexOf(op.name);
  if (i < 0) throw new Error(`${op} is not in the GraphDef of ${op.graph}`);
  return i;
}

function resultOf(element: Copyable, record: CopyRecord, req: CopyRequest): Copyable {
  const found = lookupCopy(element, record, req.toGraph, req.ns, req.copiedVariables, record.def);
  if (!found) throw new Error(`${element} was not copied into ${req.toGraph}`);
  return found;
}

function lookupCopy(element: Copyable, record: CopyRecord | undefined, toGraph: Graph, ns: string, copiedVariables?: CopiedVariables, def?: WireGraphDef): Copyable | undefined {
  const prefix = ns ? `${ns}/` : '';
  if (element instanceof Variable) {
    return record?.variables.get(element) ?? (copiedVariables ? mappedVariable(element, copiedVariables, ns, toGraph) : undefined);
  }
  const op = element instanceof Output ? element.op : element;
  const pick = (copy: Operation): Copyable => (element instanceof Output ? copy.output(element.index) : copy);
  if (record) {
    const current = def ?? snapshotOf(op.graph).def;
    syncRecord(record, current);
    const i = current.indexOf(op.name);
    if (i >= 0 && record.copied[i]) {
      const copy = toGraph.operation(prefix + op.name);
      if (copy) return pick(copy);
    }
  }
  // The handle or snapshot read of a variable replaced by a destination variable stands for the replacement's.
  const standIn = (v: Variable, target: Variable): Copyable | undefined => {
    if (v.handle.op === op) return pick(target.handle.op);
    if (v.value().op === op) return pick(target.value().op);
    return undefined;
  };
  for (const [v, target] of record?.variables ?? []) {
    const found = standIn(v, target);
    if (found) return found;
  }
  if (copiedVariables) {
    for (const key of op.graph.collectionKeys) {
      for (const v of op.graph.getCollection(key)) {
        if (!(v instanceof Variable) || (v.handle.op !== op && v.value().op !== op)) continue;
        const target = mappedVariable(v, copiedVariables, ns, toGraph);
        if (target) return standIn(v, target);
      }
    }
  }
  return undefined;
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
  const record = req.roots.length ? copyClosure(req, snap) : recordFor(toGraph, ns, source, snap.def)!;
  return elements.map((e) => direct.get(e) ?? resultOf(e, record, req));
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
  const elements = Array.isArray(element) ? element.map((e, i) => requireCopyable(e, `copyToGraph element ${i}`)) : [requireCopyable(element, 'the element of copyToGraph')];
  requireGraph(toGraph, 'the destination graph of copyToGraph');
  optionalObject(options, 'the options of copyToGraph');
  const ns = requireNamespace(options.namespace);
  if (elements.length === 0) return [] as unknown as T;
  const source = elementGraph(elements[0]);
  for (const e of elements) {
    if (elementGraph(e) !== source) throw new Error(`copyToGraph: ${e} belongs to ${elementGraph(e)}, but ${elements[0]} belongs to ${source}; copy the elements of each graph separately`);
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
  if (value.dtype !== (v.dtype as DType)) throw new TypeError(`The value of '${v.name}' has dtype ${value.dtype} but the variable has dtype ${v.dtype}`);
  if (!shapesCompatible(v.shape as StaticShape, value.shape)) {
    throw new Error(`The value of '${v.name}' has shape ${shapeToString(value.shape)} but the variable has shape ${shapeToString(v.shape)}`);
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
