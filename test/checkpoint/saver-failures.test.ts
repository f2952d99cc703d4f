// SPDX-License-Identifier: Apache-2.0
// A save that fails, or a process killed while saving, never loses the previous checkpoint (issue 15).
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import * as tf from '../../lib';
import { tempDir } from '../helpers/python';
import { files, initialized, model } from './saver-model';

const ROOT = path.resolve(__dirname, '..', '..');

describe('Saver: failures never lose a checkpoint', () => {
  const { dir, cleanup } = tempDir('tfn-saver-fail-');
  afterAll(cleanup);

  async function firstCheckpoint(d: string) {
    const m = await initialized(model());
    const saver = new tf.train.Saver({ graph: m.g });
    const first = await saver.save(m.sess, path.join(d, 'model'), { globalStep: 1, writeMetaGraph: false });
    const state = fs.readFileSync(path.join(d, 'checkpoint'), 'utf8');
    const snapshot = () => Object.fromEntries(files(d).map((f) => [f, fs.readFileSync(path.join(d, f)).toString('hex')]));
    return { ...m, saver, first, state, before: snapshot(), snapshot };
  }

  test('a save into a path whose parent is a file rejects clearly and changes nothing', async () => {
    const d = path.join(dir, 'parent-file');
    const m = await firstCheckpoint(d);
    fs.writeFileSync(path.join(dir, 'not-a-dir'), 'x');
    const err = await m.saver.save(m.sess, path.join(dir, 'not-a-dir', 'model'), { globalStep: 2 }).catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.TFError);
    expect(err.message).toMatch(/^Failed to save checkpoint .*not-a-dir\/model-2 \(parent directory of .* doesn't exist, can't save\); the previous checkpoints and the state file are unchanged: /);
    expect(err.stack).toMatch(/saver-failures\.test\.ts/);
    expect(m.snapshot()).toEqual(m.before);
    expect(m.saver.lastCheckpoints).toEqual([m.first]);
    await m.sess.close();
  });

  test('a state file that cannot be written rejects and keeps the previous state', async () => {
    const d = path.join(dir, 'state');
    const m = await firstCheckpoint(d);
    const latestFilename = path.join('missing-dir', 'checkpoint');
    const err = await m.saver
      .save(m.sess, path.join(d, 'model'), { globalStep: 2, writeMetaGraph: false, latestFilename })
      .catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.NotFoundError);
    expect(err.message).toMatch(/was written but the state file was not updated \(the previous one is unchanged\)/);
    expect(fs.readFileSync(path.join(d, 'checkpoint'), 'utf8')).toBe(m.state);
    expect(m.saver.lastCheckpoints).toEqual([m.first]);
    await m.sess.close();
  });

  test('a full file system (tmpfs) fails the save with the previous checkpoint and state intact', async () => {
    const d = path.join(dir, 'tmpfs');
    fs.mkdirSync(d);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=192k', 'tmpfs', d]);
    if (mount.status !== 0) {
      console.warn(
        `Skipping the tmpfs case (mount is not permitted here: ${String(mount.stderr).trim()}); ` +
          'the file-size-limit case below covers a write failing part-way',
      );
      return;
    }
    try {
      const g = new tf.Graph();
      const big = g.variable(tf.tensor(new Float32Array(24 * 1024).fill(1)), { name: 'big' }); // 96 KiB
      const sess = new tf.Session(g);
      await sess.run(big.initializer);
      const saver = new tf.train.Saver({ graph: g });
      const first = await saver.save(sess, path.join(d, 'model'), { globalStep: 1, writeMetaGraph: false });
      const before = Object.fromEntries(files(d).map((f) => [f, fs.readFileSync(path.join(d, f)).toString('hex')]));
      const err = await saver.save(sess, path.join(d, 'model'), { globalStep: 2, writeMetaGraph: false }).catch((e) => e);
      expect(err).toBeInstanceOf(tf.errors.TFError);
      expect(err).toBeInstanceOf(tf.errors.ResourceExhaustedError);
      expect(err.message).toMatch(/^Failed to save checkpoint .*model-2; the previous checkpoints and the state file are unchanged: .*No space left on device/s);
      expect(err.message).not.toMatch(/allocated tensors/);
      expect(Object.fromEntries(files(d).map((f) => [f, fs.readFileSync(path.join(d, f)).toString('hex')]))).toEqual(before);
      await sess.run(big.assign(tf.tensor(new Float32Array(24 * 1024))));
      await saver.restore(sess, tf.train.latestCheckpoint(d)!);
      expect(tf.train.latestCheckpoint(d)).toBe(first);
      expect((await sess.run(big)).data()[1000]).toBe(1);
      await sess.close();
    } finally {
      spawnSync('umount', [d]);
    }
  });

  test('a write that fails part-way (file size limit) leaves the previous checkpoint and state intact', () => {
    // A child process whose file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so writes fail with EFBIG)
    // lets the first checkpoint through and stops the second one mid-write.
    const d = path.join(dir, 'fsize');
    fs.mkdirSync(d);
    const script = path.join(dir, 'fsize-child.js');
    fs.writeFileSync(script, `
      const ts = require(${JSON.stringify(require.resolve('typescript'))});
      const compilerOptions = { module: 1, target: 9, esModuleInterop: true };
      require.extensions['.ts'] = (m, file) =>
        m._compile(ts.transpileModule(require('fs').readFileSync(file, 'utf8'), { compilerOptions }).outputText, file);
      const tf = require(${JSON.stringify(path.resolve(__dirname, '..', '..', 'lib', 'index.ts'))});
      (async () => {
        const g = new tf.Graph();
        const v = g.variable(tf.tensor(new Float32Array(${64 * 1024})), { name: 'v', shape: [null], validateShape: false });
        const sess = new tf.Session(g);
        await sess.run(v.initializer);
        const saver = new tf.train.Saver({ graph: g });
        const first = await saver.save(sess, process.argv[2] + '/model', { globalStep: 1, writeMetaGraph: false });
        await sess.run(v.assign(tf.tensor(new Float32Array(${1024 * 1024}).fill(2))));
        let error = null;
        try { await saver.save(sess, process.argv[2] + '/model', { globalStep: 2, writeMetaGraph: false }); }
        catch (e) { error = { name: e.constructor.name, message: e.message }; }
        console.log(JSON.stringify({ first, error, lastCheckpoints: saver.lastCheckpoints }));
      })().catch((e) => { console.error(e); process.exit(1); });
    `);
    const r = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 1024; exec "${process.execPath}" "${script}" "${d}"`], {
      encoding: 'utf8',
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    });
    // TensorFlow may log to stderr (e.g. absl's "WARNING: All log messages before absl::InitializeLog()"):
    // what matters is that the child ended normally and reported the failed save.
    expect([r.status, r.signal, r.stderr]).toEqual([0, null, expect.not.stringMatching(/Error:|\n\s+at /)]);
    const out = JSON.parse(r.stdout);
    expect(out.error).not.toBeNull();
    expect(out.error.name).toBe('OutOfRangeError'); // EFBIG, as TensorFlow maps it
    expect(out.error.message).toMatch(/^Failed to save checkpoint .*model-2; the previous checkpoints and the state file are unchanged: .*File too large/s);
    expect(out.lastCheckpoints).toEqual([out.first]);
    expect(files(d)).toEqual(['checkpoint', 'model-1.data-00000-of-00001', 'model-1.index']);
    expect(tf.train.latestCheckpoint(d)).toBe(out.first);
    expect(Array.from(tf.train.loadVariable(d, 'v').data() as Float32Array).every((x) => x === 0)).toBe(true);
  });
});

describe('Saver: a process killed while saving to the same prefix', () => {
  const { dir, cleanup } = tempDir('tfn-saver-kill-');
  afterAll(cleanup);

  // Saves 4 variables to one prefix in a loop, each round with every element equal to the round number, so
  // that an index paired with another round's data shows up as mixed values or a checksum error.
  const CHILD = `
    const tf = require(${JSON.stringify(ROOT)});
    (async () => {
      const N = 64 * 1024;
      const g = new tf.Graph();
      const p = g.placeholder('float32', [N], 'p');
      const vs = [0, 1, 2, 3].map((i) => g.variable(tf.tensor(new Float32Array(N)), { name: 'v' + i }));
      const assigns = vs.map((v) => v.assign(p, { readValue: false }));
      const sess = new tf.Session(g);
      await sess.run(tf.globalVariablesInitializer(g));
      const saver = new tf.train.Saver({ graph: g });
      for (let round = 1; ; round++) {
        await sess.run(assigns, new Map([[p, tf.tensor(new Float32Array(N).fill(round))]]));
        await saver.save(sess, process.argv[1], { writeMetaGraph: false, writeState: false });
        if (round === 1) console.log('saved');
      }
    })().catch((e) => { console.error(e); process.exit(1); });`;

  function killWhileSaving(prefix: string, delayMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', CHILD, prefix], {
        cwd: ROOT,
        env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        if (line === 'saved') setTimeout(() => child.kill('SIGKILL'), delayMs);
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited with ${code}: ${stderr}`))));
    });
  }

  test('after SIGKILL at random times the checkpoint at the prefix always restores, whole', async () => {
    const prefix = path.join(dir, 'model');
    const g = new tf.Graph();
    const vs = [0, 1, 2, 3].map((i) => g.variable(tf.tensor(new Float32Array(64 * 1024)), { name: `v${i}` }));
    const sess = new tf.Session(g);
    const saver = new tf.train.Saver({ graph: g });
    const rounds = new Set<number>();
    for (let kill = 0; kill < 6; kill++) {
      await killWhileSaving(prefix, Math.floor(Math.random() * 400));
      await saver.restore(sess, prefix);
      const values = (await sess.run(vs.map((v) => v.value()))).map((t) => t.data() as Float32Array);
      const round = values[0][0];
      expect(round).toBeGreaterThanOrEqual(1);
      expect(values.every((a) => a.every((x) => x === round))).toBe(true);
      rounds.add(round);
      // Recovery finished or discarded the interrupted save: only the checkpoint's own files remain.
      expect(files(dir)).toEqual(['model.data-00000-of-00001', 'model.index']);
    }
    await sess.close();
  }, 300_000);

  // pid 2^22 + 1 is above Linux's pid_max default, so no live process owns it; this process's own pid stands
  // for an earlier process that had the same pid (pids repeat, e.g. in containers).
  test.each([['a dead process', 2 ** 22 + 1], ['an earlier process with this pid', process.pid]])(
    'a save by %s interrupted between its renames is completed when the checkpoint is next opened',
    async (_, pid) => {
      const m = await initialized(model());
      const name = `half${pid}`;
      const prefix = await new tf.train.Saver({ graph: m.g })
        .save(m.sess, path.join(dir, name), { writeMetaGraph: false, writeState: false });
      // What a process killed after moving its data file but before its index leaves: the new data at the
      // prefix, its index aside.
      const temp = path.join(dir, `.${name}.saving-${pid}`);
      await m.sess.run(m.w.assign(tf.tensor([[5, 5], [5, 5]])));
      const other = new tf.train.Saver({ graph: m.g, name: 'other' });
      await other.save(m.sess, path.join(dir, `aside${pid}`), { writeMetaGraph: false, writeState: false });
      fs.renameSync(path.join(dir, `aside${pid}.data-00000-of-00001`), `${prefix}.data-00000-of-00001`);
      fs.renameSync(path.join(dir, `aside${pid}.index`), `${temp}.index`);
      expect(tf.train.loadVariable(prefix, 'w').toArray()).toEqual([[5, 5], [5, 5]]);
      expect(fs.existsSync(`${temp}.index`)).toBe(false);
      await m.sess.close();
    },
  );
});

