// SPDX-License-Identifier: Apache-2.0
// MetaGraphDef import as Python's `tf.compat.v1.train.import_meta_graph` without the Saver: the graph under
// an import scope, then the collections, with VariableDefs as Variables.
//
// Every message the import decodes (the MetaGraphDef, the clearDevices GraphDef, each collection's
// serialized items) is decoded before the graph changes, and a decoding failure is a TypeError that names
// the source and the part that failed: protobufjs's own messages ("index out of range: 845 + 525 > 1006")
// say neither.
import { TFError } from '../binding/errors';
import { GraphKeys } from '../graph/graph-keys';
import type { Graph, OutputLike } from '../graph/graph';
import { decode, encode, messageType, type DecodedMessage } from '../proto';
import { Variable, stripNameScope } from '../variables/variable';
import { invalidArgument, optionalObject, optionalString } from '../base/validate';
import { CollectionProtoFunctions, UNBOUND_INPUTS, collectionProtoFunctions, holdsVariables, importedItem } from './collections';
import { META_GRAPH_DEF_GRAPH, splitField } from './meta-graph-wire';

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

const utf8Decoder = new TextDecoder('utf-8');
const COLLECTION_KINDS = ['node_list', 'bytes_list', 'int64_list', 'float_list', 'any_list'];

/** The error for bytes that do not decode: which source, which part, and what the decoder said. */
function malformedMetaGraph(source: string, what: string, err: unknown): TypeError {
  const reason = err instanceof Error ? err.message : String(err);
  return new TypeError(`importMetaGraph(${source}): malformed MetaGraphDef: ${what}: ${reason}`, { cause: err });
}

/** `fn()`, with a decoding failure reported as a malformed MetaGraphDef (see malformedMetaGraph). */
function decoding<T>(source: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw malformedMetaGraph(source, what, err);
  }
}

/** TensorFlow's error about the graph_def ("Invalid GraphDef"), as the same class, saying which source it is about. */
function withSource(err: unknown, source: string): unknown {
  if (!(err instanceof TFError)) return err;
  const Class = err.constructor as new (message: string) => TFError;
  const wrapped = new Class(`importMetaGraph(${source}): graph_def: ${err.message}`);
  Object.defineProperty(wrapped, 'cause', { value: err, enumerable: false, writable: true, configurable: true });
  return wrapped;
}

/** A registered collection's items, decoded (before the graph changes, so that bad bytes change nothing). */
interface ProtoCollection {
  key: string;
  functions: CollectionProtoFunctions;
  items: Array<{ bytes: Uint8Array; message: Record<string, unknown> }>;
}

/**
 * Imports a binary MetaGraphDef into `g` (Python's `tf.compat.v1.train.import_meta_graph` without the
 * Saver): the graph under `importScope`, then the collections, with VariableDefs as Variables.
 * @param source how errors name the bytes (the file path when they were read from one)
 * @throws TypeError on malformed arguments, and for bytes that do not decode (naming the source and the
 *   part: "importMetaGraph(model.meta): malformed MetaGraphDef: collection 'variables' item 0: …"), with
 *   the graph unchanged; Error for unbound inputs not given in `inputMap`; TensorFlow's error (its class,
 *   the message prefixed with "importMetaGraph(<source>): graph_def: ") when it rejects the GraphDef.
 */
