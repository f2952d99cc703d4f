// SPDX-License-Identifier: Apache-2.0
// One task of the distributed MNIST example, started by run.js (or by hand on each machine, see the README):
//   node examples/distributed/task.js [--steps N] [--batch N] [--hidden N] [--lr X] [--dir DIR] [--save-every N]
//        [--sync] [--log-every N] --job ps|worker --task I --cluster '{"ps":["host:port"],"worker":[...]}'
// A ps task serves its variables until it is stopped (SIGTERM/SIGINT end the process: TensorFlow cannot shut a
// started gRPC server down, so the process is what ends it). Worker 0 is the chief: it initializes the model,
// or restores the latest checkpoint in --dir, and saves checkpoints; the other workers wait for the model.
'use strict';
if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';
const path = require('path');
const util = require('util');
const tf = require('../../dist');
const { taskArgs, emit } = require('./cluster');
const { buildModel, loadDigits, batchAt } = require('./model');

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));

function options(argv) {
  const { values } = util.parseArgs({
    args: argv,
    strict: false,
    options: {
      steps: { type: 'string', default: '1000' },
      batch: { type: 'string', default: '100' },
      hidden: { type: 'string', default: '128' },
      lr: { type: 'string', default: '1e-3' },
      dir: { type: 'string', default: '' },
      'save-every': { type: 'string', default: '250' },
      'log-every': { type: 'string', default: '50' },
      'ready-timeout': { type: 'string', default: '60' },
      'step-timeout': { type: 'string', default: '60' },
      sync: { type: 'boolean', default: false },
    },
  });
  return {
    steps: Number(values.steps), batch: Number(values.batch), hidden: Number(values.hidden), lr: Number(values.lr),
    dir: values.dir, saveEvery: Number(values['save-every']), logEvery: Number(values['log-every']),
    readyTimeoutMs: Number(values['ready-timeout']) * 1000,
    stepTimeoutMs: Number(values['step-timeout']) * 1000, sync: values.sync,
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function worker(cluster, index, o) {
  const server = new tf.Server({ cluster, jobName: 'worker', taskIndex: index });
  const isChief = index === 0;
  const workers = cluster.worker.length;
  const sync = o.sync ? { replicasToAggregate: workers, totalNumReplicas: workers } : null;
  const m = buildModel({ hidden: o.hidden, learningRate: o.lr, cluster, taskIndex: index, sync });
  const saver = new tf.train.Saver({ graph: m.g, maxToKeep: 3 });
  const init = tf.globalVariablesInitializer(m.g);
  const localInit = tf.localVariablesInitializer(m.g);
  // Python's ready_for_local_init_op: the global variables, which the chief initializes (local ones are each worker's).
  const ready = tf.reportUninitializedVariables(m.g, m.g.globalVariables());
  const hook = sync ? m.opt.makeSessionRunHook(isChief) : null;
  hook?.begin();
  const sess = new tf.Session(m.g, { target: server.target });

  let restored = null;
  if (isChief) {
    restored = o.dir ? tf.train.latestCheckpoint(o.dir) : null;
    if (restored) await saver.restore(sess, restored);
    else await sess.run(init);
  } else {
    // Python's SessionManager.wait_for_session: poll until the chief has initialized the model, bounded.
    const deadline = Date.now() + o.readyTimeoutMs;
    for (;;) {
      const missing = (await sess.run(ready)).data();
      if (missing.length === 0) break;
      if (Date.now() > deadline) throw new Error(`The model was not ready after ${o.readyTimeoutMs} ms: ${missing.join(', ')}`);
      await sleep(200);
    }
  }
  await sess.run(localInit);
  hook?.afterCreateSession(sess);
  let globalStep = Number((await sess.run(m.globalStep)).item());
  emit({ type: 'started', worker: index, globalStep, restored });

  const data = loadDigits(index, workers);
  let local = 0;
  let lastSaved = globalStep;
  const t0 = Date.now();
  while (globalStep < o.steps) {
    const [x, y] = batchAt(data, local, o.batch);
    let loss;
    try {
      const [, l, gs] = await sess.run([m.train, m.loss, m.globalStep], new Map([[m.x, x], [m.labels, y]]),
        { timeoutMs: o.stepTimeoutMs });
      loss = l.item();
      globalStep = Number(gs.item());
    } catch (err) {
      // SyncReplicas: the chief closes the token queue when it is done, which ends the other workers' steps.
      if (sync && !isChief && err instanceof tf.errors.OutOfRangeError) break;
      throw err;
    }
    local += 1;
    if (local % o.logEvery === 0 || local === 1) emit({ type: 'step', worker: index, local, globalStep, loss });
    if (isChief && o.dir && globalStep - lastSaved >= o.saveEvery) {
      const saved = await saver.save(sess, path.join(o.dir, 'model.ckpt'), { globalStep });
      lastSaved = globalStep;
      emit({ type: 'checkpoint', worker: index, globalStep, path: saved });
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  if (isChief && o.dir && globalStep > lastSaved) {
    const saved = await saver.save(sess, path.join(o.dir, 'model.ckpt'), { globalStep });
    emit({ type: 'checkpoint', worker: index, globalStep, path: saved });
  }
  hook?.end(sess);
  emit({ type: 'done', worker: index, local, globalStep, seconds, stepsPerSecond: local / seconds });
  await sess.close();
}

async function main() {
  const { job, task, cluster } = taskArgs();
  const o = options(process.argv.slice(2));
  if (job === 'ps') {
    const server = new tf.Server({ cluster, jobName: 'ps', taskIndex: task });
    emit({ type: 'ready', job, task, target: server.target });
    // The server serves from TensorFlow's threads; this timer only keeps the process alive until a signal.
    setInterval(() => {}, 1 << 30);
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
