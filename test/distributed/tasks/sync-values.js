// SPDX-License-Identifier: Apache-2.0
// A worker of test/distributed/cluster.test.ts: loss = c·w with c = 1 on worker 0 and 3 on worker 1, so each
// gradient says which worker sent it; SyncReplicas averages 2 of them per global step and gradient descent
// (rate 1) moves w by that average. The chief reports (global step, w) after each of its steps.
'use strict';
const tf = require('../../../dist');
const { taskArgs, emit, waitForTasks, serveAsPs, exitOnSignals } = require('../../../examples/distributed/cluster');

exitOnSignals();

async function main() {
  const { job, task, cluster } = taskArgs();
  const server = new tf.Server({ cluster, jobName: job, taskIndex: task });
  if (job === 'ps') {
    serveAsPs(server, task);
    return;
  }
  const lastStep = Number(process.argv[2]);
  await waitForTasks(cluster);
  const isChief = task === 0;
  const g = new tf.Graph();
  const m = g.device(tf.train.replicaDeviceSetter({ cluster, workerDevice: `/job:worker/task:${task}` }), () => {
    const w = g.variable(0, { name: 'w', dtype: 'float32' });
    // Worker 1 counts itself in here once its session exists, and the chief waits for it: otherwise the chief,
    // ready first, may fill every step with two gradients of its own before worker 1 has joined.
    const joined = g.variable(0, { name: 'joined', dtype: 'int32', trainable: false });
    const loss = g.addOperation('Mul', { inputs: [w, g.constant(task === 0 ? 1 : 3)] }).output(0);
    const globalStep = tf.train.getOrCreateGlobalStep(g);
    const sgd = new tf.train.GradientDescentOptimizer(1);
    const opt = new tf.train.SyncReplicasOptimizer(sgd, { replicasToAggregate: 2, totalNumReplicas: 2 });
    return { w, joined, join: joined.assignAdd(1, { readValue: false }), globalStep, opt, train: opt.minimize(loss, { globalStep }) };
  });
  const sess = await tf.train.MonitoredTrainingSession({
    master: server.target, isChief, graph: g, checkpointDir: null, recoveryWaitSecs: 0.2, maxWaitSecs: 60,
    logStepCountSteps: null, stopGracePeriodSecs: 2,
    hooks: [new tf.train.StopAtStepHook({ lastStep }), m.opt.makeSessionRunHook(isChief)],
  });
  // Reads go through a plain session: the MonitoredSession refuses runs once its last step is done.
  // (Created now: a session created at the end would contact every task, and the other worker may be gone.)
  const plain = new tf.Session(g, { target: server.target });
  await plain.run(m.globalStep, undefined, { timeoutMs: 30_000 });
  if (isChief) {
    const deadline = Date.now() + 60_000;
    const joined = m.joined.value();
    while ((await plain.run(joined, undefined, { timeoutMs: 10_000 })).item() < 1) {
      if (Date.now() > deadline) throw new Error('worker 1 did not join within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } else {
    await plain.run(m.join, undefined, { timeoutMs: 10_000 });
  }
  let local = 0;
  try {
    while (!sess.shouldStop()) {
      try {
        await sess.run(m.train);
      } catch (err) {
        if (err instanceof tf.errors.OutOfRangeError) break; // the other worker closed the token queue: done
        throw err;
      }
      local += 1;
      if (isChief) {
        const [w, gs] = await plain.run([m.w, m.globalStep], undefined, { timeoutMs: 10_000 });
        emit({ type: 'value', globalStep: Number(gs.item()), w: w.item() });
      }
    }
    await plain.run(m.opt.getChiefQueueRunner().cancelOp, undefined, { timeoutMs: 10_000 });
  } finally {
    await plain.close();
    await sess.close();
  }
  emit({ type: 'done', worker: task, local });
  process.exit(0);
}

main().catch((err) => {
  emit({ type: 'error', name: err.constructor.name, message: err.message });
  console.error(err);
  process.exit(1);
});
