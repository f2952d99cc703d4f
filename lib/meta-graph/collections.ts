// SPDX-License-Identifier: Apache-2.0
// A MetaGraphDef's collections, as Python's framework/meta_graph.py writes and reads them: registered
// collections (the variable collections) as serialized protos, graph elements by name, and strings,
// integers and floats as lists.
import { GraphKeys, VARIABLE_COLLECTIONS } from '../graph/graph-keys';
import type { Graph } from '../graph/graph';
import { Operation, Output } from '../graph/operation';
import { encode, toNumber } from '../proto';
import { Variable, VariableDefObject, prependNameScope, stripNameScope } from '../variables/variable';
import { parseTensorName } from '../base/tensor-name';

/** How the items of a collection become protocol buffers and back (Python's `ops.register_proto_function`). */
export interface CollectionProtoFunctions {
  /** The message type in package tensorflow, e.g. 'VariableDef'. */
  protoType: string;
  /** The message (a plain object with proto field names) for an item, or null to leave it out. */
  toProto(item: unknown, exportScope: string | undefined): Record<string, unknown> | null;
  /** The item for a decoded message. */
  fromProto(graph: Graph, message: Record<string, unknown>, importScope: string | undefined): unknown;
}

const registry = new Map<string, CollectionProtoFunctions>();

/**
 * Registers how collection `key` is written to and read from MetaGraphDefs (as Python's
 * `ops.register_proto_function`). The variable collections are registered here; the Saver registers SAVERS.
 */
export function registerCollectionProto(key: string, functions: CollectionProtoFunctions): void {
  registry.set(key, functions);
}

const variableFunctions: CollectionProtoFunctions = {
  protoType: 'VariableDef',
  toProto: (item, exportScope) =>
    item instanceof Variable ? (item.toProto(exportScope) as unknown as Record<string, unknown> | null) : null,
  fromProto: (graph, message, importScope) => Variable.fromProto(graph, message as unknown as VariableDefObject, importScope),
};

// The variable collections plus GLOBAL_STEP are stored as VariableDefs, as Python registers them.
for (const key of [...VARIABLE_COLLECTIONS, GraphKeys.GLOBAL_STEP]) registerCollectionProto(key, variableFunctions);

/** The registered functions of collection `key` (METRIC_VARIABLES as GLOBAL_VARIABLES, as Python reads it). */
export function collectionProtoFunctions(key: string): CollectionProtoFunctions | undefined {
  return registry.get(key) ?? (key === GraphKeys.METRIC_VARIABLES ? registry.get(GraphKeys.GLOBAL_VARIABLES) : undefined);
}

/** Whether a collection's items are Variables stored as VariableDefs (shared between collections on import). */
export function holdsVariables(functions: CollectionProtoFunctions): boolean {
  return functions === variableFunctions;
}

/** The collection Python writes for the `$name` inputs a scoped export leaves unbound. */
export const UNBOUND_INPUTS = 'unbound_inputs';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** Python's _should_include_node for a collection item or node name. */
function includeNode(item: unknown, exportScope: string | undefined): boolean {
  let name: unknown = item;
  if (typeof item !== 'string') {
    name = item instanceof Variable ? item.handle.name : (item as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return true;
  }
  return (name as string).startsWith('$') || !exportScope || (name as string).startsWith(exportScope);
}

/** The CollectionDef for one collection, or undefined when it has nothing to export (as Python). */
export function collectionDef(key: string, items: unknown[], exportScope: string | undefined): Record<string, unknown> | undefined {
  const list = items.filter((x) => includeNode(x, exportScope));
  if (list.length === 0) return undefined;
  const fns = registry.get(key);
  if (fns) {
    const values: Uint8Array[] = [];
    for (const item of list) {
      const proto = fns.toProto(item, exportScope);
      if (proto) values.push(encode(fns.protoType, proto));
    }
    return values.length ? { bytes_list: { value: values } } : undefined;
  }
  const first = list[0];
  if (typeof first === 'string' || first instanceof Uint8Array) {
    const bytes = (x: unknown) => (typeof x === 'string' ? utf8.encode(x) : x instanceof Uint8Array ? x : utf8.encode(String(x)));
    return { bytes_list: { value: list.map(bytes) } };
  }
  if (typeof first === 'bigint' || typeof first === 'boolean' || (typeof first === 'number' && Number.isInteger(first))) {
    const int64 = (x: unknown) => (typeof x === 'boolean' ? Number(x) : typeof x === 'bigint' ? x.toString() : Number(x));
    return { int64_list: { value: list.map(int64) } };
  }
  if (typeof first === 'number') return { float_list: { value: list.map(Number) } };
  // Everything else is a graph element, written by name (a Variable by its handle's tensor name, as Python).
  const names: string[] = [];
  for (const item of list) {
    const name = item instanceof Variable ? item.handle.name : item instanceof Output || item instanceof Operation ? item.name : undefined;
    if (name === undefined) {
      process.emitWarning(`Collection '${key}' holds ${String(item)}, which has no graph name; the collection is not ` +
        `exported`, 'MetaGraphWarning');
      return undefined;
    }
    if (!exportScope || name.startsWith(exportScope)) names.push(stripNameScope(name, exportScope));
  }
  return { node_list: { value: names } };
}

/** An item of a non-proto collection, as Python's import reads it. */
export function importedItem(g: Graph, kind: string, value: unknown, scope: string, variablesByHandle: Map<string, Variable>): unknown {
  if (kind === 'node_list') {
    const name = prependNameScope(value as string, scope);
    if (parseTensorName(name).index !== null) {
      // A variable listed by its handle comes back as the Variable when it was imported as one.
      return variablesByHandle.get(name) ?? g.tensor(name);
    }
    const op = g.operation(name);
    if (!op) throw new Error(`The MetaGraphDef names '${name}' in a collection, but the imported graph has no such operation`);
    return op;
  }
  if (kind === 'int64_list') {
    const n = toNumber(value);
    return Number.isSafeInteger(n) ? n : BigInt(String(value));
  }
  if (kind === 'float_list') return value;
  if (kind === 'bytes_list') return prependNameScope(utf8Decoder.decode(value as Uint8Array), scope);
  return value;
}
