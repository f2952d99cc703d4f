// SPDX-License-Identifier: Apache-2.0
// Real clusters on TensorFlow's gRPC runtime: 1 ps and 2 workers as separate processes on 127.0.0.1 (started by
// examples/distributed/cluster.js, loading dist/), asynchronous and with SyncReplicasOptimizer, a worker and the
// ps killed mid-training, and a Python tf.compat.v1 worker beside a Node one. Every wait is bounded and every
// task is killed after each test: a started tf.Server cannot be shut down, so ending its process is the only way.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describePython, tempDir } from '../helpers/python';

 
const { Cluster } = require('../../examples/distributed/cluster') as { Cluster: ClusterConstructor };

interface ClusterEvent {
  task: string;
  pid: number;
  type: string;
  [key: string]: unknown;
}
interface ClusterInstance {
  spec: Record<string, string[]>;
  events: ClusterEvent[];
  start(): Promise<ClusterInstance>;
  startTask(job: string, index: number): { pid: number };
  waitFor(predicate: (e: ClusterEvent) => boolean, timeoutMs: number, what?: string): Promise<ClusterEvent>;
  waitForExit(task: string, timeoutMs: number): Promise<{ code: number | null; signal: string | null }>;
  kill(task: string, signal?: string): void;
  stop(graceMs?: number): Promise<void>;
  tail(lines?: number): string;
}
type ClusterConstructor = new (options: Record<string, unknown>) => ClusterInstance;

const ROOT = path.resolve(__dirname, '..', '..');
const TASK = path.join(ROOT, 'examples', 'distributed', 'task.js');
const TASKS = path.join(__dirname, 'tasks');
// examples/distributed's conv net at a size a 2-core CI trains in seconds.
const SMALL = ['--batch', '32', '--filters1', '4', '--filters2', '8', '--hidden', '32', '--log-every', '10'];

let cluster: ClusterInstance | null = null;
const dirs: Array<{ cleanup(): void }> = [];

afterEach(async () => {
  await cluster?.stop();
  cluster = null;
  for (const d of dirs.splice(0)) d.cleanup();
});

function launch(options: Record<string, unknown>, lines?: string[]): Promise<ClusterInstance> {
  cluster = new Cluster({ ...options, onLine: lines ? (task: string, line: string) => lines.push(`${task} ${line}`) : undefined });
  return cluster.start();
}

const steps = (c: ClusterInstance, worker: number) => c.events.filter((e) => e.type === 'step' && e.worker === worker);
const exitedCleanly = async (c: ClusterInstance, task: string, timeoutMs: number) => {
  const end = await c.waitForExit(task, timeoutMs);
  if (end.code !== 0) throw new Error(`${task} exited with ${end.code ?? end.signal}\n${c.tail()}`);
};

