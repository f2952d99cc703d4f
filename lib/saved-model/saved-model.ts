// SPDX-License-Identifier: Apache-2.0
// SavedModels: loading one that Python exported (TF_LoadSessionFromSavedModel) and running its signatures;
// writing one that Python loads (saved_model.pb + a variables/ checkpoint).
import * as fs from 'fs';
import * as path from 'path';
import { DType, dtypeFromNumber, dtypeNumber, dtypeOfTypedArray, TypedArray } from '../base/dtypes';
import { NotFoundError, withAsyncStack, withCallerStack } from '../binding/errors';
import { Graph, OutputLike } from '../graph/graph';
import { tfAddon } from '../binding/library';
import { Native } from '../binding/native';
import { Operation, Output } from '../graph/operation';
import { decode, encode, toNumber, wireWriter } from '../proto';
import { RunOptions, Session, SessionConfig, encodeConfig, encodeRunOptions } from '../session/session';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';
import { RunTrace, oneTracedRunAtATime } from '../session/trace';
import { Saver } from '../checkpoint/saver';
import { exportMetaGraph } from '../meta-graph/meta-graph';
import { invalidArgument, optionalObject, optionalString, requireBoolean, requireObject, requireString } from '../base/validate';

/** The tag of the MetaGraphDef a model serves from (Python's `tf.saved_model.SERVING`). */
export const SERVING = 'serve';
/** The tag of a training MetaGraphDef (Python's `tf.saved_model.TRAINING`). */
export const TRAINING = 'train';
/** The signature `run` uses when none is named (Python's `DEFAULT_SERVING_SIGNATURE_DEF_KEY`). */
export const DEFAULT_SERVING_SIGNATURE_DEF_KEY = 'serving_default';
/** Python's `PREDICT_METHOD_NAME`, the method name of signatures Keras and tf.Module write. */
export const PREDICT_METHOD_NAME = 'tensorflow/serving/predict';
// TF2 SavedModels keep their init op as a pseudo-signature; Python hides it from `.signatures` too.
const INIT_OP_SIGNATURE_KEY = '__saved_model_init_op';

/** One tensor of a signature, as the SignatureDef's TensorInfo describes it. */
export interface SignatureTensor {
  /** The graph tensor, `'op:index'`. */
  name: string;
  dtype: DType;
  /** Static shape: null for an unknown rank, null entries for unknown dimensions. */
  shape: Array<number | null> | null;
}

/** A SignatureDef: named inputs and outputs of a model function. */
export interface Signature {
  inputs: Record<string, SignatureTensor>;
  outputs: Record<string, SignatureTensor>;
  /** e.g. `'tensorflow/serving/predict'`. */
  methodName: string;
}

export interface LoadOptions {
  /** The tags that select the MetaGraphDef (default `['serve']`). */
  tags?: string[];
  config?: SessionConfig;
}

/** What `run` takes for a signature's inputs: a Tensor or anything `tf.tensor()` takes, by input key. */
export type SignatureInputs = Record<string, Tensor | TensorLike>;

/** A signature ready to run: its feeds and fetches resolved once to native handles. */
interface CompiledSignature {
  inputKeys: string[];
  inputs: SignatureTensor[];
  outputKeys: string[];
  outputDtypes: DType[];
  /** The feeds and fetches, checked once by the native session. */
  signature: Native.RunSignature;
}

function shapeFromProto(shape: Record<string, any> | undefined | null): Array<number | null> | null {
  if (!shape || shape.unknown_rank) return null;
  return (shape.dim ?? []).map((d: { size?: unknown }) => {
    const n = toNumber(d.size);
    return n < 0 ? null : n;
  });
}

function tensorInfo(info: Record<string, any>, where: string): SignatureTensor | string {
  // Sparse and composite tensors have no single graph tensor to feed or fetch.
  if (!info.name) return `${where} is a ${info.coo_sparse ? 'sparse' : 'composite'} tensor, which run() cannot feed or fetch`;
  let dtype: DType;
  try {
    dtype = dtypeFromNumber(info.dtype ?? 0);
  } catch {
    return `${where} has dtype ${String(info.dtype)}, which node-libtensorflow does not support`;
  }
  return { name: info.name, dtype, shape: shapeFromProto(info.tensor_shape) };
}

/**
 * The signatures of a decoded MetaGraphDef (without TF2's `__saved_model_init_op`), and the reasons
 * signatures that use sparse or unsupported tensors cannot run.
 */
