// SPDX-License-Identifier: Apache-2.0
// What tf.copy remembers between calls: each source graph's indexed GraphDef (re-read only when the graph
// grew), which source nodes have been copied into which destination under which namespace, and the renames
// of functions imported under fresh names.
import type { Graph } from '../graph/graph';
import { Operation, Output } from '../graph/operation';
import { Variable } from '../variables/variable';
import { NodeIndex, WireGraphDef, nodeIndexOf, nodeName, sameNameAt } from './node-index';
import { CopiedVariables, Copyable, mappedVariable } from './copy-validation';
import type { DecodedMessage } from '../proto';

export interface Snapshot {
  numOps: number;
  def: WireGraphDef;
  /** The decoded function library, and its functions by name (empty without a library). */
  library: DecodedMessage | null;
  functions: Map<string, DecodedMessage>;
}

// A graph only grows (the C API has no removal), so its GraphDef is re-read only when it has more operations.
const snapshots = new WeakMap<Graph, Snapshot>();

export function snapshotOf(g: Graph, refresh = false): Snapshot {
  const numOps = g.numOperations;
  const cached = snapshots.get(g);
  if (cached && cached.numOps === numOps && !refresh) return cached;
  const def = new WireGraphDef(g.toGraphDef());
  const library = def.hasLibrary ? def.decodeLibrary() : null;
  const functions = new Map<string, DecodedMessage>();
  for (const f of library?.function ?? []) functions.set(f.signature?.name ?? '', f);
  def.functionNames = new Set(functions.keys());
  const snap = { numOps, def, library, functions };
  snapshots.set(g, snap);
  return snap;
}

// ---- what has been copied where ----

export interface CopyRecord {
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
export function recordFor(toGraph: Graph, namespace: string, source: Graph, def?: WireGraphDef): CopyRecord | undefined {
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
export function syncRecord(record: CopyRecord, def: WireGraphDef): void {
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

export function functionRenamesFor(toGraph: Graph, source: Graph): Map<string, string> {
  let bySource = functionRenames.get(toGraph);
  if (!bySource) functionRenames.set(toGraph, (bySource = new WeakMap()));
  let map = bySource.get(source);
  if (!map) bySource.set(source, (map = new Map()));
  return map;
}

/**
 * The copy of `element` in `toGraph` under `ns` made by earlier copies (`record`), or the destination
 * variable (or its handle or read) that `copiedVariables` puts in its place; undefined when there is none.
 */
export function lookupCopy(
  element: Copyable,
  record: CopyRecord | undefined,
  toGraph: Graph,
  ns: string,
  copiedVariables?: CopiedVariables,
  def?: WireGraphDef,
): Copyable | undefined {
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

