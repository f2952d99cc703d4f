// SPDX-License-Identifier: Apache-2.0
// The protobuf wire format, for the code that reads or writes TensorFlow's messages without protobufjs: the
// copy's GraphDef index (lib/copy), the import's pre-checks (lib/graph/graph-import.ts), the OpDef signature
// reader (lib/ops/op-def-wire.ts, which must not load protobufjs) and the MetaGraphDef's graph_def splice.
// Decoding a large GraphDef with protobufjs costs as much as TensorFlow's whole import; walking its bytes
// costs a fraction of it.
//
// Two ways to read. The hot loops (one pass per node of a 100,000-node graph) keep their position in a local:
// `readVarint(buf, pos, end)` returns the value and leaves the position after it in `varintEnd()`, so a
// varint costs no allocation. Everything else reads through a `WireCursor`, a plain object literal: V8 keeps
// the map of an object literal holding only numbers and typed arrays for the life of the program, while a
// class's maps die with its last instance and take the loops compiled for them along (lib/copy/node-index.ts).

/** Wire types (the low three bits of a tag). Groups (3, 4) are not used by TensorFlow's messages. */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** The tag of field `field` (< 2^28) with wire type `wire`. */
export function fieldTag(field: number, wire: number): number {
  return (field << 3) | wire;
}

/** The error every reader here throws for bytes that are not a well-formed message. */
export function malformed(what: string): RangeError {
  return new RangeError(`Malformed protobuf message: ${what}`);
}

// ---- positional reading (hot loops) ----

// Where the last readVarint stopped: a module variable spares the hot loops an allocation per varint.
let lastEnd = 0;

/**
 * The varint at `pos` (tags, lengths and values; exact up to 2^53, larger values approximate, which is right
 * for values that are only skipped). The position after it is `varintEnd()`.
 * @throws RangeError when it runs past `end` or past ten bytes.
 */