function signaturesOf(metaGraph: Record<string, any>): { signatures: Record<string, Signature>; unsupported: Record<string, string> } {
  const signatures: Record<string, Signature> = {};
  const unsupported: Record<string, string> = {};
  for (const key of Object.keys(metaGraph.signature_def ?? {}).sort()) {
    if (key === INIT_OP_SIGNATURE_KEY) continue;
    const def = metaGraph.signature_def[key];
    const sig: Signature = { inputs: {}, outputs: {}, methodName: def.method_name ?? '' };
    for (const side of ['inputs', 'outputs'] as const) {
      for (const name of Object.keys(def[side] ?? {}).sort()) {
        const info = tensorInfo(def[side][name], `${side.slice(0, -1)} '${name}' of signature '${key}'`);
        if (typeof info === 'string') {
          unsupported[key] ??= info;
          continue;
        }
        sig[side][name] = info;
      }
    }
    signatures[key] = sig;
  }
  return { signatures, unsupported };
}

function describeShape(shape: ReadonlyArray<number | null> | null): string {
  return shape === null ? '<unknown>' : `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]`;
}

function shapeFits(actual: readonly number[], expected: Array<number | null> | null): boolean {
  if (expected === null) return true;
  if (actual.length !== expected.length) return false;
  return expected.every((d, i) => d === null || d === actual[i]);
}

/** The shape for a flat TypedArray of `n` values fed to a tensor of static shape `shape`, or null. */
function flatShape(n: number, shape: Array<number | null> | null): number[] | null {
  if (shape === null) return [n];
  let known = 1;
  let unknown = -1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d !== null) known *= d;
    else if (unknown >= 0) return null; // two unknown dimensions: ambiguous
    else unknown = i;
  }
  if (unknown < 0) return known === n ? (shape as number[]) : null;
  if (known === 0 || n % known !== 0) return null;
  return shape.map((d) => (d === null ? n / known : d));
}

/**
 * A loaded SavedModel: its graph, the session that holds its restored variables, and its signatures.
 * @example
 * const model = await tf.savedModel.load('/models/mnist');
 * const { output_0 } = await model.run({ features: tf.tensor(pixels, [1, 784]) }); // serving_default
 * await model.close();
 */
export class SavedModel {
  /** The graph the MetaGraphDef was imported into. */
  readonly graph: Graph;
  /** The session with the model's variables restored; usable for `session.run` on any graph tensor. */
  readonly session: Session;
  /** The runnable signatures by key (`serving_default`, …). */
  readonly signatures: Readonly<Record<string, Signature>>;
  /** The tags of the loaded MetaGraphDef. */
  readonly tags: readonly string[];
  /** The directory the model was loaded from. */
  readonly exportDir: string;
  /** The serialized MetaGraphDef that was loaded (decode it with the proto helpers for details). */
  readonly metaGraphDef: Uint8Array;
  #native: Native.Session;
  #compiled = new Map<string, CompiledSignature>();
  #unsupported: Record<string, string>;

  /** @internal Use `tf.savedModel.load`. */
  constructor(exportDir: string, graph: Graph, session: Session, metaGraphDef: Uint8Array, tags: string[]) {
    this.exportDir = exportDir;
    this.graph = graph;
    this.session = session;
    this.metaGraphDef = metaGraphDef;
    const meta = decode('MetaGraphDef', metaGraphDef);
    const { signatures, unsupported } = signaturesOf(meta);
    this.signatures = Object.freeze(signatures);
    this.#unsupported = unsupported;
    this.tags = Object.freeze([...(meta.meta_info_def?.tags ?? tags)]);
    this.#native = Session._native(session);
  }

