// SPDX-License-Identifier: Apache-2.0
// Where a step's intra-op work runs when an inference session leaves intra-op threading to the binding
// (lib/session/config.ts choosesIntraOp, native/intra_op.h): measured per step and feed size in this process;
// forced into the calling thread (tfn_intra_op.so on every such run) in a child process, whose results must be
// those of TensorFlow's own TF_SessionRun.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '../../lib';
import { tfAddon } from '../../lib/binding/library';
import { choosesIntraOp } from '../../lib/session/config';
import { Session } from '../../lib/session/session';

const ROOT = path.resolve(__dirname, '..', '..');
// A library given through LIBTENSORFLOW_PATH may come without TensorFlow's C++ headers, and the addon then
// without tfn_intra_op.so; what npm install provisions (the wheel, or Python TensorFlow) has them.
// NODE_LIBTENSORFLOW_INTRA_OP_CHOICE (0 or caller) replaces the measurements.
const expectLibrary =
  process.env.LIBTENSORFLOW_PATH === undefined && process.env.NODE_LIBTENSORFLOW_INTRA_OP_CHOICE === undefined;

function mlp(g: tf.Graph) {
  const x = g.placeholder('float32', [-1, 64], 'x');
  const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * seed) * 0.1);
  const w1 = g.constant(tf.tensor(values(64 * 256, 0.37), [64, 256]));
  const w2 = g.constant(tf.tensor(values(256 * 8, 0.71), [256, 8]));
  const h = g.addOperation('Relu', { inputs: [g.addOperation('MatMul', { inputs: [x, w1] }).output(0)] }).output(0);
  const y = g.addOperation('MatMul', { inputs: [h, w2], name: 'y' }).output(0);
  return { x, y };
}

/** A session as savedModel.load makes them (an inference session), on any graph. */
function inferenceSession(g: tf.Graph, options: tf.SessionOptions = {}): tf.Session {
  return Session._wrap(g, new (tfAddon().Session)(g._native, null, null), options, true);
}

function decision(sess: tf.Session, x: tf.Output, y: tf.Output, fedBytes: number): number {
  const native = Session._native(sess);
  const signature = native.prepare([x.op._native], [x.index], [y.op._native], [y.index], [], Session._choosesIntraOp(sess));
  return native.intraOpDecision(signature, fedBytes);
}

