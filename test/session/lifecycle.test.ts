// SPDX-License-Identifier: Apache-2.0
// Lifetimes across the boundary: owners kept alive, GC as a backstop, worker threads, process exit.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '../../lib';

 
require('v8').setFlagsFromString('--expose-gc');
 
const gc = require('vm').runInNewContext('gc') as () => void;

const ROOT = path.resolve(__dirname, '..', '..');

function runNode(code: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env },
    timeout: 120_000,
  });
}

describe('lifetimes', () => {
  test('an Output keeps its graph alive after the Graph object is dropped', async () => {
    const make = () => {
      const g = new tf.Graph();
      const x = g.placeholder('float32', [], 'x');
      return g.addOperation('Neg', { inputs: [x] }).output(0);
    };
    const y = make();
    for (let i = 0; i < 3; i++) gc();
    const session = new tf.Session(y.graph);
    expect(session.runSync(y, { x: 2 }).item()).toBe(-2);
    await session.close();
  });

  test('a session keeps its graph alive; dropping both is collected without a crash', async () => {
    const collected = { graphs: 0, sessions: 0 };
    const registry = new FinalizationRegistry<'graphs' | 'sessions'>((kind) => collected[kind]++);
    const results: number[] = [];
    let kept: WeakRef<tf.Graph> | undefined;
    await (async () => {
      for (let i = 0; i < 50; i++) {
        const g = new tf.Graph();
        const session = new tf.Session(g);
        results.push(session.runSync(g.constant(i)).item() as number);
        if (i % 2) await session.close();
        registry.register(g, 'graphs');
        registry.register(session, 'sessions');
        if (i === 49) kept = new WeakRef(g);
      }
    })();
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Finalization callbacks run after the collection, in later turns of the event loop; a session's graph
    // becomes collectable only once the session's native wrapper is gone.
    for (let round = 0; round < 20 && collected.graphs + collected.sessions < 100; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(collected).toEqual({ graphs: 50, sessions: 50 });
    expect(kept!.deref()).toBeUndefined();
  });

  test('the addon works in worker threads, several at once', async () => {
    // Workers load the compiled package (dist/), which `npm install` builds.
    const script = `
      const { parentPort, workerData } = require('worker_threads');
      const tf = require(${JSON.stringify(path.join(ROOT, 'dist'))});
      const g = new tf.Graph();
      const x = g.placeholder('float32', [], 'x');
      const y = g.addOperation('Mul', { inputs: [x, g.constant(2)] }).output(0);
      const s = new tf.Session(g);
      s.run(y, { x: workerData }).then(async (r) => { parentPort.postMessage(r.item()); await s.close(); });
    `;
    const results = await Promise.all(
      [1, 2, 3].map(
        (n) =>
          new Promise<number>((resolve, reject) => {
            const w = new Worker(script, { eval: true, workerData: n });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    expect(results).toEqual([2, 4, 6]);
  });

  test('workers of a fresh process load the library at the same time', () => {
    // No thread has loaded it before: each worker's first use starts a load, and the loads must come to one.
    const r = runNode(`
      const { Worker } = require('worker_threads');
      const script = \`
        const { parentPort, workerData } = require('worker_threads');
        const tf = require('./dist');
        const g = new tf.Graph();
        const y = g.addOperation('AddV2', { inputs: [g.placeholder('float32', [], 'x'), g.constant(1)] }).output(0);
        parentPort.postMessage(new tf.Session(g).runSync(y, { x: workerData }).item());
      \`;
      Promise.all([1, 2, 3, 4].map((n) => new Promise((resolve, reject) => {
        const w = new Worker(script, { eval: true, workerData: n });
        w.once('message', resolve);
        w.once('error', reject);
      }))).then((values) => console.log(JSON.stringify(values)));
    `);
    expect(r.stderr).not.toMatch(/Segmentation|Aborted|FATAL/);
    expect(r.stdout.trim()).toBe('[2,3,4,5]');
    expect(r.status).toBe(0);
  });

  test('a worker that exits with live sessions and tensors does not take the process down', () => {
    const r = runNode(`
      const { Worker } = require('worker_threads');
      const w = new Worker(\`
        const tf = require('./dist');
        const g = new tf.Graph();
        const s = new tf.Session(g);
        const t = tf.Tensor.alloc('float32', [1 << 20]);
        const view = t.data();
        // Views (and their owners) still alive when the worker's heap is torn down, after Node unloads
        // the worker's addons.
        const result = s.runSync(g.ops.neg(g.constant(new Float32Array(4096).fill(1))));
        globalThis.kept = [view, result.data()];
        s.run(g.constant(1)).then(() => process.exit(0));
      \`, { eval: true });
      w.on('exit', (code) => { console.log('worker exit', code); });
    `);
    expect(r.stderr).not.toMatch(/Segmentation|Aborted|FATAL/);
    expect(r.stdout).toMatch(/worker exit 0/);
    expect(r.status).toBe(0);
  });

  test('the process exits cleanly with live sessions, runs in flight and tensors', () => {
    const r = runNode(`
      const tf = require('./dist');
      const g = new tf.Graph();
      const n = 512;
      const a = g.constant(new Float32Array(n * n).fill(1), { shape: [n, n] });
      const m = g.addOperation('MatMul', { inputs: [a, a] }).output(0);
      const s = new tf.Session(g);
      for (let i = 0; i < 8; i++) s.run(m);
      const big = tf.Tensor.alloc('float32', [1 << 20]);
      console.log('leaving');
    `);
    expect(r.stdout).toMatch(/leaving/);
    expect(r.status).toBe(0);
  });
});
