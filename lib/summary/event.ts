// SPDX-License-Identifier: Apache-2.0
// The few fields of tensorflow.Event that a FileWriter writes itself (meta graphs, run metadata); summaries
// and graphs go through TensorFlow's WriteRawProtoSummary and WriteGraphSummary kernels, which make their own Events.
// Field numbers are event.proto's: wall_time 1 (double), step 2 (int64), tagged_run_metadata 8
// (tag 1, run_metadata 2), meta_graph_def 9.

function varint(value: bigint): number[] {
  // int64 fields are two's complement on the wire: a negative step takes ten bytes.
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function bytesField(field: number, bytes: Uint8Array): Uint8Array {
  const head = [...varint(BigInt((field << 3) | 2)), ...varint(BigInt(bytes.length))];
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What an Event carries besides its time and step (one of them). */
export type EventPayload =
  | { metaGraphDef: Uint8Array }
  | { taggedRunMetadata: { tag: string; runMetadata: Uint8Array } };

/** A serialized tensorflow.Event. */
export function encodeEvent(wallTime: number, step: number | bigint | undefined, payload: EventPayload): Uint8Array {
  const time = new Uint8Array(9);
  time[0] = (1 << 3) | 1;
  new DataView(time.buffer).setFloat64(1, wallTime, true);
  const parts: Uint8Array[] = [time];
  if (step !== undefined) parts.push(new Uint8Array([2 << 3, ...varint(BigInt(step))]));
  if ('metaGraphDef' in payload) parts.push(bytesField(9, payload.metaGraphDef));
  else {
    const { tag, runMetadata } = payload.taggedRunMetadata;
    parts.push(bytesField(8, concat([bytesField(1, new TextEncoder().encode(tag)), bytesField(2, runMetadata)])));
  }
  return concat(parts);
}
