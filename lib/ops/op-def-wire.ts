// SPDX-License-Identifier: Apache-2.0
// The part of an OpDef that building an operation needs (its input args and attr types), read straight from
// the protobuf wire. Decoding it with protobufjs first loads protobufjs and compiles its codecs, about 50 ms
// that a process's first operation would pay before its first result (bench/session.js); these few fields
// take a few lines to read with the wire reader (which does not load protobufjs).
import { WIRE_LEN, forEachField } from '../proto/wire';

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

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** The signature of a serialized OpDef (as `Graph.opDef` returns it). */
export function readOpSignature(bytes: Uint8Array): OpSignature {
  const text = (from: number, to: number) => utf8.decode(bytes.subarray(from, to));
  const signature: OpSignature = { name: '', inputArgs: [], attrTypes: new Map() };
  forEachField(bytes, 0, bytes.length, (num, wire, from, to) => {
    if (wire !== WIRE_LEN) return;
    if (num === OPDEF_NAME) {
      signature.name = text(from, to);
    } else if (num === OPDEF_INPUT_ARG) {
      let name = '';
      let isList = false;
      forEachField(bytes, from, to, (n, wire, f, t) => {
        if (wire !== WIRE_LEN) return;
        if (n === ARG_NAME) name = text(f, t);
        else if ((n === ARG_NUMBER_ATTR || n === ARG_TYPE_LIST_ATTR) && t > f) isList = true;
      });
      signature.inputArgs.push({ name, isList });
    } else if (num === OPDEF_ATTR) {
      let name = '';
      let type = '';
      forEachField(bytes, from, to, (n, wire, f, t) => {
        if (wire !== WIRE_LEN) return;
        if (n === ATTR_NAME) name = text(f, t);
        else if (n === ATTR_TYPE) type = text(f, t);
      });
      signature.attrTypes.set(name, type);
    }
  });
  return signature;
}
