// SPDX-License-Identifier: Apache-2.0
// A run's step statistics (RunMetadata) and their Chrome-trace form (chrome://tracing, Perfetto).
import { toNumber } from './proto';

export interface OpTiming {
  device: string;
  name: string;
  op: string;
  startMicros: number;
  durationMicros: number;
  threadId: number;
}

/** The trace of one run, from `session.run(…, { trace: true })`. */
export class RunTrace {
  /** The decoded RunMetadata protocol buffer. */
  readonly metadata: Record<string, any>;

  constructor(metadata: Record<string, any>) {
    this.metadata = metadata;
  }

  /** Every op execution the step recorded. */
  ops(): OpTiming[] {
    const out: OpTiming[] = [];
    for (const dev of this.metadata.step_stats?.dev_stats ?? []) {
      for (const node of dev.node_stats ?? []) {
        const label: string = node.timeline_label ?? '';
        const opMatch = /=\s*([A-Za-z0-9_]+)\(/.exec(label);
        out.push({
          device: dev.device,
          name: node.node_name,
          op: opMatch ? opMatch[1] : node.node_name,
          startMicros: toNumber(node.all_start_micros),
          durationMicros: Math.max(toNumber(node.all_end_rel_micros), 0),
          threadId: node.thread_id ?? 0,
        });
      }
    }
    return out;
  }

  /** The Chrome-trace JSON (Trace Event Format): one process per device, one complete event per op. */
  toChromeTrace(): string {
    const devices = new Map<string, number>();
    const events: Array<Record<string, unknown>> = [];
    for (const op of this.ops()) {
      let pid = devices.get(op.device);
      if (pid === undefined) {
        pid = devices.size;
        devices.set(op.device, pid);
        events.push({ name: 'process_name', ph: 'M', pid, args: { name: op.device } });
      }
      events.push({
        name: op.op,
        cat: 'Op',
        ph: 'X',
        ts: op.startMicros,
        dur: op.durationMicros,
        pid,
        tid: op.threadId,
        args: { name: op.name, op: op.op },
      });
    }
    return JSON.stringify({ traceEvents: events, displayTimeUnit: 'ms' });
  }
}
