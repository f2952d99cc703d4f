// SPDX-License-Identifier: Apache-2.0
// Runs that TensorFlow would block on forever: close() cancels them, timeoutMs settles them by their deadline,
// and neither a worker that ends with runs in flight nor process.exit takes the process down or hangs it.
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '../../lib';

const ROOT = path.resolve(__dirname, '..', '..');

function runNode(code: string, timeout = 60_000) {
  return spawnSync(process.execPath, ['-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    timeout,
  });
}

function emptyQueue() {
  const g = new tf.Graph();
  const queue = g.addOperation('FIFOQueueV2', { attrs: { component_types: ['float32'] }, name: 'queue' }).output(0);
  const dequeue = g.addOperation('QueueDequeueV2', { inputs: [queue], attrs: { component_types: ['float32'] }, name: 'dequeue' }).output(0);
  return { g, dequeue };
}

// A graph whose ops must be built in the child: the child loads dist/ (the compiled package).
const EMPTY_QUEUE_JS = `
  const g = new tf.Graph();
  const queue = g.addOperation('FIFOQueueV2', { attrs: { component_types: ['float32'] }, name: 'queue' }).output(0);
  const dequeue = g.addOperation('QueueDequeueV2', { inputs: [queue], attrs: { component_types: ['float32'] } }).output(0);
`;
const EMPTY_MAP_JS = `
  const g = new tf.Graph();
  const key = g.constant(1, { dtype: 'int64' });
  const indices = g.constant([0], { dtype: 'int32' });
  const peek = g.addOperation('MapPeek', { inputs: [key, indices], attrs: { dtypes: ['float32'] } }).output(0);
`;

describe('close() cancels runs in flight', () => {
  test('a dequeue on an empty queue rejects with CancelledError and close() resolves', async () => {
    const { g, dequeue } = emptyQueue();
    const sess = new tf.Session(g);
    const blocked = sess.run(dequeue);
    const settled = blocked.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    // Let the run reach TensorFlow (the libuv pool) before closing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const start = Date.now();
    await sess.close();
    const err = await settled;
    expect(err).toBeInstanceOf(tf.errors.CancelledError);
    expect(Date.now() - start).toBeLessThan(5000);
    expect(sess.closed).toBe(true);
    await expect(sess.run(dequeue)).rejects.toThrow(/closed/);
  });

  test('runs queued behind a blocked one settle too: each resolves or is cancelled', async () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)] }).output(0);
    const sess = new tf.Session(g);
    const runs = Array.from({ length: 20 }, (_, i) => sess.run(y, { x: i }));
    const closing = sess.close();
    const outcomes = await Promise.allSettled(runs);
    await closing;
    outcomes.forEach((o, i) => {
      if (o.status === 'fulfilled') expect(o.value.item()).toBe(i + 1);
      else expect(o.reason).toBeInstanceOf(tf.errors.CancelledError);
    });
  });

  test('process.exit after close() with a dequeue in flight exits at once', () => {
    const r = runNode(`
      const tf = require('./dist');
      ${EMPTY_QUEUE_JS}
      const s = new tf.Session(g);
      s.run(dequeue).catch((e) => console.log('run:', e.name));
      setTimeout(() => s.close().then(() => { console.log('closed'); process.exit(0); }), 200);
    `, 30_000);
    expect(r.error).toBeUndefined();
    expect(r.stdout).toMatch(/run: CancelledError/);
    expect(r.stdout).toMatch(/closed/);
    expect(r.status).toBe(0);
  });
});

