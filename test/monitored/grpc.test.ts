// SPDX-License-Identifier: Apache-2.0
// MonitoredTrainingSession on a gRPC target (tf.Server on 127.0.0.1 in a child process of its own, which can be
// killed): the chief recovers when the server dies and comes back, restoring the latest checkpoint; a non-chief
// worker waits until the chief has initialized the model. The sessions run in a child process that loads dist/
// (built by `npm run build:ts`), so that no gRPC state outlives the test; every child is bounded in time.
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

const PRELUDE = `
const tf = require('./dist');
const net = require('net');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const out = {};
const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer(); s.on('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function startServer(port) {
  const p = spawn(process.execPath, ['-e', \`
    const tf = require('./dist');
    new tf.Server({ cluster: { local: ['127.0.0.1:\${port}'] } });
    console.log('READY');
    // Gone with its parent (stdin closes), and after 2 minutes at most.
    process.stdin.on('end', () => process.exit(0)).resume();
    setTimeout(() => process.exit(0), 120000);\`], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    p.stdout.on('data', (d) => { if (String(d).includes('READY')) resolve(p); });
    p.once('exit', (code, signal) => reject(new Error(\`server exited early: \${code ?? signal}\`)));
  });
}
function model() {
  const g = new tf.Graph();
  return g.asDefault(() => {
    const globalStep = tf.train.getOrCreateGlobalStep(g);
    const w = g.variable(tf.tensor([1, 2], [2]), { name: 'w' });
    const loss = tf.reduceSum(tf.square(tf.subtract(w, tf.constant([3, -1]))));
    return { g, globalStep, w, trainOp: new tf.train.GradientDescentOptimizer(0.1).minimize(loss, { globalStep }) };
  });
}
const stepIn = async (s, m) => Number((await s.run(m.globalStep.value())).item());
`;

function runChild(body: string, timeoutMs = 90_000) {
  const script = `${PRELUDE}\n(async () => {\n${body}\nconsole.log('RESULT ' + JSON.stringify(out));\n})()` +
    `.catch((e) => { console.log('FAILED ' + e.stack); process.exitCode = 1; });`;
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`The child failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice(7));
}

describe('MonitoredTrainingSession on a gRPC target', () => {
  test('the server is killed mid-training and restarted: the session is re-created from the latest checkpoint', () => {
    const o = runChild(`
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-mts-grpc-'));
      const port = await freePort();
      let server = await startServer(port);
      const m = model();
      out.created = [];
      let restarted;
      // Kills the server (SIGKILL) once the global step reaches 5, and starts a new one on the same port 0.5 s later.
      const killer = {
        async afterCreateSession(s) { out.created.push(await stepIn(s, m)); },
        async afterRun(ctx) {
          if (restarted || (await stepIn(ctx.session, m)) < 5) return;
          const exited = new Promise((r) => server.once('exit', r));
          server.kill('SIGKILL');
          await exited;
          restarted = sleep(500).then(() => startServer(port)).then((p) => { server = p; });
        },
      };
      const logs = [];
      console.info = (l) => logs.push(l);
      const sess = await tf.train.MonitoredTrainingSession({
        master: 'grpc://127.0.0.1:' + port, graph: m.g, checkpointDir: dir, saveCheckpointSteps: 2, saveSummariesSteps: null,
        logStepCountSteps: null, hooks: [killer, new tf.train.StopAtStepHook({ lastStep: 10 })],
      });
      out.runs = 0;
      while (!sess.shouldStop()) { await sess.run(m.trainOp); out.runs++; }
      out.final = await stepIn(sess.session, m);
      out.w = Array.from((await sess.session.run(m.w.value())).data());
      await sess.close();
      await restarted;
      out.recoveryLogged = logs.some((l) => l.includes('This may be due to a preemption'));
      out.ckpts = tf.train.getCheckpointState(dir).allModelCheckpointPaths.map((p) => path.basename(p));
      server.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    `);
    // Steps 1–5 ran on the first server (checkpoints 0, 2, 4); the new one restored step 4, and steps 5–10 ran again.
    expect(o.created).toEqual([0, 4]);
    expect(o.runs).toBe(11);
    expect(o.final).toBe(10);
    expect(o.recoveryLogged).toBe(true);
    expect(o.ckpts).toEqual(['model.ckpt-2', 'model.ckpt-4', 'model.ckpt-6', 'model.ckpt-8', 'model.ckpt-10']);
    // Ten gradient steps from the start, as if nothing had happened: w ← w − 0.2 (w − target).
    const expected = [1, 2].map((w0, i) => [3, -1][i] + (w0 - [3, -1][i]) * 0.8 ** 10);
    expect(o.w[0]).toBeCloseTo(expected[0], 5);
    expect(o.w[1]).toBeCloseTo(expected[1], 5);
  });

  test('a non-chief worker waits (logging) until the chief has initialized the model, then both train one global step', () => {
    const o = runChild(`
      const port = await freePort();
      const server = await startServer(port);
      const master = 'grpc://127.0.0.1:' + port;
      const logs = [];
      console.info = (l) => logs.push(l);
      const chiefModel = model();
      const workerModel = model();
      // The worker may see the model ready between the chief's init run and the chief's own promise settling, so
      // what it must wait for is the chief's start, not the chief's creation.
      let chiefStarted = false;
      const workerPromise = tf.train.MonitoredTrainingSession({
        master, graph: workerModel.g, isChief: false, recoveryWaitSecs: 0.3, maxWaitSecs: 30,
        hooks: [new tf.train.StopAtStepHook({ lastStep: 20 })],
      }).then((s) => { out.workerReadyAfterChief = chiefStarted; return s; });
      await sleep(1000);
      chiefStarted = true;
      const chief = await tf.train.MonitoredTrainingSession({
        master, graph: chiefModel.g, hooks: [new tf.train.StopAtStepHook({ lastStep: 20 })],
      });
      const worker = await workerPromise;
      out.waitLogs = logs.filter((l) => l.includes('Waiting for model to be ready')).length;
      const runs = [0, 0];
      await Promise.all([[chief, chiefModel], [worker, workerModel]].map(async ([s, m], i) => {
        while (!s.shouldStop()) { await s.run(m.trainOp); runs[i]++; }
      }));
      out.runs = runs;
      out.step = await stepIn(chief.session, chiefModel);
      await chief.close();
      await worker.close();
      server.kill('SIGKILL');
    `);
    expect(o.workerReadyAfterChief).toBe(true);
    expect(o.waitLogs).toBeGreaterThanOrEqual(1);
    // One global step on the server: together they ran at least the 20 steps, each stopping once it saw step 20.
    expect(o.runs[0] + o.runs[1]).toBe(o.step);
    expect(o.step).toBeGreaterThanOrEqual(20);
  });
});
