// SPDX-License-Identifier: Apache-2.0
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython, tempDir } from '../helpers/python';
 
const { encode } = require('../../lib/proto');

interface TraceEvent {
  name: string;
  ph: string;
  ts?: number;
  dur?: number;
  pid: number;
  tid: number;
  cat?: string;
  args: Record<string, unknown>;
}

// The op types a MatMul and a Relu run as, with oneDNN on (_MklMatMul, _MklNativeMatMul, …) or off.
const MATMUL = /^(_Mkl\w*)?MatMul$/;
const RELU = /^(_Mkl\w*)?Relu$/;

function mlp() {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [null, 256], 'x');
  const w = g.constant(tf.tensor(new Float32Array(256 * 256).fill(0.01), [256, 256]), { name: 'w' });
  const h = g.addOperation('MatMul', { inputs: [x, w], name: 'hidden' }).output(0);
  const r = g.addOperation('Relu', { inputs: [h], name: 'relu' }).output(0);
  const y = g.addOperation('Sum', { inputs: [r, g.constant([0, 1], { dtype: 'int32' })], name: 'y' }).output(0);
  return { g, x, y, feed: tf.tensor(new Float32Array(64 * 256).fill(1), [64, 256]) };
}

/** Complete events on one (pid, tid) must nest or follow one another for trace viewers to draw them. */
function expectWellNested(events: TraceEvent[]): void {
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events.filter((e) => e.ph === 'X')) {
    const key = `${e.pid}/${e.tid}`;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key)!.push(e);
  }
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts! - b.ts!);
    for (let i = 1; i < list.length; i++) expect(list[i].ts!).toBeGreaterThanOrEqual(list[i - 1].ts! + list[i - 1].dur!);
  }
}

