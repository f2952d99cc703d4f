// SPDX-License-Identifier: Apache-2.0
// Assembling and importing a copy: the closure's nodes, verbatim in runs, with the few that change rewritten
// (shared and frame names under the namespace, renamed functions, dropped colocation constraints), the
// function library they call and the source's versions, imported into the destination in one
// importGraphDef, all or nothing.
import { planLibrary, renameNodeFunctions } from './library';
import { GraphDefBuilder, prefixAttrStrings } from './graph-def-builder';
import { NodeIndex, WireGraphDef, nodeName } from './node-index';
import { encode } from '../proto';
import { tensorNameParts } from '../base/tensor-name';
import { describeNamespace } from './copy-validation';
import { CopyRecord, Snapshot, functionRenamesFor, recordFor, snapshotOf, syncRecord } from './copy-records';
import { Closure, CopyRequest, Rewrite, computeClosure, rewriteOf } from './closure';
import { copyCollections, createVariables, nodesToReturn, setFlags } from './copy-collections';
import { describeGraphDef } from '../graph/graph-import';
import { Operation } from '../graph/operation';

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
    `Cannot copy into ${toGraph} with ${describeNamespace(ns)}: ` +
      `it already has operations named ${clashes.map((c) => `'${c}'`).join(', ')}` +
      (sameGraph && !ns
        ? ' (copying within one graph needs a namespace)'
        : ` that are not copies made from ${req.source} under this namespace; choose another namespace`),
  );
}

/** What a copy made: the record (updated) of its source, destination and namespace, and the copies of its nodes. */
export interface CopyResult {
  record: CopyRecord;
  /** The copies of the roots, of new variables' initializers and of collection members, by source node. */
  imported: Map<number, Operation>;
}

/** Copies the closure of `req.roots`. */
export function copyClosure(req: CopyRequest, snap: Snapshot): CopyResult {
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
    return { record, imported: new Map() };
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
  const bytes = builder.finish();
  // The import's own checks read the GraphDef's inputs and functions; the closure walk already knows them.
  describeGraphDef(bytes, {
    reads: (name, index) => (index < 0 ? name in closure.controlMap : `${name}:${index}` in closure.inputMap),
    functions: library.functions,
  });
  const fresh = setFlags(new Uint8Array(def.size), nodes);
  const returned = nodesToReturn(req, def, closure, fresh);
  const result = toGraph.importGraphDef(bytes, {
    prefix: ns || undefined,
    inputMap: closure.inputMap,
    remapControlDependencies: closure.controlMap,
    validateColocationConstraints: !closure.outsideColocation,
    returnElements: returned.map((i) => nodeName(def.index, i)),
  });
  const imported = new Map<number, Operation>();
  for (let k = 0; k < returned.length; k++) imported.set(returned[k], result.operations[k]);
  setFlags(record.copied, nodes);
  noteReplacedVariables(record, closure);
  const created = createVariables(req, def, closure, record, imported);
  copyCollections(req, def, created, imported);
  return { record, imported };
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

function noteReplacedVariables(record: CopyRecord, closure: Closure): void {
  for (const [v, target] of closure.replacedVariables) record.variables.set(v, target);
}

