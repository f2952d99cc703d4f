// SPDX-License-Identifier: Apache-2.0
// The closure of a copy: what the requested elements need (inputs, control inputs, colocation targets,
// variables with their initializers and reads, called functions), walked over the source's indexed GraphDef
// without making a string per node, and what stands for each edge that leaves it (the import's input map).
import type { Graph } from '../graph/graph';
import { Operation, Output } from '../graph/operation';
import { Variable } from '../variables/variable';
import { NodeIndex, nodeIndexOf, nodeName } from './node-index';
import { WireAttrs, scanNode } from './node-scan';
import { CopiedVariables, UserMap, mappedVariable } from './copy-validation';
import { CopyRecord, Snapshot } from './copy-records';

export interface CopyRequest {
  source: Graph;
  toGraph: Graph;
  ns: string;
  roots: number[];
  userMap: UserMap;
  copiedVariables: CopiedVariables | undefined;
  /** NodeDefs (plain objects) imported along with the closure. */
  extraNodes: Array<Record<string, unknown>>;
}

export interface Rewrite {
  attrs: WireAttrs | null;
  dropColocation: Set<string> | null;
  /** 'op:index' inputs to replace by the named node's output 0. */
  inputRenames: Map<string, string> | null;
  /** Whether the node calls a function imported under another name. */
  functions: boolean;
}

export interface Closure {
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


export function computeClosure(req: CopyRequest, snap: Snapshot, record: CopyRecord): Closure {
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
// copies with those of the class instances it holds, and with it the loops' compiled code (node-index.ts).

/** Scans the nodes of the closure, from node `top` down. */
function sweepClosure(
  w: Walk,
  index: NodeIndex,
  copied: Uint8Array,
  seen: Uint8Array,
  special: Uint8Array,
  stack: number[],
  top: number,
): void {
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
function walkNode(
  w: Walk,
  index: NodeIndex,
  copied: Uint8Array,
  seen: Uint8Array,
  special: Uint8Array,
  stack: number[],
  i: number,
  sweep: number,
  inputs: number[],
): void {
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

export function rewriteOf(closure: Closure, i: number): Rewrite {
  let r = closure.rewrites.get(i);
  if (!r) closure.rewrites.set(i, (r = { attrs: null, dropColocation: null, inputRenames: null, functions: false }));
  return r;
}

