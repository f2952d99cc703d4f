// SPDX-License-Identifier: Apache-2.0
// SessionConfig.deviceFilters (ConfigProto.device_filters): a worker's session sees the ps and itself only, so a
// worker of the cluster that is not up does not hold it back. Servers run in a child process (loading dist/):
// a started gRPC server cannot be shut down, so each lives until its process exits.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { encodeConfig } from '../../lib/session/session';
import { decode } from '../../lib/proto';

const ROOT = path.resolve(__dirname, '..', '..');

describe('SessionConfig.deviceFilters', () => {
  test('is encoded as ConfigProto.device_filters; anything but an array of strings is a TypeError', () => {
    const proto = decode('ConfigProto', encodeConfig({ deviceFilters: ['/job:ps', '/job:worker/task:1'] })!);
    expect(proto.device_filters).toEqual(['/job:ps', '/job:worker/task:1']);
    expect(decode('ConfigProto', encodeConfig({ deviceFilters: [] })!).device_filters ?? []).toEqual([]);
    for (const bad of ['/job:ps', [1], [null], { 0: '/job:ps' }]) {
      expect(() => encodeConfig({ deviceFilters: bad as unknown as string[] })).toThrow(TypeError);
    }
  });

  test("a worker's session with the ps and itself as filters runs while another worker of the cluster is down; " +
    'without filters it waits for that worker', () => {
    const script = `
      const tf = require('./dist');
      const net = require('net');
      const freePort = () => new Promise((resolve, reject) => {
        const s = net.createServer();
        s.on('error', reject);
        s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
      });
      (async () => {
        // worker:1's port is free a moment ago and nobody serves it.
        const [ps, w0, w1] = [await freePort(), await freePort(), await freePort()];
        const cluster = { ps: ['127.0.0.1:' + ps], worker: ['127.0.0.1:' + w0, '127.0.0.1:' + w1] };
        new tf.Server({ cluster, jobName: 'ps', taskIndex: 0 });
        const worker = new tf.Server({ cluster, jobName: 'worker', taskIndex: 0 });
        const g = new tf.Graph();
        const c = g.device('/job:ps/task:0', () => g.constant(10, { name: 'c' }));
        const y = g.device('/job:worker/task:0', () => g.addOperation('Square', { inputs: [c], name: 'y' }).output(0));
        const out = {};
        const filtered = new tf.Session(g, { target: worker.target, config: { deviceFilters: ['/job:ps', '/job:worker/task:0'] } });
        out.devices = filtered.listDevices().map((d) => d.name).sort();
        out.y = (await filtered.run(y, undefined, { timeoutMs: 30000 })).item();
        const all = new tf.Session(g, { target: worker.target });
        out.unfiltered = await all.run(y, undefined, { timeoutMs: 3000 }).then(() => 'ran', (e) => e.constructor.name);
        console.log('RESULT ' + JSON.stringify(out));
        process.exit(0);
      })().catch((e) => { console.log('FAILED ' + e.stack); process.exit(1); });
    `;
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`child failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    expect(JSON.parse(line.slice(7))).toEqual({
      devices: ['/job:ps/replica:0/task:0/device:CPU:0', '/job:worker/replica:0/task:0/device:CPU:0'],
      y: 100,
      unfiltered: 'DeadlineExceededError',
    });
  });
});
