// SPDX-License-Identifier: Apache-2.0
// MetaGraphDef export and import in Python's format (framework/meta_graph.py): the GraphDef, the stripped
// op list, the saver_def and the collections, with variables as VariableDefs, so a graph built here imports
// in Python with `tf.compat.v1.train.import_meta_graph` and the reverse.
import { GraphKeys, VARIABLE_COLLECTIONS } from '../graph/graph-keys';
import type { Graph, OutputLike } from '../graph/graph';
import { version } from '../binding/library';
import { Operation, Output } from '../graph/operation';
import { decode, encode, messageType, toNumber, wireReader, wireWriter } from '../proto';
import { Variable, VariableDefObject, prependNameScope, stripNameScope } from '../variables/variable';
import { invalidArgument, optionalObject, optionalString } from '../base/validate';
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
  toProto: (item, exportScope) => (item instanceof Variable ? (item.toProto(exportScope) as unknown as Record<string, unknown> | null) : null),
  fromProto: (graph, message, importScope) => Variable.fromProto(graph, message as unknown as VariableDefObject, importScope),
};

// The variable collections plus GLOBAL_STEP are stored as VariableDefs, as Python registers them.
for (const key of [...VARIABLE_COLLECTIONS, GraphKeys.GLOBAL_STEP]) registerCollectionProto(key, variableFunctions);

const UNBOUND_INPUTS = 'unbound_inputs';

export interface ExportMetaGraphOptions {
  /** Export only the operations under this name scope, with the scope stripped from their names. */
  exportScope?: string;
  /** Drop every node's device. */
  clearDevices?: boolean;
  /** The SaverDef to include (a serialized SaverDef or a plain object with its fields). */
  saverDef?: Uint8Array | Record<string, unknown>;
  /** Only these collections (default: all). */
  collectionList?: string[];
}

export interface ImportMetaGraphOptions {
  /** Prefix for the imported names (made unique in the graph, as Python's `import_scope`). */
  importScope?: string;
  /** Drop every imported node's device. */
  clearDevices?: boolean;
  /** Tensors replacing imported ones, e.g. the `$name` unbound inputs of a scoped export. */
  inputMap?: Record<string, OutputLike>;
}

export interface ImportMetaGraphResult {
  /** The imported global variables, by name relative to the import scope (Python's `var_list`). */
  variables: Record<string, Variable>;
  /** The MetaGraphDef's saver_def (proto field names), or null when it has none. */
  saverDef: Record<string, unknown> | null;
  /** The prefix the imported names received ('' for none). */
  importScope: string;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

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
function collectionDef(key: string, items: unknown[], exportScope: string | undefined): Record<string, unknown> | undefined {
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
    return { bytes_list: { value: list.map((x) => (typeof x === 'string' ? utf8.encode(x) : x instanceof Uint8Array ? x : utf8.encode(String(x)))) } };
  }
  if (typeof first === 'bigint' || typeof first === 'boolean' || (typeof first === 'number' && Number.isInteger(first))) {
    return { int64_list: { value: list.map((x) => (typeof x === 'boolean' ? Number(x) : typeof x === 'bigint' ? x.toString() : Number(x))) } };
  }
  if (typeof first === 'number') return { float_list: { value: list.map(Number) } };
  // Everything else is a graph element, written by name (a Variable by its handle's tensor name, as Python).
  const names: string[] = [];
  for (const item of list) {
    const name = item instanceof Variable ? item.handle.name : item instanceof Output || item instanceof Operation ? item.name : undefined;
    if (name === undefined) {
      process.emitWarning(`Collection '${key}' holds ${String(item)}, which has no graph name; the collection is not exported`, 'MetaGraphWarning');
      return undefined;
    }
    if (!exportScope || name.startsWith(exportScope)) names.push(stripNameScope(name, exportScope));
  }
  return { node_list: { value: names } };
}

