// SPDX-License-Identifier: Apache-2.0
// tf.train.Saver: TensorFlow's V2 checkpoints (SaveV2 / RestoreV2 / MergeV2Checkpoints ops built once, under
// the names Python's tf.compat.v1.train.Saver gives them), the `checkpoint` state file, `.meta` files and
// the maxToKeep / keepCheckpointEveryNHours policy.
//
// Never losing a checkpoint: SaveV2 writes `.tempstate` files and renames them on success, so a failed
// write leaves the previous files; the `.meta` and state files are replaced atomically (temporary file +
// rename) and only after the checkpoint is complete; old checkpoints are deleted only once the new state
// file no longer names them. Restores check every key, dtype and shape against the index first, and run one
// step in which all assignments wait for all RestoreV2 reads, so a failing read changes no variable.
import * as fs from 'fs';
import * as path from 'path';
import { canonicalDevice, deviceToString, parseDevice } from '../base/device';
import { DType } from '../base/dtypes';
import { DataLossError, InvalidArgumentError, NotFoundError, TFError, errorForCode, withCallerStack } from '../binding/errors';
import { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { exportMetaGraph, importMetaGraph as importMetaGraphInto } from '../meta-graph/meta-graph';
import { Operation, Output } from '../graph/operation';
import { decode, encode } from '../proto';
import { Session } from '../session/session';
import { StaticShape, isFullyDefined, shapeToString, shapesCompatible } from '../base/shape';
import { Tensor, tensor } from '../tensor/tensor';
import { invalidArgument, optionalObject, optionalString, requireBoolean, requireInteger, requireNumber, requireString } from '../base/validate';
import { Variable, prependNameScope } from '../variables/variable';
import { atomicWriteFile, fileError } from './checkpoint-files';
import { CheckpointIndex, checkDataFiles, readCheckpointIndex } from './checkpoint-index';
import { CheckpointReader } from './checkpoint-reader';
import { STATE_FILENAME, updateCheckpointState } from './checkpoint-state';

/** A SaverDef message as a plain object (proto field names), as stored in a MetaGraphDef. */
export interface SaverDefObject {
  filename_tensor_name: string;
  save_tensor_name: string;
  restore_op_name: string;
  max_to_keep?: number;
  sharded?: boolean;
  keep_checkpoint_every_n_hours?: number;
  /** 2 (V2) for every Saver built here. */
  version?: number;
}

export interface SaverOptions {
  /** The graph to save; defaults to the variables' graph. */
  graph?: Graph;
  /**
   * The variables to save: a list (saved under their names) or a record from checkpoint name to variable
   * (restore under another name). Defaults to the graph's global variables.
   */
  varList?: Variable[] | Record<string, Variable>;
  /** Checkpoints to keep; older ones are deleted as new ones are saved. 0 or null keeps all. Default 5. */
  maxToKeep?: number | null;
  /** Also keep one checkpoint every this many hours of saving (default 10000, i.e. never). */
  keepCheckpointEveryNHours?: number;
  /** One data file per device (SaveV2 per device, merged with MergeV2Checkpoints). */
  sharded?: boolean;
  /** The name scope of the save and restore operations (default 'save'). */
  name?: string;
  /** Record paths relative to the checkpoint directory in the state file (default false, as Python). */
  saveRelativePaths?: boolean;
  /** Zero-pad the global step in checkpoint names to 8 digits. */
  padStepNumber?: boolean;
  /** The checkpoint prefix the filename tensor defaults to (default 'model'). */
  filename?: string;
  /** Build nothing: use an existing save/restore subgraph, as a SaverDef describes it (importMetaGraph). */
  saverDef?: SaverDefObject | Uint8Array;
  /** With no variables to save, make a Saver whose save and restore do nothing instead of throwing. */
  allowEmpty?: boolean;
}

export interface SaveOptions {
  /** Appended to the prefix as `-<step>`: a number, or an integer Variable / Output read in the session. */
  globalStep?: number | bigint | Variable | Output;
  /** Write `prefix.meta` (the MetaGraphDef, with this Saver's SaverDef). Default true. */
  writeMetaGraph?: boolean;
  /** Update the `checkpoint` state file and apply maxToKeep. Default true. */
  writeState?: boolean;
  /** The state file's name (default 'checkpoint'). */
  latestFilename?: string;
  /** The meta graph file's suffix (default 'meta'). */
  metaGraphSuffix?: string;
}

/** What is restored into one variable: the checkpoint key and the target's dtype and static shape. */
interface RestoreSpec {
  key: string;
  variable: string;
  dtype: DType;
  shape: StaticShape;
}

interface Saveable {
  key: string;
  variable: Variable;
}

/** The key of a TF2 object-based checkpoint's object graph (a serialized TrackableObjectGraph). */
const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

function setCpu0(device: string): string {
  const spec = parseDevice(device);
  spec.deviceType = 'CPU';
  spec.deviceIndex = 0;
  return deviceToString(spec);
}

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
  #filename!: Output;
  #saveTensor!: Output;
  #restoreOp!: Operation;
  #specs: RestoreSpec[] | null = null;
  #saveables: Saveable[] = [];
  #objectRestoreSaver: Saver | undefined;
  #empty = false;
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
    const maxToKeep = options.maxToKeep === undefined ? 5 : options.maxToKeep === null ? 0 : requireInteger(options.maxToKeep, 'maxToKeep', 0);
    const hours = options.keepCheckpointEveryNHours === undefined ? 10000 : requireNumber(options.keepCheckpointEveryNHours, 'keepCheckpointEveryNHours');
    if (!(hours > 0)) throw new RangeError(`Expected a positive keepCheckpointEveryNHours but received ${hours}`);
    const sharded = options.sharded === undefined ? false : requireBoolean(options.sharded, 'sharded');
    this.#saveRelativePaths = options.saveRelativePaths === undefined ? false : requireBoolean(options.saveRelativePaths, 'saveRelativePaths');
    this.#padStepNumber = options.padStepNumber === undefined ? false : requireBoolean(options.padStepNumber, 'padStepNumber');
    const name = optionalString(options.name, 'the name of tf.train.Saver');
    const filename = optionalString(options.filename, 'filename');
    if (options.graph !== undefined && !(options.graph instanceof Graph)) throw invalidArgument('a Graph', 'the graph of tf.train.Saver', options.graph);
    this.#nextCheckpointTime = Date.now() / 1000 + hours * 3600;

    if (options.saverDef !== undefined) {
      if (!options.graph) throw new TypeError('tf.train.Saver with a saverDef needs the graph that holds its operations');
      this.graph = options.graph;
      const def = options.saverDef instanceof Uint8Array ? decode<SaverDefObject>('SaverDef', options.saverDef) : options.saverDef;
      if (!def || typeof def.filename_tensor_name !== 'string' || typeof def.restore_op_name !== 'string') {
        throw invalidArgument('a SaverDef', 'saverDef', options.saverDef);
      }
      if (def.version !== undefined && def.version !== 2 && (def.version as unknown) !== 'V2') {
        throw new Error(`The SaverDef describes a ${['LEGACY', 'V1'][def.version as number] ?? String(def.version)} checkpoint saver; only V2 checkpoints are supported`);
      }
      this.#saverDef = {
        filename_tensor_name: prependNameScope(def.filename_tensor_name, name),
        save_tensor_name: prependNameScope(def.save_tensor_name, name),
        restore_op_name: prependNameScope(def.restore_op_name, name),
        max_to_keep: options.maxToKeep === undefined ? (def.max_to_keep ?? 0) : maxToKeep,
        sharded: Boolean(def.sharded),
        keep_checkpoint_every_n_hours: options.keepCheckpointEveryNHours === undefined ? (def.keep_checkpoint_every_n_hours || 10000) : hours,
        version: 2,
      };
      this.#bindSaverDef();
      return;
    }

    const { graph, saveables } = this.#collect(options);
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
      this.#empty = true;
      return;
    }
    this.#build(saveables, name ?? 'save', filename ?? 'model', sharded);
  }

  #collect(options: SaverOptions): { graph: Graph; saveables: Saveable[] } {
    const list = options.varList;
    let entries: Array<[string, unknown]>;
    let graph = options.graph;
    if (list === undefined) {
      if (!graph) throw new TypeError('tf.train.Saver needs a graph or a varList');
      entries = graph.getCollection(GraphKeys.GLOBAL_VARIABLES).filter((v): v is Variable => v instanceof Variable).map((v) => [v.name, v]);
    } else if (Array.isArray(list)) {
      entries = list.map((v, i) => {
        if (!(v instanceof Variable)) throw invalidArgument('a Variable', `varList[${i}] of tf.train.Saver`, v);
        return [v.name, v];
      });
    } else if (list !== null && typeof list === 'object') {
      entries = Object.entries(list).map(([key, v]) => {
        if (!(v instanceof Variable)) throw invalidArgument('a Variable', `varList['${key}'] of tf.train.Saver`, v);
        if (key === '') throw new TypeError('A checkpoint name in the varList of tf.train.Saver is empty');
        return [key, v];
      });
    } else {
      throw invalidArgument('an array of Variables or a record of Variables', 'the varList of tf.train.Saver', list);
    }
    if (entries.length === 0 && !options.allowEmpty) throw new Error('No variables to save');
    const seen = new Map<string, Variable>();
    const saveables: Saveable[] = [];
    for (const [key, v] of entries as Array<[string, Variable]>) {
      graph ??= v.graph;
      if (v.graph !== graph) throw new Error(`tf.train.Saver: ${v} belongs to ${v.graph}, not to ${graph}`);
      const previous = seen.get(key);
      if (previous) {
        if (previous === v) continue;
        throw new Error(`At least two variables have the same name: ${key}`);
      }
      seen.set(key, v);
      saveables.push({ key, variable: v });
    }
    if (!graph) throw new TypeError('tf.train.Saver needs a graph or a varList');
    // As Python: saveables in name order (the order of the data file).
    saveables.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { graph, saveables };
  }

  #build(saveables: Saveable[], scopeName: string, filename: string, sharded: boolean): void {
    const g = this.graph;
    g.controlDependencies(null, () =>
      g.nameScope(scopeName, () => {
        const input = g.constant(filename, { name: 'filename/input', dtype: 'string' });
        const named = g.addOperation('PlaceholderWithDefault', { inputs: [input], attrs: { dtype: 'string', shape: [] }, name: 'filename' }).output(0);
        // Python keeps the name "Const" for the fed filename, for backwards compatibility.
        this.#filename = g.addOperation('PlaceholderWithDefault', { inputs: [named], attrs: { dtype: 'string', shape: [] }, name: 'Const' }).output(0);
        if (sharded) this.#buildSharded(saveables);
        else {
          this.#saveTensor = this.#addSave(this.#filename, saveables);
          const { assigns } = this.#addRestores([[this.#filename, saveables, '']]);
          this.#restoreOp = g.addOperation('NoOp', { name: 'restore_all', controlInputs: assigns });
        }
      }),
    );
    this.#saveables = saveables;
    this.#specs = saveables.map(({ key, variable }) => ({ key, variable: variable.name, dtype: variable.dtype, shape: variable.shape }));
    this.#saverDef.filename_tensor_name = this.#filename.name;
    this.#saverDef.save_tensor_name = this.#saveTensor.name;
    this.#saverDef.restore_op_name = this.#restoreOp.name;
  }

  /** SaveV2 of the saveables to `prefix`; returns `prefix` once they are written (Python's _AddSaveOps). */
  #addSave(prefix: Output, saveables: Saveable[], device?: string): Output {
    const g = this.graph;
    const tensors = saveables.map(({ variable: v }) => {
      const read = g.addOperation('ReadVariableOp', { inputs: [v.handle], attrs: { dtype: v.dtype }, name: 'Read/ReadVariableOp', device: v.device || undefined }).output(0);
      // Variables on other devices are copied to the CPU of their machine before SaveV2 (CPU only) writes.
      return g.addOperation('Identity', { inputs: [read], attrs: { T: v.dtype }, device: canonicalDevice('/device:CPU:0', v.device) }).output(0);
    });
    const onDevice = <T>(fn: () => T): T => (device ? g.device(device, fn) : fn());
    return onDevice(() => {
      const op = g.nameScope('SaveV2', (scope) => {
        const names = g.constant(saveables.map((s) => s.key), { dtype: 'string', name: 'tensor_names' });
        const slices = g.constant(saveables.map(() => ''), { dtype: 'string', name: 'shape_and_slices' });
        return g.addOperation('SaveV2', { inputs: [prefix, names, slices, tensors], name: scope });
      });
      return g.addOperation('Identity', { inputs: [prefix], attrs: { T: 'string' }, controlInputs: [op], name: 'control_dependency' }).output(0);
    });
  }

  /**
   * RestoreV2 + assignments for each shard. Every assignment waits for every RestoreV2, so a read that fails
   * (a missing key, a corrupt file) fails before any variable changes.
   */
  #addRestores(shards: Array<[Output, Saveable[], string]>): { assigns: Operation[]; perShard: Operation[][] } {
    const g = this.graph;
    const restores = shards.map(([prefix, saveables, device]) =>
      g.nameScope('RestoreV2', (scope) => {
        const names = g.constant(saveables.map((s) => s.key), { dtype: 'string', name: 'tensor_names' });
        const slices = g.constant(saveables.map(() => ''), { dtype: 'string', name: 'shape_and_slices' });
        return g.addOperation('RestoreV2', {
          inputs: [prefix, names, slices],
          attrs: { dtypes: saveables.map((s) => s.variable.dtype) },
          name: scope,
          device: device ? setCpu0(device) : '/device:CPU:0',
        });
      }),
    );
    const perShard = shards.map(([, saveables], shard) =>
      saveables.map(({ variable: v }, i) => {
        const value = g.addOperation('Identity', { inputs: [restores[shard].output(i)], attrs: { T: v.dtype }, device: v.device || undefined }).output(0);
        return g.addOperation('AssignVariableOp', {
          inputs: [v.handle, value],
          attrs: { dtype: v.dtype, validate_shape: isFullyDefined(v.shape) },
          controlInputs: restores.filter((_, s) => s !== shard),
          device: v.device || undefined,
        });
      }),
    );
    return { assigns: perShard.flat(), perShard };
  }

  #buildSharded(saveables: Saveable[]): void {
    const g = this.graph;
    const byDevice = new Map<string, Saveable[]>();
    for (const s of saveables) {
      const device = s.variable.device;
      if (!byDevice.has(device)) byDevice.set(device, []);
      byDevice.get(device)!.push(s);
    }
    const perDevice = [...byDevice.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    // Shards are written under '<prefix>_temp/part-…' and merged into '<prefix>' (Python's _AddShardedSaveOpsForV2).
    const tmpPrefix = g.device('/device:CPU:0', () => {
      const suffix = g.constant('_temp/part', { dtype: 'string' });
      return g.addOperation('StringJoin', { inputs: [[this.#filename, suffix]], attrs: { N: 2 } }).output(0);
    });
    const numShards = g.constant(perDevice.length, { dtype: 'int32', name: 'num_shards' });
    const shardSaves: Output[] = [];
    const shardPrefixes: Output[] = [];
    let lastDevice = '';
    perDevice.forEach(([device, group], shard) => {
      lastDevice = device;
      g.device(setCpu0(device), () => {
        const name = g.addOperation('ShardedFilename', { inputs: [tmpPrefix, g.constant(shard, { dtype: 'int32' }), numShards] }).output(0);
        shardPrefixes.push(name);
        shardSaves.push(this.#addSave(name, group));
      });
    });
    this.#saveTensor = g.device(setCpu0(lastDevice), () =>
      g.controlDependencies(shardSaves.map((s) => s.op), () => {
        const prefixes = g.addOperation('Pack', { inputs: [shardPrefixes], attrs: { N: shardPrefixes.length, T: 'string', axis: 0 }, name: 'MergeV2Checkpoints/checkpoint_prefixes' }).output(0);
        const merge = g.addOperation('MergeV2Checkpoints', { inputs: [prefixes, this.#filename], attrs: { delete_old_dirs: true } });
        return g.controlDependencies([merge], () => g.addOperation('Identity', { inputs: [this.#filename], attrs: { T: 'string' } }).output(0));
      }),
    );
    const { perShard } = this.#addRestores(perDevice.map(([device, group]) => [this.#filename, group, device]));
    const shardOps = perShard.map((assigns, shard) => g.device(perDevice[shard][0] || null, () => g.addOperation('NoOp', { name: 'restore_shard', controlInputs: assigns })));
    this.#restoreOp = g.addOperation('NoOp', { name: 'restore_all', controlInputs: shardOps });
  }

  #bindSaverDef(): void {
    const g = this.graph;
    const def = this.#saverDef;
    const find = (name: string, what: string): Output => {
      try {
        return g.tensor(name);
      } catch {
        throw new Error(`The SaverDef's ${what} '${name}' is not in ${g}`);
      }
    };
    this.#filename = find(def.filename_tensor_name, 'filename tensor');
    this.#saveTensor = find(def.save_tensor_name, 'save tensor');
    const restore = g.operation(def.restore_op_name.replace(/:0$/, ''));
    if (!restore) throw new Error(`The SaverDef's restore operation '${def.restore_op_name}' is not in ${g}`);
    this.#restoreOp = restore;
    this.#specs = restoreSpecsFromGraph(restore);
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
      if (!Array.isArray(c) || typeof c[0] !== 'string' || typeof c[1] !== 'number') throw invalidArgument('a [path, seconds] pair', `checkpoint ${i}`, c);
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
    requireString(savePath, 'the save path of saver.save');
    if (savePath === '') throw new TypeError('The save path of saver.save is empty');
    optionalObject(options, 'the options of saver.save');
    const writeMetaGraph = options.writeMetaGraph === undefined ? true : requireBoolean(options.writeMetaGraph, 'writeMetaGraph');
    const writeState = options.writeState === undefined ? true : requireBoolean(options.writeState, 'writeState');
    const latestFilename = optionalString(options.latestFilename, 'latestFilename') ?? STATE_FILENAME;
    const metaSuffix = optionalString(options.metaGraphSuffix, 'metaGraphSuffix') ?? 'meta';
    const step = options.globalStep;
    if (step !== undefined && typeof step !== 'number' && typeof step !== 'bigint' && !(step instanceof Variable) && !(step instanceof Output)) {
      throw invalidArgument('a number, a bigint, a Variable or an Output', 'globalStep', step);
    }
    if (typeof step === 'number' && !Number.isInteger(step)) throw invalidArgument('an integer', 'globalStep', step);
    if (step === undefined && path.basename(savePath) === latestFilename && !this.#saverDef.sharded) {
      throw new Error(`'latestFilename' collides with 'savePath': '${latestFilename}' and '${savePath}'`);
    }
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
    if (this.#empty) return checkpointFile;
    if (this.#saverDef.sharded) {
      // SaveV2 creates the checkpoint's directory (one level); sharded shards go one level deeper, into
      // '<prefix>_temp/', so that directory is made here to behave the same.
      try {
        fs.mkdirSync(saveDir);
      } catch {
        // exists, or cannot be made: SaveV2 reports the latter
      }
    }

    let written: string;
    try {
      const result = await session.run(this.#saveTensor, new Map([[this.#filename, tensor(checkpointFile)]]));
      written = (result.data() as string[])[0];
    } catch (err) {
      removeTemporaryFiles(checkpointFile);
      const parentNote = isDirectory(saveDir) ? '' : ` (parent directory of ${savePath} doesn't exist, can't save)`;
      // TensorFlow's hint about tensor allocations follows every RESOURCE_EXHAUSTED; a full disk is not that.
      const tfMessage = (m: string) => m.replace(/\nHint: If you want to see a list of allocated tensors[^\n]*\n?/, '').trimEnd();
      rethrow(err, (m) => `Failed to save checkpoint ${checkpointFile}${parentNote}; the previous checkpoints and the state file are unchanged: ${tfMessage(m)}`, caller);
    }

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
          rethrow(err, (m) => `Checkpoint ${written} was written but the state file was not updated (the previous one is unchanged): ${m}`, caller);
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
    requireString(prefix, 'the checkpoint prefix of saver.restore');
    if (this.#empty) return;
    const caller = new Error();
    const index = readCheckpointIndex(prefix);
    if (this.#saveables.length > 0 && index.entries.has(OBJECT_GRAPH_KEY) && this.#saveables.some((s) => !index.entries.has(s.key))) {
      return this.#restoreObjectBased(session, prefix);
    }
    if (this.#specs) checkRestoreSpecs(index, this.#specs);
    checkDataFiles(index, this.#specs?.map((s) => s.key));
    try {
      await session.run(this.#restoreOp, new Map([[this.#filename, tensor(prefix)]]));
    } catch (err) {
      if (!(err instanceof TFError)) throw err;
      // RestoreV2 reads everything before any assignment runs: a failure there changed nothing.
      const inRead = /RestoreV2/.test(err.message) || !/AssignVariableOp|\bAssign\b/.test(err.message);
      const note = inRead ? 'no variable was changed' : "some variables may already hold the checkpoint's values and others their previous ones";
      if (err.code === 'OUT_OF_RANGE') throw withCallerStack(new DataLossError(`Restoring from checkpoint ${prefix} failed (${note}): the checkpoint is truncated: ${err.message}`), caller);
      rethrow(err, (m) => `Restoring from checkpoint ${prefix} failed (${note}): ${m}`, caller);
    }
  }

  /**
   * A name-based restore of an object-based (TF2 tf.train.Checkpoint) checkpoint, as Python's Saver does
   * it: the checkpoint's object graph maps each variable's name when it was saved (`full_name`) to its
   * checkpoint key, and a Saver under those keys restores.
   */
  async #restoreObjectBased(session: Session, prefix: string): Promise<void> {
    const reader = new CheckpointReader(prefix);
    let graph: Record<string, any>;
    try {
      const [bytes] = await reader.getTensorsAsync([OBJECT_GRAPH_KEY]);
      graph = decode('TrackableObjectGraph', bytes.bytes()[0]);
    } finally {
      await reader.close();
    }
    const namesToKeys = new Map<string, string>();
    for (const node of graph.nodes ?? []) {
      for (const a of node.attributes ?? []) namesToKeys.set(a.full_name, a.checkpoint_key);
    }
    const current = this.#saveables.map((s) => s.key);
    const missing = current.filter((n) => !namesToKeys.has(n));
    if (missing.length > 0) {
      const extra = [...namesToKeys.keys()].filter((n) => !current.includes(n));
      throw new InvalidArgumentError(
        `Restoring from checkpoint ${prefix} failed (no variable was changed). Existing variables not in the checkpoint: ${missing.join(', ')}. ` +
          `Variable names when this checkpoint was written which don't exist now: ${extra.join(', ') || 'none'}. ` +
          `(${current.length - missing.length} variable name(s) did match.) This is an object-based (tf.train.Checkpoint) checkpoint ` +
          `read by variable names; map its keys to variables with a varList record instead, e.g. { 'model/w/.ATTRIBUTES/VARIABLE_VALUE': w }.`,
      );
    }
    if (!this.#objectRestoreSaver) {
      process.emitWarning('Restoring an object-based checkpoint using a name-based Saver: variables are matched by the names they had when it was saved', 'CheckpointWarning');
      const varList: Record<string, Variable> = {};
      for (const s of this.#saveables) varList[namesToKeys.get(s.key)!] = s.variable;
      this.#objectRestoreSaver = new Saver({ graph: this.graph, varList });
    }
    await this.#objectRestoreSaver.restore(session, prefix);
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

/** Checks what a restore needs against the index; one error listing every problem. */
function checkRestoreSpecs(index: CheckpointIndex, specs: RestoreSpec[]): void {
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const spec of specs) {
    const entry = index.entries.get(spec.key);
    const target = spec.key === spec.variable ? `variable '${spec.variable}'` : `variable '${spec.variable}' (checkpoint key '${spec.key}')`;
    if (!entry) {
      missing.push(`Key ${spec.key} not found in checkpoint (restoring ${target})`);
      continue;
    }
    if (entry.dtype !== spec.dtype) {
      mismatched.push(`${target}: dtype ${entry.dtype} in the checkpoint but ${spec.dtype} in the graph`);
    } else if (!shapesCompatible(entry.shape, spec.shape)) {
      mismatched.push(`${target}: shape ${shapeToString(entry.shape)} in the checkpoint but ${shapeToString(spec.shape)} in the graph`);
    }
  }
  if (missing.length === 0 && mismatched.length === 0) return;
  const problems = [...mismatched, ...missing];
  let hint = '';
  if (missing.length > 0 && index.entries.has(OBJECT_GRAPH_KEY)) {
    hint = ` This is an object-based (tf.train.Checkpoint) checkpoint: map its keys to variables with a varList record, e.g. { 'model/w/.ATTRIBUTES/VARIABLE_VALUE': w }.`;
  }
  const message = `Restoring from checkpoint ${index.prefix} failed (no variable was changed): ${problems.join('; ')}.${hint}`;
  throw mismatched.length > 0 ? new InvalidArgumentError(message) : new NotFoundError(message);
}

/**
 * The restore specs behind an existing restore operation (a Saver from a MetaGraphDef): RestoreV2 outputs
 * flowing (through Identity / Reshape) into AssignVariableOp or Assign of a variable. Best effort: parts of
 * other shapes are left to TensorFlow's run-time checks.
 */
function restoreSpecsFromGraph(restoreOp: Operation): RestoreSpec[] {
  const specs: RestoreSpec[] = [];
  const seen = new Set<Operation>();
  const queue: Operation[] = [restoreOp];
  while (queue.length > 0) {
    const op = queue.pop()!;
    if (seen.has(op)) continue;
    seen.add(op);
    if (op.type === 'AssignVariableOp' || op.type === 'Assign') {
      let value = op.inputs[1];
      while (value.op.type === 'Identity' || value.op.type === 'Reshape') value = value.op.inputs[0];
      const target = op.inputs[0].op;
      if (value.op.type === 'RestoreV2' && ['VarHandleOp', 'VariableV2', 'Variable'].includes(target.type)) {
        const names = value.op.inputs[1].op;
        const slices = value.op.inputs[2].op;
        if (names.type === 'Const' && slices.type === 'Const') {
          try {
            const key = ((names.attr('value') as Tensor).data() as string[])[value.index];
            const slice = ((slices.attr('value') as Tensor).data() as string[])[value.index];
            if (slice === '' && typeof key === 'string') {
              specs.push({ key, variable: target.name, dtype: target.attr('dtype') as DType, shape: target.attr('shape') as StaticShape });
            }
          } catch {
            // an attr this build cannot read: TensorFlow checks this one at run time
          }
        }
      }
      continue;
    }
    for (const c of op.controlInputs) queue.push(c);
    for (const i of op.inputs) queue.push(i.op);
  }
  return specs;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Removes what a failed SaveV2 / MergeV2Checkpoints of `prefix` may leave behind (temporary files only). */
function removeTemporaryFiles(prefix: string): void {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(`${base}.`) && name.includes('.tempstate')) fs.rmSync(path.join(dir, name), { force: true });
  }
  try {
    fs.rmSync(`${prefix}_temp`, { recursive: true, force: true });
  } catch {
    // best effort, as TensorFlow's own cleanup
  }
}

/** Deletes a checkpoint's files (index, data shards, meta), as Python's remove_checkpoint. */
function removeCheckpoint(prefix: string, metaSuffix: string): void {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  const files = [`${base}.index`, `${base}.${metaSuffix}`];
  try {
    for (const name of fs.readdirSync(dir)) if (name.startsWith(`${base}.data-`) && /\.data-\d{5}-of-\d{5}$/.test(name)) files.push(name);
  } catch {
    return;
  }
  for (const name of files) {
    try {
      fs.rmSync(path.join(dir, name), { force: true });
    } catch (err) {
      process.emitWarning(`Ignoring: could not delete old checkpoint file ${path.join(dir, name)}: ${(err as Error).message}`, 'CheckpointWarning');
    }
  }
}

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
export function importMetaGraph(graph: Graph, metaGraphPathOrBytes: string | Uint8Array, options: ImportMetaGraphOptions = {}): Saver | null {
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