describe('run traces', () => {
  test('{trace: true} gives a Chrome trace with each op, its duration, device and inputs', async () => {
    const { g, x, y, feed } = mlp();
    const sess = new tf.Session(g);
    const before = Date.now() * 1000;
    const { results, trace } = await sess.run(y, new Map([[x, feed]]), { trace: true });
    const after = Date.now() * 1000;
    expect(results.item()).toBeCloseTo(64 * 256 * 256 * 0.01, 0);

    const ops = trace.ops();
    const matmul = ops.find((o) => o.name === 'hidden')!;
    // oneDNN (TF_ENABLE_ONEDNN_OPTS, on by default on x86) may rewrite the kernel's op type to _MklMatMul & co.
    expect(matmul).toMatchObject({ op: expect.stringMatching(MATMUL), device: '/job:localhost/replica:0/task:0/device:CPU:0' });
    expect(matmul.durationMicros).toBeGreaterThan(0);
    // Microseconds since the epoch, within the run.
    expect(matmul.startMicros).toBeGreaterThanOrEqual(before - 1000);
    expect(matmul.startMicros + matmul.durationMicros).toBeLessThanOrEqual(after + 1000);
    expect(ops.find((o) => o.name === 'relu')!.op).toMatch(RELU);

    const json = JSON.parse(trace.toChromeTrace()) as { traceEvents: TraceEvent[]; displayTimeUnit: string };
    expect(json.displayTimeUnit).toBe('ms');
    const events = json.traceEvents;
    const processName = events.find((e) => e.ph === 'M' && e.name === 'process_name')!;
    expect(processName.args.name).toBe('/job:localhost/replica:0/task:0/device:CPU:0 Compute');
    const complete = events.filter((e) => e.ph === 'X');
    expect(complete.length).toBe(ops.length);
    for (const e of complete) {
      expect(typeof e.ts).toBe('number');
      expect(e.dur!).toBeGreaterThanOrEqual(0);
      expect(e.pid).toBe(processName.pid);
      expect(Number.isInteger(e.tid)).toBe(true);
      expect(events.some((m) => m.ph === 'M' && m.name === 'thread_name' && m.pid === e.pid && m.tid === e.tid)).toBe(true);
    }
    const mm = complete.find((e) => e.args.name === 'hidden')!;
    expect(mm).toMatchObject({ name: matmul.op, cat: 'Op', args: { op: matmul.op, input0: expect.stringMatching(/x/), input1: 'w' } });
    expect(mm.dur).toBeGreaterThan(0);
    const names = complete.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining([expect.stringMatching(MATMUL), expect.stringMatching(RELU), 'Sum']));
    expectWellNested(events);

    const sync = sess.runSync(y, new Map([[x, feed]]), { trace: true });
    expect(sync.trace.ops().some((o) => MATMUL.test(o.op))).toBe(true);
    await sess.close();
  });

  test('overlapping ops go to separate lanes; each device is a process', () => {
    const node = (name: string, type: string, start: number, dur: number) => ({
      node_name: name,
      all_start_micros: start,
      all_end_rel_micros: dur,
      timeline_label: `${name} = ${type}(a, b)`,
    });
    const trace = new tf.RunTrace({
      step_stats: {
        dev_stats: [
          {
            device: '/device:CPU:0',
            node_stats: [node('a', 'MatMul', 100, 50), node('b', 'MatMul', 120, 50), node('c', 'Add', 160, 10), node('d', 'Neg', 200, 5)],
          },
          { device: '/device:CPU:1', node_stats: [node('e', 'Relu', 110, 5)] },
        ],
      },
    });
    const events = (JSON.parse(trace.toChromeTrace()) as { traceEvents: TraceEvent[] }).traceEvents;
    const x = Object.fromEntries(events.filter((e) => e.ph === 'X').map((e) => [e.args.name as string, e]));
    expect(x.a.tid).not.toBe(x.b.tid);
    expect(x.c.tid).toBe(x.a.tid); // a ended at 150, before c starts
    expect(x.d.tid).toBe(x.a.tid);
    expect(x.e.pid).not.toBe(x.a.pid);
    expect(x.a).toMatchObject({ name: 'MatMul', ts: 100, dur: 50, args: { op: 'MatMul', input0: 'a', input1: 'b' } });
    expectWellNested(events);
    const names = events.filter((e) => e.name === 'process_name').map((e) => e.args.name);
    expect(names).toEqual(['/device:CPU:0 Compute', '/device:CPU:1 Compute']);
    // Nanoseconds, where recorded, refine the microseconds.
    const stats = { node_name: 'n', all_start_micros: 1, all_start_nanos: 1500, all_end_rel_micros: 2, all_end_rel_nanos: 2250 };
    const precise = new tf.RunTrace({ step_stats: { dev_stats: [{ device: 'd', node_stats: [stats] }] } });
    expect(precise.ops()[0]).toMatchObject({ startMicros: 1.5, durationMicros: 2.25, op: 'n' });
    expect(new tf.RunTrace({}).toChromeTrace()).toBe(JSON.stringify({ traceEvents: [], displayTimeUnit: 'ms' }));
  });

  describePython('against Python', () => {
    test("Python's timeline reads the same ops and durations from our RunMetadata", async () => {
      const { g, x, y, feed } = mlp();
      const sess = new tf.Session(g);
      const { trace } = await sess.run(y, new Map([[x, feed]]), { trace: true });
      await sess.close();
      const tmp = tempDir('tfn-trace-');
      try {
        const file = path.join(tmp.dir, 'run_metadata.pb');
        fs.writeFileSync(file, encode('RunMetadata', trace.metadata));
        const py = JSON.parse(
          runPython(
            String.raw`
import json, sys
from tensorflow.core.protobuf import config_pb2
from tensorflow.python.client import timeline
rm = config_pb2.RunMetadata()
rm.ParseFromString(open(sys.argv[1], 'rb').read())
events = json.loads(timeline.Timeline(rm.step_stats).generate_chrome_trace_format())['traceEvents']
print(json.dumps([[e['args']['name'], e['name'], e['ts'], e['dur']] for e in events if e['ph'] == 'X']))
`,
            [file],
          ).trim().split('\n').pop()!,
        ) as Array<[string, string, number, number]>;
        const ours = (JSON.parse(trace.toChromeTrace()) as { traceEvents: TraceEvent[] }).traceEvents.filter((e) => e.ph === 'X');
        expect(ours.length).toBe(py.length);
        for (const [name, op, ts, dur] of py) {
          const e = ours.find((o) => o.args.name === name)!;
          expect(e.name).toBe(op);
          expect(Math.abs(e.ts! - ts)).toBeLessThanOrEqual(1);
          expect(Math.abs(e.dur! - dur)).toBeLessThanOrEqual(1);
        }
      } finally {
        tmp.cleanup();
      }
    });
  });
});