describe('timeoutMs', () => {
  test('bounds: not positive, not a number or over 2^31-1 ms is a RangeError', () => {
    const { g, dequeue } = emptyQueue();
    const sess = new tf.Session(g);
    for (const timeoutMs of [0, -1, NaN, Infinity, 2 ** 31, '10' as unknown as number]) {
      expect(() => sess.runSync(dequeue, undefined, { timeoutMs })).toThrow(RangeError);
    }
    return sess.close();
  });

  test('a dequeue TensorFlow can cancel rejects with DeadlineExceededError', async () => {
    const { g, dequeue } = emptyQueue();
    const sess = new tf.Session(g);
    const start = Date.now();
    await expect(sess.run(dequeue, undefined, { timeoutMs: 100 })).rejects.toBeInstanceOf(tf.errors.DeadlineExceededError);
    expect(() => sess.runSync(dequeue, undefined, { timeoutMs: 100 })).toThrow(tf.errors.DeadlineExceededError);
    expect(Date.now() - start).toBeLessThan(5000);
    await sess.close();
  });

  // MapPeek waits on a condition variable that cancellation does not reach, and a gRPC session with nothing
  // listening waits for a connection: TensorFlow's timeout_in_ms alone never ends either run. In a child
  // process, whose exit also shows that a run left blocked in TensorFlow does not hold it up.
  test('a MapPeek on an empty map settles by its deadline, run and runSync; the process still exits', () => {
    const r = runNode(`
      const tf = require('./dist');
      ${EMPTY_MAP_JS}
      const s = new tf.Session(g);
      const t0 = Date.now();
      s.run(peek, undefined, { timeoutMs: 300 }).then(() => console.log('resolved'), (e) => {
        console.log('async', e.name, Date.now() - t0 < 3000);
        const t1 = Date.now();
        try { s.runSync(peek, undefined, { timeoutMs: 300 }); } catch (e2) { console.log('sync', e2.name, Date.now() - t1 < 3000); }
        process.exit(0);
      });
    `);
    expect(r.error).toBeUndefined();
    expect(r.stdout).toMatch(/async DeadlineExceededError true/);
    expect(r.stdout).toMatch(/sync DeadlineExceededError true/);
    expect(r.status).toBe(0);
  });

  test("a run on 'grpc://localhost:1' (nothing listening) settles by its deadline", () => {
    const r = runNode(`
      const tf = require('./dist');
      const g = new tf.Graph();
      const y = g.addOperation('AddV2', { inputs: [g.constant(1), g.constant(2)] }).output(0);
      const s = new tf.Session(g, { target: 'grpc://localhost:1' });
      const t0 = Date.now();
      s.run(y, undefined, { timeoutMs: 500 }).then(() => console.log('resolved'), (e) => {
        console.log('async', e.name, Date.now() - t0 < 5000);
        process.exit(0);
      });
    `);
    expect(r.error).toBeUndefined();
    expect(r.stdout).toMatch(/async (DeadlineExceededError|UnavailableError) true/);
    expect(r.status).toBe(0);
  });
});

describe('workers that end with runs in flight', () => {
  // Each worker starts runs that take a while, then ends while they run: Node completes their work during
  // the worker's teardown, when settling a promise is no longer possible.
  const WORKER = (ending: string) => `
    const { Worker } = require('worker_threads');
    const w = new Worker(\`
      const tf = require('./dist');
      const { parentPort } = require('worker_threads');
      const g = new tf.Graph();
      const n = 600;
      const a = g.constant(new Float32Array(n * n).fill(0.001), { shape: [n, n] });
      let m = a;
      for (let i = 0; i < 4; i++) m = g.addOperation('MatMul', { inputs: [m, a] }).output(0);
      const s = new tf.Session(g);
      for (let i = 0; i < 4; i++) s.run(m).catch(() => {});
      parentPort.postMessage('running');
      ${ending}
    \`, { eval: true });
    // Without an ending of its own, the main thread terminates the worker.
    w.on('message', () => { if (${JSON.stringify(ending)} === '') setTimeout(() => w.terminate(), 20); });
    w.on('exit', (code) => console.log('worker exit', code));
    w.on('error', (e) => console.log('worker error', e.message));
  `;

  test('worker.terminate() with session.run() in flight leaves the process running and exiting 0', () => {
    // Three times: when the worker's steps outlived it, the process crashed in exit() about one time in four
    // under load (native/session_run.cc, StepsInFlight).
    for (let i = 0; i < 3; i++) {
      const r = runNode(WORKER(''));
      expect(r.stderr).not.toMatch(/FATAL|Segmentation|Aborted/);
      expect(r.stdout).toMatch(/worker exit 1/);
      expect({ status: r.status, signal: r.signal }).toEqual({ status: 0, signal: null });
    }
  });

  test('process.exit() inside a worker with session.run() in flight', () => {
    const r = runNode(WORKER('setTimeout(() => process.exit(3), 20);'));
    expect(r.stderr).not.toMatch(/FATAL|Segmentation|Aborted/);
    expect(r.stdout).toMatch(/worker exit 3/);
    expect(r.status).toBe(0);
  });
});
