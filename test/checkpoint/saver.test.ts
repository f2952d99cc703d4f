// SPDX-License-Identifier: Apache-2.0
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { tempDir } from '../helpers/python';
import { files, initialized, model, values } from './saver-model';

describe('Saver: save and restore', () => {
  const { dir, cleanup } = tempDir('tfn-saver-');
  afterAll(cleanup);

  test('saves every variable and restores it, with the ops built once', async () => {
    const m = await initialized(model());
    const saver = new tf.train.Saver({ graph: m.g });
    const prefix = path.join(dir, 'basic', 'model.ckpt');
    fs.mkdirSync(path.dirname(prefix));
    expect(await saver.save(m.sess, prefix, { writeMetaGraph: false })).toBe(prefix);
    expect(files(path.dirname(prefix))).toEqual(['checkpoint', 'model.ckpt.data-00000-of-00001', 'model.ckpt.index']);
    expect(fs.readFileSync(path.join(dir, 'basic', 'checkpoint'), 'utf8')).toBe(
      `model_checkpoint_path: "${prefix}"\nall_model_checkpoint_paths: "${prefix}"\n`,
    );
    expect(tf.train.listVariables(prefix)).toEqual([['flag', [2]], ['h', [2]], ['layer/b', [2]], ['s', [2]], ['w', [2, 2]]]);

    await m.sess.run([m.w.assign([[0, 0], [0, 0]]), m.b.assign([0n, 0n]), m.s.assign(['', '']), m.f.assign([false, false])]);
    await saver.restore(m.sess, prefix);
    expect(await values(m.sess, [m.w, m.b, m.s, m.h, m.f])).toEqual([[[1, 2], [3, 4]], [5n, 6n], ['x', 'y'], [0.5, -1.5], [true, false]]);
    const opsAfterBuild = m.g.numOperations;
    await saver.save(m.sess, prefix, { writeMetaGraph: false });
    await saver.restore(m.sess, prefix);
    expect(m.g.numOperations).toBe(opsAfterBuild);
    expect(saver.asSaverDef()).toEqual({
      filename_tensor_name: 'save/Const:0',
      save_tensor_name: 'save/control_dependency:0',
      restore_op_name: 'save/restore_all',
      max_to_keep: 5,
      sharded: false,
      keep_checkpoint_every_n_hours: 10000,
      version: 2,
    });
    await m.sess.close();
  });

  test('a new graph with the same variable names restores the values', async () => {
    const a = await initialized(model({ w: [[9, 8], [7, 6]], b: [1n, 2n], s: ['p', 'q'] }));
    const prefix = await new tf.train.Saver({ graph: a.g })
      .save(a.sess, path.join(dir, 'fresh'), { writeMetaGraph: false, writeState: false });
    expect(fs.existsSync(path.join(dir, 'checkpoint'))).toBe(false);
    const b = model();
    const sess = new tf.Session(b.g);
    await new tf.train.Saver({ graph: b.g }).restore(sess, prefix);
    expect(await values(sess, [b.w, b.b, b.s])).toEqual([[[9, 8], [7, 6]], [1n, 2n], ['p', 'q']]);
    await Promise.all([a.sess.close(), sess.close()]);
  });

  test('a record varList saves and restores under other names; a partial varList leaves the others alone', async () => {
    const m = await initialized(model());
    const renamed = new tf.train.Saver({ varList: { 'renamed/kernel': m.w, counter: m.b } });
    const prefix = await renamed.save(m.sess, path.join(dir, 'renamed'), { writeMetaGraph: false });
    expect(tf.train.listVariables(prefix)).toEqual([['counter', [2]], ['renamed/kernel', [2, 2]]]);

    const other = model({ w: [[0, 0], [0, 0]], b: [0n, 0n], s: ['keep', 'me'] });
    const sess = new tf.Session(other.g);
    await sess.run(tf.globalVariablesInitializer(other.g));
    await new tf.train.Saver({ varList: { 'renamed/kernel': other.w } }).restore(sess, prefix);
    expect(await values(sess, [other.w, other.b, other.s])).toEqual([[[1, 2], [3, 4]], [0n, 0n], ['keep', 'me']]);
    await expect(new tf.train.Saver({ varList: [other.w] }).restore(sess, prefix)).rejects.toThrow(tf.errors.NotFoundError);
    expect(await values(sess, [other.w])).toEqual([[[1, 2], [3, 4]]]);
    await Promise.all([m.sess.close(), sess.close()]);
  });

  test('globalStep appends -<step> from a number, a Variable or an Output; padStepNumber pads it', async () => {
    const m = await initialized(model());
    const step = tf.train.getOrCreateGlobalStep(m.g);
    await m.sess.run(step.initializer);
    await m.sess.run(step.assign(42n));
    const saver = new tf.train.Saver({ graph: m.g });
    const base = path.join(dir, 'steps', 'model');
    expect(await saver.save(m.sess, base, { globalStep: 7, writeMetaGraph: false })).toBe(`${base}-7`);
    expect(await saver.save(m.sess, base, { globalStep: step, writeMetaGraph: false })).toBe(`${base}-42`);
    expect(await saver.save(m.sess, base, { globalStep: step.value(), writeMetaGraph: false })).toBe(`${base}-42`);
    expect(await saver.save(m.sess, base, { globalStep: 3n, writeMetaGraph: false })).toBe(`${base}-3`);
    expect(tf.train.loadVariable(`${base}-42`, 'global_step').item()).toBe(42n);
    const padded = new tf.train.Saver({ graph: m.g, padStepNumber: true, name: 'padded' });
    expect(await padded.save(m.sess, base, { globalStep: 12, writeMetaGraph: false })).toBe(`${base}-00000012`);
    await expect(saver.save(m.sess, base, { globalStep: m.w })).rejects.toThrow(/globalStep must be an integer scalar/);
    await expect(saver.save(m.sess, base, { globalStep: 1.5 })).rejects.toThrow(TypeError);
    await expect(saver.save(m.sess, base, { globalStep: 'x' as never })).rejects.toThrow(TypeError);
    await m.sess.close();
  });

  test('maxToKeep deletes the oldest checkpoints after the state file stops naming them', async () => {
    const m = await initialized(model());
    const saver = new tf.train.Saver({ graph: m.g, maxToKeep: 2 });
    const d = path.join(dir, 'keep');
    const base = path.join(d, 'model');
    for (let i = 1; i <= 4; i++) await saver.save(m.sess, base, { globalStep: i, writeMetaGraph: false });
    expect(saver.lastCheckpoints).toEqual([`${base}-3`, `${base}-4`]);
    expect(files(d)).toEqual([
      'checkpoint',
      'model-3.data-00000-of-00001',
      'model-3.index',
      'model-4.data-00000-of-00001',
      'model-4.index',
    ]);
    expect(tf.train.getCheckpointState(d)!.allModelCheckpointPaths).toEqual([`${base}-3`, `${base}-4`]);
    // Saving to a kept path again moves it last instead of deleting it.
    await saver.save(m.sess, base, { globalStep: 3, writeMetaGraph: false });
    expect(saver.lastCheckpoints).toEqual([`${base}-4`, `${base}-3`]);
    expect(tf.train.latestCheckpoint(d)).toBe(`${base}-3`);
    expect(files(d)).toHaveLength(5);

    const all = new tf.train.Saver({ graph: m.g, maxToKeep: 0, name: 'all' });
    const d2 = path.join(dir, 'keepall');
    for (let i = 1; i <= 7; i++) await all.save(m.sess, path.join(d2, 'm'), { globalStep: i, writeMetaGraph: false });
    expect(files(d2).filter((f) => f.endsWith('.index'))).toHaveLength(7);
    expect(all.lastCheckpoints).toEqual([]);
    expect(tf.train.getCheckpointState(d2)!.allModelCheckpointPaths).toEqual([path.join(d2, 'm-7')]);

    const resumed = new tf.train.Saver({ graph: m.g, maxToKeep: 2, name: 'resumed' });
    resumed.recoverLastCheckpoints(tf.train.getCheckpointState(d)!.allModelCheckpointPaths.concat([path.join(d, 'gone')]));
    expect(resumed.lastCheckpoints).toEqual([`${base}-4`, `${base}-3`]);
    await resumed.save(m.sess, base, { globalStep: 5, writeMetaGraph: false });
    expect(files(d).filter((f) => f.endsWith('.index'))).toEqual(['model-3.index', 'model-5.index']);
    await m.sess.close();
  });

  test('keepCheckpointEveryNHours keeps one checkpoint per period', async () => {
    let now = 1_000_000_000_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const m = await initialized(model());
      const saver = new tf.train.Saver({ graph: m.g, maxToKeep: 1, keepCheckpointEveryNHours: 1 });
      const d = path.join(dir, 'hours');
      // Saves every 20 minutes; as in Python, a checkpoint saved more than an hour after the last one kept
      // (or the Saver's creation) survives maxToKeep: those of minutes 80 and 140, and the latest.
      for (let i = 0; i < 10; i++) {
        await saver.save(m.sess, path.join(d, 'm'), { globalStep: i, writeMetaGraph: false });
        now += 20 * 60 * 1000;
      }
      const kept = files(d).filter((f) => f.endsWith('.index')).map((f) => Number(/m-(\d+)/.exec(f)![1])).sort((a, b) => a - b);
      expect(kept).toEqual([4, 7, 9]);
      await m.sess.close();
    } finally {
      clock.mockRestore();
    }
  });

  test('concurrent saves of one Saver are serialized and all recorded', async () => {
    const m = await initialized(model());
    const saver = new tf.train.Saver({ graph: m.g });
    const d = path.join(dir, 'concurrent');
    const written = await Promise.all(
      [1, 2, 3].map((i) => saver.save(m.sess, path.join(d, 'm'), { globalStep: i, writeMetaGraph: false })),
    );
    expect(written).toEqual([1, 2, 3].map((i) => path.join(d, `m-${i}`)));
    expect(tf.train.getCheckpointState(d)!.allModelCheckpointPaths).toEqual(written);
    await m.sess.close();
  });

  test('the global step and optimizer slot variables save and restore like any variable', async () => {
    const build = () => {
      const g = new tf.Graph();
      const w = g.variable(tf.tensor([[1, -2], [3, -4]]), { name: 'w' });
      const squared = g.addOperation('Square', { inputs: [w] }).output(0);
      const loss = g.addOperation('Sum', { inputs: [squared, g.constant([0, 1], { dtype: 'int32' })] }).output(0);
      const globalStep = tf.train.getOrCreateGlobalStep(g);
      const opt = new tf.train.AdamOptimizer(0.1);
      const train = opt.minimize(loss, { globalStep });
      return { g, w, globalStep, opt, train };
    };
    const a = build();
    const sess = new tf.Session(a.g);
    await sess.run(tf.globalVariablesInitializer(a.g));
    for (let i = 0; i < 3; i++) await sess.run(a.train);
    const adamPrefix = await new tf.train.Saver({ graph: a.g })
      .save(sess, path.join(dir, 'adam', 'model'), { globalStep: a.globalStep, writeMetaGraph: false });
    const names = tf.train.listVariables(adamPrefix).map(([n]) => n);
    expect(names).toEqual(expect.arrayContaining(['w', 'w/Adam', 'w/Adam_1', 'beta1_power', 'beta2_power', 'global_step']));
    const slots = (vars: { opt: tf.train.AdamOptimizer; w: tf.Variable }) =>
      [vars.w, vars.opt.getSlot(vars.w, 'm')!, vars.opt.getSlot(vars.w, 'v')!];
    const expected = await values(sess, [...slots(a), a.globalStep]);

    const b = build();
    const sess2 = new tf.Session(b.g);
    await new tf.train.Saver({ graph: b.g }).restore(sess2, tf.train.latestCheckpoint(path.join(dir, 'adam'))!);
    expect(await values(sess2, [...slots(b), b.globalStep])).toEqual(expected);
    expect(expected[3]).toBe(3n);
    // Training goes on from the restored state exactly as it would have.
    await Promise.all([sess.run(a.train), sess2.run(b.train)]);
    expect(await values(sess2, slots(b))).toEqual(await values(sess, slots(a)));
    await Promise.all([sess.close(), sess2.close()]);
  });

  test('sharded saves write one data file per device, merged into one prefix', async () => {
    const g = new tf.Graph();
    const a = g.device('/cpu:0', () => g.variable(tf.tensor([1, 2, 3]), { name: 'a' }));
    const b = g.device('/cpu:1', () => g.variable(tf.tensor([4, 5]), { name: 'b' }));
    const c = g.device('/cpu:1', () => g.variable(tf.tensor(['c']), { name: 'c' }));
    const sess = new tf.Session(g, { config: { deviceCount: { CPU: 2 } } });
    await sess.run(tf.globalVariablesInitializer(g));
    const saver = new tf.train.Saver({ graph: g, sharded: true });
    const d = path.join(dir, 'sharded');
    const prefix = await saver.save(sess, path.join(d, 'model'), { globalStep: 1, writeMetaGraph: false });
    expect(prefix).toBe(path.join(d, 'model-1'));
    expect(files(d)).toEqual(['checkpoint', 'model-1.data-00000-of-00002', 'model-1.data-00001-of-00002', 'model-1.index']);
    expect(saver.asSaverDef().sharded).toBe(true);
    expect(tf.train.listVariables(prefix)).toEqual([['a', [3]], ['b', [2]], ['c', [1]]]);
    expect(tf.train.loadVariable(prefix, 'c').toArray()).toEqual(['c']);
    expect(tf.train.loadVariable(prefix, 'a').toArray()).toEqual([1, 2, 3]);
    await sess.run([a.assign([0, 0, 0]), b.assign([0, 0]), c.assign(['x'])]);
    await saver.restore(sess, prefix);
    expect(await values(sess, [a, b, c])).toEqual([[1, 2, 3], [4, 5], ['c']]);

    // A corrupt shard fails the restore before any shard's variables change.
    await sess.run([a.assign([7, 7, 7]), b.assign([7, 7])]);
    const shard1 = `${prefix}.data-00001-of-00002`;
    const bytes = fs.readFileSync(shard1);
    bytes[0] ^= 0xff;
    fs.writeFileSync(shard1, bytes);
    const err = await saver.restore(sess, prefix).catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.DataLossError);
    expect(err.message).toMatch(/no variable was changed/);
    expect(await values(sess, [a, b])).toEqual([[7, 7, 7], [7, 7]]);
    await sess.close();
  });
});

