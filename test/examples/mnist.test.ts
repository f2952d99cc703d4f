// SPDX-License-Identifier: Apache-2.0
// `npm start` (examples/mnist/train.js, on dist/) end to end in child processes, for a few dozen steps: it learns,
// writes checkpoints with the moving averages and summaries, resumes where it stopped, and stops when done.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '../../lib';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'examples', 'mnist', 'train.js');

function train(dir: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [SCRIPT, '--dir', dir, '--save-every', '15', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    // About 5 s a run on an idle machine; several times that on two cores shared by many jobs.
    timeout: 100_000,
  });
  if (r.status !== 0) throw new Error(`train.js ${args.join(' ')} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function heldOut(stdout: string): { averages: number; raw: number } {
  const m = /Held-out accuracy after \d+ steps: ([\d.]+)% with the moving averages of the weights, ([\d.]+)% with the raw weights/
    .exec(stdout);
  if (!m) throw new Error(`no final accuracy in:\n${stdout}`);
  return { averages: Number(m[1]) / 100, raw: Number(m[2]) / 100 };
}

describe('examples/mnist/train.js (npm start)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-mnist-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('trains, checkpoints, resumes from the latest checkpoint and stops when done', () => {
    const first = train(dir, '--steps', '30', '--fresh');
    expect(first).toContain('starting from scratch');
    expect(first).toContain('Held-out accuracy after 30 steps');
    // 30 Adam steps of the conv net take the 1,500 held-out digits far above chance (10%): about 85% is usual.
    const acc = heldOut(first);
    expect(acc.averages).toBeGreaterThan(0.6);
    expect(acc.raw).toBeGreaterThan(0.6);

    const prefix = tf.train.latestCheckpoint(dir);
    expect(prefix).toBe(path.join(dir, 'model.ckpt-30'));
    const names = tf.train.listVariables(prefix!).map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(['global_step', 'conv1/kernel', 'conv1/kernel/ExponentialMovingAverage',
      'logits/bias/ExponentialMovingAverage', 'fc1/kernel/Adam', 'beta1_power']));
    expect(Number(tf.train.loadVariable(prefix!, 'global_step').item())).toBe(30);
    for (const run of ['train', 'eval_averages', 'eval_raw']) {
      const files = fs.readdirSync(path.join(dir, 'logs', run)).filter((f) => f.startsWith('events.out.tfevents.'));
      expect(files.length).toBe(1);
      expect(fs.statSync(path.join(dir, 'logs', run, files[0])).size).toBeGreaterThan(100);
    }

    // The evaluation graph's two Savers load the shadow variables and the raw weights into its weights.
    const check = spawnSync(process.execPath, ['-e', `
      const tf = require('./dist');
      const { buildEvalGraph } = require('./examples/mnist/model');
      const prefix = ${JSON.stringify(prefix)};
      (async () => {
        const m = buildEvalGraph();
        const session = new tf.Session(m.g);
        const kernel = m.g.trainableVariables().find((v) => v.name === 'fc1/kernel');
        const out = {};
        for (const [which, saver, key] of [['averages', m.averagesSaver, 'fc1/kernel/ExponentialMovingAverage'],
          ['raw', m.rawSaver, 'fc1/kernel']]) {
          await saver.restore(session, prefix);
          const got = (await session.run(kernel)).data();
          const want = tf.train.loadVariable(prefix, key).data();
          out[which] = got.length === want.length && got.every((x, i) => x === want[i]);
        }
        const a = tf.train.loadVariable(prefix, 'fc1/kernel/ExponentialMovingAverage').data();
        const b = tf.train.loadVariable(prefix, 'fc1/kernel').data();
        out.differ = a.some((x, i) => x !== b[i]);
        console.log(JSON.stringify(out));
      })();`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, timeout: 100_000 });
    if (check.status !== 0) throw new Error(`the Saver check exited with ${check.status}:\n${check.stderr}`);
    expect(JSON.parse(check.stdout.trim().split('\n').pop()!)).toEqual({ averages: true, raw: true, differ: true });

    const second = train(dir, '--steps', '45');
    expect(second).toContain(`resumed from ${prefix} at step 30`);
    expect(second).toContain('Held-out accuracy after 45 steps');
    expect(tf.train.latestCheckpoint(dir)).toBe(path.join(dir, 'model.ckpt-45'));
    expect(Number(tf.train.loadVariable(path.join(dir, 'model.ckpt-45'), 'global_step').item())).toBe(45);

    const third = train(dir, '--steps', '45');
    expect(third).toContain('Already trained for 45 steps');
    expect(heldOut(third)).toEqual(heldOut(second));
  }, 300_000);

  test('rejects a bad argument with a message naming it', () => {
    const r = spawnSync(process.execPath, [SCRIPT, '--steps', 'many'], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("--steps needs a positive integer, not 'many'");
  });
});
