// SPDX-License-Identifier: Apache-2.0
// Serving from one process: runs off the event loop, many in flight on one session, and run timeouts.
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as tf from '../../lib';
import { tempDir } from '../helpers/python';

const N = 256;

/** A SavedModel (written here) whose run takes milliseconds: y = sum(relu(relu(x·w)·w)) per row. */
async function slowModel(dir: string) {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [null, N], 'x');
  const w = g.variable(tf.tensor(new Float32Array(N * N).fill(1 / N), [N, N]), { name: 'w' });
  let h = x;
  for (let i = 0; i < 4; i++) {
    const mm = g.addOperation('MatMul', { inputs: [h, w], name: `mm${i}` }).output(0);
    h = g.addOperation('Relu', { inputs: [mm] }).output(0);
  }
  const y = g.addOperation('Sum', { inputs: [h, g.constant(1, { dtype: 'int32' })], name: 'y' }).output(0);
  const session = new tf.Session(g);
  await session.run(tf.globalVariablesInitializer(g));
  await tf.savedModel.save(session, dir, { signatures: { serving_default: { inputs: { x }, outputs: { y } } } });
  await session.close();
  return tf.savedModel.load(dir);
}

/**
 * A batch whose row i is all (i + 1): each output row is then N·(i + 1), whatever the weights' rounding. In
 * TensorFlow's memory (Tensor.alloc), as a service would feed it: a plain TypedArray would be copied on the
 * JS thread at every run.
 */
function batch(rows: number, offset = 0): tf.Tensor {
  const t = tf.Tensor.alloc('float32', [rows, N]);
  const data = t.data() as Float32Array;
  for (let r = 0; r < rows; r++) data.fill(r + 1 + offset, r * N, (r + 1) * N);
  return t;
}

describe('concurrency', () => {
  let tmp: { dir: string; cleanup(): void };
  let model: tf.SavedModel;
  beforeAll(async () => {
    tmp = tempDir('tfn-concurrency-');
    model = await slowModel(path.join(tmp.dir, 'slow'));
  });
  afterAll(async () => {
    await model?.close();
    tmp?.cleanup();
  });

  test('50 concurrent runs do not block the event loop (runSync, the control, does)', async () => {
    // Runs long enough (hundreds of ms in all) that the OS's scheduling delays on a busy 2-core machine
    // (the pool and TensorFlow's threads compete with the JS thread) stay small beside them.
    const input = batch(4096);
    await model.run({ x: input }); // warm up

    const measure = async (work: () => Promise<unknown>) => {
      const histogram = monitorEventLoopDelay({ resolution: 5 });
      histogram.enable();
      await new Promise((resolve) => setTimeout(resolve, 20)); // the monitor's first tick only starts it
      const t0 = performance.now();
      await work();
      const elapsed = performance.now() - t0;
      await new Promise((resolve) => setTimeout(resolve, 20)); // let the histogram see the last tick
      histogram.disable();
      return { elapsed, maxDelay: histogram.max / 1e6, p99: histogram.percentile(99) / 1e6 };
    };

    const asyncRuns = await measure(async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => model.run({ x: input })));
      for (const r of results) expect(r.y.shape).toEqual([4096]);
    });
    const syncRuns = await measure(async () => {
      // The same work on the JS thread, broken into two halves so that the monitor's timer gets a turn.
      const feeds = { [model.signatures.serving_default.inputs.x.name]: input };
      const y = model.signatures.serving_default.outputs.y.name;
      for (let half = 0; half < 2; half++) {
        for (let i = 0; i < 25; i++) model.session.runSync(y, feeds);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    // The monitor sees the blocking runSync loop as one long delay: the measurement can tell.
    expect(syncRuns.maxDelay).toBeGreaterThan(syncRuns.elapsed / 4);
    // With run, the event loop keeps turning while the 50 runs take their time on the pool: its delays are
    // those of a machine whose cores TensorFlow keeps busy, a small part of the time the runs take.
    expect(asyncRuns.maxDelay).toBeLessThan(asyncRuns.elapsed / 3);
    expect(asyncRuns.p99).toBeLessThan(asyncRuns.elapsed / 8);
  });

  test('200 runs in flight on one session each get their own results', async () => {
    const runs = Array.from({ length: 200 }, (_, i) => model.run({ x: batch(2, i) }));
    const results = await Promise.all(runs);
    results.forEach((r, i) => expect(Array.from(r.y.data() as Float32Array)).toEqual([N * (i + 1), N * (i + 2)]));
  });

  test('traced runs in flight (TensorFlow profiles one step at a time) wait for one another and all succeed', async () => {
    // Another session, of another graph: the limit is per process.
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const neg = g.addOperation('Neg', { inputs: [x] }).output(0);
    const other = new tf.Session(g);
    const runs = await Promise.all([
      ...Array.from({ length: 6 }, () => model.run('serving_default', { x: batch(4) }, { trace: true })),
      other.run(neg, { x: 1 }, { trace: true }),
      model.run({ x: batch(4) }),
    ]);
    for (const r of runs.slice(0, 6)) {
      const { results, trace } = r as { results: Record<string, tf.Tensor>; trace: tf.RunTrace };
      expect(Array.from(results.y.data() as Float32Array)).toEqual([N, 2 * N, 3 * N, 4 * N]);
      expect(trace.ops().filter((o) => /MatMul/.test(o.op)).length).toBeGreaterThan(0);
    }
    expect((runs[6] as { trace: tf.RunTrace }).trace.ops().length).toBeGreaterThan(0);
    await other.close();
  });
});