describe('Saver: bad input', () => {
  const { dir, cleanup } = tempDir('tfn-saver-bad-');
  let prefix: string;
  beforeAll(async () => {
    const m = await initialized(model());
    prefix = await new tf.train.Saver({ graph: m.g }).save(m.sess, path.join(dir, 'model'), { writeMetaGraph: false });
    await m.sess.close();
  });
  afterAll(cleanup);

  test('a missing key is a NotFoundError naming the key and the variable; nothing changes', async () => {
    const g = new tf.Graph();
    const w = g.variable(tf.tensor([[0, 0], [0, 0]]), { name: 'w' });
    const extra = g.variable(tf.tensor([1]), { name: 'extra' });
    const sess = new tf.Session(g);
    await sess.run(tf.globalVariablesInitializer(g));
    const err = await new tf.train.Saver({ graph: g }).restore(sess, prefix).catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.NotFoundError);
    expect(err.message).toMatch(/Key extra not found in checkpoint \(restoring variable 'extra'\)/);
    expect(err.message).toMatch(/no variable was changed/);
    const renamed = await new tf.train.Saver({ varList: { 'other/name': w } }).restore(sess, prefix).catch((e) => e);
    expect(renamed.message).toMatch(/Key other\/name not found in checkpoint \(restoring variable 'w' \(checkpoint key 'other\/name'\)\)/);
    expect(await values(sess, [w, extra])).toEqual([[[0, 0], [0, 0]], [1]]);
    await sess.close();
  });

  test('shape and dtype mismatches are InvalidArgumentErrors naming the variable and both shapes or dtypes', async () => {
    const g = new tf.Graph();
    g.variable(tf.tensor([[1, 2, 3]]), { name: 'w' });
    g.nameScope('layer', () => g.variable(tf.tensor([1, 2], [2], 'int32'), { name: 'b' }));
    const sess = new tf.Session(g);
    const varList = g.globalVariables().filter((v) => ['w', 'layer/b'].includes(v.name));
    const err = await new tf.train.Saver({ graph: g, varList }).restore(sess, prefix).catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(err.message).toMatch(/variable 'w': shape \[2,2\] in the checkpoint but \[1,3\] in the graph/);
    expect(err.message).toMatch(/variable 'layer\/b': dtype int64 in the checkpoint but int32 in the graph/);
    await sess.close();
  });

  test('paths that are not checkpoints are NotFoundErrors that say why', async () => {
    const m = model();
    const sess = new tf.Session(m.g);
    const saver = new tf.train.Saver({ graph: m.g });
    await expect(saver.restore(sess, path.join(dir, 'nothing'))).rejects.toThrow(tf.errors.NotFoundError);
    await expect(saver.restore(sess, dir)).rejects.toThrow(/is a directory: pass a checkpoint prefix/);
    await expect(saver.restore(sess, `${prefix}.index`)).rejects.toThrow(/pass the checkpoint prefix/);
    const empty = tempDir();
    try {
      expect(tf.train.latestCheckpoint(empty.dir)).toBeNull();
      expect(() => tf.train.listVariables(empty.dir)).toThrow(/Couldn't find a 'checkpoint' state file/);
    } finally {
      empty.cleanup();
    }
    await sess.close();
  });

  test('corrupt and truncated checkpoints are DataLossErrors and change no variable', async () => {
    const m = await initialized(model({ w: [[0, 0], [0, 0]], b: [0n, 0n], s: ['a', 'b'] }));
    const saver = new tf.train.Saver({ graph: m.g });
    const data = fs.readFileSync(`${prefix}.data-00000-of-00001`);
    const corrupt = path.join(dir, 'corrupt');
    fs.copyFileSync(`${prefix}.index`, `${corrupt}.index`);
    const bad = Buffer.from(data);
    bad[bad.length - 2] ^= 1; // in 'w', the last tensor of the data file (name order)
    fs.writeFileSync(`${corrupt}.data-00000-of-00001`, bad);
    const err = await saver.restore(m.sess, corrupt).catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.DataLossError);
    expect(err.message).toMatch(/Checksum does not match/);
    expect(err.message).toMatch(/no variable was changed/);
    // 'layer/b' and 's' read fine, but the restore is one step: they keep their values too.
    expect(await values(m.sess, [m.w, m.b, m.s])).toEqual([[[0, 0], [0, 0]], [0n, 0n], ['a', 'b']]);

    fs.writeFileSync(`${corrupt}.data-00000-of-00001`, data.subarray(0, data.length - 3));
    await expect(saver.restore(m.sess, corrupt)).rejects.toThrow(tf.errors.DataLossError);
    fs.writeFileSync(`${corrupt}.index`, fs.readFileSync(`${prefix}.index`).subarray(10));
    await expect(saver.restore(m.sess, corrupt)).rejects.toThrow(tf.errors.DataLossError);
    await m.sess.close();
  });

  test('constructor and argument errors', async () => {
    const m = model();
    // With no graph and no varList, the default graph's variables (none here).
    expect(() => new tf.train.Saver()).toThrow(/No variables to save/);
    expect(() => new tf.train.Saver({ graph: new tf.Graph() })).toThrow(/No variables to save/);
    expect(() => new tf.train.Saver({ varList: [m.w, 'x' as never] })).toThrow(TypeError);
    expect(() => new tf.train.Saver({ varList: { a: m.w, b: 5 as never } })).toThrow(/varList\['b'\]/);
    expect(() => new tf.train.Saver({ varList: { a: m.w, b: m.w, c: m.b } })).not.toThrow();
    expect(() => new tf.train.Saver({ varList: [m.w, model().w] })).toThrow(/belongs to Graph/);
    expect(() => new tf.train.Saver({ graph: m.g, maxToKeep: -1 })).toThrow(RangeError);
    expect(() => new tf.train.Saver({ graph: m.g, keepCheckpointEveryNHours: 0 })).toThrow(RangeError);
    expect(() => new tf.train.Saver({ graph: m.g, sharded: 'yes' as never })).toThrow(TypeError);
    expect(() => new tf.train.Saver({ graph: {} as never })).toThrow(TypeError);
    const twins = new tf.Graph();
    const v1 = twins.variable(tf.tensor([1]), { name: 'v' });
    const v2 = twins.variable(tf.tensor([1]), { name: 'u' });
    // The same variable twice in a list is saved once; two keys for one variable save it under both.
    const twinsSession = new tf.Session(twins);
    await twinsSession.run(tf.globalVariablesInitializer(twins));
    const deduped = await new tf.train.Saver({ varList: [v1, v2, v1] })
      .save(twinsSession, path.join(dir, 'twins'), { writeMetaGraph: false, writeState: false });
    expect(tf.train.listVariables(deduped)).toEqual([['u', [1]], ['v', [1]]]);
    const both = await new tf.train.Saver({ varList: { first: v1, second: v1 } })
      .save(twinsSession, path.join(dir, 'both'), { writeMetaGraph: false, writeState: false });
    expect(tf.train.listVariables(both)).toEqual([['first', [1]], ['second', [1]]]);
    await twinsSession.close();
    const empty = new tf.train.Saver({ graph: new tf.Graph(), allowEmpty: true });
    const emptySession = new tf.Session(new tf.Graph());
    await expect(empty.save(emptySession, path.join(dir, 'e'))).rejects.toThrow(/the session runs Graph/);

    const saver = new tf.train.Saver({ graph: m.g });
    const sess = new tf.Session(m.g);
    await expect(saver.save({} as never, path.join(dir, 'x'))).rejects.toThrow(TypeError);
    await expect(saver.save(sess, 42 as never)).rejects.toThrow(TypeError);
    await expect(saver.save(sess, '')).rejects.toThrow(TypeError);
    await expect(saver.save(sess, path.join(dir, 'checkpoint'))).rejects.toThrow(/collides with 'savePath'/);
    await expect(saver.save(sess, path.join(dir, 'x'), { writeState: 1 as never })).rejects.toThrow(TypeError);
    const allowEmpty = new tf.train.Saver({ graph: m.g, varList: [], allowEmpty: true });
    expect(await allowEmpty.save(sess, path.join(dir, 'nothing'))).toBe(path.join(dir, 'nothing'));
    expect(fs.existsSync(path.join(dir, 'nothing.index'))).toBe(false);
    await allowEmpty.restore(sess, path.join(dir, 'nothing'));
    await expect(saver.restore(sess, 7 as never)).rejects.toThrow(TypeError);
    await expect(saver.restore(emptySession, prefix)).rejects.toThrow(/the session runs Graph/);
    await Promise.all([sess.close(), emptySession.close()]);
  });
});

