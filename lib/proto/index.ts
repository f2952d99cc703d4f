// SPDX-License-Identifier: Apache-2.0
// TensorFlow's protocol buffers, from the .proto files in protos/ (field numbers as TensorFlow publishes
// them), through protobufjs. Fields TensorFlow writes that our .proto files do not list are kept: decode
// records them as raw bytes in `$unknown`, and encode writes them back.
import * as path from 'path';
import * as protobuf from 'protobufjs';

const PROTO_ROOT = path.resolve(__dirname, '..', '..', 'protos');

type Message = protobuf.Message<object> & { $unknown?: Uint8Array[] } & Record<string, unknown>;

function knownFieldNumbers(type: protobuf.Type): Set<number> {
  return new Set(type.fieldsArray.map((f) => f.id));
}

function preserveUnknownFields(type: protobuf.Type): void {
  type.setup();
  const known = knownFieldNumbers(type);
  const decode = type.decode.bind(type);
  const encode = type.encode.bind(type);
  type.decode = function decodeKeepingUnknown(reader: protobuf.Reader | Uint8Array, length?: number) {
    const r = reader instanceof protobuf.Reader ? reader : protobuf.Reader.create(reader);
    const start = r.pos;
    const message = decode(r, length) as Message;
    const end = r.pos;
    let unknown: Uint8Array[] | undefined;
    const scan = protobuf.Reader.create(r.buf.subarray(start, end));
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

function allProtoFiles(dir: string): string[] {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fs = require('fs') as typeof import('fs');
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...allProtoFiles(full));
    else if (entry.name.endsWith('.proto')) out.push(full);
  }
  return out.sort();
}

/** The protobufjs Root with every TensorFlow message this package uses, loaded on first use. */
export function protoRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_ROOT, target));
  r.loadSync(allProtoFiles(PROTO_ROOT), { keepCase: true });
  r.resolveAll();
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) preserveUnknownFields(nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested as protobuf.NamespaceBase);
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

/** Decodes bytes as the named message (fields keep their proto names; int64 as Long/number). */
export function decode<T = Record<string, any>>(name: string, bytes: Uint8Array): T {
  return messageType(name).decode(bytes) as unknown as T;
}

/** Encodes a plain object (or a decoded message) as the named message. */
export function encode(name: string, value: Record<string, unknown>): Uint8Array {
  const type = messageType(name);
  const message = value instanceof protobuf.Message ? value : type.fromObject(value);
  if (!(value instanceof protobuf.Message) && (value as Message).$unknown) {
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
