// SPDX-License-Identifier: Apache-2.0
// A V2 checkpoint's `.index` file: the BundleHeaderProto under key "" and one BundleEntryProto per tensor
// (tensorflow/core/util/tensor_bundle). Read in TypeScript because the C API has no checkpoint reader; the
// values themselves are read by TensorFlow (RestoreV2, see tensor-loader.ts).
import * as fs from 'fs';
import * as path from 'path';
import { DType, dtypeFromNumber } from '../base/dtypes';
import {
  DataLossError,
  InvalidArgumentError,
  NotFoundError,
  TFError,
} from '../binding/errors';
import { decode, toNumber } from '../proto';
import { fileError } from './checkpoint-files';
import { readTable } from './table-reader';

/** TensorFlow's names for the checkpoint dtypes that have no host representation here. */
const OTHER_DTYPE_NAMES: Record<number, string> = {
  11: 'qint8',
  12: 'quint8',
  13: 'qint32',
  15: 'qint16',
  16: 'quint16',
  24: 'float8_e5m2',
  25: 'float8_e4m3fn',
  26: 'float8_e4m3fnuz',
  27: 'float8_e4m3b11fnuz',
  28: 'float8_e5m2fnuz',
  29: 'int4',
  30: 'uint4',
};

/** A dtype as a checkpoint stores it: a DType, or TensorFlow's name for one node-libtensorflow cannot hold. */
export type CheckpointDType = DType | 'qint8' | 'quint8' | 'qint32' | 'qint16' | 'quint16' | (string & {});

/** What the index says about one tensor. */
export interface CheckpointEntry {
  name: string;
  dtype: CheckpointDType;
  /** Whether `dtype` is a DType a Tensor can hold. */
  readable: boolean;
  shape: number[];
  /** Data file number, offset and byte length, for unpartitioned tensors. */
  shardId: number;
  offset: number;
  size: number;
  /** Number of slices for a tensor saved in parts (a partitioned variable); 0 otherwise. */
  numSlices: number;
}

export interface CheckpointIndex {
  prefix: string;
  numShards: number;
  endianness: 'little' | 'big';
  /** Tensors by name, in the index's (sorted) order. Slice entries of partitioned tensors are left out. */
  entries: Map<string, CheckpointEntry>;
}

const VERSION_CONSUMER = 1; // kTensorBundleVersion
const VERSION_MIN_PRODUCER = 0; // kTensorBundleMinProducer

