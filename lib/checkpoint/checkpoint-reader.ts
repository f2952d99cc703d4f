// SPDX-License-Identifier: Apache-2.0
// CheckpointReader: names, shapes and dtypes from the index (read here, in TypeScript), values through
// TensorFlow's own bundle reader (a RestoreV2 op in a private graph), which verifies each tensor's CRC-32C
// and reports DATA_LOSS, handles every dtype, partitioned tensors and big-endian checkpoints. Parsing the
// data files here instead would duplicate that reader and cost a copy through JS memory; RestoreV2 hands
// back TensorFlow-owned buffers that Tensor.data() views without copying.
import { DType } from '../base/dtypes';
import { DataLossError, NotFoundError, TFError, UnimplementedError } from '../binding/errors';
import { Graph } from '../graph/graph';
import { Output } from '../graph/operation';
import { Session } from '../session/session';
import { Tensor, tensor } from '../tensor/tensor';
import { requireArray, requireString } from '../base/validate';
import { CheckpointDType, CheckpointEntry, CheckpointIndex, checkDataFiles, readCheckpointIndex } from './checkpoint-index';

/** A private graph and session that run RestoreV2 for any list of dtypes. */
class TensorLoader {
  readonly #graph = new Graph();
  readonly #prefix: Output;
  readonly #names: Output;
  readonly #slices: Output;
  readonly #restores = new Map<string, Output[]>();
  #session: Session | undefined;

  constructor() {
    this.#prefix = this.#graph.placeholder('string', [], 'prefix');
    this.#names = this.#graph.placeholder('string', [null], 'tensor_names');
    this.#slices = this.#graph.placeholder('string', [null], 'shape_and_slices');
  }

