// SPDX-License-Identifier: Apache-2.0
// A MetaGraphDef's graph_def (field 2) travels as the bytes TensorFlow wrote, so a large graph is not decoded
// and re-encoded by protobufjs (several times the cost of TF_GraphToGraphDef): it is cut out of the message
// on import and spliced in on export, at the wire level.
import { decode, type DecodedMessage } from '../proto';
import {
  WIRE_LEN,
  concatBytes,
  fieldTag,
  hasMore,
  lengthDelimited,
  nextBytes,
  nextMessage,
  nextString,
  nextTag,
  skipValue,
  wireCursor,
} from '../proto/wire';

export const META_GRAPH_DEF_GRAPH = 2;
const GRAPH_NODE_TAG = fieldTag(1, WIRE_LEN);
const GRAPH_LIBRARY_TAG = fieldTag(2, WIRE_LEN);
const NODE_OP_TAG = fieldTag(2, WIRE_LEN);

/**
 * The payload of length-delimited field `field` (occurrences merged), and the message without it.
 * @throws RangeError for malformed bytes.
 */
export function splitField(bytes: Uint8Array, field: number): { payload: Uint8Array | undefined; rest: Uint8Array } {
  const r = wireCursor(bytes);
  const kept: Uint8Array[] = [];
  let payload: Uint8Array | undefined;
  while (hasMore(r)) {
    const start = r.pos;
    const tag = nextTag(r);
    if (tag === fieldTag(field, WIRE_LEN)) {
      // Repeated occurrences of a message field merge; TensorFlow writes graph_def once.
      const chunk = nextBytes(r);
      payload = payload ? concatBytes([payload, chunk]) : chunk;
    } else {
      skipValue(r, tag & 7);
      kept.push(bytes.subarray(start, r.pos));
    }
  }
  return { payload, rest: concatBytes(kept) };
}

/** `message` with length-delimited field `field` holding `payload` appended. */
export function appendField(message: Uint8Array, field: number, payload: Uint8Array): Uint8Array {
  return concatBytes([message, lengthDelimited(field, payload)]);
}

/** The op types a binary GraphDef uses (its nodes' and its functions'), and its function names. */
export function opTypesOfGraphDef(bytes: Uint8Array): { used: Set<string>; functions: Set<string> } {
  const used = new Set<string>();
  const functions = new Set<string>();
  const r = wireCursor(bytes);
  while (hasMore(r)) {
    const tag = nextTag(r);
    if (tag === GRAPH_NODE_TAG) {
      const node = nextMessage(r);
      while (hasMore(node)) {
        const t = nextTag(node);
        if (t === NODE_OP_TAG) used.add(nextString(node));
        else skipValue(node, t & 7);
      }
    } else if (tag === GRAPH_LIBRARY_TAG) {
      const library = decode<DecodedMessage>('FunctionDefLibrary', nextBytes(r));
      for (const f of library.function ?? []) {
        functions.add(f.signature?.name);
        for (const node of f.node_def ?? []) used.add(node.op);
      }
    } else {
      skipValue(r, tag & 7);
    }
  }
  return { used, functions };
}