describe('initFromCheckpoint', () => {
  const { dir, cleanup } = tempDir('tfn-init-ckpt-');
  let prefix: string;
  beforeAll(async () => {
    const g = new tf.Graph();
    g.variableScope('encoder', () => {
      g.getVariable('kernel', { initializer: tf.tensor([[1, 2], [3, 4]]) });
      g.getVariable('bias', { initializer: tf.tensor([5, 6]) });
    });
    g.getVariable('top', { initializer: tf.tensor([7]) });
    const sess = new tf.Session(g);
    await sess.run(tf.globalVariablesInitializer(g));
    prefix = await new tf.train.Saver({ graph: g }).save(sess, path.join(dir, 'pretrained'), { writeMetaGraph: false });
    await sess.close();
  });
  afterAll(cleanup);

  test("scope mappings ('ckpt/': 'scope/'), single names, Variables and the root ('/')", async () => {
    const g = new tf.Graph();
    const [kernel, bias] = g.variableScope('model', () =>
      g.variableScope('enc', () => [g.getVariable('kernel', { shape: [2, 2] }), g.getVariable('bias', { shape: [2] })]),
    );
    const top = g.getVariable('head', { shape: [1] });
    const other = g.getVariable('other', { initializer: tf.tensor([0, 0]) });
    const root = g.variableScope('root', () => g.getVariable('top', { shape: [1] }));
    tf.train.initFromCheckpoint(dir, { 'encoder/': 'model/enc/', top: top }, { graph: g });
    tf.train.initFromCheckpoint(prefix, [['/', 'root/'], ['encoder/bias', 'other']], { graph: g });
    const sess = new tf.Session(g);
    await sess.run(tf.globalVariablesInitializer(g));
    expect(await values(sess, [kernel, bias, top, root, other])).toEqual([[[1, 2], [3, 4]], [5, 6], [7], [7], [5, 6]]);
    await sess.close();
  });

  test('missing tensors, mismatched shapes or dtypes and malformed maps throw before anything changes', () => {
    const g = new tf.Graph();
    const kernel = g.variableScope('enc', () => g.getVariable('kernel', { shape: [3, 3] }));
    const bias = g.variableScope('enc', () => g.getVariable('bias', { shape: [2], dtype: 'float64' }));
    const before = kernel.initializer;
    expect(() => tf.train.initFromCheckpoint(prefix, { 'encoder/': 'enc/' }, { graph: g })).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.train.initFromCheckpoint(prefix, { 'encoder/kernel': kernel })).toThrow(/Shape of variable enc\/kernel \(\[3,3\]\) doesn't match with shape of tensor encoder\/kernel \(\[2,2\]\)/);
    expect(() => tf.train.initFromCheckpoint(prefix, { 'encoder/bias': bias })).toThrow(/Dtype of variable enc\/bias \(float64\) doesn't match with dtype of tensor encoder\/bias \(float32\)/);
    expect(() => tf.train.initFromCheckpoint(prefix, { nope: kernel })).toThrow(tf.errors.NotFoundError);
    expect(() => tf.train.initFromCheckpoint(prefix, { 'encoder/kernel': 'enc/' }, { graph: g })).toThrow(/should map to scope only/);
    expect(() => tf.train.initFromCheckpoint(prefix, { 'encoder/': 'enc/' })).toThrow(/needs options.graph/);
    expect(() => tf.train.initFromCheckpoint(prefix, { a: 5 as never }, { graph: g })).toThrow(TypeError);
    expect(() => tf.train.initFromCheckpoint(prefix, 'x' as never)).toThrow(TypeError);
    expect(() => tf.train.initFromCheckpoint(path.join(dir, 'missing'), { 'encoder/kernel': kernel })).toThrow(tf.errors.NotFoundError);
    expect(kernel.initializer).toBe(before);
  });
});
