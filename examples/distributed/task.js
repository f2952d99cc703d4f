// SPDX-License-Identifier: Apache-2.0
// One task of the distributed MNIST example, started by run.js (or by hand on each machine, see the README):
//   node examples/distributed/task.js [--steps N] [--batch N] [--filters1 N] [--filters2 N] [--hidden N] [--lr X]
//        [--dir DIR] [--save-every N] [--sync] [--log-every N]
//        --job ps|worker --task I --cluster '{"ps":["host:port"],"worker":[...]}'
// The model is `npm start`'s conv net (examples/mnist/model.js); the size flags default to its sizes.
// A ps task serves its variables until it is stopped (SIGTERM/SIGINT end the process: TensorFlow cannot shut a
// started gRPC server down, so the process is what ends it). Worker 0 is the chief: it initializes the model,
// or restores the latest checkpoint in --dir, and saves checkpoints; the other workers wait for the model.
'use strict';
if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
const util = require('util');
const tf = require('../../dist');
const { taskArgs, emit, waitForTasks, serveAsPs, exitOnSignals } = require('./cluster');
const { DEFAULTS } = require('../mnist/model');
const { buildModel, WorkerBatches } = require('./model');

exitOnSignals();

function options(argv) {
  const { values } = util.parseArgs({
    args: argv,
    strict: false,
    options: {
      steps: { type: 'string', default: '1000' },
      batch: { type: 'string', default: String(DEFAULTS.batch) },
      filters1: { type: 'string', default: String(DEFAULTS.filters1) },
      filters2: { type: 'string', default: String(DEFAULTS.filters2) },
      hidden: { type: 'string', default: String(DEFAULTS.hidden) },
      lr: { type: 'string', default: String(DEFAULTS.learningRate) },
      dir: { type: 'string', default: '' },
      'save-every': { type: 'string', default: '250' },
      'log-every': { type: 'string', default: '50' },
      'ready-timeout': { type: 'string', default: '60' },
      sync: { type: 'boolean', default: false },
    },
  });
  return {
    steps: Number(values.steps), batch: Number(values.batch), lr: Number(values.lr),
    sizes: { filters1: Number(values.filters1), filters2: Number(values.filters2), hidden: Number(values.hidden) },
    dir: values.dir, saveEvery: Number(values['save-every']), logEvery: Number(values['log-every']),
    readyTimeoutMs: Number(values['ready-timeout']) * 1000,
    stepTimeoutMs: Number(values['step-timeout']) * 1000, sync: values.sync,
  };
}


async function worker(cluster, index, o) {
  const server = new tf.Server({ cluster, jobName: 'worker', taskIndex: index });
  const isChief = index === 0;
  const workers = cluster.worker.length;
  const sync = o.sync ? { replicasToAggregate: workers, totalNumReplicas: workers } : null;
  const m = buildModel({ ...o.sizes, learningRate: o.lr, cluster, taskIndex: index, sync });
  await waitForTasks(cluster);
  const hooks = [new tf.train.StopAtStepHook({ lastStep: o.steps })];
  if (sync) hooks.push(m.opt.makeSessionRunHook(isChief));
  // Reports each session the MonitoredTrainingSession creates: the first, and those after a recovery.
  hooks.push({
    afterCreateSession: (session) => emit({ type: 'session', worker: index, globalStep: Number(session.runSync(m.globalStep).item()) }),
  });
  // The chief initializes the model or restores the latest checkpoint in --dir, and saves one every
  // --save-every global steps and at the end; the others wait for the model (polling every 0.2 s, bounded).
  // A lost ps or worker (UnavailableError, AbortedError) re-creates the session, as Python's does.
  // This worker's sessions see the ps and this worker only: they neither wait for nor depend on the other workers.
  const config = { deviceFilters: ['/job:ps', `/job:worker/task:${index}`] };
  const sess = await tf.train.MonitoredTrainingSession({
    master: server.target, isChief, checkpointDir: o.dir || null, hooks, graph: m.g, config,
    saveCheckpointSteps: o.dir ? o.saveEvery : null, saveSummariesSteps: null, logStepCountSteps: null,
    recoveryWaitSecs: 0.2, maxWaitSecs: o.readyTimeoutMs / 1000,
    // The chief's SyncReplicas queue runner may be waiting for gradients that will not come; close() waits this
    // long for it (Python's default is 120 s), then closing the session cancels it.
    stopGracePeriodSecs: 2,
  });
  // SyncReplicas' end (below) runs in a plain session made now, while the ps is surely up.
  const plain = sync ? new tf.Session(m.g, { target: server.target, config }) : null;
  if (plain) await plain.run(m.globalStep, undefined, { timeoutMs: 60_000 });
  const batches = new WorkerBatches(o.batch, index, workers);
  let local = 0;
  let globalStep = -1;
  // The rate leaves out the first steps, which register the graph with the tasks.
  const WARMUP = 10;
  let tWarm = null;
  try {
    while (!sess.shouldStop()) {
      const [x, y] = batches.at(local);
      let loss;
      try {
        const [, l, gs] = await sess.run([m.train, m.loss, m.globalStep], new Map([[m.images, x], [m.labels, y]]));
        loss = l.item();
        globalStep = Number(gs.item());
      } catch (err) {
        // SyncReplicas: the first worker done closes the token queue (below), which ends the others' last steps.
        if (sync && err instanceof tf.errors.OutOfRangeError) break;
        throw err;
      }
      local += 1;
      if (local === WARMUP) tWarm = Date.now();
      if (local % o.logEvery === 0 || local === 1) emit({ type: 'step', worker: index, local, globalStep, loss });
    }
    if (sync) {
      // A worker that stops first leaves the others waiting for its gradient in their last step (Python's
      // SyncReplicasOptimizer hangs there too): closing the token queue ends those steps with OutOfRange.
      await plain.run(m.opt.getChiefQueueRunner().cancelOp, undefined, { timeoutMs: 10_000 });
    }
  } finally {
    await plain?.close();
    await sess.close();
  }
  const seconds = tWarm === null ? 0 : (Date.now() - tWarm) / 1000;
  emit({
    type: 'done', worker: index, local, globalStep, seconds, stepsPerSecond: seconds > 0 ? (local - WARMUP) / seconds : null,
    warmAt: tWarm === null ? null : tWarm / 1000, endAt: Date.now() / 1000,
  });
}

async function main() {
  const { job, task, cluster } = taskArgs();
  const o = options(process.argv.slice(2));
  if (job === 'ps') {
    serveAsPs(new tf.Server({ cluster, jobName: 'ps', taskIndex: task }), task);
    return;
  }
  await worker(cluster, task, o);
  process.exit(0);
}

main().catch((err) => {
  emit({ type: 'error', name: err.constructor.name, message: err.message });
  console.error(err);
  process.exit(1);
});