  #compile(key: string): CompiledSignature {
    let compiled = this.#compiled.get(key);
    if (compiled) return compiled;
    if (this.#unsupported[key]) throw new TypeError(`Signature '${key}' cannot be run: ${this.#unsupported[key]}`);
    const sig = this.signatures[key];
    if (!Object.prototype.hasOwnProperty.call(this.signatures, key)) {
      const known = Object.keys(this.signatures);
      throw new Error(`The SavedModel in ${this.exportDir} has no signature '${key}'; it has ${known.length ? known.map((k) => `'${k}'`).join(', ') : 'none'}`);
    }
    const resolve = (info: SignatureTensor): Output => this.graph.tensor(info.name);
    const inputKeys = Object.keys(sig.inputs);
    const outputKeys = Object.keys(sig.outputs);
    const ins = inputKeys.map((k) => resolve(sig.inputs[k]));
    const outs = outputKeys.map((k) => resolve(sig.outputs[k]));
    compiled = {
      inputKeys,
      inputs: inputKeys.map((k) => sig.inputs[k]),
      outputKeys,
      outputDtypes: outs.map((o) => o.dtype),
      signature: this.#native.prepare(
        ins.map((o) => o.op._native),
        ins.map((o) => o.index),
        outs.map((o) => o.op._native),
        outs.map((o) => o.index),
        [],
      ),
    };
    this.#compiled.set(key, compiled);
    return compiled;
  }

  #feedValue(sigKey: string, key: string, info: SignatureTensor, value: unknown): Native.FeedValue {
    const what = `input '${key}' of signature '${sigKey}'`;
    if (value instanceof Tensor) {
      if (value.dtype !== info.dtype) throw new TypeError(`Expected a ${info.dtype} tensor for ${what} but received a tensor of dtype ${value.dtype}`);
      if (!shapeFits(value.shape, info.shape)) {
        throw new TypeError(`Expected shape ${describeShape(info.shape)} for ${what} but received a tensor of shape ${describeShape(value.shape)}`);
      }
      return Tensor._feedValue(value);
    }
    if (ArrayBuffer.isView(value) && !(value instanceof DataView) && info.dtype !== 'bool' && dtypeOfTypedArray(value) === info.dtype) {
      const n = (value as TypedArray).length;
      const shape = flatShape(n, info.shape);
      if (!shape) {
        throw new TypeError(`Cannot shape ${n} values as ${describeShape(info.shape)} for ${what}; pass a Tensor with its shape (tf.tensor(values, shape))`);
      }
      return [dtypeNumber(info.dtype), shape, value];
    }
    let t: Tensor;
    try {
      t = tensor(value as TensorLike, undefined, info.dtype);
    } catch (err) {
      throw new TypeError(`Cannot feed ${what} (${info.dtype}): ${(err as Error).message}`);
    }
    if (!shapeFits(t.shape, info.shape)) {
      throw new TypeError(`Expected shape ${describeShape(info.shape)} for ${what} but received values of shape ${describeShape(t.shape)}`);
    }
    return Tensor._feedValue(t);
  }

  /**
   * Runs a signature off the JS thread (on the libuv pool), feeding its inputs by key, and resolves with
   * its outputs by key. Without a signature name, runs `serving_default`.
   * @throws TypeError for a missing or unknown input key, or a value of the wrong dtype or shape; Error for
   *   an unknown signature or a closed model; (rejects) the TensorFlow error of the run.
   * @example
   * const { y } = await model.run('serving_default', { x: tf.tensor([[1, 2]]) });
   * const out = await model.run({ x: [[1, 2]] });
   */
  run(inputs: SignatureInputs): Promise<Record<string, Tensor>>;
  run(signature: string, inputs: SignatureInputs, options?: RunOptions & { trace?: false }): Promise<Record<string, Tensor>>;
  run(signature: string, inputs: SignatureInputs, options: RunOptions & { trace: true }): Promise<{ results: Record<string, Tensor>; trace: RunTrace }>;
  run(signatureOrInputs: string | SignatureInputs, maybeInputs?: SignatureInputs, options?: RunOptions): Promise<unknown> {
    let pending: ReturnType<Native.Session['run']>;
    let compiled!: CompiledSignature;
    const traced = Boolean(options?.trace);
    try {
      let key: string;
      let inputs: unknown;
      if (typeof signatureOrInputs === 'string') {
        key = signatureOrInputs;
        inputs = maybeInputs;
      } else {
        key = DEFAULT_SERVING_SIGNATURE_DEF_KEY;
        inputs = signatureOrInputs;
        if (maybeInputs !== undefined) throw invalidArgument('a signature name (string)', 'the first argument of run', signatureOrInputs);
      }
      if (this.session.closed) throw new Error(`The SavedModel loaded from ${this.exportDir} is closed`);
      compiled = this.#compile(key);
      const given = requireObject(inputs === undefined ? {} : inputs, `the inputs of signature '${key}'`);
      for (const k of Object.keys(given)) {
        if (!Object.prototype.hasOwnProperty.call(this.signatures[key].inputs, k)) {
          throw new TypeError(`Signature '${key}' has no input '${k}'; its inputs are ${compiled.inputKeys.map((i) => `'${i}'`).join(', ') || 'none'}`);
        }
      }
      const values: Native.FeedValue[] = new Array(compiled.inputKeys.length);
      for (let i = 0; i < compiled.inputKeys.length; i++) {
        const k = compiled.inputKeys[i];
        const v = given[k];
        if (v === undefined) throw new TypeError(`Missing input '${k}' of signature '${key}' (${compiled.inputs[i].dtype} ${describeShape(compiled.inputs[i].shape)})`);
        values[i] = this.#feedValue(key, k, compiled.inputs[i], v);
      }
      if (options !== undefined) optionalObject(options, 'the run options');
      const runOptions = encodeRunOptions(options);
      const start = () => this.#native.run(compiled.signature, values, runOptions, traced);
      pending = traced ? oneTracedRunAtATime(start) : start();
    } catch (err) {
      return Promise.reject(err);
    }
    return pending.then(
      (raw) => {
        const outputs = traced ? (raw as { outputs: Native.RunResult }).outputs : (raw as Native.RunResult);
        const results: Record<string, Tensor> = {};
        for (let i = 0; i < outputs.length; i++) results[compiled.outputKeys[i]] = Tensor._fromResult(outputs[i], compiled.outputDtypes[i]);
        if (!traced) return results;
        return { results, trace: new RunTrace(decode('RunMetadata', (raw as { metadata: Buffer }).metadata)) };
      },
      (err) => {
        // The caller's code appears as V8's async frames of whoever awaits this promise.
        throw withAsyncStack(err);
      },
    );
  }

  /** Closes the session (after the runs in flight finish). Idempotent. */
  async close(): Promise<void> {
    await this.session.close();
  }
}

