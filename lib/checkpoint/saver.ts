// SPDX-License-Identifier: Apache-2.0
// tf.train.Saver: TensorFlow's V2 checkpoints (SaveV2 / RestoreV2 / MergeV2Checkpoints ops built once, under
// the names Python's tf.compat.v1.train.Saver gives them), the `checkpoint` state file, `.meta` files and
// the maxToKeep / keepCheckpointEveryNHours policy.
//
// Never losing a checkpoint: SaveV2 writes to a temporary prefix beside the checkpoint, whose files are moved
// into place once complete (commitCheckpoint; an interrupted move is completed on the next open), so a
// failed or killed save leaves the previous files; the `.meta` and state files are replaced atomically
// (temporary file + rename) and only after the checkpoint is complete; old checkpoints are deleted only once
// the new state file no longer names them. Restores check every key, dtype and shape against the checkpoint
// first, and run one step in which all assignments wait for all RestoreV2 reads, so a failing read changes
// no variable.
import * as fs from 'fs';
import * as path from 'path';
import { errorForCode, DataLossError, TFError, withCallerStack } from '../binding/errors';
import { Graph } from '../graph/graph';
import { exportMetaGraph } from '../meta-graph/meta-graph';
import { Output } from '../graph/operation';
import { decode } from '../proto';
import { Session } from '../session/session';
import { tensor } from '../tensor/tensor';
import {
  invalidArgument, optionalObject, optionalString, requireBoolean, requireInteger, requireNumber, requirePath, requireString,
} from '../base/validate';
import { Variable, prependNameScope } from '../variables/variable';
import { saveCheckpointAtomically } from './atomic-save';
import { atomicWriteFile, removeCheckpoint } from './checkpoint-files';
import { checkEntries, readCheckpointIndex } from './checkpoint-index';
import { CheckpointReader } from './checkpoint-reader';
import { STATE_FILENAME, checkStateFilename, updateCheckpointState } from './checkpoint-state';
import { OBJECT_GRAPH_KEY, checkRestoreSpecs, objectBasedKeys } from './restore-specs';
import { Saveable, SaverOps, buildSaverOps, collectSaveables, findSaverOps } from './saver-graph';
import type { SaveOptions, SaverDefObject, SaverOptions } from './saver-options';

export type { SaveOptions, SaverDefObject, SaverOptions } from './saver-options';

function requireSession(session: unknown, graph: Graph, what: string): Session {
  if (!(session instanceof Session)) throw invalidArgument('a Session', what, session);
  if (session.graph !== graph) throw new Error(`${what}: the session runs ${session.graph}, but the Saver was built for ${graph}`);
  return session;
}

/** Re-raises a TensorFlow error with more context, keeping its class. */
function rethrow(err: unknown, message: (original: string) => string, caller: Error): never {
  if (err instanceof TFError) throw withCallerStack(errorForCode(err.code, message(err.message)), caller);
  throw err;
}

/**
 * Saves and restores variables in TensorFlow's V2 checkpoint format.
 * @example
 * const saver = new tf.train.Saver({ graph: g, maxToKeep: 3 });
 * const prefix = await saver.save(sess, '/tmp/train/model.ckpt', { globalStep: 1000 });
 * await saver.restore(sess, tf.train.latestCheckpoint('/tmp/train')!);
 */
