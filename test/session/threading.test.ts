// SPDX-License-Identifier: Apache-2.0
// Threading defaults: steps whose ops never wait for each other run in the calling thread, others on
// TensorFlow's pools, and the caller's own configuration wins (lib/session/config.ts, choosesThreads).
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '../../lib';
import { Session } from '../../lib/session/session';
import { choosesThreads, inCallerThread } from '../../lib/session/config';
import { decode } from '../../lib/proto';
import { encodeRunOptions } from '../../lib/session/session';

const ROOT = path.resolve(__dirname, '..', '..');

/** Whether the native session says the step fetching `fetches` (feeding `fed`) may block. */
function stepMayBlock(sess: tf.Session, fetches: tf.Output[], fed: tf.Output[] = [], targets: tf.Operation[] = []): boolean {
  const native = Session._native(sess);
  const signature = native.prepare(
    fed.map((o) => o.op._native),
    fed.map((o) => o.index),
    fetches.map((o) => o.op._native),
    fetches.map((o) => o.index),
    targets.map((t) => t._native),
  );
  return native.stepMayBlock(signature);
}

function queueGraph() {
  const g = new tf.Graph();
  const plain = g.addOperation('AddV2', { inputs: [g.placeholder('float32', [], 'x'), g.constant(1)], name: 'plain' }).output(0);
  const queue = g.addOperation('FIFOQueueV2', { attrs: { component_types: ['float32'] }, name: 'queue' }).output(0);
  const dequeue = g.addOperation('QueueDequeueV2', { inputs: [queue], attrs: { component_types: ['float32'] }, name: 'dequeue' }).output(0);
  const after = g.addOperation('AddV2', { inputs: [dequeue, g.constant(1)], name: 'after' }).output(0);
  const enqueue = g.addOperation('QueueEnqueueV2', { inputs: [queue, [g.placeholder('float32', [], 'v')]], name: 'enqueue' });
  return { g, plain, dequeue, after, enqueue };
}

// Unstage is built first, so that a step run in one thread runs it first and waits for a Stage that thread
// would run next: the step only ends when the two run in different threads.
const STAGING_SCRIPT = (runOptions: string, config: string) => `
  const tf = require('./dist');
  const g = new tf.Graph();
  const out = g.addOperation('Unstage', { attrs: { dtypes: ['float32'], shared_name: 'area' }, name: 'unstage' }).output(0);
  const stage = g.addOperation('Stage', { inputs: [[g.constant(7)]], attrs: { shared_name: 'area' }, name: 'stage' });
  const sess = new tf.Session(g, { config: ${config} });
  try {
    const [value] = sess.runSync([out, stage], undefined, { timeoutMs: 3000, ...${runOptions} });
    console.log('value', value.item());
  } catch (err) {
    console.log('error', err.code);
  }
  process.exit(0);
`;