  #restore(dtypes: DType[]): Output[] {
    const key = dtypes.join(',');
    let outputs = this.#restores.get(key);
    if (!outputs) {
      const op = this.#graph.addOperation('RestoreV2', {
        inputs: [this.#prefix, this.#names, this.#slices],
        attrs: { dtypes },
        device: '/device:CPU:0',
      });
      outputs = op.outputs;
      this.#restores.set(key, outputs);
    }
    return outputs;
  }

  #feeds(prefix: string, names: string[]): Map<Output, Tensor> {
    return new Map([
      [this.#prefix, tensor(prefix)],
      [this.#names, tensor(names, [names.length], 'string')],
      [this.#slices, tensor(names.map(() => ''), [names.length], 'string')],
    ]);
  }

  load(prefix: string, names: string[], dtypes: DType[]): Tensor[] {
    const outputs = this.#restore(dtypes);
    this.#session ??= new Session(this.#graph);
    return this.#session.runSync(outputs, this.#feeds(prefix, names));
  }

  async loadAsync(prefix: string, names: string[], dtypes: DType[]): Promise<Tensor[]> {
    const outputs = this.#restore(dtypes);
    this.#session ??= new Session(this.#graph);
    return this.#session.run(outputs, this.#feeds(prefix, names));
  }

  async close(): Promise<void> {
    await this.#session?.close();
  }
}

/**
 * Reads a V2 checkpoint: what it holds (from its index) and any tensor's value.
 * @example
 * const reader = new tf.train.CheckpointReader(tf.train.latestCheckpoint(dir)!);
 * reader.variableToShapeMap(); // { 'dense/kernel': [784, 10], … }
 * const w = reader.getTensor('dense/kernel');
 */
export class CheckpointReader {
  /** The checkpoint prefix read. */
  readonly prefix: string;
  readonly #index: CheckpointIndex;
  #loader: TensorLoader | undefined;
  #closed = false;

  /**
   * Opens the checkpoint whose files are `prefix.index` and `prefix.data-*`.
   * @throws NotFoundError when there is no checkpoint at `prefix`; DataLossError when its index is corrupt.
   */
  constructor(prefix: string) {
    this.prefix = requireString(prefix, 'the checkpoint prefix of CheckpointReader');
    this.#index = readCheckpointIndex(prefix);
  }

  /** @internal The parsed index. */
  get _index(): CheckpointIndex {
    return this.#index;
  }

  /** Whether the checkpoint holds a tensor named `name`. */
  hasTensor(name: string): boolean {
    requireString(name, 'the tensor name of hasTensor');
    return this.#index.entries.has(name);
  }

  /** Each tensor's shape, by name. */
  variableToShapeMap(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [name, e] of this.#index.entries) out[name] = [...e.shape];
    return out;
  }

  /** Each tensor's dtype, by name (TensorFlow's name for dtypes a Tensor cannot hold, e.g. 'qint8'). */
  variableToDtypeMap(): Record<string, CheckpointDType> {
    const out: Record<string, CheckpointDType> = {};
    for (const [name, e] of this.#index.entries) out[name] = e.dtype;
    return out;
  }

  /** @internal The index entry for `name`, or a NotFoundError. */
  _entry(name: string): CheckpointEntry {
    const entry = this.#index.entries.get(name);
    if (!entry) throw new NotFoundError(`Key ${name} not found in checkpoint ${this.prefix}`);
    return entry;
  }

  #prepare(names: string[]): DType[] {
    if (this.#closed) throw new Error(`CheckpointReader for ${this.prefix} is closed`);
    const dtypes = names.map((name) => {
      const entry = this._entry(name);
      if (!entry.readable) {
        throw new UnimplementedError(`Tensor '${name}' of checkpoint ${this.prefix} has dtype ${entry.dtype}, which node-libtensorflow cannot hold in a Tensor`);
      }
      return entry.dtype as DType;
    });
    checkDataFiles(this.#index, names);
    this.#loader ??= new TensorLoader();
    return dtypes;
  }

  /**
   * The value of tensor `name` (read synchronously).
   * @throws NotFoundError for a name the checkpoint does not hold; DataLossError when its data is corrupt or
   *   truncated; UnimplementedError for dtypes without a host representation (quantized, variant).
   */
  getTensor(name: string): Tensor {
    requireString(name, 'the tensor name of getTensor');
    return this.getTensors([name])[0];
  }

  /** The values of several tensors, read in one pass over the data files. */
  getTensors(names: string[]): Tensor[] {
    requireArray(names, 'the tensor names of getTensors');
    names.forEach((n, i) => requireString(n, `tensor name ${i} of getTensors`));
    if (names.length === 0) return [];
    const dtypes = this.#prepare(names);
    try {
      return this.#loader!.load(this.prefix, names, dtypes);
    } catch (err) {
      throw this.#truncation(err);
    }
  }

  /** TensorFlow reports a data file shorter than its index says as OUT_OF_RANGE; it is lost data. */
  #truncation(err: unknown): unknown {
    if (err instanceof TFError && err.code === 'OUT_OF_RANGE') return new DataLossError(`Checkpoint ${this.prefix} is truncated: ${err.message}`);
    return err;
  }

  /** The same as `getTensors`, read off the JS thread. */
  async getTensorsAsync(names: string[]): Promise<Tensor[]> {
    requireArray(names, 'the tensor names of getTensorsAsync');
    names.forEach((n, i) => requireString(n, `tensor name ${i} of getTensorsAsync`));
    if (names.length === 0) return [];
    const dtypes = this.#prepare(names);
    try {
      return await this.#loader!.loadAsync(this.prefix, names, dtypes);
    } catch (err) {
      throw this.#truncation(err);
    }
  }

  /** A listing of the tensors, one `name (dtype) [shape]` per line, as Python's `debug_string`. */
  debugString(): string {
    return [...this.#index.entries.values()].map((e) => `${e.name} (${e.dtype}) [${e.shape.join(',')}]\n`).join('');
  }

  /** Frees the private session used to read values. Idempotent; reading afterwards throws. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#loader?.close();
  }
}
