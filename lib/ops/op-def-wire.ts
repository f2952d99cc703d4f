// SPDX-License-Identifier: Apache-2.0
// The part of an OpDef that building an operation needs (its input args and attr types), read straight from
// the protobuf wire. Decoding it with protobufjs first loads protobufjs and compiles its codecs, about 50 ms
// that a process's first operation would pay before its first result (bench/session.js); these few fields
// take a few lines to read.

/** An OpDef's name, input args and attr types (attr name → 'int', 'type', 'list(shape)', …). */
export interface OpSignature {
  name: string;
  inputArgs: Array<{ name: string; isList: boolean }>;
  attrTypes: Map<string, string>;
}

// OpDef, OpDef.ArgDef and OpDef.AttrDef field numbers (tensorflow/core/framework/op_def.proto).
const OPDEF_NAME = 1;
const OPDEF_INPUT_ARG = 2;
const OPDEF_ATTR = 4;
const ARG_NAME = 1;
const ARG_NUMBER_ATTR = 5;
const ARG_TYPE_LIST_ATTR = 6;
const ATTR_NAME = 1;
const ATTR_TYPE = 2;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Reads fields of one message in bytes[start, end), calling `field` for each length-delimited one. */
function forEachField(bytes: Uint8Array, start: number, end: number, field: (num: number, from: number, to: number) => void): void {
  let p = start;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (p >= end) throw new RangeError('Truncated OpDef');
      const b = bytes[p++];
      // Lengths and tags fit in 53 bits; larger varints are only skipped, so their value does not matter.
      if (shift < 49) v += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return v;
      if (shift > 70) throw new RangeError('Malformed varint in OpDef');
    }
  };
  while (p < end) {
    const tag = varint();
    const num = Math.floor(tag / 8);
    switch (tag & 7) {
      case WIRE_VARINT:
        varint();
        break;
      case WIRE_I64:
        p += 8;
        break;
      case WIRE_I32:
        p += 4;
        break;
      case WIRE_LEN: {
        const n = varint();
        if (p + n > end) throw new RangeError('Truncated OpDef');
        field(num, p, p + n);
        p += n;
        break;
      }
      default:
        throw new RangeError(`Unsupported wire type ${tag & 7} in OpDef`);
    }
  }
  if (p !== end) throw new RangeError('Truncated OpDef');
}

/** The signature of a serialized OpDef (as `Graph.opDef` returns it). */
export function readOpSignature(bytes: Uint8Array): OpSignature {
  const text = (from: number, to: number) => utf8.decode(bytes.subarray(from, to));
  const signature: OpSignature = { name: '', inputArgs: [], attrTypes: new Map() };
  forEachField(bytes, 0, bytes.length, (num, from, to) => {
    if (num === OPDEF_NAME) {
      signature.name = text(from, to);
    } else if (num === OPDEF_INPUT_ARG) {
      let name = '';
      let isList = false;
      forEachField(bytes, from, to, (n, f, t) => {
        if (n === ARG_NAME) name = text(f, t);
        else if ((n === ARG_NUMBER_ATTR || n === ARG_TYPE_LIST_ATTR) && t > f) isList = true;
      });
      signature.inputArgs.push({ name, isList });
    } else if (num === OPDEF_ATTR) {
      let name = '';
      let type = '';
      forEachField(bytes, from, to, (n, f, t) => {
        if (n === ATTR_NAME) name = text(f, t);
        else if (n === ATTR_TYPE) type = text(f, t);
      });
      signature.attrTypes.set(name, type);
    }
  });
  return signature;
}
