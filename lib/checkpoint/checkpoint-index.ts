// SPDX-License-Identifier: Apache-2.0
// A V2 checkpoint's `.index` file (tensorflow/core/util/tensor_bundle): the BundleHeaderProto under key ""
// and one BundleEntryProto per tensor. TensorFlow's own reader (checkpoint-reader.ts) lists and reads
// checkpoints; this index is parsed here only for the checks TensorFlow does not make before it reads an
// entry, each of which otherwise crashes or exhausts the process (see checkEntries).
import * as fs from 'fs';
import * as path from 'path';
import { ARRAY_TYPES, DType, dtypeFromNumber, valuesPerElement } from '../base/dtypes';
import { DataLossError, NotFoundError, TFError } from '../binding/errors';
import { decode, toNumber } from '../proto';
import { fileError, recoverInterruptedSave } from './checkpoint-files';
import { readTable } from './table-reader';
import { readVarint, varintEnd } from '../proto/wire';

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

/** A TF_DataType number as a CheckpointDType, and whether a Tensor can hold it. */
export function checkpointDType(n: number): { dtype: CheckpointDType; readable: boolean } {
  if (n > 0 && n < 100 && n !== 20 && n !== 21) {
    try {
      return { dtype: dtypeFromNumber(n), readable: true };
    } catch {
      // not a DType: one of TensorFlow's other names below
    }
  }
  if (n === 21) return { dtype: 'variant', readable: false };
  if (n === 20) return { dtype: 'resource', readable: false };
  return { dtype: OTHER_DTYPE_NAMES[n] ?? `dtype(${n})`, readable: false };
}

/** Where the index says one tensor's bytes are. */
interface IndexEntry {
  dtype: number;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  /** Slices of a tensor saved in parts; they are entries of their own, checked when read. */
  numSlices: number;
}

/** The BundleEntryProto fields read here. */
interface BundleEntry {
  dtype?: number;
  shape?: { dim?: Array<{ size: unknown }> };
  shard_id?: number;
  offset?: unknown;
  size?: unknown;
  slices?: unknown[];
}

/** The parts of an index that the checks before a read need. */
export interface CheckpointIndex {
  prefix: string;
  numShards: number;
  entries: Map<string, IndexEntry>;
}