/** The file holding shard `shard` of `numShards` (TensorFlow's DataFilename). */
export function dataFilename(prefix: string, shard: number, numShards: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${prefix}.data-${pad(shard)}-of-${pad(numShards)}`;
}

/** Why `prefix` is not a checkpoint, with a hint for the usual mistakes. */
function notACheckpoint(prefix: string): TFError {
  let hint = '';
  const stripped = prefix.replace(/\.(index|meta|data-\d{5}-of-\d{5})$/, '');
  if (stripped !== prefix && fs.existsSync(`${stripped}.index`)) {
    hint = `; pass the checkpoint prefix '${stripped}', not one of its files`;
  } else if (isDirectory(prefix)) {
    hint = '; it is a directory: pass a checkpoint prefix (tf.train.latestCheckpoint(dir) gives the latest one in a directory)';
  }
  return new NotFoundError(`'${prefix}' is not a checkpoint: '${prefix}.index' does not exist${hint}`);
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Whether a V2 checkpoint with this prefix exists (its `.index` file does). */
export function checkpointExists(prefix: string): boolean {
  try {
    return fs.statSync(`${prefix}.index`).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads and validates a checkpoint's index.
 * @throws NotFoundError when `prefix.index` does not exist; DataLossError when it is corrupt or truncated;
 *   InvalidArgumentError for a checkpoint written by an incompatible format version.
 */
export function readCheckpointIndex(prefix: string): CheckpointIndex {
  const file = `${prefix}.index`;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw notACheckpoint(prefix);
    }
    throw fileError(err, `Cannot read checkpoint index '${file}'`);
  }
  return parseCheckpointIndex(bytes, prefix);
}

/** @internal Parses index bytes (exported for tests that corrupt them). */
export function parseCheckpointIndex(bytes: Buffer, prefix: string): CheckpointIndex {
  const file = `${prefix}.index`;
  const table = readTable(bytes, file);
  const corrupt = (message: string) => new DataLossError(`Corrupted checkpoint index ${file}: ${message}`);
  if (table.length === 0 || table[0].key.length !== 0) {
    throw corrupt('failed to seek to header entry (the table has no header under key "")');
  }
  let header: Record<string, any>;
  try {
    header = decode('BundleHeaderProto', table[0].value);
  } catch (err) {
    throw corrupt(`unable to parse header (${(err as Error).message})`);
  }
  const version = header.version ?? {};
  const producer = toNumber(version.producer);
  const minConsumer = toNumber(version.min_consumer);
  if (producer < VERSION_MIN_PRODUCER) {
    throw new InvalidArgumentError(`Checkpoint ${prefix}: producer version ${producer} is below the minimum ${VERSION_MIN_PRODUCER}; please regenerate the checkpoint`);
  }
  if (minConsumer > VERSION_CONSUMER) {
    throw new InvalidArgumentError(`Checkpoint ${prefix}: min consumer version ${minConsumer} is above the version this TensorFlow reads (${VERSION_CONSUMER}); it was written by a newer format`);
  }
  if ((version.bad_consumers ?? []).map(toNumber).includes(VERSION_CONSUMER)) {
    throw new InvalidArgumentError(`Checkpoint ${prefix} disallows consumer version ${VERSION_CONSUMER}`);
  }
  const numShards = header.num_shards ?? 0;
  if (!(numShards >= 1)) throw corrupt(`the header gives ${numShards} data shards`);

  const entries = new Map<string, CheckpointEntry>();
  for (let i = 1; i < table.length; i++) {
    const { key, value } = table[i];
    // Slices of partitioned tensors are stored under binary keys that start with a 0 byte (TensorFlow's
    // EncodeTensorNameSlice); the full tensor's own entry lists them.
    if (key.length > 0 && key[0] === 0) continue;
    const name = key.toString('utf8');
    let proto: Record<string, any>;
    try {
      proto = decode('BundleEntryProto', value);
    } catch {
      throw corrupt(`entry for key '${name}' is not parseable`);
    }
    const dtypeNumber: number = proto.dtype ?? 0;
    let dtype: CheckpointDType;
    let readable = true;
    try {
      dtype = dtypeFromNumber(dtypeNumber);
      if (dtypeNumber > 100) throw new TypeError('reference dtype');
    } catch {
      const other = OTHER_DTYPE_NAMES[dtypeNumber];
      if (other === undefined) throw corrupt(`entry '${name}' has invalid dtype ${dtypeNumber}`);
      dtype = other;
      readable = false;
    }
    if (dtype === 'resource') throw corrupt(`entry '${name}' has dtype resource, which checkpoints never hold`);
    if (dtype === 'variant') readable = false;
    const shapeProto = proto.shape ?? {};
    if (shapeProto.unknown_rank) throw corrupt(`invalid tensor shape for '${name}' (unknown rank)`);
    const shape = (shapeProto.dim ?? []).map((d: { size: unknown }) => toNumber(d.size));
    if (shape.some((d: number) => !Number.isSafeInteger(d) || d < 0)) {
      throw corrupt(`invalid tensor shape for '${name}': [${shape.join(', ')}]`);
    }
    const numSlices = (proto.slices ?? []).length;
    const shardId = proto.shard_id ?? 0;
    if (numSlices === 0 && (shardId < 0 || shardId >= numShards)) {
      throw corrupt(`entry '${name}' is in data shard ${shardId} but the checkpoint has ${numShards}`);
    }
    entries.set(name, {
      name,
      dtype,
      readable,
      shape,
      shardId,
      offset: toNumber(proto.offset),
      size: toNumber(proto.size),
      numSlices,
    });
  }
  return { prefix, numShards, endianness: header.endianness === 1 ? 'big' : 'little', entries };
}

/**
 * Checks that every data file exists and is long enough for the entries stored in it, so that a truncated
 * checkpoint is reported as DataLossError before TensorFlow reads it (its own reader reports some truncations
 * as OutOfRange).
 * @throws DataLossError naming the file.
 */
export function checkDataFiles(index: CheckpointIndex, names?: Iterable<string>): void {
  const needed = new Array<number>(index.numShards).fill(0);
  const used = new Array<boolean>(index.numShards).fill(false);
  const list = names ? [...names].map((n) => index.entries.get(n)).filter((e): e is CheckpointEntry => e !== undefined) : index.entries.values();
  for (const entry of list) {
    if (entry.numSlices > 0) continue; // slices are entries of their own, checked by TensorFlow when read
    used[entry.shardId] = true;
    needed[entry.shardId] = Math.max(needed[entry.shardId], entry.offset + entry.size);
  }
  for (let shard = 0; shard < index.numShards; shard++) {
    if (!used[shard] && names) continue;
    const file = dataFilename(index.prefix, shard, index.numShards);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new DataLossError(`Checkpoint ${index.prefix} is incomplete: its data file ${path.basename(file)} is missing`);
      }
      throw fileError(err, `Cannot read checkpoint data file '${file}'`);
    }
    if (size < needed[shard]) {
      throw new DataLossError(`Checkpoint ${index.prefix} is truncated: ${path.basename(file)} has ${size} bytes but its entries need ${needed[shard]}`);
    }
  }
}