describe('Saver: latestFilename', () => {
  const { dir, cleanup } = tempDir('tfn-saver-latest-');
  afterAll(cleanup);

  test('a state file name that is a checkpoint file is refused before anything is written', async () => {
    const m = await initialized(model());
    const saver = new tf.train.Saver({ graph: m.g });
    const first = await saver.save(m.sess, path.join(dir, 'model'), { globalStep: 1, writeMetaGraph: false });
    const before = files(dir);
    const collisions = ['model-2.index', 'model-2', 'model-2.meta', 'model-1.index', 'model-2.data-00000-of-00001', 'other.index'];
    for (const latestFilename of collisions) {
      await expect(saver.save(m.sess, path.join(dir, 'model'), { globalStep: 2, latestFilename })).rejects.toThrow(/collides with 'savePath'/);
    }
    expect(files(dir)).toEqual(before);
    expect(tf.train.listVariables(first).length).toBe(5);
    const second = await saver.save(m.sess, path.join(dir, 'model'), { globalStep: 2, writeMetaGraph: false, latestFilename: 'state' });
    expect(second).toBe(`${first.slice(0, -2)}-2`);
    expect(tf.train.latestCheckpoint(dir, 'state')).toBe(path.join(dir, 'model-2'));
    await m.sess.close();
  });
});