/** The file holding shard `shard` of `numShards` (TensorFlow's DataFilename). */
export function dataFilename(prefix: string, shard: number, numShards: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${prefix}.data-${pad(shard)}-of-${pad(numShards)}`;
}

/** Why `prefix` is not a checkpoint prefix when it names a checkpoint's file or a directory; '' otherwise. */
export function checkpointHint(prefix: string): string {
  const stripped = prefix.replace(/\.(index|meta|data-\d{5}-of-\d{5})$/, '');
  if (stripped !== prefix && fs.existsSync(`${stripped}.index`)) return `pass the checkpoint prefix '${stripped}', not one of its files`;
  if (isDirectory(prefix)) {
    return 'it is a directory: pass a checkpoint prefix (tf.train.latestCheckpoint(dir) gives the latest one in a directory)';
  }
  return '';
}

/** Why `prefix` is not a checkpoint, with a hint for the usual mistakes. */
export function notACheckpoint(prefix: string, detail = `'${prefix}.index' does not exist`): TFError {
  const hint = checkpointHint(prefix);
  return new NotFoundError(`'${prefix}' is not a checkpoint: ${detail}${hint ? `; ${hint}` : ''}`);
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
 * Reads a V2 checkpoint's index, or null when `prefix.index` does not exist (a V1 checkpoint, or none).
 * @throws DataLossError when it is corrupt; a TFError for other file-system failures.
 */
export function readCheckpointIndex(prefix: string): CheckpointIndex | null {
  const file = `${prefix}.index`;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw fileError(err, `Cannot read checkpoint index '${file}'`);
  }
  return parseCheckpointIndex(bytes, prefix);
}

/** @internal Parses index bytes (exported for tests that corrupt them). */
export function parseCheckpointIndex(bytes: Buffer, prefix: string): CheckpointIndex {
  const file = `${prefix}.index`;
  const table = readTable(bytes, file);
  const corrupt = (message: string) => new DataLossError(`Corrupted checkpoint index ${file}: ${message}`);
  if (table.length === 0 || table[0].key.length !== 0) throw corrupt('the table has no header under key ""');
  let header: Record<string, unknown>;
  try {
    header = decode('BundleHeaderProto', table[0].value);
  } catch (err) {
    throw corrupt(`unable to parse header (${(err as Error).message})`);
  }
  const numShards = Number(header.num_shards ?? 0);
  if (!(numShards >= 1)) throw corrupt(`the header gives ${numShards} data shards`);
  const entries = new Map<string, IndexEntry>();
  for (let i = 1; i < table.length; i++) {
    const { key, value } = table[i];
    // Slices of partitioned tensors are stored under binary keys that start with a 0 byte (TensorFlow's
    // EncodeTensorNameSlice); the full tensor's own entry lists them.
    if (key.length > 0 && key[0] === 0) continue;
    const name = key.toString('utf8');
    let proto: BundleEntry;
    try {
      proto = decode<BundleEntry>('BundleEntryProto', value);
    } catch {
      throw corrupt(`entry for key '${name}' is not parseable`);
    }
    const shape = (proto.shape?.dim ?? []).map((d) => toNumber(d.size));
    entries.set(name, {
      dtype: proto.dtype ?? 0,
      shape,
      shardId: proto.shard_id ?? 0,
      offset: toNumber(proto.offset),
      size: toNumber(proto.size),
      numSlices: (proto.slices ?? []).length,
    });
  }
  return { prefix, numShards, entries };
}

/**
 * The checks TensorFlow's bundle reader does not make before it allocates and reads an entry, made for the
 * entries `names` (all when omitted): the data file exists and holds the entry's bytes (a huge `num_shards`
 * or a missing file is lost data, not an allocation); a fixed-size tensor's byte size matches its shape (a
 * forged shape would allocate it); a string tensor's element lengths, read from the data file, fit in its
 * entry (TensorFlow allocates each declared length first, and a 2^40-byte one is a SIGSEGV).
 * @throws DataLossError naming the checkpoint, the tensor and the file.
 */
export function checkEntries(index: CheckpointIndex, names?: Iterable<string>): void {
  const sizes = new Map<number, number>();
  const fileSize = (shard: number): number => {
    let size = sizes.get(shard);
    if (size !== undefined) return size;
    const file = dataFilename(index.prefix, shard, index.numShards);
    try {
      size = fs.statSync(file).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new DataLossError(`Checkpoint ${index.prefix} is incomplete: its data file ${path.basename(file)} is missing`);
      }
      throw fileError(err, `Cannot read checkpoint data file '${file}'`);
    }
    sizes.set(shard, size);
    return size;
  };
  for (const name of names ?? index.entries.keys()) {
    const entry = index.entries.get(name);
    if (!entry || entry.numSlices > 0) continue;
    const lost = (why: string) => new DataLossError(`Checkpoint ${index.prefix}: tensor '${name}' ${why}`);
    if (entry.shardId < 0 || entry.shardId >= index.numShards) {
      throw lost(`is in data shard ${entry.shardId}, but the checkpoint has ${index.numShards}`);
    }
    const elements = entry.shape.reduce((n, d) => n * d, 1);
    if (entry.shape.some((d) => !Number.isSafeInteger(d) || d < 0) || !Number.isSafeInteger(elements)) {
      throw lost(`has an invalid shape [${entry.shape.join(', ')}]`);
    }
    const available = fileSize(entry.shardId);
    if (entry.offset + entry.size > available) {
      const file = path.basename(dataFilename(index.prefix, entry.shardId, index.numShards));
      throw lost(`is truncated: ${file} has ${available} bytes but the tensor's entry needs ${entry.offset + entry.size}`);
    }
    const { dtype, readable } = checkpointDType(entry.dtype);
    if (!readable) continue;
    if (dtype === 'string') checkStringLengths(index, name, entry, elements, lost);
    else {
      const bytes = elements * ARRAY_TYPES[dtype as DType]!.BYTES_PER_ELEMENT * valuesPerElement(dtype as DType);
      if (bytes !== entry.size) throw lost(`of shape [${entry.shape.join(', ')}] needs ${bytes} bytes, but its entry holds ${entry.size}`);
    }
  }
}

/** A string tensor's data: a varint64 length per element, a 4-byte checksum of them, then the bytes. */
function checkStringLengths(index: CheckpointIndex, name: string, entry: IndexEntry, elements: number, lost: (why: string) => Error): void {
  if (elements === 0) return;
  // Each element takes at least one length byte: more elements than bytes is a forged shape.
  if (elements + 4 > entry.size) throw lost(`has ${elements} string elements but its entry holds only ${entry.size} bytes`);
  const head = Buffer.alloc(Math.min(entry.size, elements * 10));
  const file = dataFilename(index.prefix, entry.shardId, index.numShards);
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    fs.readSync(fd, head, 0, head.length, entry.offset);
  } catch (err) {
    throw fileError(err, `Cannot read checkpoint data file '${file}'`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  let pos = 0;
  let total = 0;
  for (let i = 0; i < elements; i++) {
    try {
      total += readVarint(head, pos, head.length);
    } catch {
      throw lost('has malformed string lengths');
    }
    pos = varintEnd();
  }
  if (pos + 4 + total > entry.size) {
    throw lost(`declares ${total} bytes of strings, more than the ${entry.size - pos - 4} its entry holds`);
  }
}

/**
 * Completes or discards what a save to `prefix` killed half-way left behind (see recoverInterruptedSave), so
 * that the checkpoint at `prefix` is whole before it is read or replaced.
 */
export function recoverCheckpoint(prefix: string): void {
  recoverInterruptedSave(prefix, (temp) => {
    try {
      return readCheckpointIndex(temp)?.numShards ?? null;
    } catch {
      return null; // a corrupt temporary index is discarded
    }
  });
}
