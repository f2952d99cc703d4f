// SPDX-License-Identifier: Apache-2.0
// The few fields of tensorflow.Event that a FileWriter writes itself (meta graphs, run metadata); summaries
// and graphs go through TensorFlow's WriteRawProtoSummary and WriteGraphSummary kernels, which make their own Events.
// Field numbers are event.proto's: wall_time 1 (double), step 2 (int64), session_log 7 (status 1, checkpoint_path 2,
// msg 3), tagged_run_metadata 8 (tag 1, run_metadata 2), meta_graph_def 9.
import { concatBytes, lengthDelimited, varintField, varintField64 } from '../proto/wire';

/** SessionLog.SessionStatus's values. */
export const SESSION_STATUS = { STATUS_UNSPECIFIED: 0, START: 1, STOP: 2, CHECKPOINT: 3 } as const;
export type SessionStatus = keyof typeof SESSION_STATUS;

/** tensorflow.SessionLog: TensorBoard drops events after a START at an earlier step (a restart), and shows the rest. */
export interface SessionLog {
  status: SessionStatus;
  checkpointPath?: string;
  msg?: string;
}

/** What an Event carries besides its time and step (one of them). */
export type EventPayload =
  | { metaGraphDef: Uint8Array }
  | { taggedRunMetadata: { tag: string; runMetadata: Uint8Array } }
  | { sessionLog: SessionLog };

/** A serialized tensorflow.Event. */
export function encodeEvent(wallTime: number, step: number | bigint | undefined, payload: EventPayload): Uint8Array {
  const time = new Uint8Array(9);
  time[0] = (1 << 3) | 1;
  new DataView(time.buffer).setFloat64(1, wallTime, true);
  const parts: Uint8Array[] = [time];
  if (step !== undefined) parts.push(varintField64(2, BigInt(step)));
  if ('metaGraphDef' in payload) parts.push(lengthDelimited(9, payload.metaGraphDef));
  else if ('sessionLog' in payload) {
    const { status, checkpointPath, msg } = payload.sessionLog;
    const text = (field: number, value: string | undefined) => (value ? [lengthDelimited(field, new TextEncoder().encode(value))] : []);
    const code = SESSION_STATUS[status];
    const fields = [...(code ? [varintField(1, code)] : []), ...text(2, checkpointPath), ...text(3, msg)];
    parts.push(lengthDelimited(7, concatBytes(fields)));
  } else {
    const { tag, runMetadata } = payload.taggedRunMetadata;
    parts.push(lengthDelimited(8, concatBytes([lengthDelimited(1, new TextEncoder().encode(tag)), lengthDelimited(2, runMetadata)])));
  }
  return concatBytes(parts);
}
