// SPDX-License-Identifier: Apache-2.0
// MetaGraphDef export in Python's format (framework/meta_graph.py's export_scoped_meta_graph): the GraphDef,
// the stripped op list, the saver_def and the collections, with variables as VariableDefs, so a graph built
// here imports in Python with `tf.compat.v1.train.import_meta_graph`.
import type { Graph } from '../graph/graph';
import { version } from '../binding/library';
import { decode, encode, type DecodedMessage } from '../proto';
import { stripNameScope } from '../variables/variable';
import { invalidArgument, optionalObject, optionalString } from '../base/validate';
import { UNBOUND_INPUTS, collectionDef } from './collections';
import { META_GRAPH_DEF_GRAPH, appendField, opTypesOfGraphDef } from './meta-graph-wire';

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


const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Python's _node_def: names relative to the export scope, outside inputs marked unbound ('$name'). */
function scopedNode(
  node: DecodedMessage,
  exportScope: string | undefined,
  unbound: string[],
  clearDevices: boolean,
): DecodedMessage {
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
    for (const [k, v] of Object.entries<DecodedMessage>(node.attr ?? {})) {
      if ((node.op === 'Enter' || node.op === 'RefEnter') && k === 'frame_name' && v.s) {
        const frame = utf8Decoder.decode(v.s);
        if (frame.startsWith(exportScope)) v.s = utf8.encode(stripNameScope(frame, exportScope));
      }
    }
  }
  if (clearDevices) node.device = '';
  return node;
}


/** Python's stripped_op_list_for_graph: the OpDefs of the ops the graph and its functions use, by name. */
function strippedOpList(g: Graph, used: Set<string>, functions: Set<string>): Record<string, unknown> {
  const ops: Record<string, unknown>[] = [];
  for (const type of [...used].sort()) {
    if (functions.has(type)) continue;
    let def: DecodedMessage;
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
    const graphDef = decode<DecodedMessage>('GraphDef', graphDefBytes);
    graphDef.node = (graphDef.node ?? [])
      .filter((n: DecodedMessage) => !exportScope || (n.name as string).startsWith(exportScope))
      .map((n: DecodedMessage) => scopedNode(n, exportScope, unbound, clearDevices));
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
  return appendField(encode('MetaGraphDef', meta), META_GRAPH_DEF_GRAPH, graphDefBytes);
}

