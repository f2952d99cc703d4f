// SPDX-License-Identifier: Apache-2.0
// The model of examples/distributed: the dense MNIST classifier of `npm start` (784 → hidden ReLU → 10, Adam,
// a global step), built for between-graph replication: variables on the ps tasks, the rest on this worker.
// (examples/mnist exposes no model builder to import, so the layers are written out here.)
'use strict';
const tf = require('../../dist');

function dense(g, input, units, activation) {
  const w = g.getVariable('weights', { shape: [input.shape[1], units], initializer: tf.initializers.glorotUniform({ seed: 1 }) });
  const b = g.getVariable('biases', { shape: [units], initializer: tf.initializers.zeros() });
  const z = g.addOperation('BiasAdd', { inputs: [g.addOperation('MatMul', { inputs: [input, w] }).output(0), b] }).output(0);
  return activation ? g.addOperation(activation, { inputs: [z] }).output(0) : z;
}

/**
 * The graph of one worker. `cluster` and `taskIndex` place it (none: a single-process graph with the same
 * variables, e.g. to restore the chief's checkpoint); `sync` wraps Adam in a SyncReplicasOptimizer.
 */
function buildModel({ hidden = 128, learningRate = 1e-3, cluster, taskIndex = 0, sync = null } = {}) {
  const g = new tf.Graph();
  const build = () => {
    const x = g.placeholder('float32', [null, 784], 'images');
    const labels = g.placeholder('float32', [null, 10], 'labels');
    const h = g.variableScope('hidden', () => dense(g, x, hidden, 'Relu'));
    const logits = g.variableScope('logits', () => dense(g, h, 10, null));
    const xent = g.addOperation('SoftmaxCrossEntropyWithLogits', { inputs: [logits, labels] }).output(0);
    const loss = g.addOperation('Mean', { inputs: [xent, g.constant([0], { dtype: 'int32' })], name: 'loss' }).output(0);
    const globalStep = tf.train.getOrCreateGlobalStep(g);
    let opt = new tf.train.AdamOptimizer(learningRate);
    if (sync) opt = new tf.train.SyncReplicasOptimizer(opt, sync);
    const train = opt.minimize(loss, { globalStep });
    return { x, labels, loss, globalStep, train, opt };
  };
  const parts = cluster
    ? g.device(tf.train.replicaDeviceSetter({ cluster, workerDevice: `/job:worker/task:${taskIndex}` }), build)
    : build();
  return { g, ...parts };
}

/** The package's 10,000 digits as pixel and one-hot label matrices; `shard` of `shards` of them. */
function loadDigits(shard = 0, shards = 1) {
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
  // A fixed interleaving (digit-sorted data would give each shard a few digits only).
  const order = images.map((_, i) => i).sort((a, b) => ((a * 7919) % 10007) - ((b * 7919) % 10007)).filter((_, i) => i % shards === shard);
  const x = new Float32Array(order.length * 784);
  const y = new Float32Array(order.length * 10);
  order.forEach((k, row) => {
    x.set(images[k], row * 784);
    y[row * 10 + labels[k]] = 1;
  });
  return { x, y, n: order.length };
}

/** Batch number `i` (wrapping around) as [images, labels] tensors. */
function batchAt(data, i, size) {
  const x = tf.Tensor.alloc('float32', [size, 784]);
  const y = tf.Tensor.alloc('float32', [size, 10]);
  const px = x.data();
  const py = y.data();
  for (let row = 0; row < size; row++) {
    const k = (i * size + row) % data.n;
    px.set(data.x.subarray(k * 784, (k + 1) * 784), row * 784);
    py.set(data.y.subarray(k * 10, (k + 1) * 10), row * 10);
  }
  return [x, y];
}

module.exports = { buildModel, loadDigits, batchAt };
