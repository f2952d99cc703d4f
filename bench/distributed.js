// SPDX-License-Identifier: Apache-2.0
// Issue 20's benchmark: training steps per second of the MNIST model of `npm start` (examples/mnist/model.js's conv
// net at its default sizes, Adam, batch 64) between-graph replicated over 1 ps and 1 or 2 asynchronous workers,
// each task its own process on 127.0.0.1, ours (examples/distributed/task.js) against the same cluster in Python
// tf.compat.v1 (bench/distributed_task.py, the same layers in tf.compat.v1), both under
// MonitoredTrainingSession (waiting workers poll every 0.2 s on both sides). The rate of a run is the steps of all
// its workers after their first 10, over the time from the first worker's 10th step to the last worker's end; runs
// alternate between the two sides. Goal: at least Python's rate.
'use strict';
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { Cluster } = require('../examples/distributed/cluster');
const { median, table } = require('./util');

const STEPS_PER_WORKER = Number(process.env.BENCH_DISTRIBUTED_STEPS || 600);
const ROUNDS = Number(process.env.BENCH_DISTRIBUTED_ROUNDS || 2);
const { DEFAULTS } = require('../examples/mnist/model');
const MODEL = ['--batch', DEFAULTS.batch, '--filters1', DEFAULTS.filters1, '--filters2', DEFAULTS.filters2, '--hidden', DEFAULTS.hidden]
  .map(String);
const PYTHON = process.env.PYTHON || 'python3';
const hasPython = spawnSync(PYTHON, ['-c', 'import tensorflow'], { stdio: 'ignore' }).status === 0;

async function rate(side, workers) {
  const steps = ['--steps', String(STEPS_PER_WORKER * workers)];
  const program = side === 'ours'
    ? [process.execPath, path.join(__dirname, '..', 'examples', 'distributed', 'task.js'), ...MODEL, ...steps, '--log-every', '100000']
    : [PYTHON, path.join(__dirname, 'distributed_task.py'), ...MODEL, ...steps];
  const cluster = new Cluster({
    scripts: {}, tasks: { ps: 1, worker: workers }, programs: () => program,
    env: { TF_CPP_MIN_LOG_LEVEL: '2', CUDA_VISIBLE_DEVICES: '' },
  });
  await cluster.start();
  try {
    const ends = await Promise.all(Array.from({ length: workers }, (_, i) => cluster.waitForExit(`worker:${i}`, 300_000)));
    if (ends.some((e) => e.code !== 0)) throw new Error(`${side}: a worker failed\n${cluster.tail()}`);
    // The job's rate: every worker's steps after its warm-up, over the time from the first warm-up to the last end.
    const done = cluster.events.filter((e) => e.type === 'done' && e.warmAt !== null);
    const steps = done.reduce((sum, e) => sum + e.local - 10, 0);
    return steps / (Math.max(...done.map((e) => e.endAt)) - Math.min(...done.map((e) => e.warmAt)));
  } finally {
    await cluster.stop();
  }
}

async function main() {
  const rows = [];
  for (const workers of [1, 2]) {
    const ours = [];
    const python = [];
    for (let round = 0; round < ROUNDS; round++) {
      ours.push(await rate('ours', workers));
      if (hasPython) python.push(await rate('python', workers));
    }
    const a = median(ours);
    rows.push([`ours, 1 ps + ${workers} worker${workers > 1 ? 's' : ''}`, a, 'steps/s']);
    if (hasPython) {
      const b = median(python);
      const ratio = a / b;
      rows.push([`Python tf.compat.v1, 1 ps + ${workers} worker${workers > 1 ? 's' : ''}`, b, 'steps/s',
        `ours/Python ${ratio.toFixed(2)}x (goal >= 1: ${ratio >= 1 ? 'met' : 'NOT met'})`]);
    }
  }
  table(`Distributed MNIST training, async, ${STEPS_PER_WORKER} steps per worker, median of ${ROUNDS} ` +
    `(${os.cpus().length} cores for every task of the cluster)`, rows);
  if (!hasPython) console.log('  (Python TensorFlow is not installed: no comparison)');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
