// SPDX-License-Identifier: Apache-2.0
// The model of examples/distributed: the conv net of `npm start` (examples/mnist/model.js: its network, loss,
// Adam on an exponentially decaying rate and global step, and its data), built for between-graph replication:
// variables on the ps tasks, the rest on this worker. The moving averages of `npm start` are left out: they
// are for evaluation, and would add 8 shadow variables per step to every worker's traffic with the ps.
'use strict';
const tf = require('../../dist');
const mnist = require('../mnist/model');

/**
 * The graph of one worker. `cluster` and `taskIndex` place it (none: a single-process graph with the same
 * variables, e.g. to restore the chief's checkpoint); `sync` wraps Adam in a SyncReplicasOptimizer; other
 * options override examples/mnist's DEFAULTS (filters1, filters2, hidden, dropout, learningRate, …).
 */
function buildModel({ cluster, taskIndex = 0, sync = null, ...overrides } = {}) {
  const options = { ...mnist.DEFAULTS, ...overrides };
  const g = new tf.Graph();
  const build = () => g.asDefault(() => {
    tf.setRandomSeed(options.seed);
    const { images, labels } = mnist.inputs();
    const logits = mnist.network(images, options, true);
    const loss = tf.losses.sparseSoftmaxCrossEntropy(labels, logits);
    const globalStep = tf.train.getOrCreateGlobalStep();
    const learningRate = tf.train.exponentialDecay(options.learningRate, globalStep, options.decaySteps, options.decayRate);
    let opt = new tf.train.AdamOptimizer(learningRate);
    if (sync) opt = new tf.train.SyncReplicasOptimizer(opt, sync);
    const train = opt.minimize(loss, { globalStep });
    return { images, labels, logits, loss, globalStep, train, opt };
  });
  const parts = cluster
    ? g.device(tf.train.replicaDeviceSetter({ cluster, workerDevice: `/job:worker/task:${taskIndex}` }), build)
    : build();
  return { g, options, ...parts };
}

/**
 * Worker `index` of `workers` trains on batches index, index + workers, index + 2·workers, … of `npm start`'s
 * sequence (examples/mnist's Batches): the workers share each epoch's order without sharing a batch.
 */
class WorkerBatches {
  constructor(batchSize, index = 0, workers = 1) {
    this.batches = new mnist.Batches(mnist.loadDigits().train, batchSize);
    this.index = index;
    this.workers = workers;
  }

  /** [images, labels] tensors of this worker's `local`-th batch. */
  at(local) {
    return this.batches.at(local * this.workers + this.index);
  }
}

module.exports = { buildModel, WorkerBatches };