describe('a cluster of 1 ps and 2 workers on 127.0.0.1', () => {
  test('async: a worker killed with SIGKILL rejoins; both reach the last step on the shared global step; the loss falls; ' +
    "the chief's checkpoint restores into a single-process graph", async () => {
    const tmp = tempDir('tfn-cluster-');
    dirs.push(tmp);
    const c = await launch({
      scripts: { ps: TASK, worker: TASK },
      tasks: { ps: 1, worker: 2 },
      args: { worker: ['--steps', '400', '--save-every', '100', '--dir', tmp.dir, ...SMALL] },
    });
    const training = (e: ClusterEvent) => e.task === 'worker:1' && e.type === 'step' && (e.local as number) >= 20;
    const before = await c.waitFor(training, 60_000, 'worker 1 training');
    c.kill('worker:1', 'SIGKILL');
    expect(await c.waitForExit('worker:1', 10_000)).toEqual({ code: null, signal: 'SIGKILL' });
    const atKill = Math.max(...c.events.filter((e) => e.type === 'step').map((e) => e.globalStep as number));
    // The chief goes on alone, then the worker comes back on the same address.
    await c.waitFor((e) => e.task === 'worker:0' && e.type === 'step' && (e.globalStep as number) > atKill + 10, 30_000, 'the chief alone');
    const again = c.startTask('worker', 1);
    const rejoined = await c.waitFor((e) => e.pid === again.pid && e.type === 'session', 60_000, 'worker 1 rejoining');
    expect(rejoined.globalStep as number).toBeGreaterThan(atKill);
    await Promise.all([exitedCleanly(c, 'worker:0', 60_000), exitedCleanly(c, 'worker:1', 60_000)]);

    const done = (w: number) => c.events.find((e) => e.type === 'done' && e.worker === w) as ClusterEvent;
    for (const w of [0, 1]) expect(done(w).globalStep as number).toBeGreaterThanOrEqual(399);
    expect(done(1).pid).toBe(again.pid);
    expect(done(1).local as number).toBeGreaterThan(0);
    for (const w of [0, 1]) {
      const losses = steps(c, w).map((e) => e.loss as number);
      expect(losses.at(-1) as number).toBeLessThan(0.6 * losses[0]);
    }

    const restore = spawnSync(process.execPath, ['-e', `
      const tf = require('./dist');
      const { buildModel } = require('./examples/distributed/model');
      const { loadDigits, Batches } = require('./examples/mnist/model');
      (async () => {
        const m = buildModel({ filters1: 4, filters2: 8, hidden: 32 });
        const saver = new tf.train.Saver({ graph: m.g });
        const sess = new tf.Session(m.g);
        const latest = tf.train.latestCheckpoint(${JSON.stringify(tmp.dir)});
        await saver.restore(sess, latest);
        const reader = tf.train.loadCheckpoint(latest);
        const names = m.g.globalVariables().map((v) => v.name).sort();
        const same = m.g.globalVariables().every((v) => {
          const a = sess.runSync(v).data(), b = reader.getTensor(v.name).data();
          return a.length === b.length && a.every((x, i) => x === b[i]);
        });
        const [x, y] = new Batches(loadDigits().test, 500).at(0);
        const feeds = new Map([[m.images, x], [m.labels, y]]);
        const trained = sess.runSync(m.loss, feeds).item();
        sess.runSync(tf.globalVariablesInitializer(m.g));
        const fresh = sess.runSync(m.loss, feeds).item();
        console.log('RESULT ' + JSON.stringify({ latest, names, ckpt: Object.keys(reader.variableToShapeMap()).sort(), same,
          step: Number(reader.getTensor('global_step').item()), trained, fresh }));
      })();
    `], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
    const line = restore.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`restore failed: ${restore.stderr}`);
    const r = JSON.parse(line.slice(7));
    // The checkpoint is named after the step the chief read just before saving; the other worker's updates go on
    // meanwhile (asynchronous training, as in Python), so the global_step saved in it may differ by a step or two
    // (CI once had model.ckpt-402 holding 401).
    expect(path.dirname(r.latest)).toBe(tmp.dir);
    const named = Number(/model\.ckpt-(\d+)$/.exec(r.latest)?.[1]);
    expect(Math.abs(named - r.step)).toBeLessThanOrEqual(2);
    expect(r.step).toBeGreaterThanOrEqual(400);
    // Shared: the global step counts the steps of every worker process, not the chief's alone.
    // (The other worker may finish a step after the chief's last save.)
    expect(r.step + 2).toBeGreaterThanOrEqual((done(0).local as number) + (before.local as number) + (done(1).local as number));
    expect(r.names).toEqual(r.ckpt);
    expect(r.names).toEqual(expect.arrayContaining(['global_step', 'conv1/kernel', 'fc1/kernel', 'logits/bias', 'conv1/kernel/Adam']));
    expect(r.same).toBe(true);
    expect(r.trained).toBeLessThan(0.5 * r.fresh);
  });

  test('SyncReplicasOptimizer: each global step applies the mean of 2 gradients', async () => {
    const script = path.join(TASKS, 'sync-values.js');
    const c = await launch({ scripts: { ps: script, worker: script }, tasks: { ps: 1, worker: 2 }, args: { worker: ['20'] } });
    await Promise.all([exitedCleanly(c, 'worker:0', 90_000), exitedCleanly(c, 'worker:1', 90_000)]);
    // loss = c·w with c = 1 on worker 0 and 3 on worker 1, rate 1: a step of 2 gradients moves w by their mean
    // (1, 2 or 3); 2 needs one gradient of each worker in the same step, which one gradient per step never gives.
    const values = c.events.filter((e) => e.type === 'value').map((e) => [e.globalStep as number, e.w as number]);
    const byStep = new Map(values);
    expect(byStep.get(0) ?? 0).toBe(0);
    const moves: number[] = [];
    for (const [gs, w] of byStep) {
      const prev = gs === 1 ? 0 : byStep.get(gs - 1);
      if (prev !== undefined && gs > 0) moves.push(prev - w);
    }
    // The chief sees each step it ran; on a loaded machine the other worker's steps make it miss some pairs of
    // consecutive steps (CI once had 4 pairs in 12 steps).
    expect(moves.length).toBeGreaterThanOrEqual(4);
    for (const m of moves) expect([1, 2, 3]).toContain(m);
    expect(moves).toContain(2);
    const [lastStep, lastW] = values.at(-1) as [number, number];
    expect(lastStep).toBeGreaterThanOrEqual(20);
    expect(Number.isInteger(lastW) && lastW <= -lastStep && lastW >= -3 * lastStep).toBe(true);
  });

  test("the ps killed: workers see UnavailableError, and after it restarts the job resumes from the chief's last checkpoint", async () => {
    const tmp = tempDir('tfn-cluster-');
    dirs.push(tmp);
    const lines: string[] = [];
    const c = await launch({
      scripts: { ps: TASK, worker: TASK },
      tasks: { ps: 1, worker: 2 },
      args: { worker: ['--steps', '300', '--save-every', '50', '--dir', tmp.dir, ...SMALL] },
    }, lines);
    const saved = () => lines.map((l) => /^worker:0 INFO:tensorflow:Calling checkpoint listeners after saving checkpoint (\d+)/.exec(l)).filter(Boolean).map((m) => Number(m?.[1]));
    await c.waitFor(() => saved().some((s) => s >= 100), 60_000, 'a checkpoint at step 100 or later');
    c.kill('ps:0', 'SIGKILL');
    await c.waitForExit('ps:0', 10_000);
    const lastSaved = Math.max(...saved());
    // MonitoredTrainingSession logs an UnavailableError or AbortedError (only those) with its message, naming
    // the lost task, and re-creates the session.
    const preempted = /^worker:(\d) INFO:tensorflow:An error was raised\. This may be due to a preemption/;
    const saw = (w: number) => lines.some((l) => preempted.exec(l)?.[1] === String(w));
    await c.waitFor(() => saw(0) && saw(1), 30_000, 'both workers to see UnavailableError or AbortedError');
    expect(lines.some((l) => /^worker:\d .*\/job:ps\/replica:0\/task:0/.test(l))).toBe(true);
    c.startTask('ps', 0);
    const sessions = () => c.events.filter((e) => e.task === 'worker:0' && e.type === 'session');
    await c.waitFor(() => sessions().length >= 2, 60_000, 'the chief to re-create its session');
    // The restarted ps holds nothing: the chief restored its last checkpoint (not step 0), and no checkpoint was
    // lost; the other worker, ready once the chief restored, may take steps before the chief's hook reads the
    // step (a few, or tens on a loaded machine: fewer than the 50 between checkpoints).
    expect(sessions()[1].globalStep as number).toBeGreaterThanOrEqual(lastSaved);
    expect(sessions()[1].globalStep as number).toBeLessThan(lastSaved + 50);
    await Promise.all([exitedCleanly(c, 'worker:0', 60_000), exitedCleanly(c, 'worker:1', 60_000)]);
    for (const w of [0, 1]) {
      expect(c.events.find((e) => e.type === 'done' && e.worker === w)?.globalStep as number).toBeGreaterThanOrEqual(299);
    }
    const state = fs.readFileSync(path.join(tmp.dir, 'checkpoint'), 'utf8');
    expect(Number(/^model_checkpoint_path: ".*model\.ckpt-(\d+)"/m.exec(state)?.[1])).toBeGreaterThanOrEqual(299);
  });
});

