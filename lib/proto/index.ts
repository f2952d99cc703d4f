// SPDX-License-Identifier: Apache-2.0
// TensorFlow's protocol buffers, from the .proto files in protos/ (field numbers as TensorFlow publishes
// them), through protobufjs. Fields TensorFlow writes that our .proto files do not list are kept: decode
// records them as raw bytes in `$unknown`, and encode writes them back.
//
// Start-up: nothing here runs at require time. The first use loads protos/tensorflow.json (the descriptor
// scripts/generate-protos.js writes from the .proto files) with protobufjs's light build, which has no .proto
// parser, and each message type generates its codecs only when first used: a process that decodes three
// OpDefs pays for the dozen types they reach, not for all of them.
import * as fs from 'fs';
import * as path from 'path';
import type * as protobuf from 'protobufjs';

const DESCRIPTOR = path.resolve(__dirname, '..', '..', 'protos', 'tensorflow.json');

let runtime: typeof protobuf | undefined;

function protobufjs(): typeof protobuf {
  // Loaded on first use, not at require time (see above).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (runtime ??= require('protobufjs/light') as typeof protobuf);
}

type Message = protobuf.Message<object> & { $unknown?: Uint8Array[] } & Record<string, unknown>;

function knownFieldNumbers(type: protobuf.Type): Set<number> {
  return new Set(type.fieldsArray.map((f) => f.id));
}

/** Wraps the codecs `type.setup()` has just generated so that they keep unknown fields. */
function preserveUnknownFields(type: protobuf.Type): void {
  const pbjs = protobufjs();
  const known = knownFieldNumbers(type);
  const decode = type.decode.bind(type);
  const encode = type.encode.bind(type);
  type.decode = function decodeKeepingUnknown(reader: protobuf.Reader | Uint8Array, length?: number) {
    const r = reader instanceof pbjs.Reader ? reader : pbjs.Reader.create(reader);
    const start = r.pos;
    const message = decode(r, length) as Message;
    const end = r.pos;
    let unknown: Uint8Array[] | undefined;
    const scan = pbjs.Reader.create(r.buf.subarray(start, end));
    while (scan.pos < scan.len) {
      const fieldStart = scan.pos;
      const tag = scan.uint32();
      scan.skipType(tag & 7);
      if (!known.has(tag >>> 3)) (unknown ??= []).push(scan.buf.slice(fieldStart, scan.pos));
    }
    if (unknown) Object.defineProperty(message, '$unknown', { value: unknown, enumerable: false, writable: true });
    return message;
  } as typeof type.decode;
  type.encode = function encodeKeepingUnknown(message: Message, writer?: protobuf.Writer) {
    const w = encode(message, writer);
    const unknown = message.$unknown;
    if (unknown) {
      // Writer#raw (protobufjs 8) appends pre-encoded bytes; older versions only have the private _push.
      const raw = w as unknown as {
        raw?(bytes: Uint8Array): void;
        _push(fn: (v: Uint8Array, b: Uint8Array, p: number) => void, n: number, v: Uint8Array): void;
      };
      for (const bytes of unknown) {
        if (typeof raw.raw === 'function') raw.raw(bytes);
        else raw._push((v, b, p) => b.set(v, p), bytes.length, bytes);
      }
    }
    return w;
  } as typeof type.encode;
}

let root: protobuf.Root | undefined;

/** The protobufjs Root with every TensorFlow message this package uses, loaded on first use. */
export function protoRoot(): protobuf.Root {
  if (root) return root;
  const pbjs = protobufjs();
  const r = pbjs.Root.fromJSON(JSON.parse(fs.readFileSync(DESCRIPTOR, 'utf8')) as protobuf.INamespace);
  // protobufjs generates a type's codecs in setup(), which its encode/decode/fromObject/toObject call on first
  // use (a message's codec calls its field types' encode/decode, so they set up on demand as well).
  const generate = pbjs.Type.prototype.setup;
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof pbjs.Type) {
        nested.setup = function setupKeepingUnknown(this: protobuf.Type) {
          generate.call(this);
          preserveUnknownFields(this);
          return this;
        };
      }
      if (nested instanceof pbjs.Namespace || nested instanceof pbjs.Type) visit(nested as protobuf.NamespaceBase);
    }
  };
  visit(r);
  root = r;
  return r;
}

/** A message type by its name in package `tensorflow`, e.g. `messageType('GraphDef')`. */
export function messageType(name: string): protobuf.Type {
  return protoRoot().lookupType(`tensorflow.${name}`);
}

/**
 * A message decoded by protobufjs reflection, without a generated static type. Nested messages are just as dynamic,
 * so the alias stays loose on purpose: callers that know a message's shape pass a narrower T to `decode`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reflection-decoded protobuf messages have no static shape
export type DecodedMessage = Record<string, any>;

/** Decodes bytes as the named message (fields keep their proto names; int64 as Long/number). */
export function decode<T = DecodedMessage>(name: string, bytes: Uint8Array): T {
  return messageType(name).decode(bytes) as unknown as T;
}

/** Encodes a plain object (or a decoded message) as the named message. */
export function encode(name: string, value: Record<string, unknown>): Uint8Array {
  const type = messageType(name);
  const isMessage = value instanceof protobufjs().Message;
  const message = isMessage ? value : type.fromObject(value);
  if (!isMessage && (value as Message).$unknown) {
    Object.defineProperty(message, '$unknown', { value: (value as Message).$unknown, enumerable: false });
  }
  return type.encode(message).finish();
}

/** An int64 field's value as a number (protobufjs gives Long objects for int64). */
export function toNumber(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && 'toNumber' in (value as object)) return (value as { toNumber(): number }).toNumber();
  return Number(value);
}
