// SPDX-License-Identifier: Apache-2.0
// Issue 16's benchmark. (1) One training step of an embedding model (vocabulary 50,000 × 128, batch 128, sparse
// softmax cross-entropy), SGD and Adam: the embedding's gradient is IndexedSlices and the updates touch only the
// batch's rows; ours against Python tf.compat.v1 in one run (goal: at least Python's steps/s). (2) The build time
// of g.gradients on a 1,000-op MLP graph: TensorFlow's C++ registry in one call (the fast path) against the
// TypeScript driver forced on every op (goal: the driver within 2x).
'use strict';
const { spawnSync } = require('child_process');
const { median, table, fmt } = require('./util');
const tf = require('..');

const VOCAB = 50000;
const DIM = 128;
const BATCH = 128;
const CLASSES = 100;
const STEPS = Number(process.env.BENCH_STEPS || 300);
const ROUNDS = 3;

function stream(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Python's gradient of the loss, where no gradient function for it is registered yet. */
function ensureSparseXentGradient() {
  let registered;
  try {
    registered = require('../dist/gradients/registry').lookupGradient('SparseSoftmaxCrossEntropyWithLogits');
  } catch {
    registered = undefined;
  }
  if (registered === undefined) register();
  function register() {
    tf.registerGradient('SparseSoftmaxCrossEntropyWithLogits', (op, gradLoss) => {
      const g = op.graph;
      const vec = g.addOperation('ExpandDims', { inputs: [gradLoss, g.constant(-1, { dtype: 'int32' })] }).output(0);
      const blocked = g.addOperation('PreventGradient', { inputs: [op.output(1)] }).output(0);
      return [g.addOperation('Mul', { inputs: [vec, blocked] }).output(0), null];
    });
  }
}

function build(optName) {
  const g = new tf.Graph();
  const next = stream(1);
  const init = (n, scale) => Float32Array.from({ length: n }, () => scale * (2 * next() - 1));
  const emb = g.variable(tf.tensor(init(VOCAB * DIM, 0.05), [VOCAB, DIM]), { name: 'emb' });
  const w = g.variable(tf.tensor(init(DIM * CLASSES, 0.05), [DIM, CLASSES]), { name: 'w' });
  const ids = g.placeholder('int32', [BATCH], 'ids');
  const labels = g.placeholder('int32', [BATCH], 'labels');
  const rows = g.addOperation('ResourceGather', { inputs: [emb.handle, ids], attrs: { dtype: 'float32' } }).output(0);
  const logits = g.addOperation('MatMul', { inputs: [rows, w] }).output(0);
  const xent = g.addOperation('SparseSoftmaxCrossEntropyWithLogits', { inputs: [logits, labels] }).output(0);
  const loss = g.addOperation('Mean', { inputs: [xent, g.constant([0], { dtype: 'int32' })] }).output(0);
  const opt = optName === 'adam' ? new tf.train.AdamOptimizer(0.001) : new tf.train.GradientDescentOptimizer(0.1);
  const step = opt.minimize(loss);
  return { g, step, loss, ids, labels };
}

function batches() {
  const next = stream(2);
  return Array.from({ length: 16 }, () => ({
    ids: tf.tensor(Int32Array.from({ length: BATCH }, () => Math.floor(next() * VOCAB)), [BATCH]),
    labels: tf.tensor(Int32Array.from({ length: BATCH }, () => Math.floor(next() * CLASSES)), [BATCH]),
  }));
}

async function measureOurs(optName) {
  const m = build(optName);
  const sess = new tf.Session(m.g);
  await sess.run(tf.globalVariablesInitializer(m.g));
  const data = batches();
  const feeds = data.map((b) => new Map([[m.ids, b.ids], [m.labels, b.labels]]));
  // runSync where the session has it (as the training benchmark does): the step is short, so thread switches count.
  const run = sess.runSync ? async (i) => sess.runSync(m.step, feeds[i % feeds.length]) : (i) => sess.run(m.step, feeds[i % feeds.length]);
  for (let i = 0; i < 20; i++) await run(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < STEPS; i++) await run(i);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await sess.close();
  return STEPS / seconds;
}

const PYTHON = `
import sys, time, numpy as np, tensorflow as tf
tf.compat.v1.disable_eager_execution()
opt_name, steps = sys.argv[1], int(sys.argv[2])
V, D, B, C = ${VOCAB}, ${DIM}, ${BATCH}, ${CLASSES}
rng = np.random.RandomState(0)
g = tf.Graph()
with g.as_default():
  emb = tf.compat.v1.get_variable('emb', initializer=rng.uniform(-0.05, 0.05, (V, D)).astype(np.float32), use_resource=True)
  w = tf.compat.v1.get_variable('w', initializer=rng.uniform(-0.05, 0.05, (D, C)).astype(np.float32), use_resource=True)
  ids = tf.compat.v1.placeholder(tf.int32, [B]); labels = tf.compat.v1.placeholder(tf.int32, [B])
  logits = tf.matmul(tf.nn.embedding_lookup(emb, ids), w)
  loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
  opt = tf.compat.v1.train.AdamOptimizer(0.001) if opt_name == 'adam' else tf.compat.v1.train.GradientDescentOptimizer(0.1)
  step = opt.minimize(loss)
  feeds = [{ids: rng.randint(0, V, B).astype(np.int32), labels: rng.randint(0, C, B).astype(np.int32)} for _ in range(16)]
  with tf.compat.v1.Session() as s:
    s.run(tf.compat.v1.global_variables_initializer())
    for i in range(20): s.run(step, feeds[i % 16])
    t0 = time.perf_counter()
    for i in range(steps): s.run(step, feeds[i % 16])
    print(steps / (time.perf_counter() - t0))
`;

function measurePython(optName) {
  const r = spawnSync(process.env.PYTHON || 'python3', ['-c', PYTHON, optName, String(STEPS)], {
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
  });
  if (r.status !== 0) return NaN;
  return Number(r.stdout.trim().split('\n').pop());
}

/** A 1,000-op MLP: 250 layers of Const weight, MatMul, AddV2 with a Const bias... and Tanh. */
function mlpGraph() {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [8, 16], 'x');
  const next = stream(3);
  const weights = [];
  let h = x;
  for (let i = 0; h.graph.numOperations < 1000; i++) {
    const w = g.constant(tf.tensor(Float32Array.from({ length: 256 }, () => next() - 0.5), [16, 16]), { name: `w${i}` });
    weights.push(w);
    const m = g.addOperation('MatMul', { inputs: [h, w] }).output(0);
    h = g.addOperation('Tanh', { inputs: [g.addOperation('AddV2', { inputs: [m, g.constant(0.1)] }).output(0)] }).output(0);
  }
  const loss = g.addOperation('Sum', { inputs: [h, g.constant([0, 1], { dtype: 'int32' })] }).output(0);
  return { g, loss, weights };
}