export function importMetaGraph(g: Graph, bytes: Uint8Array, options: ImportMetaGraphOptions = {}, source?: string): ImportMetaGraphResult {
  if (!(bytes instanceof Uint8Array)) throw invalidArgument('a Uint8Array (a serialized MetaGraphDef)', 'importMetaGraph', bytes);
  const o = optionalObject(options, 'the options of importMetaGraph');
  const importScope = optionalString(o.importScope, 'importScope');
  const clearDevices = o.clearDevices === undefined ? false : o.clearDevices;
  if (typeof clearDevices !== 'boolean') throw invalidArgument('a boolean', 'clearDevices', clearDevices);
  const inputMap = o.inputMap === undefined ? undefined : (optionalObject(o.inputMap, 'inputMap') as Record<string, OutputLike>);
  const from = source ?? `${bytes.length} bytes`;

  const { meta, graphDef } = decoding(from, 'the message', () => {
    const { payload, rest } = splitField(bytes, META_GRAPH_DEF_GRAPH);
    return { meta: decode<DecodedMessage>('MetaGraphDef', rest), graphDef: payload ?? new Uint8Array(0) };
  });
  let graphDefBytes = graphDef;
  const collections: Record<string, DecodedMessage> = meta.collection_def ?? {};
  checkUnboundInputs(collections[UNBOUND_INPUTS], inputMap);
  if (inputMap) {
    // The graph must be left unchanged when an input is unusable: check them before importing.
    for (const [k, v] of Object.entries(inputMap)) g._toOutput(v, `inputMap['${k}']`);
  }
  if (clearDevices) {
    const def = decoding(from, 'graph_def', () => decode<DecodedMessage>('GraphDef', graphDefBytes));
    for (const node of def.node ?? []) node.device = '';
    graphDefBytes = encode('GraphDef', def);
  }
  // Python reads trainable_variables first, then the rest by key, sharing one Variable per VariableDef.
  const keys = Object.keys(collections).sort();
  if (keys.includes(GraphKeys.TRAINABLE_VARIABLES)) {
    keys.splice(keys.indexOf(GraphKeys.TRAINABLE_VARIABLES), 1);
    keys.unshift(GraphKeys.TRAINABLE_VARIABLES);
  }
  const protoCollections: ProtoCollection[] = [];
  const deferred: Array<[string, string, unknown[]]> = [];
  for (const key of keys) {
    if (key === UNBOUND_INPUTS) continue;
    const def = collections[key];
    const kind = COLLECTION_KINDS.find((k) => def[k] !== undefined && def[k] !== null);
    if (!kind) continue;
    const values: unknown[] = def[kind].value ?? [];
    const functions = collectionProtoFunctions(key);
    if (functions && kind === 'bytes_list') {
      const items = (values as Uint8Array[]).map((value, i) => ({
        bytes: value,
        message: decoding(from, `collection '${key}' item ${i} (a ${functions.protoType})`, () =>
          decode<Record<string, unknown>>(functions.protoType, value),
        ),
      }));
      protoCollections.push({ key, functions, items });
    } else {
      // Other collections come after the variables, so that a Variable listed by name comes back as one.
      deferred.push([key, kind, values]);
    }
  }
  const saverDef = meta.saver_def
    ? decoding(from, 'saver_def', () =>
        messageType('SaverDef').toObject(meta.saver_def, { defaults: true, enums: Number, longs: Number }) as Record<string, unknown>,
      )
    : null;

  const prefix = importScope ? g.uniqueName(importScope) : g.currentNameScope;
  try {
    g.importGraphDef(graphDefBytes, { prefix: prefix || undefined, inputMap });
  } catch (err) {
    throw withSource(err, from);
  }

  const byBytes = new Map<string, Variable>();
  const variablesByHandle = new Map<string, Variable>();
  for (const { key, functions, items } of protoCollections) {
    for (const { bytes: value, message } of items) {
      if (!holdsVariables(functions)) {
        g.addToCollection(key, functions.fromProto(g, message, prefix));
        continue;
      }
      const id = Buffer.from(value).toString('base64');
      let v = byBytes.get(id);
      if (!v) {
        v = functions.fromProto(g, message, prefix) as Variable;
        byBytes.set(id, v);
        variablesByHandle.set(v.handle.name, v);
      }
      g.addToCollection(key, v);
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
  return { variables, saverDef, importScope: prefix };
}

/** Python's check that every `$name` input a scoped export left unbound is given in `inputMap`. */
function checkUnboundInputs(unboundDef: DecodedMessage | undefined, inputMap: Record<string, OutputLike> | undefined): void {
  if (!unboundDef) return;
  const kind = Object.keys(unboundDef).find((k) => unboundDef[k]?.value);
  const text = (v: Uint8Array | string) => (typeof v === 'string' ? v : utf8Decoder.decode(v));
  const names: string[] = kind ? unboundDef[kind].value.map(text) : [];
  const given = Object.keys(inputMap ?? {});
  if (names.length && [...names].sort().join('\n') !== [...given].sort().join('\n')) {
    const missing = names.filter((n) => !given.includes(n));
    throw new Error(`Graph contains unbound inputs: ${(missing.length ? missing : names).join(',')}. Must provide these ` +
      `inputs through inputMap.`);
  }
}
