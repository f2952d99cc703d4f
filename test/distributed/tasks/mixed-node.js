// SPDX-License-Identifier: Apache-2.0
// The Node side of the mixed cluster of test/distributed/cluster.test.ts: linear regression y = x·[1,2,3,4] + 5
// with gradient descent, variables on the ps; mixed_python.py builds the same graph in Python.
'use strict';
const tf = require('../../../dist');
const { taskArgs, emit, waitForTasks, serveAsPs, exitOnSignals } = require('../../../examples/distributed/cluster');

exitOnSignals();

function batch(i) {
  const x = new Float32Array(32 * 4);
  const y = new Float32Array(32);
  for (let r = 0; r < 32; r++) {
    let sum = 5;
    for (let c = 0; c < 4; c++) {
      const v = (Math.abs(Math.sin(((i * 32 + r) * 4 + c + 1) * 1.37) * 43758.5453) % 1) * 2 - 1;
      x[r * 4 + c] = v;
      sum += v * (c + 1);
    }
    y[r] = sum;
  }
  return [tf.tensor(x, [32, 4]), tf.tensor(y, [32, 1])];
}

async function main() {
  const { job, task, cluster } = taskArgs();
  const server = new tf.Server({ cluster, jobName: job, taskIndex: task });
  if (job === 'ps') {
    serveAsPs(server, task);
    return;
  }
  const lastStep = Number(process.argv[2]);
  await waitForTasks(cluster);
  const g = new tf.Graph();
  const m = g.device(tf.train.replicaDeviceSetter({ cluster, workerDevice: `/job:worker/task:${task}` }), () => {
    const x = g.placeholder('float32', [null, 4], 'x');
    const y = g.placeholder('float32', [null, 1], 'y');
    const w = g.getVariable('w', { shape: [4, 1], initializer: tf.initializers.zeros() });
    const b = g.getVariable('b', { shape: [1], initializer: tf.initializers.zeros() });
    const pred = g.addOperation('AddV2', { inputs: [g.addOperation('MatMul', { inputs: [x, w] }).output(0), b] }).output(0);
    const err = g.addOperation('Sub', { inputs: [pred, y] }).output(0);
    const sq = g.addOperation('Square', { inputs: [err] }).output(0);
    const loss = g.addOperation('Mean', { inputs: [sq, g.constant([0, 1], { dtype: 'int32' })], name: 'loss' }).output(0);
    const globalStep = tf.train.getOrCreateGlobalStep(g);
    const train = new tf.train.GradientDescentOptimizer(0.05).minimize(loss, { globalStep });
    return { x, y, w, loss, globalStep, train };
  });
  const sess = await tf.train.MonitoredTrainingSession({
    master: server.target, isChief: task === 0, graph: g, checkpointDir: null, recoveryWaitSecs: 0.2, maxWaitSecs: 60,
    logStepCountSteps: null,
  });
  // For the final read: the MonitoredSession refuses runs once it should stop, and a session created at the end
  // would contact every task, the Python one included, which may have exited.
  const plain = new tf.Session(g, { target: server.target });
  await plain.run(m.globalStep, undefined, { timeoutMs: 30_000 });
  let local = 0;
  const losses = [];
  try {
    // Until the global step reaches lastStep and the Python worker, which starts later, made 50 of them (bounded).
    const deadline = Date.now() + 90_000;
    let globalStep = 0;
    while ((globalStep < lastStep || globalStep - local < 50) && Date.now() < deadline) {
      const [xb, yb] = batch(local);
      const [, loss, gs] = await sess.run([m.train, m.loss, m.globalStep], new Map([[m.x, xb], [m.y, yb]]));
      globalStep = Number(gs.item());
      losses.push(loss.item());
      local += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const w = await plain.run(m.w, undefined, { timeoutMs: 10_000 }).finally(() => plain.close());
    emit({ type: 'done', worker: task, local, globalStep, w: Array.from(w.data()), first: losses[0], last: losses.at(-1) });
  } finally {
    await sess.close();
  }
  process.exit(0);
}

main().catch((err) => {
  emit({ type: 'error', name: err.constructor.name, message: err.message });
  console.error(err);
  process.exit(1);
});