export class Saver {
  /** The graph the save and restore operations belong to. */
  readonly graph: Graph;
  #saverDef: Required<SaverDefObject>;
  // Unset only for an allowEmpty Saver without variables, which saves and restores nothing.
  #ops: SaverOps | undefined;
  #saveables: Saveable[] = [];
  #objectRestoreSaver: Saver | undefined;
  #saveRelativePaths: boolean;
  #padStepNumber: boolean;
  #lastCheckpoints: Array<[string, number]> = [];
  #nextCheckpointTime: number;
  // Saves of one Saver run one after another, so that lastCheckpoints and the state file stay in step.
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Builds the save and restore operations (or, with `saverDef`, finds existing ones).
   * @throws Error when there are no variables to save (unless `allowEmpty`), two variables share a
   *   checkpoint name, or variables of several graphs are given; TypeError/RangeError for bad options.
   */
  constructor(options: SaverOptions = {}) {
    optionalObject(options, 'the options of tf.train.Saver');
    const givenMax = options.maxToKeep;
    const maxToKeep = givenMax === undefined ? 5 : givenMax === null ? 0 : requireInteger(givenMax, 'maxToKeep', 0);
    const givenHours = options.keepCheckpointEveryNHours;
    const hours = givenHours === undefined ? 10000 : requireNumber(givenHours, 'keepCheckpointEveryNHours');
    if (!(hours > 0)) throw new RangeError(`Expected a positive keepCheckpointEveryNHours but received ${hours}`);
    const sharded = options.sharded === undefined ? false : requireBoolean(options.sharded, 'sharded');
    this.#saveRelativePaths = options.saveRelativePaths !== undefined && requireBoolean(options.saveRelativePaths, 'saveRelativePaths');
    this.#padStepNumber = options.padStepNumber === undefined ? false : requireBoolean(options.padStepNumber, 'padStepNumber');
    const name = optionalString(options.name, 'the name of tf.train.Saver');
    const filename = optionalString(options.filename, 'filename');
    if (options.graph !== undefined && !(options.graph instanceof Graph)) {
      throw invalidArgument('a Graph', 'the graph of tf.train.Saver', options.graph);
    }
    this.#nextCheckpointTime = Date.now() / 1000 + hours * 3600;

    if (options.saverDef !== undefined) {
      if (!options.graph) throw new TypeError('tf.train.Saver with a saverDef needs the graph that holds its operations');
      this.graph = options.graph;
      const def = options.saverDef instanceof Uint8Array ? decode<SaverDefObject>('SaverDef', options.saverDef) : options.saverDef;
      if (!def || typeof def.filename_tensor_name !== 'string' || typeof def.restore_op_name !== 'string') {
        throw invalidArgument('a SaverDef', 'saverDef', options.saverDef);
      }
      if (def.version !== undefined && def.version !== 2 && (def.version as unknown) !== 'V2') {
        const version = ['LEGACY', 'V1'][def.version as number] ?? String(def.version);
        throw new Error(`The SaverDef describes a ${version} checkpoint saver; only V2 checkpoints are supported`);
      }
      this.#saverDef = {
        filename_tensor_name: prependNameScope(def.filename_tensor_name, name),
        save_tensor_name: prependNameScope(def.save_tensor_name, name),
        restore_op_name: prependNameScope(def.restore_op_name, name),
        max_to_keep: options.maxToKeep === undefined ? (def.max_to_keep ?? 0) : maxToKeep,
        sharded: Boolean(def.sharded),
        keep_checkpoint_every_n_hours: givenHours === undefined ? def.keep_checkpoint_every_n_hours || 10000 : hours,
        version: 2,
      };
      this.#ops = findSaverOps(this.graph, this.#saverDef);
      return;
    }

