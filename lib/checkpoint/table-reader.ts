// SPDX-License-Identifier: Apache-2.0
// Reader for TensorFlow's immutable table format (tensorflow/core/lib/io/table, LevelDB's SSTable), the
// format of a V2 checkpoint's `.index` file. Layout, from the end: a 48-byte footer (metaindex and index
// block handles, padding, magic number); the index block maps separator keys to data block handles; each
// block is prefix-compressed entries followed by restart offsets, and has a 5-byte trailer (compression
// type, masked CRC-32C of contents + type). Every failure is a DataLossError naming the file.
//
// TensorFlow's own reader (TF_CheckpointReader) lists and reads checkpoints; this one remains because the C
// API gives no entry's offset and size in the data file, which the checks before a read need (see
// checkpoint-index.ts: TensorFlow crashes on some entries it does not check itself). CRC-32C and snappy
// come from maintained packages (crc-32, snappyjs).
import * as CRC32C from 'crc-32/crc32c';
import * as snappy from 'snappyjs';
import { DataLossError } from '../binding/errors';
import { readVarint, varintEnd } from '../proto/wire';

const MASK_DELTA = 0xa282ead8;

/** LevelDB's masked CRC-32C, as tables store it (rotated and offset, so that CRCs of CRCs stay distributed). */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = CRC32C.buf(bytes) >>> 0;
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

const FOOTER_LENGTH = 48; // 2 block handles of at most 20 bytes, padded, + 8-byte magic
const BLOCK_TRAILER_LENGTH = 5;
const MAGIC_LO = 0x8b80fb57; // kTableMagicNumber 0xdb4775248b80fb57, little-endian
const MAGIC_HI = 0xdb477524;
const NO_COMPRESSION = 0;
const SNAPPY_COMPRESSION = 1;

interface BlockHandle {
  offset: number;
  size: number;
}

/** One key/value pair of a table, in key order. */
export interface TableEntry {
  key: Buffer;
  value: Buffer;
}

class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  /** A varint of at most `maxBytes` bytes (leveldb's block handles and entry headers use protobuf's encoding). */
  varint(what: string, fail: (m: string) => Error, maxBytes = 10): number {
    let value: number;
    try {
      value = readVarint(this.buf, this.pos, Math.min(this.end, this.pos + maxBytes));
    } catch {
      throw fail(`truncated or malformed varint in ${what}`);
    }
    if (!Number.isSafeInteger(value)) throw fail(`varint in ${what} is too large`);
    this.pos = varintEnd();
    return value;
  }
}

/**
 * Parses a whole table held in memory and returns its entries in key order.
 * @param file the file's name, for error messages.
 * @throws DataLossError for a file that is not a table or is corrupt (bad magic, checksum mismatch, entries
 *   running past their block, …).
 */
export function readTable(bytes: Buffer, file: string): TableEntry[] {
  const fail = (message: string) => new DataLossError(`Corrupted checkpoint index ${file}: ${message}`);
  if (bytes.length < FOOTER_LENGTH) {
    const what = `it has ${bytes.length} bytes, fewer than a table footer (${FOOTER_LENGTH})`;
    throw fail(`${what}; the file is truncated or not a checkpoint index`);
  }
  const footer = bytes.length - FOOTER_LENGTH;
  if (bytes.readUInt32LE(footer + 40) !== MAGIC_LO || bytes.readUInt32LE(footer + 44) !== MAGIC_HI) {
    throw fail('not an sstable (bad magic number); the file is truncated or not a checkpoint index');
  }
  const cursor = new Cursor(bytes, footer, footer + 40);
  const handle = (what: string): BlockHandle => {
    const offset = cursor.varint(what, fail);
    const size = cursor.varint(what, fail);
    return { offset, size };
  };
  handle('the metaindex block handle'); // the metaindex block is empty in checkpoint indexes
  const indexHandle = handle('the index block handle');
  const dataEnd = footer;

  const readBlock = (h: BlockHandle, what: string): Buffer => {
    if (h.offset + h.size + BLOCK_TRAILER_LENGTH > dataEnd) {
      throw fail(`${what} at offset ${h.offset} (${h.size} bytes) runs past the end of the data`);
    }
    const contentsAndType = bytes.subarray(h.offset, h.offset + h.size + 1);
    if (bytes.readUInt32LE(h.offset + h.size + 1) !== maskedCrc32c(contentsAndType)) {
      throw fail(`block checksum mismatch in ${what} at offset ${h.offset}`);
    }
    const type = bytes[h.offset + h.size];
    const contents = bytes.subarray(h.offset, h.offset + h.size);
    if (type === NO_COMPRESSION) return contents;
    if (type === SNAPPY_COMPRESSION) {
      try {
        return Buffer.from(snappy.uncompress(contents));
      } catch (err) {
        throw fail(`corrupted snappy compressed block contents in ${what}: ${(err as Error).message}`);
      }
    }
    throw fail(`bad block type ${type} in ${what}`);
  };

  const index = parseBlock(readBlock(indexHandle, 'the index block'), 'the index block', fail);
  const entries: TableEntry[] = [];
  for (const { key, value } of index) {
    const c = new Cursor(value, 0, value.length);
    const h = { offset: c.varint('a data block handle', fail), size: c.varint('a data block handle', fail) };
    const what = `the data block before key '${printable(key)}'`;
    for (const entry of parseBlock(readBlock(h, what), what, fail)) entries.push(entry);
  }
  return entries;
}

/** Decodes the prefix-compressed entries of one block (TensorFlow's table/block.cc). */
function parseBlock(block: Buffer, what: string, fail: (m: string) => Error): TableEntry[] {
  if (block.length < 4) throw fail(`bad block contents in ${what} (${block.length} bytes)`);
  const numRestarts = block.readUInt32LE(block.length - 4);
  const maxRestarts = (block.length - 4) / 4;
  if (numRestarts > maxRestarts) throw fail(`bad block contents in ${what} (${numRestarts} restart points)`);
  const restartsAt = block.length - (1 + numRestarts) * 4;
  for (let i = 0; i < numRestarts; i++) {
    if (block.readUInt32LE(restartsAt + 4 * i) > restartsAt) throw fail(`restart point ${i} of ${what} is out of range`);
  }
  const entries: TableEntry[] = [];
  const c = new Cursor(block, 0, restartsAt);
  let previous = Buffer.alloc(0);
  while (c.pos < restartsAt) {
    const shared = c.varint(what, fail, 5);
    const nonShared = c.varint(what, fail, 5);
    const valueLength = c.varint(what, fail, 5);
    if (shared > previous.length) throw fail(`an entry of ${what} shares ${shared} bytes of a ${previous.length}-byte key`);
    if (c.pos + nonShared + valueLength > restartsAt) throw fail(`an entry of ${what} runs past the end of its block`);
    const key = Buffer.concat([previous.subarray(0, shared), block.subarray(c.pos, c.pos + nonShared)]);
    c.pos += nonShared;
    const value = block.subarray(c.pos, c.pos + valueLength);
    c.pos += valueLength;
    entries.push({ key, value });
    previous = key;
  }
  return entries;
}

function printable(key: Buffer): string {
  return key.toString('utf8').replace(/[^\x20-\x7e]/g, '?');
}
