// SPDX-License-Identifier: Apache-2.0
// CheckpointReader over TensorFlow's own reader (TF_CheckpointReader, native/checkpoint_reader.h): it reads
// V2 and V1 checkpoints, partitioned tensors and every dtype, and verifies each tensor's CRC-32C. Before a
// V2 tensor is read, checkEntries makes the checks TensorFlow's reader does not make (checkpoint-index.ts).
import { DType } from '../base/dtypes';
import { requireArray, requireString } from '../base/validate';
import { DataLossError, NotFoundError, TFError, UnimplementedError, errorForCode } from '../binding/errors';
import { tfAddon } from '../binding/library';
import { Native } from '../binding/native';
import { Tensor } from '../tensor/tensor';
import {
  CheckpointDType,
  CheckpointIndex,
  checkEntries,
  checkpointDType,
  checkpointExists,
  checkpointHint,
  notACheckpoint,
  readCheckpointIndex,
  recoverCheckpoint,
} from './checkpoint-index';

export type { CheckpointDType } from './checkpoint-index';

/** What a checkpoint says about one tensor. */
interface Entry {
  dtype: CheckpointDType;
  readable: boolean;
  shape: number[];
}

/**
 * Reads a checkpoint (V2, or V1 as `tf.compat.v1.train.Saver(write_version=V1)` writes it): what it holds
 * and any tensor's value.
 * @example
 * const reader = new tf.train.CheckpointReader(tf.train.latestCheckpoint(dir)!);
 * reader.variableToShapeMap(); // { 'dense/kernel': [784, 10], … }
 * const w = reader.getTensor('dense/kernel');
 */
export class CheckpointReader {
  /** The checkpoint prefix read. */
  readonly prefix: string;
  #native: Native.CheckpointReader | undefined;
  readonly #entries = new Map<string, Entry>();
  // Parsed on the first read (V2 only): listing needs none of it.
  #index: CheckpointIndex | null | undefined;

  /**
   * Opens the checkpoint whose files are `prefix.index` and `prefix.data-*` (or V1's single file `prefix`).
   * @throws NotFoundError when there is no checkpoint at `prefix`; DataLossError when its index is corrupt.
   */
  constructor(prefix: string) {
    this.prefix = requireString(prefix, 'the checkpoint prefix of CheckpointReader');
    if (prefix.includes('\0')) throw new TypeError('The checkpoint prefix of CheckpointReader contains a NUL character');
    recoverCheckpoint(prefix);
    const v2 = checkpointExists(prefix);
    // A directory or one of a checkpoint's files is never a checkpoint, though TensorFlow's V1 fallback would
    // try to read it as one (an index file reads as an empty V1 checkpoint).
    if (!v2 && checkpointHint(prefix)) throw notACheckpoint(prefix);
    try {
      this.#native = new (tfAddon().CheckpointReader)(prefix);
    } catch (err) {
      if (!v2 && err instanceof NotFoundError) {
        throw notACheckpoint(prefix, `neither '${prefix}.index' (V2) nor a V1 checkpoint file exists`);
      }
      // TensorFlow's table errors ("block checksum mismatch") do not say which file, and a handle pointing
      // past the end of the index comes as OUT_OF_RANGE: a corrupt index either way.
      if (err instanceof TFError) {
        const code = err.code === 'OUT_OF_RANGE' ? 'DATA_LOSS' : err.code;
        throw errorForCode(code, `Cannot read checkpoint ${v2 ? `${prefix}.index` : prefix}: ${err.message}`);
      }
      throw err;
    }
    for (const [name, dtypeNumber, shape] of this.#native.variables()) {
      this.#entries.set(name, { ...checkpointDType(dtypeNumber), shape });
    }
  }

  /** Whether the checkpoint holds a tensor named `name`. */
  hasTensor(name: string): boolean {
    requireString(name, 'the tensor name of hasTensor');
    return this.#entries.has(name);
  }

  /** Each tensor's shape, by name. */
  variableToShapeMap(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [name, e] of this.#entries) out[name] = [...e.shape];
    return out;
  }

  /** Each tensor's dtype, by name (TensorFlow's name for dtypes a Tensor cannot hold, e.g. 'qint8'). */
  variableToDtypeMap(): Record<string, CheckpointDType> {
    const out: Record<string, CheckpointDType> = {};
    for (const [name, e] of this.#entries) out[name] = e.dtype;
    return out;
  }

  /** The native reader, after checking that every tensor of `names` can be read safely. */
  #prepare(names: string[]): { reader: Native.CheckpointReader; dtypes: DType[] } {
    if (!this.#native) throw new Error(`CheckpointReader for ${this.prefix} is closed`);
    const dtypes = names.map((name) => {
      const entry = this.#entries.get(name);
      if (!entry) throw new NotFoundError(`Key ${name} not found in checkpoint ${this.prefix}`);
      if (!entry.readable) {
        throw new UnimplementedError(
          `Tensor '${name}' of checkpoint ${this.prefix} has dtype ${entry.dtype}, which node-libtensorflow cannot hold in a Tensor`,
        );
      }
      return entry.dtype as DType;
    });
    if (this.#index === undefined) this.#index = readCheckpointIndex(this.prefix);
    if (this.#index) checkEntries(this.#index, names);
    return { reader: this.#native, dtypes };
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

  /** The values of several tensors. */
  getTensors(names: string[]): Tensor[] {
    requireArray(names, 'the tensor names of getTensors');
    names.forEach((n, i) => requireString(n, `tensor name ${i} of getTensors`));
    const { reader, dtypes } = this.#prepare(names);
    return names.map((name, i) => {
      try {
        return Tensor._fromResult(reader.getTensor(name), dtypes[i]);
      } catch (err) {
        throw this.#truncation(err);
      }
    });
  }

  /** The same as `getTensors`, read off the JS thread (on the libuv pool). */
  async getTensorsAsync(names: string[]): Promise<Tensor[]> {
    requireArray(names, 'the tensor names of getTensorsAsync');
    names.forEach((n, i) => requireString(n, `tensor name ${i} of getTensorsAsync`));
    const { reader, dtypes } = this.#prepare(names);
    const out: Tensor[] = [];
    // One after another: TensorFlow's reader serves one read at a time anyway.
    for (let i = 0; i < names.length; i++) {
      try {
        out.push(Tensor._fromResult(await reader.getTensorAsync(names[i]), dtypes[i]));
      } catch (err) {
        throw this.#truncation(err);
      }
    }
    return out;
  }

  /** TensorFlow reports a data file shorter than its index says as OUT_OF_RANGE; it is lost data. */
  #truncation(err: unknown): unknown {
    if (err instanceof TFError && err.code === 'OUT_OF_RANGE') {
      return new DataLossError(`Checkpoint ${this.prefix} is truncated: ${err.message}`);
    }
    return err;
  }

  /** A listing of the tensors, one `name (dtype) [shape]` per line, as Python's `debug_string`. */
  debugString(): string {
    return [...this.#entries].map(([name, e]) => `${name} (${e.dtype}) [${e.shape.join(',')}]\n`).join('');
  }

  /** Frees TensorFlow's reader (once reads in flight end). Idempotent; reading afterwards throws. */
  async close(): Promise<void> {
    this.#native?.close();
    this.#native = undefined;
  }
}
