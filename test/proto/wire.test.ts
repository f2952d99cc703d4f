// SPDX-License-Identifier: Apache-2.0
// lib/proto/wire.ts against protobufjs (an independent encoder and decoder of the same format): what one
// writes the other reads, and malformed bytes are RangeErrors, never a read past the message.
import * as protobuf from 'protobufjs';
import { decode, encode } from '../../lib/proto';
import {
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  concatBytes,
  fieldTag,
  forEachField,
  hasMore,
  lengthDelimited,
  nextBytes,
  nextMessage,
  nextString,
  nextTag,
  nextVarint64,
  readVarint,
  skipField,
  skipValue,
  varintEnd,
  varintField,
  varintLength,
  wireCursor,
  writeVarint,
} from '../../lib/proto/wire';

const VALUES = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 + 5, 2 ** 35 + 7, Number.MAX_SAFE_INTEGER];

describe('varints', () => {
  test('read what protobufjs writes and write what it reads, up to 2^53', () => {
    for (const v of VALUES) {
      const bytes = protobuf.Writer.create().uint64(v).finish();
      expect(readVarint(bytes, 0, bytes.length)).toBe(v);
      expect(varintEnd()).toBe(bytes.length);
      const out = new Uint8Array(varintLength(v));
      expect(writeVarint(out, 0, v)).toBe(out.length);
      expect(out).toEqual(new Uint8Array(bytes));
      const back = protobuf.Reader.create(out).uint64();
      expect(typeof back === 'number' ? back : back.toNumber()).toBe(v);
    }
  });

  test('64-bit values read exactly as BigInt, negative int64 included', () => {
    for (const v of [0n, 1n, 2n ** 53n + 1n, 2n ** 63n + 12345n, 2n ** 64n - 1n]) {
      const bytes = protobuf.Writer.create().uint64(protobuf.util.Long.fromString(v.toString(), true)).finish();
      expect(nextVarint64(wireCursor(bytes))).toBe(v);
    }
    const minus = protobuf.Writer.create().int64(-3).finish();
    expect(minus.length).toBe(10);
    expect(BigInt.asIntN(64, nextVarint64(wireCursor(minus)))).toBe(-3n);
    // The number reader skips the same ten bytes (its value is approximate beyond 2^53).
    readVarint(minus, 0, minus.length);
    expect(varintEnd()).toBe(10);
  });

  test('truncated or over-long varints are RangeErrors', () => {
    expect(() => readVarint(Uint8Array.of(0x80, 0x80), 0, 2)).toThrow(RangeError);
    expect(() => readVarint(Uint8Array.of(0x96, 0x01), 0, 1)).toThrow(/truncated varint/);
    expect(() => readVarint(new Uint8Array(11).fill(0xff), 0, 11)).toThrow(/longer than ten bytes/);
    expect(() => nextVarint64(wireCursor(new Uint8Array(11).fill(0xff)))).toThrow(RangeError);
  });
});

describe('reading messages', () => {
  // A NodeDef with every wire type around the fields read: unknown varint, fixed64 and fixed32 fields.
  const node = concatBytes([
    lengthDelimited(1, new TextEncoder().encode('näme')),
    varintField(99, 2 ** 40),
    Uint8Array.of(fieldTag(98, WIRE_I64) & 0x7f | 0x80, fieldTag(98, WIRE_I64) >>> 7, 1, 2, 3, 4, 5, 6, 7, 8),
    Uint8Array.of(fieldTag(97, WIRE_I32) & 0x7f | 0x80, fieldTag(97, WIRE_I32) >>> 7, 1, 2, 3, 4),
    lengthDelimited(2, new TextEncoder().encode('AddV2')),
    lengthDelimited(3, new TextEncoder().encode('x:0')),
    lengthDelimited(3, new TextEncoder().encode('^y')),
  ]);

  test('protobufjs decodes what the writer assembles, unknown fields kept', () => {
    const decoded = decode('NodeDef', node);
    expect(decoded).toMatchObject({ name: 'näme', op: 'AddV2', input: ['x:0', '^y'] });
    expect(decoded.$unknown).toHaveLength(3);
    // protobufjs writes the unknown fields after the known ones: the same message, another order.
    const again = encode('NodeDef', decoded);
    expect(again.length).toBe(node.length);
    expect(decode('NodeDef', again)).toMatchObject({ name: 'näme', op: 'AddV2', input: ['x:0', '^y'] });
  });

  test('a cursor reads tags, strings and skips every wire type', () => {
    const c = wireCursor(node);
    const seen: Array<[number, string | number]> = [];
    while (hasMore(c)) {
      const tag = nextTag(c);
      if ((tag & 7) === WIRE_LEN) seen.push([tag >>> 3, nextString(c)]);
      else {
        seen.push([tag >>> 3, tag & 7]);
        skipValue(c, tag & 7);
      }
    }
    expect(seen).toEqual([[1, 'näme'], [99, WIRE_VARINT], [98, WIRE_I64], [97, WIRE_I32], [2, 'AddV2'], [3, 'x:0'], [3, '^y']]);
    expect(c.pos).toBe(node.length);
  });

  test('sub-messages and field iteration stay within their bounds', () => {
    const graph = concatBytes([lengthDelimited(1, node), lengthDelimited(1, lengthDelimited(1, Uint8Array.of(0x7a))), varintField(5, 7)]);
    const names: string[] = [];
    const c = wireCursor(graph);
    while (hasMore(c)) {
      const tag = nextTag(c);
      if (tag !== fieldTag(1, WIRE_LEN)) {
        skipValue(c, tag & 7);
        continue;
      }
      const sub = nextMessage(c);
      expect(sub.end).toBeLessThanOrEqual(graph.length);
      const t = nextTag(sub);
      expect(t).toBe(fieldTag(1, WIRE_LEN));
      names.push(nextString(sub));
    }
    expect(names).toEqual(['näme', 'z']);
    const fields: Array<[number, number, number]> = [];
    forEachField(graph, 0, graph.length, (field, wire, from, to) => fields.push([field, wire, to - from]));
    expect(fields).toEqual([[1, WIRE_LEN, node.length], [1, WIRE_LEN, 3], [5, WIRE_VARINT, 1]]);
    expect(nextBytes(wireCursor(lengthDelimited(4, Uint8Array.of(9, 8)), 1))).toEqual(Uint8Array.of(9, 8));
  });

  test('malformed messages are RangeErrors', () => {
    for (let cut = 1; cut < node.length; cut++) {
      const bytes = node.subarray(0, cut);
      // Either the cut falls between fields (a shorter, valid message) or reading it fails cleanly.
      try {
        forEachField(bytes, 0, bytes.length, () => undefined);
      } catch (err) {
        expect(err).toBeInstanceOf(RangeError);
      }
    }
    expect(() => forEachField(node, 0, node.length - 1, () => undefined)).toThrow(/runs past its message/);
    expect(() => skipField(Uint8Array.of(0x0b), 1, 3, 1)).toThrow(/wire type 3/);
    expect(() => nextTag(wireCursor(Uint8Array.of(0x02, 0x00)))).toThrow(/field number 0/);
    expect(() => wireCursor(node, 0, node.length + 1)).toThrow(RangeError);
    expect(() => skipField(Uint8Array.of(1, 2), 0, WIRE_I64, 2)).toThrow(/runs past/);
  });
});