export function readVarint(buf: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let shift = 0;
  let b: number;
  do {
    if (pos >= end) throw malformed(`a truncated varint at byte ${pos}`);
    if (shift > 63) throw malformed(`a varint longer than ten bytes at byte ${pos}`);
    b = buf[pos++];
    if (shift < 28) value |= (b & 0x7f) << shift;
    else value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  lastEnd = pos;
  return value;
}

/** The position after the varint that the last `readVarint` read. */
export function varintEnd(): number {
  return lastEnd;
}

/**
 * The position after the value of a field of wire type `wire` whose tag ended at `pos`.
 * @throws RangeError for an unknown wire type or a value that runs past `end`.
 */
export function skipField(buf: Uint8Array, pos: number, wire: number, end: number): number {
  switch (wire) {
    case WIRE_VARINT:
      readVarint(buf, pos, end);
      pos = lastEnd;
      break;
    case WIRE_I64:
      pos += 8;
      break;
    case WIRE_LEN:
      pos = readVarint(buf, pos, end) + lastEnd;
      break;
    case WIRE_I32:
      pos += 4;
      break;
    default:
      throw malformed(`wire type ${wire} at byte ${pos}`);
  }
  if (pos > end) throw malformed('a field runs past its message');
  return pos;
}

// ---- cursor reading ----

/** A position in one message's bytes [pos, end) of `buf`. */
export interface WireCursor {
  buf: Uint8Array;
  pos: number;
  end: number;
}

export function wireCursor(buf: Uint8Array, start = 0, end = buf.length): WireCursor {
  if (end > buf.length) throw malformed('a message runs past its buffer');
  return { buf, pos: start, end };
}

/** Whether the cursor has fields left. */
export function hasMore(c: WireCursor): boolean {
  return c.pos < c.end;
}

/** The next varint (see readVarint). */
export function nextVarint(c: WireCursor): number {
  const v = readVarint(c.buf, c.pos, c.end);
  c.pos = lastEnd;
  return v;
}

/** The next tag. @throws RangeError for field number 0, which no message has. */
export function nextTag(c: WireCursor): number {
  const tag = nextVarint(c);
  if (tag < 8) throw malformed(`field number 0 at byte ${c.pos}`);
  return tag;
}

/** The next varint as an unsigned 64-bit integer, exactly (BigInt.asIntN(64, v) gives int64 fields). */
export function nextVarint64(c: WireCursor): bigint {
  let value = 0n;
  let shift = 0n;
  let b: number;
  do {
    if (c.pos >= c.end) throw malformed(`a truncated varint at byte ${c.pos}`);
    if (shift > 63n) throw malformed(`a varint longer than ten bytes at byte ${c.pos}`);
    b = c.buf[c.pos++];
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  } while (b & 0x80);
  return BigInt.asUintN(64, value);
}

/** Reads a length prefix; returns the end of the payload, which starts at `c.pos`. */
export function nextLength(c: WireCursor): number {
  const n = nextVarint(c);
  const e = c.pos + n;
  if (e > c.end) throw malformed('a field runs past its message');
  return e;
}

/** Skips the value of a field of wire type `wire` (its tag just read). */
export function skipValue(c: WireCursor, wire: number): void {
  c.pos = skipField(c.buf, c.pos, wire, c.end);
}

/** The payload of the length-delimited value at the cursor (a view, not a copy). */
export function nextBytes(c: WireCursor): Uint8Array {
  const e = nextLength(c);
  const bytes = c.buf.subarray(c.pos, e);
  c.pos = e;
  return bytes;
}

const utf8 = new TextDecoder('utf-8');

/** The UTF-8 text of bytes [start, end) (Buffer's decoder when the bytes are a Buffer, which is faster). */
export function textAt(buf: Uint8Array, start: number, end: number): string {
  return Buffer.isBuffer(buf) ? buf.toString('utf8', start, end) : utf8.decode(buf.subarray(start, end));
}

/** The length-delimited value at the cursor as UTF-8 text. */
export function nextString(c: WireCursor): string {
  const e = nextLength(c);
  const s = textAt(c.buf, c.pos, e);
  c.pos = e;
  return s;
}

/** A cursor over the sub-message at the cursor, which moves past it. */
export function nextMessage(c: WireCursor): WireCursor {
  const e = nextLength(c);
  const sub = { buf: c.buf, pos: c.pos, end: e };
  c.pos = e;
  return sub;
}

/**
 * Calls `fn` for each field of the message in bytes [start, end) with its number, wire type and value's
 * range: a length-delimited value's payload, or the bytes of a varint or fixed-width value.
 * @throws RangeError for malformed bytes.
 */
export function forEachField(
  buf: Uint8Array,
  start: number,
  end: number,
  fn: (field: number, wire: number, from: number, to: number) => void,
): void {
  const c = wireCursor(buf, start, end);
  while (c.pos < end) {
    const tag = nextTag(c);
    const wire = tag & 7;
    if (wire === WIRE_LEN) {
      const e = nextLength(c);
      const s = c.pos;
      c.pos = e;
      fn(tag >>> 3, wire, s, e);
    } else {
      const s = c.pos;
      skipValue(c, wire);
      fn(tag >>> 3, wire, s, c.pos);
    }
  }
}

/** Whether bytes [start, end) of `buf` are the ASCII text `ascii`. */
export function equalsAscii(buf: Uint8Array, start: number, end: number, ascii: string): boolean {
  if (end - start !== ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[start + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

// ---- writing ----

/** How many bytes the varint of `n` (a non-negative safe integer) takes. */
export function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** Writes the varint of `n` (a non-negative safe integer) at `pos`; returns the position after it. */
export function writeVarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

/** A varint field: tag and value. */
export function varintField(field: number, value: number): Uint8Array {
  const tag = fieldTag(field, WIRE_VARINT);
  const out = new Uint8Array(varintLength(tag) + varintLength(value));
  writeVarint(out, writeVarint(out, 0, tag), value);
  return out;
}

/** An int64 varint field for any int64 (negative values take ten bytes, two's complement, as protobuf writes them). */
export function varintField64(field: number, value: bigint): Uint8Array {
  let v = BigInt.asUintN(64, value);
  const bytes = [...varintField(field, 0).subarray(0, varintLength(fieldTag(field, WIRE_VARINT)))];
  while (v >= BigInt(0x80)) {
    bytes.push(Number(v & BigInt(0x7f)) | 0x80);
    v >>= BigInt(7);
  }
  bytes.push(Number(v));
  return Uint8Array.from(bytes);
}

/** How many bytes a length-delimited field of a `payloadLength`-byte payload takes. */
export function lengthDelimitedSize(field: number, payloadLength: number): number {
  return varintLength(fieldTag(field, WIRE_LEN)) + varintLength(payloadLength) + payloadLength;
}

/** Writes a length-delimited field (tag, length, payload) at `pos`; returns the position after it. */
export function writeLengthDelimited(out: Uint8Array, pos: number, field: number, payload: Uint8Array): number {
  pos = writeVarint(out, pos, fieldTag(field, WIRE_LEN));
  pos = writeVarint(out, pos, payload.length);
  out.set(payload, pos);
  return pos + payload.length;
}

/** A length-delimited field: tag, length, payload. */
export function lengthDelimited(field: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(lengthDelimitedSize(field, payload.length));
  writeLengthDelimited(out, 0, field, payload);
  return out;
}

/** The parts one after the other (a message's fields concatenate into the message). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