function buildTime(forceDriver) {
  const times = [];
  for (let r = 0; r < 5; r++) {
    const { g, loss, weights } = mlpGraph();
    const t0 = process.hrtime.bigint();
    g.gradients(loss, weights, { forceDriver });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { first: times[0], median: median(times.slice(1)) };
}

async function main() {
  ensureSparseXentGradient();
  const rows = [];
  for (const optName of ['sgd', 'adam']) {
    const ours = [];
    const python = [];
    for (let r = 0; r < ROUNDS; r++) {
      ours.push(await measureOurs(optName));
      python.push(measurePython(optName));
    }
    const o = median(ours);
    const p = median(python);
    rows.push([`embedding ${VOCAB}x${DIM}, ${optName}: ours`, o, 'steps/s', `${fmt(1000 / o, 3)} ms/step`]);
    rows.push([`embedding ${VOCAB}x${DIM}, ${optName}: Python tf.compat.v1`, p, 'steps/s',
      `${fmt(1000 / p, 3)} ms/step; ours ${fmt(o / p)}x Python (goal >= 1x: ${o >= p ? 'met' : 'NOT met'})`]);
  }
  const title = `One training step, batch ${BATCH}, sparse softmax xent over ${CLASSES} classes`;
  table(`${title} (median of ${ROUNDS} runs of ${STEPS} steps)`, rows);
  const fast = buildTime(false);
  const driver = buildTime(true);
  const ops = mlpGraph().g.numOperations;
  table(`g.gradients build time, ${ops}-op MLP (median of 4 fresh graphs; first call in parentheses)`, [
    ['C++ fast path (one TF_AddGradients)', fast.median, 'ms', `(${fmt(fast.first)} ms)`],
    ['TypeScript driver, forced on every op', driver.median, 'ms', `(${fmt(driver.first)} ms); ${fmt(driver.median / fast.median)}x ` +
      `the fast path (goal <= 2x: ${driver.median <= 2 * fast.median ? 'met' : 'NOT met'})`],
  ]);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
