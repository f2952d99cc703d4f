// SPDX-License-Identifier: Apache-2.0
// A writer of TensorFlow's table format (the `.index` of a checkpoint) for tests: it rebuilds indexes with
// small blocks and snappy-compressed blocks, which TensorFlow's bundle writer does not produce but its
// reader accepts, so that both readers can be checked on them.
import * as snappy from 'snappyjs';
import { maskedCrc32c } from '../../lib/checkpoint/table-reader';

/** Snappy compression, by the same package the reader decompresses with. */
function snappyCompress(src: Uint8Array): Buffer {
  return Buffer.from(snappy.compress(src));
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function buildBlock(entries: Array<[Buffer, Buffer]>, restartInterval: number): Buffer {
  const parts: Buffer[] = [];
  const restarts: number[] = [];
  let size = 0;
  let previous = Buffer.alloc(0);
  entries.forEach(([key, value], i) => {
    let shared = 0;
    if (i % restartInterval === 0) restarts.push(size);
    else while (shared < Math.min(previous.length, key.length) && previous[shared] === key[shared]) shared++;
    const head = Buffer.from([...varint(shared), ...varint(key.length - shared), ...varint(value.length)]);
    const part = Buffer.concat([head, key.subarray(shared), value]);
    parts.push(part);
    size += part.length;
    previous = key;
  });
  if (restarts.length === 0) restarts.push(0);
  return Buffer.concat([...parts, ...restarts.map(u32), u32(restarts.length)]);
}

/** A table holding `entries` (sorted by key), with data blocks of about `blockSize` bytes. */
export function buildTable(
  entries: Array<[Buffer, Buffer]>,
  options: {
    blockSize?: number;
    snappy?: boolean;
    /** rewrites each stored block before its checksum */
    mutateBlock?: (stored: Buffer) => Buffer;
  } = {},
): Buffer {
  const blockSize = options.blockSize ?? 4096;
  const file: Buffer[] = [];
  let offset = 0;
  const writeBlock = (contents: Buffer): Buffer => {
    let compressed = options.snappy ? snappyCompress(contents) : contents;
    if (options.mutateBlock) compressed = options.mutateBlock(compressed);
    const type = Buffer.from([options.snappy ? 1 : 0]);
    const crc = maskedCrc32c(Buffer.concat([compressed, type]));
    const handle = Buffer.from([...varint(offset), ...varint(compressed.length)]);
    file.push(compressed, type, u32(crc));
    offset += compressed.length + 5;
    return handle;
  };
  const index: Array<[Buffer, Buffer]> = [];
  let block: Array<[Buffer, Buffer]> = [];
  let size = 0;
  const flush = () => {
    if (block.length === 0) return;
    index.push([block[block.length - 1][0], writeBlock(buildBlock(block, 16))]);
    block = [];
    size = 0;
  };
  for (const entry of entries) {
    block.push(entry);
    size += entry[0].length + entry[1].length + 3;
    if (size >= blockSize) flush();
  }
  flush();
  const metaindex = writeBlock(buildBlock([], 16));
  const indexHandle = writeBlock(buildBlock(index, 1));
  const footer = Buffer.alloc(48);
  Buffer.concat([metaindex, indexHandle]).copy(footer);
  footer.writeUInt32LE(0x8b80fb57, 40);
  footer.writeUInt32LE(0xdb477524, 44);
  return Buffer.concat([...file, footer]);
}
