// SPDX-License-Identifier: Apache-2.0
// Session.run's runner threads and completion channel (native/session_runner.h, session.cc): no fixed pool
// size for blocked steps to exhaust, the process kept alive exactly while runs are in flight.
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '../../lib';

const ROOT = path.resolve(__dirname, '..', '..');

function node(script: string) {
  return spawnSync(process.execPath, ['-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
}

describe('async runs', () => {
  test('more blocked runs than the libuv pool has threads do not starve the run that unblocks them', async () => {
    const g = new tf.Graph();
    const queue = g.addOperation('FIFOQueueV2', { attrs: { component_types: ['float32'] }, name: 'queue' }).output(0);
    const dequeue = g.addOperation('QueueDequeueV2', { inputs: [queue], attrs: { component_types: ['float32'] } }).output(0);
    const v = g.placeholder('float32', [], 'v');
    const enqueue = g.addOperation('QueueEnqueueV2', { inputs: [queue, [v]] });
    const sess = new tf.Session(g);
    const waiting = Array.from({ length: 12 }, () => sess.run(dequeue, undefined, { timeoutMs: 20_000 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < 12; i++) await sess.run(enqueue, new Map([[v, i]]), { timeoutMs: 20_000 });
    const got = (await Promise.all(waiting)).map((t) => t.item()).sort((a, b) => a - b);
    expect(got).toEqual(Array.from({ length: 12 }, (_, i) => i));
    await sess.close();
  });

  test('many runs settled together all resolve, each with its own result', async () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)] }).output(0);
    const sess = new tf.Session(g);
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => sess.run(y, new Map([[x, i]]))));
    expect(results.map((r) => r.item())).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    await sess.close();
  });

  test('an idle session does not keep the process alive; a run in flight does until it settles', () => {
    const idle = node(`
      const tf = require('./dist');
      const g = new tf.Graph();
      const y = g.addOperation('AddV2', { inputs: [g.constant(1), g.constant(2)] }).output(0);
      const s = new tf.Session(g);
      s.run(y).then((r) => console.log('result', r.item()));
    `);
    expect(idle.status).toBe(0);
    expect(idle.stdout.trim()).toBe('result 3');

    // The run waits on a queue that a timer fills: nothing but the run itself holds the loop in between.
    const pending = node(`
      const tf = require('./dist');
      const g = new tf.Graph();
      const q = g.addOperation('FIFOQueueV2', { attrs: { component_types: ['float32'] } }).output(0);
      const d = g.addOperation('QueueDequeueV2', { inputs: [q], attrs: { component_types: ['float32'] } }).output(0);
      const e = g.addOperation('QueueEnqueueV2', { inputs: [q, [g.constant(9)]] });
      const s = new tf.Session(g);
      s.run(d).then((r) => console.log('dequeued', r.item()));
      const t = setTimeout(() => s.runSync(e), 300);
      t.unref();
    `);
    // The timer is unref'd: only the run in flight can keep the process alive until it fires.
    expect(pending.status).toBe(0);
    expect(pending.stdout.trim()).toBe('dequeued 9');
  }, 120_000);

  // A runner that delivered a result used to count as busy until it was back in its loop, and the JS thread's
  // next run, which that result triggers, often came first: a new thread per run or two, all spinning.
  (process.platform === 'linux' ? test : test.skip)('a loop of awaited runs is served by one runner thread', () => {
    const r = node(`
      const fs = require('fs');
      const tf = require('./dist');
      const threads = () => Number(/Threads:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
      const g = new tf.Graph();
      const x = g.placeholder('float32', [], 'x');
      const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)] }).output(0);
      const s = new tf.Session(g);
      (async () => {
        const feeds = new Map([[x, 0]]);
        s.runSync(y, feeds);
        const before = threads();
        let most = before;
        for (let i = 0; i < 3000; i++) {
          feeds.set(x, i);
          (await s.run(y, feeds, { smallStepsInJsThread: false })).dispose();
          if (i % 50 === 0) most = Math.max(most, threads());
        }
        console.log(JSON.stringify({ before, most }));
      })();
    `);
    expect(r.status).toBe(0);
    const { before, most } = JSON.parse(r.stdout.trim()) as { before: number; most: number };
    expect(most - before).toBeLessThanOrEqual(1);
  }, 120_000);

  test('a small inline step completes in the JS thread; smallStepsInJsThread: false and slow steps hop', () => {
    // Whether a step is small is measured, and on a loaded machine (CI runs test files in parallel) a 3 µs step
    // is preempted often enough to stay above the default 5 µs: the child raises the threshold to 1 ms.
    const r = spawnSync(process.execPath, ['-e', `
      const tf = require('./dist');
      // How many of n runs awaited one after another let the event loop turn (a setImmediate callback ran
      // between the run's call and the end of its await): every run that hops does, one completed in the JS
      // thread does not.
      async function runsThatHop(n, run) {
        let turns = 0;
        let timer;
        const tick = () => { turns++; timer = setImmediate(tick); };
        timer = setImmediate(tick);
        let hops = 0;
        try {
          for (let i = 0; i < n; i++) {
            const before = turns;
            (await run()).dispose();
            if (turns !== before) hops++;
          }
        } finally {
          clearImmediate(timer);
        }
        return hops;
      }
      (async () => {
        const g = new tf.Graph();
        const x = g.placeholder('float32', [], 'x');
        const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)] }).output(0);
        // Fed, so that Grappler cannot fold the product into a constant; far above 1 ms.
        const big = g.addOperation('Fill', { inputs: [g.constant([1024, 1024], { dtype: 'int32' }), x] }).output(0);
        const product = g.addOperation('MatMul', { inputs: [big, big] }).output(0);
        const slow = g.addOperation('Sum', { inputs: [product, g.constant([0, 1], { dtype: 'int32' })] }).output(0);
        const sess = new tf.Session(g);
        const feeds = new Map([[x, 1]]);
        const first = (await sess.run(y, feeds)).item();
        // Until a run of the step was seen to be small (its first builds the executors), it hops.
        for (let i = 0; i < 100; i++) (await sess.run(y, feeds)).dispose();
        // A run preempted for over 250 µs sends the next back to a runner: the best of 3 stretches counts.
        let small = Infinity;
        for (let k = 0; k < 3; k++) small = Math.min(small, await runsThatHop(400, () => sess.run(y, feeds)));
        const off = await runsThatHop(100, () => sess.run(y, feeds, { smallStepsInJsThread: false }));
        await sess.run(slow, feeds);
        const slowHops = await runsThatHop(5, () => sess.run(slow, feeds));
        const later = (await sess.run(y, new Map([[x, 41]]))).item();
        const error = await sess.run(y, new Map([[x, new Float32Array(2)]])).then(() => null, (e) => e.constructor.name);
        await sess.close();
        console.log(JSON.stringify({ first, small, off, slowHops, later, error }));
      })();
    `], { cwd: ROOT, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', NODE_LIBTENSORFLOW_SMALL_STEP_US: '1000' } });
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(got.first).toBe(2);
    expect(got.small).toBeLessThan(200);
    expect(got.off).toBe(100);
    expect(got.slowHops).toBe(5);
    // Results and errors are those of the hop.
    expect(got.later).toBe(42);
    expect(got.error).toBeTruthy();
  });
});
