// SPDX-License-Identifier: Apache-2.0
// A writer of TensorFlow's table format (the `.index` of a checkpoint) for tests: it rebuilds indexes with
// small blocks and snappy-compressed blocks, which TensorFlow's bundle writer does not produce but its
// reader accepts, so that both readers can be checked on them.
import { crc32c, maskCrc } from '../../lib/checkpoint/crc32c';

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

/**
 * Snappy compression (greedy, 4-byte hash matches), emitting literals and all three copy element kinds so
 * that a decoder is exercised on each.
 */
export function snappyCompress(src: Uint8Array): Buffer {
  const out: number[] = [...varint(src.length)];
  const literal = (from: number, to: number) => {
    let n = to - from;
    let p = from;
    while (n > 0) {
      const len = Math.min(n, 65536);
      if (len <= 60) out.push((len - 1) << 2);
      else if (len <= 256) out.push(60 << 2, len - 1);
      else out.push(61 << 2, (len - 1) & 0xff, (len - 1) >> 8);
      for (let i = 0; i < len; i++) out.push(src[p + i]);
      p += len;
      n -= len;
    }
  };
  const copy = (offset: number, len: number) => {
    while (len > 0) {
      const n = Math.min(len, 64);
      if (n >= 4 && n <= 11 && offset < 2048) out.push(1 | ((n - 4) << 2) | ((offset >> 8) << 5), offset & 0xff);
      else if (offset < 65536 && n % 2 === 0) out.push(2 | ((n - 1) << 2), offset & 0xff, offset >> 8);
      else out.push(3 | ((n - 1) << 2), offset & 0xff, (offset >> 8) & 0xff, (offset >> 16) & 0xff, 0);
      len -= n;
    }
  };
  const table = new Map<number, number>();
  let emitted = 0;
  let i = 0;
  while (i + 4 <= src.length) {
    const key = src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | (src[i + 3] << 24);
    const candidate = table.get(key);
    table.set(key, i);
    if (candidate !== undefined && i - candidate < 1 << 24) {
      let len = 4;
      while (i + len < src.length && src[candidate + len] === src[i + len]) len++;
      literal(emitted, i);
      copy(i - candidate, len);
      i += len;
      emitted = i;
    } else {
      i++;
    }
  }
  literal(emitted, src.length);
  return Buffer.from(out);
}

/** A table holding `entries` (sorted by key), with data blocks of about `blockSize` bytes. */
export function buildTable(
  entries: Array<[Buffer, Buffer]>,
  options: { blockSize?: number; snappy?: boolean; /** rewrites each stored block before its checksum */ mutateBlock?: (stored: Buffer) => Buffer } = {},
): Buffer {
  const blockSize = options.blockSize ?? 4096;
  const file: Buffer[] = [];
  let offset = 0;
  const writeBlock = (contents: Buffer): Buffer => {
    let compressed = options.snappy ? snappyCompress(contents) : contents;
    if (options.mutateBlock) compressed = options.mutateBlock(compressed);
    const type = Buffer.from([options.snappy ? 1 : 0]);
    const crc = maskCrc(crc32c(Buffer.concat([compressed, type])));
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
