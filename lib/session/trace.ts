// SPDX-License-Identifier: Apache-2.0
// A run's step statistics (RunMetadata) and their Chrome-trace form (chrome://tracing, Perfetto).
import { toNumber } from '../proto';

export interface OpTiming {
  /** The device the op ran on, e.g. '/job:localhost/replica:0/task:0/device:CPU:0'. */
  device: string;
  /** The node's name in the graph (after TensorFlow's rewrites, e.g. '_arg_x_0_0' for a feed). */
  name: string;
  /** The op type, e.g. 'MatMul'. */
  op: string;
  /** Start, in microseconds since the Unix epoch (sub-microsecond where TensorFlow records nanoseconds). */
  startMicros: number;
  durationMicros: number;
  /** The thread TensorFlow recorded (0 where it records none, as the direct session does). */
  threadId: number;
  /** TensorFlow's timeline label, e.g. '[cpu 0.3MB 0.3MB] y = MatMul(x, w)'. */
  label: string;
}

// "name = Type(inputs)", after an optional "[memory] " prefix.
const LABEL = /=\s*([A-Za-z0-9_]+)\((.*)\)\s*$/;

function nanosOr(micros: unknown, nanos: unknown): number {
  const n = toNumber(nanos);
  return n > 0 ? n / 1000 : toNumber(micros);
}

/**
 * Greedy interval partitioning: the lane of each op (in start order), so that ops sharing a lane never
 * overlap. Trace viewers need that: complete events on one thread must nest.
 */
function lanes(ops: OpTiming[]): number[] {
  const byStart = (a: number, b: number) => ops[a].startMicros - ops[b].startMicros || ops[b].durationMicros - ops[a].durationMicros;
  const order = ops.map((_, i) => i).sort(byStart);
  const laneEnds: number[] = [];
  const lane = new Array<number>(ops.length);
  for (const i of order) {
    const { startMicros, durationMicros } = ops[i];
    let l = laneEnds.findIndex((end) => end <= startMicros);
    if (l < 0) {
      l = laneEnds.length;
      laneEnds.push(0);
    }
    laneEnds[l] = startMicros + durationMicros;
    lane[i] = l;
  }
  return lane;
}

/**
 * The trace of one run, from `session.run(…, { trace: true })`.
 * @example
 * const { results, trace } = await sess.run(y, feeds, { trace: true });
 * fs.writeFileSync('step.json', trace.toChromeTrace()); // open in chrome://tracing or ui.perfetto.dev
 */
export class RunTrace {
  /** The decoded RunMetadata protocol buffer. */
  // A decoded RunMetadata: protobufjs gives untyped objects (fields by their proto names).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly metadata: Record<string, any>;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(metadata: Record<string, any>) {
    this.metadata = metadata;
  }

  /** Every op execution the step recorded, device by device. */
  ops(): OpTiming[] {
    const out: OpTiming[] = [];
    for (const dev of this.metadata.step_stats?.dev_stats ?? []) {
      for (const node of dev.node_stats ?? []) {
        const label: string = node.timeline_label ?? '';
        const opMatch = LABEL.exec(label);
        out.push({
          device: dev.device,
          name: node.node_name,
          op: opMatch ? opMatch[1] : node.node_name,
          startMicros: nanosOr(node.all_start_micros, node.all_start_nanos),
          durationMicros: Math.max(nanosOr(node.all_end_rel_micros, node.all_end_rel_nanos), 0),
          threadId: node.thread_id ?? 0,
          label,
        });
      }
    }
    return out;
  }

  /**
   * The Chrome-trace JSON (Trace Event Format, as Python's `timeline.Timeline.generate_chrome_trace_format`):
   * one process per device, one complete ('X') event per op named by its type, with the node name, the
   * inputs and TensorFlow's thread in `args`; ops that overlap on a device go to separate lanes (threads).
   * Timestamps are microseconds since the Unix epoch.
   */
  toChromeTrace(): string {
    const ops = this.ops();
    const events: Array<Record<string, unknown>> = [];
    const devices = [...new Set(ops.map((o) => o.device))];
    devices.forEach((device, pid) => {
      events.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: `${device} Compute` } });
      events.push({ name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: pid } });
      const onDevice = ops.filter((o) => o.device === device);
      const lane = lanes(onDevice);
      const laneCount = onDevice.length ? Math.max(...lane) + 1 : 0;
      for (let tid = 0; tid < laneCount; tid++) events.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: `ops ${tid}` } });
      onDevice.forEach((op, i) => {
        const inputs = LABEL.exec(op.label)?.[2];
        const args: Record<string, unknown> = { name: op.name, op: op.op };
        if (inputs) inputs.split(',').map((s) => s.trim()).filter(Boolean).forEach((input, k) => (args[`input${k}`] = input));
        if (op.threadId) args.thread = op.threadId;
        events.push({ name: op.op, cat: 'Op', ph: 'X', ts: op.startMicros, dur: op.durationMicros, pid, tid: lane[i], args });
      });
    });
    return JSON.stringify({ traceEvents: events, displayTimeUnit: 'ms' });
  }
}

// TensorFlow profiles one traced step at a time per process; a second one fails with "Another profiling
// session active". Traced async runs therefore wait for one another (untraced runs are not held up).
let tracedTail: Promise<unknown> = Promise.resolve();

/** @internal Starts `run` once every traced run started before it has settled. */
export function oneTracedRunAtATime<T>(run: () => Promise<T>): Promise<T> {
  const result = tracedTail.then(run, run);
  tracedTail = result.catch(() => undefined);
  return result;
}
