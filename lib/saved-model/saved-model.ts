// SPDX-License-Identifier: Apache-2.0
// SavedModels: loading one that Python exported (TF_LoadSessionFromSavedModel) and running its signatures.
// Writing one is save.ts; the SignatureDefs are read in signatures.ts.
import * as fs from 'fs';
import * as path from 'path';
import { NotFoundError, withCallerStack } from '../binding/errors';
import { Graph } from '../graph/graph';
import { tfAddon } from '../binding/library';
import { Native } from '../binding/native';
import { Output } from '../graph/operation';
import { decode } from '../proto';
import { RunOptions, Session, SessionConfig, encodeConfig } from '../session/session';
import { FeedSpec, describeShape, feedValue, finishRun, runFailed, startRun } from '../session/feeds';
import { DType } from '../base/dtypes';
import { Tensor, TensorLike } from '../tensor/tensor';
import { RunTrace } from '../session/trace';
import { invalidArgument, optionalObject, requireObject, requirePath } from '../base/validate';
import { DEFAULT_SERVING_SIGNATURE_DEF_KEY, SERVING, Signature, SignatureTensor, signaturesOf } from './signatures';
import { checkSavedModelShapes } from './shape-check';

export * from './signatures';
export { save } from './save';
export type { SaveOptions, SignatureSpec } from './save';

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
  inputs: FeedSpec[];
  outputKeys: string[];
  outputDtypes: DType[];
  /** The feeds and fetches, checked once by the native session. */
  signature: Native.RunSignature;
  /** Whether its runs go in the calling thread by default (Session._runsInline). */
  inline: boolean;
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
      const has = known.length ? known.map((k) => `'${k}'`).join(', ') : 'none';
      throw new Error(`The SavedModel in ${this.exportDir} has no signature '${key}'; it has ${has}`);
    }
    const resolve = (info: SignatureTensor): Output => this.graph.tensor(info.name);
    const inputKeys = Object.keys(sig.inputs);
    const outputKeys = Object.keys(sig.outputs);
    const ins = inputKeys.map((k) => resolve(sig.inputs[k]));
    const outs = outputKeys.map((k) => resolve(sig.outputs[k]));
    const signature = this.#native.prepare(
      ins.map((o) => o.op._native),
      ins.map((o) => o.index),
      outs.map((o) => o.op._native),
      outs.map((o) => o.index),
      [],
      Session._choosesIntraOp(this.session),
    );
    compiled = {
      inputKeys,
      inputs: inputKeys.map((k): FeedSpec => {
        const info = sig.inputs[k];
        return { dtype: info.dtype, shape: info.shape, what: `input '${k}' of signature '${key}'`, checkDtype: true };
      }),
      outputKeys,
      outputDtypes: outs.map((o) => o.dtype),
      signature,
      inline: Session._runsInline(this.session, signature),
    };
    this.#compiled.set(key, compiled);
    return compiled;
  }

  /**
   * Runs a signature off the JS thread (on a runner thread), feeding its inputs by key, and resolves with
   * its outputs by key. Without a signature name, runs `serving_default`.
   * @throws TypeError for a missing or unknown input key, or a value of the wrong dtype or shape; Error for
   *   an unknown signature or a closed model; (rejects) the TensorFlow error of the run.
   * @example
   * const { y } = await model.run('serving_default', { x: tf.tensor([[1, 2]]) });
   * const out = await model.run({ x: [[1, 2]] });
   */
  run(inputs: SignatureInputs): Promise<Record<string, Tensor>>;
  run(signature: string, inputs: SignatureInputs, options?: RunOptions & { trace?: false }): Promise<Record<string, Tensor>>;
  run(
    signature: string,
    inputs: SignatureInputs,
    options: RunOptions & { trace: true },
  ): Promise<{ results: Record<string, Tensor>; trace: RunTrace }>;
  run(signatureOrInputs: string | SignatureInputs, maybeInputs?: SignatureInputs, options?: RunOptions): Promise<unknown> {
    let pending: Promise<Native.RunOutput>;
    let compiled!: CompiledSignature;
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
          const known = compiled.inputKeys.map((i) => `'${i}'`).join(', ') || 'none';
          throw new TypeError(`Signature '${key}' has no input '${k}'; its inputs are ${known}`);
        }
      }
      const values: Native.FeedValue[] = new Array(compiled.inputKeys.length);
      for (let i = 0; i < compiled.inputKeys.length; i++) {
        const k = compiled.inputKeys[i];
        const v = given[k];
        if (v === undefined) {
          const { dtype, shape } = compiled.inputs[i];
          throw new TypeError(`Missing input '${k}' of signature '${key}' (${dtype} ${describeShape(shape)})`);
        }
        values[i] = feedValue(compiled.inputs[i], v);
      }
      if (options !== undefined) optionalObject(options, 'the run options');
      pending = startRun({ native: this.#native, signature: compiled.signature, values, inline: compiled.inline }, options);
    } catch (err) {
      return Promise.reject(err);
    }
    const keys = compiled.outputKeys;
    const byKey = (tensors: Tensor[]): Record<string, Tensor> => {
      const results: Record<string, Tensor> = {};
      for (let i = 0; i < tensors.length; i++) results[keys[i]] = tensors[i];
      return results;
    };
    return pending.then((raw) => finishRun(raw, compiled.outputDtypes, options?.trace === true, byKey), runFailed);
  }

  /** Closes the session, cancelling the runs in flight (Session.close). Idempotent. */
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
  requirePath(exportDir, 'the SavedModel directory');
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
  // TensorFlow's loader CHECK-fails (aborting the process) on some shapes it reads: refuse those first.
  checkSavedModelShapes(dir);
  const graph = new Graph();
  const caller = new Error();
  let loaded: { session: Native.Session; metaGraphDef: Buffer };
  try {
    loaded = await tfAddon().Session.loadSavedModel(graph._native, dir, tags, config, null);
  } catch (err) {
    throw withCallerStack(err, caller);
  }
  graph._markNamesStale();
  const session = Session._wrap(graph, loaded.session, { config: options.config }, true);
  return new SavedModel(dir, graph, session, new Uint8Array(loaded.metaGraphDef), tags);
}

