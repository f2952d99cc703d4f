// SPDX-License-Identifier: Apache-2.0
// The distributed MNIST example in one command: 1 ps and 2 workers as separate Node processes on 127.0.0.1,
// training the conv net of `npm start` between-graph replicated (asynchronously, or with --sync through a
// SyncReplicasOptimizer). Worker 0 is the chief and checkpoints into --dir; run again to resume.
//   node examples/distributed/run.js [--workers 2] [--steps 1000] [--sync] [--dir DIR] [task.js options]
// To run the same tasks on several machines, see README.md ("Distributed training").
'use strict';
const os = require('os');
const path = require('path');
const { Cluster } = require('./cluster');

async function main() {
  const argv = process.argv.slice(2);
  const ours = { '--workers': '2', '--dir': path.join(os.tmpdir(), 'node-libtensorflow-distributed'), '--timeout': '600' };
  const values = { ...ours };
  // Our own flags are read here; everything else goes to the tasks as it is.
  const passed = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] in ours) values[argv[i]] = argv[++i];
    else passed.push(argv[i]);
  }
  const workers = Number(values['--workers']);
  const dir = path.resolve(values['--dir']);
  if (!(Number.isInteger(workers) && workers >= 1)) throw new Error(`--workers needs a positive integer, not '${values['--workers']}'`);
  const task = path.join(__dirname, 'task.js');
  const cluster = new Cluster({
    scripts: { ps: task, worker: task },
    tasks: { ps: 1, worker: workers },
    args: { worker: ['--dir', dir, ...passed] },
    onLine: (name, line) => {
      if (!line.startsWith('EVENT ')) return;
      const e = JSON.parse(line.slice(6));
      if (e.type === 'ready') console.log(`${name} serving at ${e.target}`);
      if (e.type === 'step') console.log(`${name} step ${e.local}: global step ${e.globalStep}, loss ${e.loss.toFixed(4)}`);
      if (e.type === 'done') {
        console.log(`${name} done: ${e.local} steps, ${e.stepsPerSecond?.toFixed(1) ?? '-'} steps/s, global step ${e.globalStep}`);
      }
      if (e.type === 'error') console.log(`${name} failed: ${e.name}: ${e.message}`);
    },
  });
  const stop = () => cluster.stop().then(() => process.exit(130));
  process.on('SIGINT', stop);
  await cluster.start();
  console.log(`cluster ${JSON.stringify(cluster.spec)}; checkpoints in ${dir}`);
  try {
    const timeoutMs = Number(values['--timeout']) * 1000;
    const ends = await Promise.all(Array.from({ length: workers }, (_, i) => cluster.waitForExit(`worker:${i}`, timeoutMs)));
    const failed = ends.findIndex((e) => e.code !== 0);
    if (failed >= 0) throw new Error(`worker:${failed} exited with ${ends[failed].code ?? ends[failed].signal}\n${cluster.tail()}`);
    console.log(`Latest checkpoint: ${require('../../dist').train.latestCheckpoint(dir)}`);
  } finally {
    // The ps serves until its process ends: TensorFlow cannot shut a started gRPC server down.
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