/** Python's _node_def: names relative to the export scope, outside inputs marked unbound ('$name'). */
function scopedNode(node: Record<string, any>, exportScope: string | undefined, unbound: string[], clearDevices: boolean): Record<string, any> {
  if (exportScope) {
    node.input = (node.input ?? []).map((input: string) => {
      if (!input.replace(/^\^/, '').startsWith(exportScope)) {
        const marked = input.replace(/^(\^?)(.*)$/, '$1$$$2');
        unbound.push(marked);
        return marked;
      }
      return stripNameScope(input, exportScope);
    });
    node.name = stripNameScope(node.name, exportScope);
    const cls = node.attr?._class;
    if (cls?.list?.s) {
      cls.list.s = (cls.list.s as Uint8Array[])
        .map((b) => utf8Decoder.decode(b))
        .filter((s) => (s.split('@')[1] ?? '').startsWith(exportScope))
        .map((s) => utf8.encode(stripNameScope(s, exportScope)));
    }
    for (const [k, v] of Object.entries<Record<string, any>>(node.attr ?? {})) {
      if ((node.op === 'Enter' || node.op === 'RefEnter') && k === 'frame_name' && v.s) {
        const frame = utf8Decoder.decode(v.s);
        if (frame.startsWith(exportScope)) v.s = utf8.encode(stripNameScope(frame, exportScope));
      }
    }
  }
  if (clearDevices) node.device = '';
  return node;
}


// ---- wire level: a MetaGraphDef's graph_def (field 2) travels as the bytes TensorFlow wrote, so a large
// graph is not decoded and re-encoded by protobufjs (several times the cost of TF_GraphToGraphDef). ----

const LEN = 2;

/** The payload of each occurrence of length-delimited field `field`, and the message without them. */
function splitField(bytes: Uint8Array, field: number): { payload: Uint8Array | undefined; rest: Uint8Array } {
  const r = wireReader(bytes);
  const kept: Uint8Array[] = [];
  let payload: Uint8Array | undefined;
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    if (tag >>> 3 === field && (tag & 7) === LEN) {
      // Repeated occurrences of a message field merge; TensorFlow writes graph_def once.
      const chunk = r.bytes();
      payload = payload ? concat([payload, chunk]) : chunk;
    } else {
      r.skipType(tag & 7);
      kept.push(bytes.subarray(start, r.pos));
    }
  }
  return { payload, rest: concat(kept) };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `message` with length-delimited field `field` holding `payload` appended. */
function appendField(message: Uint8Array, field: number, payload: Uint8Array): Uint8Array {
  const w = wireWriter();
  w.uint32((field << 3) | LEN).bytes(payload);
  return concat([message, w.finish()]);
}

/** The op types a binary GraphDef uses (its nodes' and its functions'), and its function names. */
function opTypesOfGraphDef(bytes: Uint8Array): { used: Set<string>; functions: Set<string> } {
  const used = new Set<string>();
  const functions = new Set<string>();
  const r = wireReader(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | LEN)) {
      // NodeDef: field 2 is the op.
      const end = r.uint32() + r.pos;
      while (r.pos < end) {
        const t = r.uint32();
        if (t === ((2 << 3) | LEN)) used.add(r.string());
        else r.skipType(t & 7);
      }
    } else if (tag === ((2 << 3) | LEN)) {
      const library = decode<Record<string, any>>('FunctionDefLibrary', r.bytes());
      for (const f of library.function ?? []) {
        functions.add(f.signature?.name);
        for (const node of f.node_def ?? []) used.add(node.op);
      }
    } else {
      r.skipType(tag & 7);
    }
  }
  return { used, functions };
}

/** Python's stripped_op_list_for_graph: the OpDefs of the ops the graph and its functions use, by name. */
function strippedOpList(g: Graph, used: Set<string>, functions: Set<string>): Record<string, unknown> {
  const ops: Record<string, unknown>[] = [];
  for (const type of [...used].sort()) {
    if (functions.has(type)) continue;
    let def: Record<string, any>;
    try {
      def = decode('OpDef', g._native.opDef(type));
    } catch {
      continue; // not in this process's registry: Python leaves such ops out as well
    }
    // Documentation is not part of an op's interface; Python's stripped lists carry none either.
    delete def.summary;
    delete def.description;
    for (const arg of [...(def.input_arg ?? []), ...(def.output_arg ?? [])]) delete arg.description;
    for (const attr of def.attr ?? []) delete attr.description;
    ops.push(def);
  }
  return { op: ops };
}

