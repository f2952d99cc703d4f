// SPDX-License-Identifier: Apache-2.0
// Writing a SavedModel that Python loads: saved_model.pb and a variables/ checkpoint.
import * as fs from 'fs';
import * as path from 'path';
import { dtypeNumber } from '../base/dtypes';
import { Graph, OutputLike } from '../graph/graph';
import { Operation } from '../graph/operation';
import { encode } from '../proto';
import { concatBytes, lengthDelimited, varintField } from '../proto/wire';
import { Session } from '../session/session';
import { Saver } from '../checkpoint/saver';
import { exportMetaGraph } from '../meta-graph/meta-graph';
import { invalidArgument, optionalObject, optionalString, requireBoolean, requireObject, requirePath } from '../base/validate';
import { PREDICT_METHOD_NAME, SERVING } from './signatures';

/** A signature to write: graph tensors by key. */
export interface SignatureSpec {
  /** Input key → the tensor to feed (an Output, a Variable, or an 'op:index' name). */
  inputs: Record<string, OutputLike | string>;
  /** Output key → the tensor to fetch. */
  outputs: Record<string, OutputLike | string>;
  /** Default `'tensorflow/serving/predict'`. */
  methodName?: string;
}

export interface SaveOptions {
  /** Signatures by key; name the main one `serving_default` so that `run(inputs)` and serving use it. */
  signatures?: Record<string, SignatureSpec>;
  /** Tags of the MetaGraphDef (default `['serve']`). */
  tags?: string[];
  /** An operation the loader runs after restoring the variables (Python's `main_op`). */
  mainOp?: Operation;
  /** Drop device placements from the saved graph (default false, as Python's Builder). */
  clearDevices?: boolean;
}

// Python's constants for the SavedModel layout (tensorflow/python/saved_model/constants.py).
const SAVED_MODEL_FILENAME_PB = 'saved_model.pb';
const VARIABLES_DIRECTORY = 'variables';
const VARIABLES_FILENAME = 'variables';
const MAIN_OP_KEY = 'saved_model_main_op';
const SAVED_MODEL_SCHEMA_VERSION = 1;

function signatureTensorInfo(graph: Graph, value: unknown, what: string): Record<string, unknown> {
  const out = typeof value === 'string' ? graph.tensor(value) : graph._toOutput(value, what);
  const shape = out.shape;
  return {
    name: out.name,
    dtype: dtypeNumber(out.dtype),
    tensor_shape: shape === null ? { unknown_rank: true } : { dim: shape.map((d) => ({ size: d === null ? -1 : d })) },
  };
}

function signatureDefs(graph: Graph, specs: unknown): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(requireObject(specs, 'the signatures of savedModel.save'))) {
    const s = requireObject(spec, `signature '${key}'`);
    const methodName = optionalString(s.methodName, `the methodName of signature '${key}'`) ?? PREDICT_METHOD_NAME;
    const def: Record<string, unknown> = { method_name: methodName };
    for (const side of ['inputs', 'outputs'] as const) {
      const entries = Object.entries(requireObject(s[side], `the ${side} of signature '${key}'`));
      if (side === 'outputs' && entries.length === 0) throw new TypeError(`Signature '${key}' has no outputs`);
      const info = ([k, v]: [string, unknown]) => [k, signatureTensorInfo(graph, v, `${side.slice(0, -1)} '${k}' of signature '${key}'`)];
      def[side] = Object.fromEntries(entries.map(info));
    }
    defs[key] = def;
  }
  return defs;
}

/**
 * Writes the session's graph and its variables' current values as a SavedModel (as Python's
 * `tf.compat.v1.saved_model.Builder.add_meta_graph_and_variables`): `saved_model.pb` and a `variables/`
 * checkpoint, readable by `tf.saved_model.load`, `tf.compat.v1.saved_model.loader.load`, TensorFlow
 * Serving and `tf.savedModel.load`. Adds a Saver's operations to the graph, as Python does.
 * @throws (rejects) Error when `exportDir` exists and is not empty; TypeError for malformed signatures;
 *   FailedPreconditionError when a variable is not initialized in `session`.
 * @example
 * await tf.savedModel.save(sess, '/models/mlp/1', {
 *   signatures: { serving_default: { inputs: { x }, outputs: { logits } } },
 * });
 */
export async function save(session: Session, exportDir: string, options: SaveOptions = {}): Promise<string> {
  if (!(session instanceof Session)) throw invalidArgument('a Session', 'the first argument of savedModel.save', session);
  requirePath(exportDir, 'the export directory of savedModel.save');
  optionalObject(options, 'the options of savedModel.save');
  if (session.closed) throw new Error(`savedModel.save: the session on ${session.graph} is closed`);
  const graph = session.graph;
  const tags = options.tags ?? [SERVING];
  if (!Array.isArray(tags) || tags.length === 0 || tags.some((t) => typeof t !== 'string')) {
    throw invalidArgument('a non-empty array of strings', 'tags', tags);
  }
  const clearDevices = options.clearDevices === undefined ? false : requireBoolean(options.clearDevices, 'clearDevices');
  if (options.mainOp !== undefined && !(options.mainOp instanceof Operation && options.mainOp.graph === graph)) {
    throw invalidArgument(`an Operation of ${graph}`, 'mainOp', options.mainOp);
  }
  const signatures = signatureDefs(graph, options.signatures ?? {});
  const dir = path.resolve(exportDir);
  if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)) {
    throw new Error(`Export directory ${dir} already exists and is not empty`);
  }

  // Everything is written next to the target and moved into place at the end, so that a failed save
  // leaves no half-written SavedModel behind.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = fs.mkdtempSync(`${dir}.tmp-`);
  try {
    fs.mkdirSync(path.join(staging, VARIABLES_DIRECTORY));
    const saver = new Saver({ graph, sharded: true, allowEmpty: true, maxToKeep: null });
    const saverDef = saver.asSaverDef();
    const hasVariables = saverDef.restore_op_name !== '';
    if (hasVariables) {
      await saver.save(session, path.join(staging, VARIABLES_DIRECTORY, VARIABLES_FILENAME), { writeMetaGraph: false, writeState: false });
    }
    const exported = exportMetaGraph(graph, { saverDef: hasVariables ? { ...saverDef } : undefined, clearDevices });
    // Protocol buffers merge a message field that occurs twice, and the last map entry for a key wins: the
    // tags, signatures and main op are appended to the exported MetaGraphDef without decoding its GraphDef.
    const additions = encode('MetaGraphDef', {
      meta_info_def: { tags: [...tags] },
      signature_def: signatures,
      collection_def: options.mainOp ? { [MAIN_OP_KEY]: { node_list: { value: [options.mainOp.name] } } } : {},
    });
    const bytes = concatBytes([
      varintField(1, SAVED_MODEL_SCHEMA_VERSION), // saved_model_schema_version
      lengthDelimited(2, concatBytes([exported, additions])), // meta_graphs[0]
    ]);
    fs.writeFileSync(path.join(staging, SAVED_MODEL_FILENAME_PB), bytes);
    if (fs.existsSync(dir)) fs.rmdirSync(dir);
    fs.renameSync(staging, dir);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return dir;
}