/**
 * Loads a SavedModel (as Python's `tf.compat.v1.saved_model.loader.load`): imports the MetaGraphDef that
 * matches `tags` into a new graph, restores its variables and runs its init op, off the JS thread.
 * @throws (rejects) TypeError for malformed arguments; the TensorFlow error when the directory holds no
 *   SavedModel or no MetaGraphDef matches the tags.
 * @example const model = await tf.savedModel.load('/models/resnet', { tags: ['serve'] });
 */
export async function load(exportDir: string, options: LoadOptions = {}): Promise<SavedModel> {
  requireString(exportDir, 'the SavedModel directory');
  optionalObject(options, 'the options of savedModel.load');
  const tags = options.tags ?? [SERVING];
  if (!Array.isArray(tags) || tags.length === 0 || tags.some((t) => typeof t !== 'string')) {
    throw invalidArgument('a non-empty array of strings', 'tags', tags);
  }
  const config = encodeConfig(options.config);
  const dir = path.resolve(exportDir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new NotFoundError(`SavedModel directory ${dir} does not exist`);
  }
  const graph = new Graph();
  const caller = new Error();
  let loaded: { session: Native.Session; metaGraphDef: Buffer };
  try {
    loaded = await tfAddon().Session.loadSavedModel(graph._native, dir, tags, config, null);
  } catch (err) {
    throw withCallerStack(err, caller);
  }
  graph._markNamesStale();
  const session = Session._wrap(graph, loaded.session);
  return new SavedModel(dir, graph, session, new Uint8Array(loaded.metaGraphDef), tags);
}

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
    const def: Record<string, unknown> = { method_name: optionalString(s.methodName, `the methodName of signature '${key}'`) ?? PREDICT_METHOD_NAME };
    for (const side of ['inputs', 'outputs'] as const) {
      const entries = Object.entries(requireObject(s[side], `the ${side} of signature '${key}'`));
      if (side === 'outputs' && entries.length === 0) throw new TypeError(`Signature '${key}' has no outputs`);
      def[side] = Object.fromEntries(entries.map(([k, v]) => [k, signatureTensorInfo(graph, v, `${side.slice(0, -1)} '${k}' of signature '${key}'`)]));
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
  requireString(exportDir, 'the export directory of savedModel.save');
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
    const writer = wireWriter();
    writer.uint32((1 << 3) | 0).int64(SAVED_MODEL_SCHEMA_VERSION); // saved_model_schema_version
    writer.uint32((2 << 3) | 2).uint32(exported.length + additions.length); // meta_graphs[0]
    const head = writer.finish();
    const bytes = new Uint8Array(head.length + exported.length + additions.length);
    bytes.set(head, 0);
    bytes.set(exported, head.length);
    bytes.set(additions, head.length + exported.length);
    fs.writeFileSync(path.join(staging, SAVED_MODEL_FILENAME_PB), bytes);
    if (fs.existsSync(dir)) fs.rmdirSync(dir);
    fs.renameSync(staging, dir);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return dir;
}