/**
 * The graph as a binary MetaGraphDef (Python's `tf.compat.v1.train.export_meta_graph`): its GraphDef, the
 * stripped op list, the saver_def when given, and every collection (variables as VariableDefs, graph
 * elements by name, strings, integers and floats as lists).
 */
export function exportMetaGraph(g: Graph, options: ExportMetaGraphOptions = {}): Uint8Array {
  const o = optionalObject(options, 'the options of exportMetaGraph');
  const exportScope = optionalString(o.exportScope, 'exportScope') || undefined;
  const clearDevices = o.clearDevices === undefined ? false : o.clearDevices;
  if (typeof clearDevices !== 'boolean') throw invalidArgument('a boolean', 'clearDevices', clearDevices);
  let saverDef: Record<string, unknown> | undefined;
  if (o.saverDef !== undefined && o.saverDef !== null) {
    if (o.saverDef instanceof Uint8Array) saverDef = decode('SaverDef', o.saverDef);
    else {
      const raw = optionalObject(o.saverDef, 'saverDef');
      saverDef = Object.fromEntries(Object.entries(raw).map(([k, v]) => [camelToSnake(k), v]));
    }
  }
  let keys = g.collectionKeys;
  if (o.collectionList !== undefined) {
    if (!Array.isArray(o.collectionList)) throw invalidArgument('an array of collection names', 'collectionList', o.collectionList);
    keys = o.collectionList as string[];
  }

  let graphDefBytes = g.toGraphDef();
  const unbound: string[] = [];
  if (exportScope || clearDevices) {
    const graphDef = decode<Record<string, any>>('GraphDef', graphDefBytes);
    graphDef.node = (graphDef.node ?? [])
      .filter((n: Record<string, any>) => !exportScope || (n.name as string).startsWith(exportScope))
      .map((n: Record<string, any>) => scopedNode(n, exportScope, unbound, clearDevices));
    graphDefBytes = encode('GraphDef', graphDef);
  }
  const { used, functions } = opTypesOfGraphDef(graphDefBytes);
  const collections: Record<string, unknown> = {};
  for (const key of keys) {
    if (key === UNBOUND_INPUTS) continue;
    const def = collectionDef(key, g.getCollection(key), exportScope);
    if (def) collections[key] = def;
  }
  if (unbound.length) collections[UNBOUND_INPUTS] = { bytes_list: { value: unbound.map((s) => utf8.encode(s)) } };

  const meta: Record<string, unknown> = {
    meta_info_def: {
      stripped_op_list: strippedOpList(g, used, functions),
      tensorflow_version: version.tensorflow,
      tensorflow_git_version: '',
    },
    collection_def: collections,
  };
  if (saverDef) meta.saver_def = saverDef;
  return appendField(encode('MetaGraphDef', meta), 2, graphDefBytes);
}