describePython('a mixed cluster', () => {
  test('a Python tf.compat.v1 worker and a Node worker train one model on one ps', async () => {
    const node = path.join(TASKS, 'mixed-node.js');
    const c = await launch({
      scripts: { ps: node, worker: node },
      tasks: { ps: 1, worker: 2 },
      programs: (job: string, i: number) => job !== 'worker' ? undefined
        : i === 1 ? [process.env.PYTHON || 'python3', path.join(TASKS, 'mixed_python.py'), '150'] : [process.execPath, node, '300'],
      env: { TF_CPP_MIN_LOG_LEVEL: '2', CUDA_VISIBLE_DEVICES: '' },
    });
    await Promise.all([exitedCleanly(c, 'worker:0', 90_000), exitedCleanly(c, 'worker:1', 90_000)]);
    const done = (w: number) => c.events.find((e) => e.type === 'done' && e.worker === w) as ClusterEvent;
    const [js, py] = [done(0), done(1)];
    for (const d of [js, py]) {
      expect(d.local as number).toBeGreaterThan(0);
      expect(d.last as number).toBeLessThan((d.first as number) / 100);
    }
    // One global step for both: every step of either side incremented it once (the side that finished last read it
    // in its last step, before or after that step's increment).
    expect(js.globalStep as number).toBeGreaterThanOrEqual(300);
    const missing = (js.local as number) + (py.local as number) - Math.max(js.globalStep as number, py.globalStep as number);
    expect(missing).toBeGreaterThanOrEqual(0);
    expect(missing).toBeLessThanOrEqual(1);
    expect(py.local as number).toBeGreaterThanOrEqual(50);
    (js.w as number[]).forEach((w, i) => expect(w).toBeCloseTo(i + 1, 1));
  });
});
