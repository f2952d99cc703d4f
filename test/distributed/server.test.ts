// SPDX-License-Identifier: Apache-2.0
// tf.Server on loopback addresses. Servers that start run in child processes (which load dist/, built by
// `npm install`): TensorFlow cannot shut a started gRPC server down, so each lives until its process exits,
// and how that process exits is part of what is tested. Every child is bounded by a timeout.
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '../../lib';
import { decode } from '../../lib/proto';

const ROOT = path.resolve(__dirname, '..', '..');

const PRELUDE = `
  const tf = require('./dist');
  const net = require('net');
  // A port that was free a moment ago (the server binds it right after).
  const freePort = () => new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
  const out = {};
  const report = () => console.log('RESULT ' + JSON.stringify(out));
`;

function runChild(body: string, timeoutMs = 60_000) {
  const script = `${PRELUDE}\n(async () => {\n${body}\n})().catch((e) => { console.log('FAILED ' + e.stack); process.exitCode = 1; });`;
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    timeout: timeoutMs,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, result: line ? JSON.parse(line.slice(7)) : undefined };
}

describe('tf.Server', () => {
  test('a one-task server serves a Session whose target is server.target, and the process exits cleanly', () => {
    const r = runChild(`
      const port = await freePort();
      const server = new tf.Server({ cluster: { local: ['127.0.0.1:' + port] } });
      out.target = server.target;
      out.port = port;
      out.started = server.started;
      out.jobName = server.jobName;
      out.taskIndex = server.taskIndex;
      const g = new tf.Graph();
      const x = g.placeholder('float32', [], 'x');
      const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)], name: 'y' }).output(0);
      const sess = new tf.Session(g, { target: server.target });
      out.devices = sess.listDevices().map((d) => d.name);
      out.y = (await sess.run(y, { x: 41 })).item();
      out.ySync = sess.runSync(y, { x: 1 }).item();
      await sess.close();
      try { server.stop(); } catch (e) { out.stopError = [e.constructor.name, e.message]; }
      server.close();
      server.close();
      try { server.target; } catch (e) { out.closedError = e.message; }
      // 'exit' listeners added after the server started still run, and the exit code is kept.
      process.on('exit', (code) => console.log('LATE-EXIT-LISTENER ' + code));
      report();
      process.exitCode = 3;
    `);
    expect(r.result).toBeDefined();
    expect(r.signal).toBeNull();
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/LATE-EXIT-LISTENER 3/);
    const o = r.result;
    expect(o.target).toBe(`grpc://127.0.0.1:${o.port}`);
    expect(o).toMatchObject({ started: true, jobName: 'local', taskIndex: 0, y: 42, ySync: 2 });
    expect(o.devices).toContain('/job:local/replica:0/task:0/device:CPU:0');
    expect(o.stopError).toEqual(['UnimplementedError', expect.stringMatching(/Clean shutdown is not currently implemented/)]);
    expect(o.closedError).toMatch(/Server local:0 is closed/);
  });

  test('a ps/worker cluster in one process: operations run on the task their device names', () => {
    const r = runChild(`
      const cluster = { ps: ['127.0.0.1:' + await freePort()], worker: { 0: '127.0.0.1:' + await freePort() } };
      const ps = new tf.Server({ cluster, jobName: 'ps', taskIndex: 0 });
      const worker = new tf.Server({ cluster, jobName: 'worker' });
      const g = new tf.Graph();
      const x = g.placeholder('float32', [], 'x');
      const c = g.device('/job:ps/task:0', () => g.constant(10, { name: 'c' }));
      const y = g.device('/job:worker/task:0', () => g.addOperation('AddV2', { inputs: [x, c], name: 'y' }).output(0));
      const sess = new tf.Session(g, { target: worker.target });
      out.devices = sess.listDevices().map((d) => d.name).sort();
      const { results, trace } = await sess.run(y, { x: 1 }, { trace: true });
      out.y = results.item();
      out.placed = trace.ops().filter((o) => o.name === 'c' || o.name === 'y').map((o) => o.name + '@' + o.device).sort();
      await sess.close();
      report();
    `);
    expect(r.status).toBe(0);
    expect(r.result).toEqual({
      devices: ['/job:ps/replica:0/task:0/device:CPU:0', '/job:worker/replica:0/task:0/device:CPU:0'],
      y: 11,
      placed: ['c@/job:ps/replica:0/task:0/device:CPU:0', 'y@/job:worker/replica:0/task:0/device:CPU:0'],
    });
  });

  test('createLocalServer binds a free port; a port in use is the TensorFlow error; no start in workers', () => {
    const r = runChild(`
      const local = tf.Server.createLocalServer();
      out.localTarget = local.target;
      const g = new tf.Graph();
      const sess = new tf.Session(g, { target: local.target });
      out.local = (await sess.run(g.constant(7))).item();
      await sess.close();
      const busy = net.createServer();
      await new Promise((resolve) => busy.listen(0, resolve));
      try {
        new tf.Server({ cluster: { a: ['127.0.0.1:' + busy.address().port] } });
      } catch (e) { out.busy = [e.constructor.name, e.message]; }
      busy.close();
      const { Worker } = require('worker_threads');
      out.worker = await new Promise((resolve, reject) => {
        const w = new Worker(\`
          const { parentPort } = require('worker_threads');
          const tf = require(\${JSON.stringify(require('path').resolve('dist'))});
          const s = new tf.Server({ cluster: { w: ['127.0.0.1:0'] }, start: false });
          try { s.start(); parentPort.postMessage('started'); } catch (e) { parentPort.postMessage(e.message); }
          s.close();
        \`, { eval: true });
        w.once('message', resolve);
        w.once('error', reject);
      });
      report();
    `);
    expect(r.status).toBe(0);
    expect(r.result.localTarget).toMatch(/^grpc:\/\/localhost:(\d+)$/);
    expect(r.result.localTarget).not.toMatch(/:0$/);
    expect(r.result.local).toBe(7);
    expect(r.result.busy).toEqual(['UnknownError', expect.stringMatching(/Could not start gRPC server/)]);
    expect(r.result.worker).toMatch(/cannot be started in a worker thread/);
  });

  test('a server that was never started stops, joins and closes', async () => {
    const server = new tf.Server({ cluster: { local: ['127.0.0.1:0'] }, start: false });
    expect(server.started).toBe(false);
    expect(server.target).toMatch(/^grpc:\/\/127\.0\.0\.1:/);
    expect(tf.errors.TFError).toBeDefined();
    server.stop();
    await server.join();
    server.close();
    expect(() => server.start()).toThrow(/is closed/);
    await expect(server.join()).rejects.toThrow(/is closed/);
    expect(() => server.stop()).toThrow(/is closed/);
  });

  test('the ServerDef says what the options say', () => {
    const cluster = { ps: ['127.0.0.1:0'], worker: ['127.0.0.1:0', '127.0.0.1:0'] };
    const server = new tf.Server({ cluster, jobName: 'worker', taskIndex: 1, start: false });
    const def = decode('ServerDef', server.serverDef);
    expect(def.job_name).toBe('worker');
    expect(def.task_index).toBe(1);
    expect(def.protocol).toBe('grpc');
    const jobs = Object.fromEntries(def.cluster.job.map((j: { name: string; tasks: Record<number, string> }) => [j.name, j.tasks]));
    expect(jobs).toEqual({ ps: { 0: '127.0.0.1:0' }, worker: { 0: '127.0.0.1:0', 1: '127.0.0.1:0' } });
    expect(server.cluster).toEqual(jobs);
    expect(String(server)).toBe('Server /job:worker/task:1');
    server.close();
  });

  test('bad options are clear errors', () => {
    const make = (o: unknown) => () => new tf.Server(o as tf.ServerOptions);
    expect(make(undefined)).toThrow(TypeError);
    expect(make({})).toThrow(/cluster of a Server/);
    expect(make({ cluster: {} })).toThrow(/has no jobs/);
    expect(make({ cluster: { a: [] } })).toThrow(/Job 'a' of the cluster has no tasks/);
    expect(make({ cluster: { a: ['nohost'] } })).toThrow(/'host:port' for task 0 of job 'a'/);
    expect(make({ cluster: { a: [42] } })).toThrow(TypeError);
    expect(make({ cluster: { 'bad/job': ['127.0.0.1:0'] } })).toThrow(/job name/);
    expect(make({ cluster: { a: ['127.0.0.1:0'], b: ['127.0.0.1:0'] } })).toThrow(/needs a jobName/);
    expect(make({ cluster: { a: ['127.0.0.1:0'] }, jobName: 'c' })).toThrow(/has no job 'c'/);
    expect(make({ cluster: { a: ['127.0.0.1:0', '127.0.0.1:0'] } })).toThrow(/needs a taskIndex/);
    expect(make({ cluster: { a: ['127.0.0.1:0'] }, taskIndex: 3 })).toThrow(RangeError);
    expect(make({ cluster: { a: ['127.0.0.1:0'] }, taskIndex: -1 })).toThrow(RangeError);
    expect(make({ cluster: { a: ['127.0.0.1:0'] }, taskIndex: 0.5 })).toThrow(TypeError);
    expect(make({ cluster: { a: ['127.0.0.1:0'] }, start: 'yes' })).toThrow(TypeError);
    expect(make({ cluster: { a: ['127.0.0.1:0'] }, protocol: 'carrier-pigeon', start: false })).toThrow(tf.errors.TFError);
  });

  test('ports outside 1–65535 (0: the system picks) and non-integer ports are RangeErrors naming the task', () => {
    const make = (address: string) => () => new tf.Server({ cluster: { a: ['127.0.0.1:0', address] }, taskIndex: 0, start: false });
    const bad = ['127.0.0.1:99999', '127.0.0.1:65536', 'localhost:-1', 'localhost:22.5', 'localhost:', 'localhost:1e3', '[::1]'];
    for (const address of bad) {
      expect(make(address)).toThrow(RangeError);
      expect(make(address)).toThrow(`task 1 of job 'a' but received '${address}'`);
    }
    for (const address of ['127.0.0.1:1', '127.0.0.1:65535', '[::1]:2222']) {
      const server = make(address)();
      expect(server.cluster.a[1]).toBe(address);
      server.close();
    }
  });
});
