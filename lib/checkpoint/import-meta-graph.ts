// SPDX-License-Identifier: Apache-2.0
// tf.train.importMetaGraph: a MetaGraphDef imported into a graph, with the Saver that restores its variables.
import * as fs from 'fs';
import { invalidArgument, optionalObject } from '../base/validate';
import { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { importMetaGraph as importMetaGraphInto } from '../meta-graph/meta-graph';
import { fileError } from './checkpoint-files';
import { Saver, SaverDefObject } from './saver';

export interface ImportMetaGraphOptions {
  /** Prefix for the imported names (made unique in the graph). */
  importScope?: string;
  /** Drop every imported node's device. */
  clearDevices?: boolean;
}

/**
 * Imports a MetaGraphDef (a `.meta` file written by a Saver here or in Python, or its bytes) into `graph`
 * and returns a Saver that restores its variables (Python's `tf.compat.v1.train.import_meta_graph`): the
 * one its saver_def describes, else a new Saver of the graph's global variables, else null when the graph
 * has no variables.
 * @throws NotFoundError when the file does not exist; TypeError for bytes that are not a MetaGraphDef;
 *   the import's errors (InvalidArgumentError for unknown ops, …).
 * @example
 * const g = new tf.Graph();
 * const saver = tf.train.importMetaGraph(g, `${prefix}.meta`)!;
 * await saver.restore(sess, prefix);
 */
export function importMetaGraph(
  graph: Graph,
  metaGraphPathOrBytes: string | Uint8Array,
  options: ImportMetaGraphOptions = {},
): Saver | null {
  if (!(graph instanceof Graph)) throw invalidArgument('a Graph', 'the graph of tf.train.importMetaGraph', graph);
  optionalObject(options, 'the options of tf.train.importMetaGraph');
  let bytes: Uint8Array;
  if (typeof metaGraphPathOrBytes === 'string') {
    try {
      bytes = fs.readFileSync(metaGraphPathOrBytes);
    } catch (err) {
      throw fileError(err, `Cannot read the meta graph '${metaGraphPathOrBytes}'`);
    }
  } else if (metaGraphPathOrBytes instanceof Uint8Array) {
    bytes = metaGraphPathOrBytes;
  } else {
    throw invalidArgument('a file path or a Uint8Array', 'the meta graph of tf.train.importMetaGraph', metaGraphPathOrBytes);
  }
  const result = importMetaGraphInto(graph, bytes, { importScope: options.importScope, clearDevices: options.clearDevices });
  if (result.saverDef) {
    return new Saver({ graph, saverDef: result.saverDef as unknown as SaverDefObject, name: result.importScope || undefined });
  }
  if (graph.getCollection(GraphKeys.GLOBAL_VARIABLES, result.importScope || undefined).length > 0) return new Saver({ graph });
  return null;
}
