// SPDX-License-Identifier: Apache-2.0
// Snappy decompression (the raw block format, github.com/google/snappy format_description.txt). TensorFlow's
// table format allows snappy-compressed blocks; its bundle writer stores checkpoint indexes uncompressed
// today, but the reader accepts both, and so do we.

/** Thrown for a malformed stream; the caller turns it into a DataLossError naming the file. */
export class SnappyError extends Error {}

function readVarint32(src: Uint8Array, pos: number): [number, number] {
  let result = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    if (pos >= src.length) throw new SnappyError('truncated snappy length');
    const b = src[pos++];
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [result, pos];
  }
  throw new SnappyError('snappy length varint is too long');
}

/** Decompresses one snappy block. @throws SnappyError on malformed input. */
export function snappyUncompress(src: Uint8Array): Uint8Array {
  const [length, start] = readVarint32(src, 0);
  // A literal or copy never expands more than 64x per input byte; reject absurd lengths before allocating.
  if (length > src.length * 64 + 64) throw new SnappyError(`snappy length ${length} is implausible for ${src.length} input bytes`);
  const out = new Uint8Array(length);
  let op = 0;
  let ip = start;
  while (ip < src.length) {
    const tag = src[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = len - 59;
        if (ip + bytes > src.length) throw new SnappyError('truncated snappy literal length');
        len = 0;
        for (let i = 0; i < bytes; i++) len += src[ip + i] * 2 ** (8 * i);
        ip += bytes;
      }
      len += 1;
      if (ip + len > src.length || op + len > length) throw new SnappyError('snappy literal runs past the end');
      out.set(src.subarray(ip, ip + len), op);
      ip += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (ip + 1 > src.length) throw new SnappyError('truncated snappy copy');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[ip];
      ip += 1;
    } else if (kind === 2) {
      if (ip + 2 > src.length) throw new SnappyError('truncated snappy copy');
      len = (tag >>> 2) + 1;
      offset = src[ip] | (src[ip + 1] << 8);
      ip += 2;
    } else {
      if (ip + 4 > src.length) throw new SnappyError('truncated snappy copy');
      len = (tag >>> 2) + 1;
      offset = (src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16)) + src[ip + 3] * 2 ** 24;
      ip += 4;
    }
    if (offset === 0 || offset > op || op + len > length) throw new SnappyError('snappy copy out of range');
    // Copies may overlap their own output (offset < len repeats a pattern): byte by byte.
    for (let i = 0; i < len; i++, op++) out[op] = out[op - offset];
  }
  if (op !== length) throw new SnappyError(`snappy block holds ${op} bytes but its header says ${length}`);
  return out;
}