function runStagingStep(runOptions: string, config = 'undefined'): string {
  const r = spawnSync(process.execPath, ['-e', STAGING_SCRIPT(runOptions, config)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

describe('which steps may block', () => {
  test('a step is blocking when it runs a queue op, not when the op is pruned or cut off by a feed', async () => {
    const { g, plain, dequeue, after, enqueue } = queueGraph();
    const sess = new tf.Session(g);
    expect(stepMayBlock(sess, [plain])).toBe(false);
    expect(stepMayBlock(sess, [after])).toBe(true);
    expect(stepMayBlock(sess, [after], [dequeue])).toBe(false);
    expect(stepMayBlock(sess, [], [], [enqueue])).toBe(true);
    // Through a control dependency too.
    const gated = g.addOperation('Identity', { inputs: [plain], controlInputs: [enqueue], name: 'gated' }).output(0);
    expect(stepMayBlock(sess, [gated])).toBe(true);
    await sess.close();
  });

  test('staging maps and barriers are blocking; StageSize is not', async () => {
    const g = new tf.Graph();
    const sess = new tf.Session(g);
    const size = g.addOperation('StageSize', { attrs: { dtypes: ['float32'] }, name: 'size' }).output(0);
    expect(stepMayBlock(sess, [size])).toBe(false);
    const peek = g.addOperation('MapUnstageNoKey', { inputs: [g.constant([0], { dtype: 'int32' })], attrs: { dtypes: ['float32'] } });
    expect(stepMayBlock(sess, [peek.output(0)])).toBe(true);
    const handle = g.addOperation('Barrier', { attrs: { component_types: ['float32'] } }).output(0);
    const count = g.constant(1, { dtype: 'int32' });
    const take = g.addOperation('BarrierTakeMany', { inputs: [handle, count], attrs: { component_types: ['float32'] } });
    expect(stepMayBlock(sess, [take.output(0)])).toBe(true);
    await sess.close();
  });
});

describe('threading defaults', () => {
  test('a step with a staging area runs on the pools by default and deadlocks when forced into one thread', () => {
    expect(runStagingStep('{}')).toBe('value 7');
    expect(runStagingStep('{ callerThread: true }')).toBe('error DEADLINE_EXCEEDED');
  }, 120_000);

  test("the caller's configuration wins: a session configured for its caller's thread runs there", () => {
    expect(runStagingStep('{}', '{ interOpParallelismThreads: -1 }')).toBe('error DEADLINE_EXCEEDED');
  }, 120_000);

  test('the binding chooses only when nobody configured inter-op threading', () => {
    expect(choosesThreads(undefined)).toBe(true);
    expect(choosesThreads({ config: { intraOpParallelismThreads: 2 } })).toBe(true);
    expect(choosesThreads({ config: { interOpParallelismThreads: 0 } })).toBe(false);
    expect(choosesThreads({ config: { interOpParallelismThreads: 4 } })).toBe(false);
    expect(choosesThreads({ target: 'grpc://localhost:1' })).toBe(false);
    const saved = process.env.TF_NUM_INTEROP_THREADS;
    process.env.TF_NUM_INTEROP_THREADS = '2';
    try {
      expect(choosesThreads(undefined)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.TF_NUM_INTEROP_THREADS;
      else process.env.TF_NUM_INTEROP_THREADS = saved;
    }
    const pool = (o: tf.RunOptions | undefined) => decode('RunOptions', encodeRunOptions(inCallerThread(o))!).inter_op_thread_pool ?? 0;
    expect(pool(undefined)).toBe(-1);
    expect(pool({ timeoutMs: 100 })).toBe(-1);
    expect(inCallerThread({ callerThread: false })).toEqual({ callerThread: false });
    expect(encodeRunOptions(inCallerThread({ callerThread: false }))).toBeNull();
  });

  test('queue-fed steps stay correct: a dequeue started first waits for the enqueue of a concurrent run', async () => {
    const { g, after, enqueue } = queueGraph();
    const v = g.tensor('v:0');
    const sess = new tf.Session(g);
    const waiting = Promise.all([sess.run(after), sess.run(after)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all([sess.run(enqueue, { [v.name]: 1 }), sess.run(enqueue, { [v.name]: 2 })]);
    const got = (await waiting).map((t) => t.item()).sort();
    expect(got).toEqual([2, 3]);
    await sess.close();
  });

  test('steps chosen for the calling thread give the same results, sync and async, concurrently', async () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [null, 4], 'x');
    const w = g.constant(Array.from({ length: 16 }, (_, i) => i / 16), { shape: [4, 4] });
    const y = g.addOperation('MatMul', { inputs: [x, w], name: 'y' }).output(0);
    const sess = new tf.Session(g);
    const pooled = new tf.Session(g, { config: { interOpParallelismThreads: 2 } });
    const feed = tf.tensor(Array.from({ length: 32 }, (_, i) => i), [8, 4]);
    const expected = Array.from(pooled.runSync(y, { x: feed }).data() as Float32Array);
    expect(Array.from(sess.runSync(y, { x: feed }).data() as Float32Array)).toEqual(expected);
    const all = await Promise.all(Array.from({ length: 20 }, () => sess.run(y, { x: feed })));
    for (const r of all) expect(Array.from(r.data() as Float32Array)).toEqual(expected);
    await sess.close();
    await pooled.close();
  });
});