/** An item of a non-proto collection, as Python's import reads it. */
function importedItem(g: Graph, kind: string, value: unknown, scope: string, variablesByHandle: Map<string, Variable>): unknown {
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

/**
 * Imports a binary MetaGraphDef into `g` (Python's `tf.compat.v1.train.import_meta_graph` without the
 * Saver): the graph under `importScope`, then the collections, with VariableDefs as Variables.
 * @throws Error for unbound inputs not given in `inputMap`; InvalidArgumentError when TensorFlow rejects
 *   the GraphDef; TypeError on malformed arguments.
 */
export function importMetaGraph(g: Graph, bytes: Uint8Array, options: ImportMetaGraphOptions = {}): ImportMetaGraphResult {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('a Uint8Array (a serialized MetaGraphDef)', 'importMetaGraph', bytes);
  const o = optionalObject(options, 'the options of importMetaGraph');
  const importScope = optionalString(o.importScope, 'importScope');
  const clearDevices = o.clearDevices === undefined ? false : o.clearDevices;
  if (typeof clearDevices !== 'boolean') throw invalidArgument('a boolean', 'clearDevices', clearDevices);
  const inputMap = o.inputMap === undefined ? undefined : (optionalObject(o.inputMap, 'inputMap') as Record<string, OutputLike>);

  let meta: Record<string, any>;
  let graphDefBytes: Uint8Array;
  try {
    const { payload, rest } = splitField(bytes, 2);
    meta = decode('MetaGraphDef', rest);
    graphDefBytes = payload ?? new Uint8Array(0);
  } catch (err) {
    throw new TypeError(`importMetaGraph: the bytes are not a MetaGraphDef (${(err as Error).message})`);
  }
  const collections: Record<string, Record<string, any>> = meta.collection_def ?? {};
  const unboundDef = collections[UNBOUND_INPUTS];
  if (unboundDef) {
    const kind = Object.keys(unboundDef).find((k) => unboundDef[k]?.value);
    const names: string[] = kind ? unboundDef[kind].value.map((v: Uint8Array | string) => (typeof v === 'string' ? v : utf8Decoder.decode(v))) : [];
    const given = Object.keys(inputMap ?? {});
    if (names.length && [...names].sort().join('\n') !== [...given].sort().join('\n')) {
      const missing = names.filter((n) => !given.includes(n));
      throw new Error(`Graph contains unbound inputs: ${(missing.length ? missing : names).join(',')}. Must provide these inputs through inputMap.`);
    }
  }
  if (inputMap) {
    // The graph must be left unchanged when an input is unusable: check them before importing.
    for (const [k, v] of Object.entries(inputMap)) g._toOutput(v, `inputMap['${k}']`);
  }

  if (clearDevices) {
    const graphDef = decode<Record<string, any>>('GraphDef', graphDefBytes);
    for (const node of graphDef.node ?? []) node.device = '';
    graphDefBytes = encode('GraphDef', graphDef);
  }
  const prefix = importScope ? g.uniqueName(importScope) : g.currentNameScope;
  g.importGraphDef(graphDefBytes, { prefix: prefix || undefined, inputMap });

  // Python reads trainable_variables first, then the rest by key, sharing one Variable per VariableDef.
  const keys = Object.keys(collections).sort();
  if (keys.includes(GraphKeys.TRAINABLE_VARIABLES)) keys.splice(keys.indexOf(GraphKeys.TRAINABLE_VARIABLES), 1), keys.unshift(GraphKeys.TRAINABLE_VARIABLES);
  const byBytes = new Map<string, Variable>();
  const variablesByHandle = new Map<string, Variable>();
  const deferred: Array<[string, string, unknown[]]> = [];
  for (const key of keys) {
    if (key === UNBOUND_INPUTS) continue;
    const def = collections[key];
    const kind = ['node_list', 'bytes_list', 'int64_list', 'float_list', 'any_list'].find((k) => def[k] !== undefined && def[k] !== null);
    if (!kind) continue;
    const values: unknown[] = def[kind].value ?? [];
    const fns = registry.get(key) ?? (key === GraphKeys.METRIC_VARIABLES ? registry.get(GraphKeys.GLOBAL_VARIABLES) : undefined);
    if (fns && kind === 'bytes_list') {
      for (const value of values as Uint8Array[]) {
        const message = decode<Record<string, unknown>>(fns.protoType, value);
        if (fns === variableFunctions) {
          const id = Buffer.from(value).toString('base64');
          let v = byBytes.get(id);
          if (!v) {
            v = fns.fromProto(g, message, prefix) as Variable;
            byBytes.set(id, v);
            variablesByHandle.set(v.handle.name, v);
          }
          g.addToCollection(key, v);
        } else {
          g.addToCollection(key, fns.fromProto(g, message, prefix));
        }
      }
    } else {
      // Other collections come after the variables, so that a Variable listed by name comes back as one.
      deferred.push([key, kind, values]);
    }
  }
  for (const [key, kind, values] of deferred) {
    if (kind === 'any_list') continue; // google.protobuf.Any items have no meaning here (Python skips them too)
    for (const value of values) g.addToCollection(key, importedItem(g, kind, value, prefix, variablesByHandle));
  }

  const variables: Record<string, Variable> = {};
  for (const v of g.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES, prefix || undefined)) {
    if (v instanceof Variable) variables[stripNameScope(v.name, prefix)] = v;
  }
  const saverDef = meta.saver_def
    ? (messageType('SaverDef').toObject(meta.saver_def, { defaults: true, enums: Number, longs: Number }) as Record<string, unknown>)
    : null;
  return { variables, saverDef, importScope: prefix };
}