    const { graph, saveables } = collectSaveables(options.varList, options.graph, Boolean(options.allowEmpty));
    this.graph = graph;
    this.#saverDef = {
      filename_tensor_name: '',
      save_tensor_name: '',
      restore_op_name: '',
      max_to_keep: maxToKeep,
      sharded,
      keep_checkpoint_every_n_hours: hours,
      version: 2,
    };
    if (saveables.length === 0) {
      return;
    }
    this.#saveables = saveables;
    this.#ops = buildSaverOps(graph, saveables, name ?? 'save', filename ?? 'model', sharded);
    this.#saverDef.filename_tensor_name = this.#ops.filename.name;
    this.#saverDef.save_tensor_name = this.#ops.saveTensor.name;
    this.#saverDef.restore_op_name = this.#ops.restoreOp.name;
  }

  /** This Saver's SaverDef (the names of its filename tensor, save tensor and restore operation). */
  asSaverDef(): SaverDefObject {
    return { ...this.#saverDef };
  }

  /** The checkpoints this Saver keeps (oldest first), as maxToKeep and the state file see them. */
  get lastCheckpoints(): string[] {
    return this.#lastCheckpoints.map(([p]) => p);
  }

  /** Replaces the list of kept checkpoints, with their save times in seconds (Python's `set_last_checkpoints_with_time`). */
  setLastCheckpointsWithTime(checkpoints: Array<[string, number]>): void {
    if (!Array.isArray(checkpoints)) throw invalidArgument('an array of [path, seconds] pairs', 'setLastCheckpointsWithTime', checkpoints);
    this.#lastCheckpoints = checkpoints.map((c, i) => {
      if (!Array.isArray(c) || typeof c[0] !== 'string' || typeof c[1] !== 'number') {
        throw invalidArgument('a [path, seconds] pair', `checkpoint ${i}`, c);
      }
      return [c[0], c[1]];
    });
  }

  /**
   * Takes over checkpoints saved earlier (e.g. by a previous run, from `tf.train.getCheckpointState(dir)`)
   * so that maxToKeep deletes them in turn; missing ones are skipped.
   */
  recoverLastCheckpoints(paths: string[]): void {
    if (!Array.isArray(paths)) throw invalidArgument('an array of checkpoint prefixes', 'recoverLastCheckpoints', paths);
    const recovered: Array<[string, number]> = [];
    for (const p of paths) {
      requireString(p, 'a checkpoint prefix');
      try {
        recovered.push([p, fs.statSync(`${p}.index`).mtimeMs / 1000]);
      } catch {
        // deleted meanwhile: nothing to recover
      }
    }
    this.#lastCheckpoints = recovered;
  }

  /**
   * Saves the variables' current values in `session` as checkpoint `savePath` (with `-<globalStep>` appended
   * when given), then writes `.meta`, then the state file, then deletes checkpoints beyond maxToKeep.
   * Resolves with the checkpoint prefix written.
   * An `allowEmpty` Saver without variables writes nothing and resolves with the prefix.
   * @throws (rejects) the TensorFlow error of a failed write, saying the previous checkpoints and state
   *   file are unchanged; TypeError for malformed arguments; Error for a session of another graph or a save
   *   path that collides with the state file.
   */
  async save(session: Session, savePath: string, options: SaveOptions = {}): Promise<string> {
    requireSession(session, this.graph, 'saver.save');
    requirePath(savePath, 'the save path of saver.save');
    if (savePath === '') throw new TypeError('The save path of saver.save is empty');
    optionalObject(options, 'the options of saver.save');
    const writeMetaGraph = options.writeMetaGraph === undefined ? true : requireBoolean(options.writeMetaGraph, 'writeMetaGraph');
    const writeState = options.writeState === undefined ? true : requireBoolean(options.writeState, 'writeState');
    const latestFilename = optionalString(options.latestFilename, 'latestFilename') ?? STATE_FILENAME;
    const metaSuffix = optionalString(options.metaGraphSuffix, 'metaGraphSuffix') ?? 'meta';
    const step = options.globalStep;
    const stepOk =
      step === undefined || typeof step === 'number' || typeof step === 'bigint' || step instanceof Variable || step instanceof Output;
    if (!stepOk) {
      throw invalidArgument('a number, a bigint, a Variable or an Output', 'globalStep', step);
    }
    if (typeof step === 'number' && !Number.isInteger(step)) throw invalidArgument('an integer', 'globalStep', step);
    if (step === undefined && writeState) checkStateFilename(latestFilename, savePath, metaSuffix);
    const caller = new Error();
    const run = this.#queue.then(() => this.#save(session, savePath, step, writeMetaGraph, writeState, latestFilename, metaSuffix, caller));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #save(
    session: Session,
    savePath: string,
    step: SaveOptions['globalStep'],
    writeMetaGraph: boolean,
    writeState: boolean,
    latestFilename: string,
    metaSuffix: string,
    caller: Error,
  ): Promise<string> {
    let checkpointFile = savePath;
    if (step !== undefined) {
      let n: bigint | number = step as number;
      if (step instanceof Variable || step instanceof Output) {
        const t = await session.run(step);
        if (t.size !== 1 || !['int32', 'int64', 'uint32', 'uint64', 'int16', 'int8', 'uint8', 'uint16'].includes(t.dtype)) {
          throw new TypeError(`globalStep must be an integer scalar, but ${step} is ${t.dtype} of shape [${t.shape.join(',')}]`);
        }
        n = t.item() as number | bigint;
      }
      checkpointFile = `${savePath}-${this.#padStepNumber ? String(n).padStart(8, '0') : String(n)}`;
    }
    const saveDir = path.dirname(savePath);
    if (writeState) checkStateFilename(latestFilename, checkpointFile, metaSuffix);
    if (!this.#ops) return checkpointFile;
    if (this.#saverDef.sharded) {
      // SaveV2 creates the checkpoint's directory (one level); sharded shards go one level deeper, into
      // '<prefix>_temp/', so that directory is made here to behave the same.
      try {
        fs.mkdirSync(saveDir);
      } catch {
        // exists, or cannot be made: SaveV2 reports the latter
      }
    }

    // Written beside the prefix, then moved into place whole: a save that fails or is killed never leaves
    // a checkpoint at the prefix whose index and data disagree.
    const { saveTensor, filename } = this.#ops;
    await saveCheckpointAtomically(checkpointFile, async (temp) => {
      try {
        await session.run(saveTensor, new Map([[filename, tensor(temp)]]));
      } catch (err) {
        const parentNote = isDirectory(saveDir) ? '' : ` (parent directory of ${savePath} doesn't exist, can't save)`;
        // TensorFlow's hint about tensor allocations follows every RESOURCE_EXHAUSTED; a full disk is not that.
        // The temporary prefix is an implementation detail: messages name the checkpoint.
        const tfMessage = (m: string) =>
          m.replace(/\nHint: If you want to see a list of allocated tensors[^\n]*\n?/, '').trimEnd().split(temp).join(checkpointFile);
        const what = `Failed to save checkpoint ${checkpointFile}${parentNote}; the previous checkpoints and the state file are unchanged`;
        rethrow(err, (m) => `${what}: ${tfMessage(m)}`, caller);
      }
    });
    const written = checkpointFile;

    if (writeMetaGraph) {
      try {
        atomicWriteFile(`${checkpointFile}.${metaSuffix}`, this.exportMetaGraph());
      } catch (err) {
        rethrow(err, (m) => `Checkpoint ${written} was written but its meta graph was not, so the state file is unchanged: ${m}`, caller);
      }
    }

    if (writeState) {
      const previous = this.#lastCheckpoints.slice();
      const toDelete = this.#recordLastCheckpoint(written);
      try {
        updateCheckpointState(saveDir, written, {
          allModelCheckpointPaths: this.lastCheckpoints,
          latestFilename,
          saveRelativePaths: this.#saveRelativePaths,
        });
      } catch (err) {
        this.#lastCheckpoints = previous;
        if (err instanceof TFError) {
          const what = `Checkpoint ${written} was written but the state file was not updated (the previous one is unchanged)`;
          rethrow(err, (m) => `${what}: ${m}`, caller);
        }
        throw err;
      }
      this.#deleteOldCheckpoints(toDelete, metaSuffix);
    }
    return written;
  }

  /** Appends `latest` (moving it to the end if saved before); returns the checkpoints that fall out of maxToKeep. */
  #recordLastCheckpoint(latest: string): Array<[string, number]> {
    const maxToKeep = this.#saverDef.max_to_keep;
    if (!maxToKeep) return [];
    this.#lastCheckpoints = this.#lastCheckpoints.filter(([p]) => p !== latest);
    this.#lastCheckpoints.push([latest, Date.now() / 1000]);
    const out: Array<[string, number]> = [];
    while (this.#lastCheckpoints.length > maxToKeep) out.push(this.#lastCheckpoints.shift()!);
    return out;
  }

  #deleteOldCheckpoints(checkpoints: Array<[string, number]>, metaSuffix: string): void {
    for (const [prefix, time] of checkpoints) {
      // keepCheckpointEveryNHours: a checkpoint saved after the next keep time is kept for good.
      if (time > this.#nextCheckpointTime) {
        this.#nextCheckpointTime += this.#saverDef.keep_checkpoint_every_n_hours * 3600;
        continue;
      }
      removeCheckpoint(prefix, metaSuffix);
    }
  }

  /**
   * Restores the variables from checkpoint `prefix` in `session`. Every key, dtype and shape is checked
   * against the checkpoint's index before anything runs; then all variables are assigned in one step.
   * @throws (rejects) NotFoundError when `prefix` is not a checkpoint or lacks a variable's key (naming the
   *   key and the variable); InvalidArgumentError for a dtype or shape mismatch (naming the variable and
   *   both dtypes or shapes); DataLossError for a corrupt or truncated checkpoint. No variable has changed
   *   when it rejects, unless the message says otherwise.
   */
  async restore(session: Session, prefix: string): Promise<void> {
    requireSession(session, this.graph, 'saver.restore');
    requirePath(prefix, 'the checkpoint prefix of saver.restore');
    if (!this.#ops) return;
    const caller = new Error();
    const reader = new CheckpointReader(prefix);
    const { restoreOp, filename, specs } = this.#ops;
    try {
      if (this.#saveables.length > 0 && reader.hasTensor(OBJECT_GRAPH_KEY) && this.#saveables.some((s) => !reader.hasTensor(s.key))) {
        return await this.#restoreObjectBased(session, reader);
      }
      checkRestoreSpecs(reader, specs);
    } finally {
      await reader.close();
    }
    const index = readCheckpointIndex(prefix);
    if (index) checkEntries(index, specs.map((s) => s.key));
    try {
      await session.run(restoreOp, new Map([[filename, tensor(prefix)]]));
    } catch (err) {
      if (!(err instanceof TFError)) throw err;
      // RestoreV2 reads everything before any assignment runs: a failure there changed nothing.
      const inRead = /RestoreV2/.test(err.message) || !/AssignVariableOp|\bAssign\b/.test(err.message);
      const note = inRead
        ? 'no variable was changed'
        : "some variables may already hold the checkpoint's values and others their previous ones";
      if (err.code === 'OUT_OF_RANGE') {
        const message = `Restoring from checkpoint ${prefix} failed (${note}): the checkpoint is truncated: ${err.message}`;
        throw withCallerStack(new DataLossError(message), caller);
      }
      rethrow(err, (m) => `Restoring from checkpoint ${prefix} failed (${note}): ${m}`, caller);
    }
  }

  /**
   * A name-based restore of an object-based (TF2 tf.train.Checkpoint) checkpoint, as Python's Saver does
   * it: the checkpoint's object graph maps each variable's name when it was saved (`full_name`) to its
   * checkpoint key, and a Saver under those keys restores.
   */
  async #restoreObjectBased(session: Session, reader: CheckpointReader): Promise<void> {
    const namesToKeys = await objectBasedKeys(reader, this.#saveables.map((s) => s.key));
    if (!this.#objectRestoreSaver) {
      process.emitWarning(
        'Restoring an object-based checkpoint using a name-based Saver: variables are matched by the names they had when it was saved',
        'CheckpointWarning',
      );
      const varList: Record<string, Variable> = {};
      for (const s of this.#saveables) varList[namesToKeys.get(s.key)!] = s.variable;
      this.#objectRestoreSaver = new Saver({ graph: this.graph, varList });
    }
    await this.#objectRestoreSaver.restore(session, reader.prefix);
  }

  /**
   * The graph's MetaGraphDef with this Saver's SaverDef (what `save` writes as `.meta`); written to
   * `filename` too when given.
   */
  exportMetaGraph(filename?: string, options: { clearDevices?: boolean; exportScope?: string } = {}): Uint8Array {
    optionalString(filename, 'the filename of exportMetaGraph');
    optionalObject(options, 'the options of exportMetaGraph');
    const bytes = exportMetaGraph(this.graph, { ...options, saverDef: this.asSaverDef() as unknown as Record<string, unknown> });
    if (filename !== undefined) atomicWriteFile(filename, bytes);
    return bytes;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