describe('run options: timeouts', () => {
  function blockingGraph() {
    const g = new tf.Graph();
    const queue = g.addOperation('FIFOQueueV2', { attrs: { component_types: ['float32'] }, name: 'queue' }).output(0);
    const dequeue = g
      .addOperation('QueueDequeueV2', { inputs: [queue], attrs: { component_types: ['float32'] }, name: 'dequeue' })
      .output(0);
    const enqueue = g.addOperation('QueueEnqueueV2', { inputs: [queue, [g.constant(5)]], name: 'enqueue' });
    return { g, dequeue, enqueue };
  }

  test('a run blocked on an empty queue fails with DeadlineExceededError after timeoutMs', async () => {
    const { g, dequeue, enqueue } = blockingGraph();
    const sess = new tf.Session(g);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const t0 = performance.now();
    const err = await sess.run(dequeue, undefined, { timeoutMs: 300 }).catch((e) => e);
    const elapsed = performance.now() - t0;
    clearInterval(ticker);
    expect(err).toBeInstanceOf(tf.errors.DeadlineExceededError);
    expect(err.code).toBe('DEADLINE_EXCEEDED');
    expect(err.stack).toMatch(/concurrency\.test\.ts/);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(30_000);
    expect(ticks).toBeGreaterThan(5); // the event loop ran while the run waited

    expect(() => sess.runSync(dequeue, undefined, { timeoutMs: 50 })).toThrow(tf.errors.DeadlineExceededError);
    // The session is still good: with an element in the queue the same fetch succeeds.
    await sess.run(enqueue);
    expect((await sess.run(dequeue, undefined, { timeoutMs: 5000 })).item()).toBe(5);
    await sess.close();
  });

  test('a run without a timeout waits for the element another run enqueues', async () => {
    const { g, dequeue, enqueue } = blockingGraph();
    const sess = new tf.Session(g);
    const waiting = sess.run(dequeue);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sess.run(enqueue);
    expect((await waiting).item()).toBe(5);
    await sess.close();
  });

  test('bad timeouts are RangeErrors', async () => {
    const { g, dequeue } = blockingGraph();
    const sess = new tf.Session(g);
    for (const timeoutMs of [0, -5, Number.NaN, '10' as unknown as number]) {
      await expect(sess.run(dequeue, undefined, { timeoutMs })).rejects.toThrow(RangeError);
    }
    await sess.close();
  });
});
