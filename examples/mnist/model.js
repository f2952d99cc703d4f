// SPDX-License-Identifier: Apache-2.0
// The model of `npm start` (TensorFlow 1's "Deep MNIST" conv net, written with tf.layers as a tf.compat.v1 user
// writes it) and its data: shared by examples/mnist/train.js and bench/mnist-training.js, so that the benchmark
// times the very graph the example trains.
'use strict';
const tf = require('../../dist');
const { rng } = require('../common');

/**
 * The classic sizes (32 and 64 filters, a 1024-unit dense layer, batch 50) take about 29 MFLOP a digit forward; these
 * take about 6.4 (a quarter of the time a digit, measured) and still pass 97% on the held-out digits within 200 steps.
 */
const DEFAULTS = {
  filters1: 16,
  filters2: 32,
  hidden: 256,
  dropout: 0.4,
  batch: 64,
  learningRate: 2e-3,
  decaySteps: 200,
  decayRate: 0.8,
  // With numUpdates the decay starts low ((1 + step) / (10 + step)) and rises to this cap: a window of about
  // 100 steps, short enough for averages that help within a run of a few hundred steps.
  emaDecay: 0.99,
  seed: 1,
};

/** The network, from a [batch, 784] float placeholder to [batch, 10] logits (Python's layer names and scopes). */
function network(images, options, training) {
  const x = tf.reshape(images, [-1, 28, 28, 1], { name: 'reshape_images' });
  const conv1 = tf.layers.conv2d(x, options.filters1, 5, { padding: 'same', activation: 'relu', name: 'conv1' });
  const pool1 = tf.layers.maxPooling2d(conv1, 2, 2, { name: 'pool1' });
  const conv2 = tf.layers.conv2d(pool1, options.filters2, 5, { padding: 'same', activation: 'relu', name: 'conv2' });
  const pool2 = tf.layers.maxPooling2d(conv2, 2, 2, { name: 'pool2' });
  const flat = tf.layers.flatten(pool2, { name: 'flatten' });
  const fc = tf.layers.dense(flat, options.hidden, { activation: 'relu', name: 'fc1' });
  const dropped = tf.layers.dropout(fc, { rate: options.dropout, training, name: 'dropout' });
  return tf.layers.dense(dropped, 10, { name: 'logits' });
}

function inputs() {
  const images = tf.placeholder('float32', [null, 784], 'images');
  const labels = tf.placeholder('int32', [null], 'labels');
  return { images, labels };
}

function accuracyOf(logits, labels) {
  return tf.nameScope('accuracy', () => {
    const correct = tf.equal(tf.argmax(logits, { axis: 1, outputType: 'int32' }), labels);
    return tf.reduceMean(tf.cast(correct, 'float32'), { name: 'value' });
  });
}

/**
 * The training graph: Adam on an exponentially decaying learning rate, then (after each step) the moving averages
 * of the weights, as Python's cifar10/mnist tutorials chain them: `with tf.control_dependencies([apply]): ema.apply`.
 */
function buildTrainGraph(overrides = {}) {
  const options = { ...DEFAULTS, ...overrides };
  const g = new tf.Graph();
  return g.asDefault(() => {
    tf.setRandomSeed(options.seed);
    const { images, labels } = inputs();
    const logits = network(images, options, true);
    const loss = tf.losses.sparseSoftmaxCrossEntropy(labels, logits);
    const accuracy = accuracyOf(logits, labels);
    const globalStep = tf.train.getOrCreateGlobalStep();
    const learningRate = tf.train.exponentialDecay(options.learningRate, globalStep, options.decaySteps, options.decayRate);
    const weights = tf.trainableVariables();
    const minimize = new tf.train.AdamOptimizer(learningRate).minimize(loss, { globalStep });
    const ema = new tf.train.ExponentialMovingAverage(options.emaDecay, { numUpdates: globalStep });
    const train = tf.controlDependencies([minimize], () => ema.apply(weights));
    const saver = new tf.train.Saver({ graph: g, maxToKeep: 3 });
    // What TensorBoard shows: the loss, the batch accuracy, the learning rate and every weight's histogram.
    tf.summary.scalar('loss', loss);
    tf.summary.scalar('batch_accuracy', accuracy);
    tf.summary.scalar('learning_rate', learningRate);
    for (const v of weights) tf.summary.histogram(v.name, v);
    const summaries = tf.summary.mergeAll();
    const init = tf.globalVariablesInitializer();
    return { g, options, images, labels, logits, loss, accuracy, globalStep, learningRate, train, saver, summaries, init };
  });
}

/**
 * The evaluation graph, as Python's cifar10_eval.py builds it: the same network without dropout in a graph of its own,
 * and a Saver from `ema.variablesToRestore()` that loads each weight's moving average from a training checkpoint
 * into the weight itself. A second, plain Saver loads the raw weights for comparison. A separate graph (rather than
 * an eval tower in the training graph reading the shadow variables) keeps the network code free of custom getters,
 * and is what a TF1 user who evaluates checkpoints from another process already has.
 */
function buildEvalGraph(overrides = {}) {
  const options = { ...DEFAULTS, ...overrides };
  const g = new tf.Graph();
  return g.asDefault(() => {
    const { images, labels } = inputs();
    const logits = network(images, options, false);
    const accuracy = accuracyOf(logits, labels);
    const ema = new tf.train.ExponentialMovingAverage(options.emaDecay);
    const averagesSaver = new tf.train.Saver({ graph: g, varList: ema.variablesToRestore(undefined, g) });
    const rawSaver = new tf.train.Saver({ graph: g, varList: g.trainableVariables() });
    return { g, images, labels, accuracy, averagesSaver, rawSaver };
  });
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

/** The `mnist` package's 10,000 digits as pixels in [0, 1] and int32 labels, split 85% training / 15% held out. */
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
    const y = new Int32Array(indices.length);
    indices.forEach((k, row) => {
      x.set(images[k], row * 784);
      y[row] = labels[k];
    });
    return { x, y, n: indices.length };
  };
  return { train: pack(order.slice(heldOut)), test: pack(order.slice(0, heldOut)) };
}

/**
 * The batch of global step `step`: each epoch visits the training digits in its own seeded order, so a resumed run
 * continues the same sequence. Tensors are allocated by TensorFlow, so feeding them copies nothing.
 */
class Batches {
  constructor(data, size) {
    this.data = data;
    this.size = size;
    this.perEpoch = Math.floor(data.n / size);
    this.epoch = -1;
    this.order = null;
  }

  at(step) {
    const epoch = Math.floor(step / this.perEpoch);
    if (epoch !== this.epoch) {
      this.order = shuffled(this.data.n, 7 + epoch);
      this.epoch = epoch;
    }
    const start = (step % this.perEpoch) * this.size;
    const x = tf.Tensor.alloc('float32', [this.size, 784]);
    const y = tf.Tensor.alloc('int32', [this.size]);
    const px = x.data();
    const py = y.data();
    for (let row = 0; row < this.size; row++) {
      const k = this.order[start + row];
      px.set(this.data.x.subarray(k * 784, (k + 1) * 784), row * 784);
      py[row] = this.data.y[k];
    }
    return [x, y];
  }
}

module.exports = { DEFAULTS, buildTrainGraph, buildEvalGraph, loadDigits, Batches };
// The pieces, for graphs built around the same network (examples/distributed places it on a cluster).
module.exports.network = network;
module.exports.inputs = inputs;