describe('intra-op choice', () => {
  test('the addon finds tfn_intra_op.so beside it', () => {
    const why = tfAddon().intraOpUnavailable();
    if (process.env.NODE_LIBTENSORFLOW_INTRA_OP_CHOICE === '0') {
      expect(why).toBe('turned off by NODE_LIBTENSORFLOW_INTRA_OP_CHOICE=0');
    } else if (process.env.LIBTENSORFLOW_PATH === undefined) {
      expect(why).toBe('');
    } else if (why !== '') {
      expect(why).toMatch(/tfn_intra_op\.so/);
    }
  });

  test('a session chooses only when its config and the environment leave intra-op threading unset', () => {
    expect(choosesIntraOp(undefined)).toBe(true);
    expect(choosesIntraOp({ config: { allowSoftPlacement: true } })).toBe(true);
    expect(choosesIntraOp({ config: { intraOpParallelismThreads: 0 } })).toBe(false);
    expect(choosesIntraOp({ config: { interOpParallelismThreads: 2 } })).toBe(false);
    expect(choosesIntraOp({ target: 'grpc://localhost:1' })).toBe(false);
    process.env.TF_NUM_INTRAOP_THREADS = '2';
    try {
      expect(choosesIntraOp(undefined)).toBe(false);
    } finally {
      delete process.env.TF_NUM_INTRAOP_THREADS;
    }
  });

  test('savedModel.load sessions choose; plain sessions, which train, keep TensorFlow\'s pool', async () => {
    const g = new tf.Graph();
    const { x, y } = mlp(g);
    const plain = new tf.Session(g);
    expect(Session._choosesIntraOp(plain)).toBe(false);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-intra-op-'));
    try {
      await tf.savedModel.save(plain, path.join(dir, '1'), { signatures: { serving_default: { inputs: { x }, outputs: { y } } } });
      const model = await tf.savedModel.load(path.join(dir, '1'));
      expect(Session._choosesIntraOp(model.session)).toBe(true);
      await model.session.close();
      const configured = await tf.savedModel.load(path.join(dir, '1'), { config: { intraOpParallelismThreads: 0 } });
      expect(Session._choosesIntraOp(configured.session)).toBe(false);
      await configured.session.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await plain.close();
  });

  test('each feed size of a step is decided once, after its probe runs, and the results stay right', async () => {
    const g = new tf.Graph();
    const { x, y } = mlp(g);
    const sess = inferenceSession(g);
    const one = tf.tensor(Float32Array.from({ length: 64 }, (_, i) => i / 64), [1, 64]);
    const many = tf.tensor(Float32Array.from({ length: 32 * 64 }, (_, i) => (i % 64) / 64), [32, 64]);
    // TF_SessionRun on the pools: an explicit callerThread leaves threading to the caller.
    const expected = sess.runSync(y, new Map([[x, one]]), { callerThread: true }).toArray() as number[][];
    if (!expectLibrary) return;
    expect(decision(sess, x, y, 64 * 4)).toBe(-1);
    // 2 warm-up runs, 32 probing ones, and where the calling thread won, 256 more and a second probe of 32.
    for (let i = 0; i < 2 + 32 + 256 + 32; i++) {
      const got = (i % 2 === 0 ? sess.runSync(y, new Map([[x, one]])) : await sess.run(y, new Map([[x, one]])));
      const row = (got.toArray() as number[][])[0];
      got.dispose();
      row.forEach((v, j) => expect(v).toBeCloseTo(expected[0][j], 5));
    }
    expect([0, 1]).toContain(decision(sess, x, y, 64 * 4));
    // Another feed size has its own choice, not decided yet.
    expect(decision(sess, x, y, 32 * 64 * 4)).toBe(-1);
    sess.runSync(y, new Map([[x, many]])).dispose();
    expect(decision(sess, x, y, 32 * 64 * 4)).toBe(-1);
    await sess.close();
  });

  test('explicit intra-op configuration and steps that may block get no choice', async () => {
    const g = new tf.Graph();
    const { x, y } = mlp(g);
    const configured = inferenceSession(g, { config: { intraOpParallelismThreads: 0 } });
    expect(decision(configured, x, y, 256)).toBe(-2);
    await configured.close();

    const q = new tf.Graph();
    const queue = q.addOperation('FIFOQueueV2', { attrs: { component_types: ['float32'] } }).output(0);
    const v = q.placeholder('float32', [], 'v');
    const enqueue = q.addOperation('QueueEnqueueV2', { inputs: [queue, [v]] });
    const size = q.addOperation('QueueSizeV2', { inputs: [queue] }).output(0);
    const sess = inferenceSession(q);
    const native = Session._native(sess);
    const signature = native.prepare([v.op._native], [v.index], [], [], [enqueue._native], Session._choosesIntraOp(sess));
    expect(native.intraOpDecision(signature, 4)).toBe(-2);
    for (let i = 0; i < 3; i++) sess.runSync(enqueue, new Map([[v, i]]));
    expect(sess.runSync(size).item()).toBe(3);
    await sess.close();
  });

  test('steps run in the calling thread give TF_SessionRun results and errors (forced in a child)', () => {
    const script = `
      const tf = require('./dist');
      const { Session } = require('./dist/session/session');
      const { tfAddon } = require('./dist/binding/library');
      const out = {};
      (async () => {
        out.unavailable = tfAddon().intraOpUnavailable();
        const g = new tf.Graph();
        const x = g.placeholder('float32', [-1, -1], 'x');
        const w = g.constant(tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]));
        const y = g.addOperation('MatMul', { inputs: [x, w] }).output(0);
        // As savedModel.load makes them.
        const sess = Session._wrap(g, new (tfAddon().Session)(g._native, null, null), {}, true);
        const feeds = new Map([[x, tf.tensor([1, 0, 2, 1], [1, 4])]]);
        out.sync = sess.runSync(y, feeds).toArray();
        out.async = (await sess.run(y, feeds)).toArray();
        out.deadline = (await sess.run(y, feeds, { timeoutMs: 60000 })).toArray();
        out.pool = sess.runSync(y, feeds, { callerThread: true }).toArray();
        const bad = new Map([[x, tf.tensor([1, 2, 3], [1, 3])]]);
        const failure = (f) => { try { f(); return null; } catch (e) { return [e.constructor.name, e.message]; } };
        out.error = failure(() => sess.runSync(y, bad));
        out.poolError = failure(() => sess.runSync(y, bad, { callerThread: true }));
        out.asyncError = await sess.run(y, bad).then(() => null, (e) => [e.constructor.name, e.message]);
        // Operations added after the session's first run reach it before the next.
        const doubled = g.addOperation('Mul', { inputs: [y, g.constant(2)] }).output(0);
        out.grown = sess.runSync(doubled, feeds).toArray();
        // Strings in and out, and a variable assigned by a target-only run then read.
        const s = g.placeholder('string', [-1], 's');
        const axis = g.constant(0, { dtype: 'int32' });
        const joined = g.addOperation('ReduceJoin', { inputs: [s, axis], attrs: { separator: '+' } }).output(0);
        out.strings = sess.runSync(joined, new Map([[s, tf.tensor(['ab', 'c', 'déf'])]])).toArray();
        const handle = g.addOperation('VarHandleOp', { attrs: { dtype: 'float32', shape: [], shared_name: 'v' } }).output(0);
        const value = g.placeholder('float32', [], 'value');
        const assign = g.addOperation('AssignVariableOp', { inputs: [handle, value], attrs: { dtype: 'float32' } });
        const read = g.addOperation('ReadVariableOp', { inputs: [handle], attrs: { dtype: 'float32' } }).output(0);
        sess.runSync(assign, new Map([[value, 2.5]]));
        out.variable = sess.runSync(read).item();
        await sess.close();
        process.stdout.write(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(1); });
    `;
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', NODE_LIBTENSORFLOW_INTRA_OP_CHOICE: 'caller' },
    });
    expect(r.stderr).not.toMatch(/Error:/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    if (expectLibrary) expect(out.unavailable).toBe('');
    expect(out.sync).toEqual([[18, 22]]);
    expect(out.async).toEqual(out.sync);
    expect(out.deadline).toEqual(out.sync);
    expect(out.pool).toEqual(out.sync);
    expect(out.error[0]).toBe('InvalidArgumentError');
    expect(out.error).toEqual(out.poolError);
    expect(out.asyncError).toEqual(out.poolError);
    expect(out.grown).toEqual([[36, 44]]);
    expect(out.strings).toBe('ab+c+déf');
    expect(out.variable).toBe(2.5);
  }, 90_000);
});
