// SPDX-License-Identifier: Apache-2.0
// Issue 19's benchmark. (1) The cost of TensorBoard summaries in a training loop: steps/s of `npm start`'s model
// (784-256-10 MLP, Adam, batch 100) with the merged summaries (3 scalars, 4 histograms) fetched and written every
// 10 steps, against the same loop without them, in alternating rounds. Goal: at most 5% slower.
// (2) `inspect-checkpoint` on a 1 GB checkpoint: time to the listing in a fresh process (reads the index only)
// and in process. Goal: under 1 s.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { median, fmt } = require('./util');

const met = (ok) => (ok ? 'met' : 'NOT met');
const tf = require('..');

const STEPS = Number(process.env.BENCH_STEPS || 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-bench-summaries-'));

function dense(g, x, units, act, name) {
  return g.variableScope(name, () => {
    const w = g.getVariable('weights', { shape: [x.shape[1], units], initializer: tf.initializers.glorotUniform({ seed: 1 }) });
    const b = g.getVariable('biases', { shape: [units], initializer: tf.initializers.zeros() });
    const y = g.ops.biasAdd(g.ops.matMul(x, w), b);
    return act ? g.ops.relu(y) : y;
  });
}

function model() {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [null, 784], 'images');
  const labels = g.placeholder('int32', [null], 'labels');
  const logits = dense(g, dense(g, x, 256, true, 'hidden'), 10, false, 'logits');
  const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits }));
  const acc = tf.reduceMean(tf.cast(tf.equal(tf.cast(tf.argmax(logits, { axis: 1 }), 'int32'), labels), 'float32'));
  const train = new tf.train.AdamOptimizer(1e-3).minimize(loss);
  const both = { collections: [tf.GraphKeys.SUMMARIES, 'scalars'] };
  tf.summary.scalar('loss', loss, both);
  tf.summary.scalar('accuracy', acc, both);
  tf.summary.scalar('learning_rate', g.constant(1e-3), both);
  for (const v of g.trainableVariables()) tf.summary.histogram(v.name, v);
  const merged = tf.summary.mergeAll(g);
  const scalars = tf.summary.mergeAll('scalars', g);
  return { g, x, labels, loss, train, merged, scalars, init: tf.globalVariablesInitializer(g) };
}

async function trainingOverhead() {
  const m = model();
  const s = new tf.Session(m.g);
  await s.run(m.init);
  const xb = tf.tensor(Float32Array.from({ length: 100 * 784 }, (_, i) => (i % 255) / 255), [100, 784]);
  const yb = tf.tensor(Int32Array.from({ length: 100 }, (_, i) => i % 10), [100], 'int32');
  const feeds = new Map([[m.x, xb], [m.labels, yb]]);
  const writer = new tf.summary.FileWriter(path.join(DIR, 'logs'), { graph: m.g });
  // summaries: null (none), m.merged (scalars and weight histograms) or m.scalars (the three scalars).
  const loop = async (summaries) => {
    const t0 = process.hrtime.bigint();
    for (let step = 1; step <= STEPS; step++) {
      if (summaries && step % 10 === 0) {
        const [, , summary] = await s.run([m.train, m.loss, summaries], feeds);
        writer.addSummary(summary, step);
      } else {
        await s.run([m.train, m.loss], feeds);
      }
    }
    return STEPS / (Number(process.hrtime.bigint() - t0) / 1e9);
  };
  await loop(null);
  await loop(m.merged);
  const plain = [];
  const summarized = [];
  const scalarsOnly = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Rotating order, so that drift on a noisy machine falls on all alike.
    const order = [[plain, null], [summarized, m.merged], [scalarsOnly, m.scalars]];
    for (let k = 0; k < 3; k++) {
      const [into, summaries] = order[(k + r) % 3];
      into.push(await loop(summaries));
    }
  }
  // What one merged summary costs in TensorFlow's kernels alone (HistogramSummary over 200k weights dominates).
  const kernel = [];
  for (let i = 0; i < 20; i++) {
    const t0 = process.hrtime.bigint();
    await s.run(m.merged, feeds);
    kernel.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await writer.close();
  await s.close();
  const a = median(plain);
  const b = median(summarized);
  console.log(`\nTraining steps/s, npm start's model, summaries every 10 steps (median of ${ROUNDS} rounds of ${STEPS} steps)`);
  console.log(`  no summaries                                  ${fmt(a, 1)} steps/s`);
  const c = median(scalarsOnly);
  const slower = (v) => `${fmt(100 * (1 - v / a), 1)}% slower (goal <= 5%: ${met(1 - v / a <= 0.05)})`;
  console.log(`  scalars and histograms every 10 steps         ${fmt(b, 1)} steps/s   ${slower(b)}`);
  console.log(`  scalars only every 10 steps                   ${fmt(c, 1)} steps/s   ${slower(c)}`);
  console.log(`  one run of the merged summary op alone        ${fmt(median(kernel), 2)} ms (TensorFlow's kernels)`);
}

async function bigCheckpoint() {
  // 1 GiB in 16 variables of 64 MiB, written once with our Saver.
  const g = new tf.Graph();
  const vars = [];
  for (let i = 0; i < 16; i++) vars.push(g.getVariable(`layer_${i}/kernel`, { shape: [4096, 4096], initializer: tf.initializers.zeros() }));
  const saver = new tf.train.Saver({ graph: g });
  const s = new tf.Session(g);
  await s.run(tf.globalVariablesInitializer(g));
  const prefix = await saver.save(s, path.join(DIR, 'ckpt', 'big'), { writeMetaGraph: false });
  await s.close();
  const bin = path.join(__dirname, '..', 'bin', 'node-libtensorflow.js');
  const wall = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    const out = spawnSync(process.execPath, [bin, 'inspect-checkpoint', prefix], { encoding: 'utf8' });
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (out.status !== 0 || !out.stdout.includes('# Total number of params: 268435456')) {
      throw new Error(`inspect-checkpoint failed: ${out.stderr}`);
    }
  }
  const { inspectCheckpoint } = require('../dist/tools/inspect-checkpoint');
  const warm = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    await inspectCheckpoint(prefix);
    warm.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log('\ninspect-checkpoint on a 1 GiB checkpoint (16 x 64 MiB), time to the listing (median)');
  const goal = `(goal < 1000 ms: ${met(median(wall) < 1000)})`;
  console.log(`  whole process (node bin/node-libtensorflow.js)   ${fmt(median(wall), 0)} ms ${goal}`);
  console.log(`  in process (inspectCheckpoint)                   ${fmt(median(warm), 1)} ms`);
}

(async () => {
  try {
    await trainingOverhead();
    await bigCheckpoint();
  } finally {
    fs.rmSync(DIR, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
