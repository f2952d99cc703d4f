// SPDX-License-Identifier: Apache-2.0
// Issue 8's benchmark: SGD training steps per second of an MLP 784-512-10 (batch 128, batches fed from
// memory) built with g.variable + tf.train.GradientDescentOptimizer, against a C loop over the same graph
// (bench/c/train_mlp.c: TF_AddGradients + ResourceApplyGradientDescent) and, when Python TensorFlow is
// installed, Python tf.compat.v1 — interleaved in one run. All three draw identical weights and batches from
// one pseudo-random stream, so their losses before and after training must agree too.
'use strict';
const { spawnSync } = require('child_process');
const { median, table, fmt, trainingSteps } = require('./util');
const { runC } = require('./c/build');
const tf = require('..');

const BATCH = 128;
const IN = 784;
const HIDDEN = 512;
const OUT = 10;
const BATCHES = 8;
const LR = 0.05;

// The LCG of train_mlp.c, with its float32 rounding.
function stream() {
  let s = 12345;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(s / 4294967296);
  };
}

function uniformInit(next, n, scale) {
  const v = new Float32Array(n);
  const sc = Math.fround(scale);
  for (let i = 0; i < n; i++) v[i] = Math.fround(sc * Math.fround(Math.fround(2 * next()) - 1));
  return v;
}

function build() {
  const next = stream();
  const g = new tf.Graph();
  const x = g.placeholder('float32', [BATCH, IN], 'x');
  const y = g.placeholder('float32', [BATCH, OUT], 'y');
  const w1 = g.variable(tf.tensor(uniformInit(next, IN * HIDDEN, 0.08), [IN, HIDDEN]), { name: 'w1' });
  const b1 = g.variable(tf.tensor(uniformInit(next, HIDDEN, 0), [HIDDEN]), { name: 'b1' });
  const w2 = g.variable(tf.tensor(uniformInit(next, HIDDEN * OUT, 0.1), [HIDDEN, OUT]), { name: 'w2' });
  const b2 = g.variable(tf.tensor(uniformInit(next, OUT, 0), [OUT]), { name: 'b2' });
  const op = (type, inputs, name) => g.addOperation(type, { inputs, name }).output(0);
  const hidden = op('Relu', [op('AddV2', [op('MatMul', [x, w1]), b1])]);
  const logits = op('AddV2', [op('MatMul', [hidden, w2]), b2]);
  const xent = op('SoftmaxCrossEntropyWithLogits', [logits, y], 'xent');
  const loss = op('Mean', [xent, g.constant(0, { dtype: 'int32' })], 'loss');
  const train = new tf.train.GradientDescentOptimizer(LR).minimize(loss);
  // Batches in TensorFlow-allocated memory, as the C loop's TF_AllocateTensor: fed without a copy.
  const batches = [];
  for (let b = 0; b < BATCHES; b++) {
    const xb = tf.Tensor.alloc('float32', [BATCH, IN]);
    const yb = tf.Tensor.alloc('float32', [BATCH, OUT]);
    const px = xb.data();
    const py = yb.data();
    for (let i = 0; i < BATCH * IN; i++) px[i] = next();
    py.fill(0);
    for (let i = 0; i < BATCH; i++) py[i * OUT + Math.trunc(Math.fround(next() * OUT))] = 1;
    batches.push(new Map([[x, xb], [y, yb]]));
  }
  return { g, loss, train, batches, init: tf.globalVariablesInitializer(g) };
}

async function measureNode(steps, warmup, mode) {
  const { g, loss, train, batches, init } = build();
  const sess = new tf.Session(g);
  await sess.run(init);
  const result = await trainingSteps(sess, { loss, train, batches }, steps, warmup, mode);
  await sess.close();
  return result;
}

const PYTHON = `
import json, sys, time
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
steps, warmup = int(sys.argv[1]), int(sys.argv[2])
B, IN, H, OUT, NB = ${BATCH}, ${IN}, ${HIDDEN}, ${OUT}, ${BATCHES}
s = 12345
def uniform(n):
    # The LCG of train_mlp.c: double division, rounded to float32.
    global s
    out = []
    for _ in range(n):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out.append(s)
    return (np.array(out, dtype=np.float64) / 4294967296.0).astype(np.float32)
def init(n, scale):
    return np.float32(scale) * (np.float32(2) * uniform(n) - np.float32(1))
w1v = init(IN * H, 0.08).reshape(IN, H); b1v = init(H, 0); w2v = init(H * OUT, 0.1).reshape(H, OUT); b2v = init(OUT, 0)
batches = []
for _ in range(NB):
    xb = uniform(B * IN).reshape(B, IN)
    yb = np.zeros((B, OUT), dtype=np.float32)
    for i in range(B):
        yb[i, int(uniform(1)[0] * np.float32(OUT))] = 1
    batches.append((xb, yb))
g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [B, IN], name='x')
    y = tf.compat.v1.placeholder(tf.float32, [B, OUT], name='y')
    w1 = tf.compat.v1.Variable(w1v, name='w1', use_resource=True)
    b1 = tf.compat.v1.Variable(b1v, name='b1', use_resource=True)
    w2 = tf.compat.v1.Variable(w2v, name='w2', use_resource=True)
    b2 = tf.compat.v1.Variable(b2v, name='b2', use_resource=True)
    logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
    loss = tf.reduce_mean(tf.compat.v1.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits), 0)
    train = tf.compat.v1.train.GradientDescentOptimizer(${LR}).minimize(loss)
    init_op = tf.compat.v1.global_variables_initializer()
with tf.compat.v1.Session(graph=g) as sess:
    sess.run(init_op)
    feeds = [{x: xb, y: yb} for xb, yb in batches]
    before = float(sess.run(loss, feeds[0]))
    for i in range(-warmup, steps):
        if i == 0: t0, c0 = time.perf_counter(), time.process_time()
        sess.run(train, feeds[(i + warmup) % NB])
    sec, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = float(sess.run(loss, feeds[0]))
print(json.dumps({'stepsPerSecond': steps / sec, 'cpuMsPerStep': cpu * 1000 / steps, 'lossBefore': before, 'lossAfter': after}))
`;

function pythonAvailable() {
  const probe = "import importlib.util,sys; sys.exit(0 if importlib.util.find_spec('tensorflow') else 1)";
  const r = spawnSync(process.env.PYTHON || 'python3', ['-c', probe]);
  return r.status === 0;
}

function measurePython(steps, warmup) {
  const r = spawnSync(process.env.PYTHON || 'python3', ['-c', PYTHON, String(steps), String(warmup)], {
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`Python failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function main() {
  const rounds = Number(process.env.BENCH_ROUNDS || 5);
  const steps = Number(process.env.BENCH_STEPS || 300);
  const warmup = 20;
  const withPython = pythonAvailable();
  const runs = { c: [], sync: [], async: [], python: [] };
  // Rounds interleave the contenders, and ratios are taken within a round, so that load from elsewhere on
  // the machine affects both sides of each ratio alike.
  for (let round = 0; round < rounds; round++) {
    runs.c.push(runC('train_mlp', [steps, warmup]));
    runs.sync.push(await measureNode(steps, warmup, 'sync'));
    runs.async.push(await measureNode(steps, warmup, 'async'));
    if (withPython) runs.python.push(measurePython(steps, warmup));
  }
  const rate = (list) => median(list.map((r) => r.stepsPerSecond));
  const ratio = (list, base) => median(list.map((r, i) => r.stepsPerSecond / base[i].stepsPerSecond));
  const goal = (r) => `${fmt(r)}x C (goal >= 0.9x: ${r >= 0.9 ? 'met' : 'NOT met'})`;
  const rows = [
    ['C loop (TF_AddGradients + ResourceApplyGradientDescent)', rate(runs.c), 'steps/s'],
    ['Node session.runSync', rate(runs.sync), 'steps/s', goal(ratio(runs.sync, runs.c))],
    ['Node await session.run', rate(runs.async), 'steps/s', goal(ratio(runs.async, runs.c))],
  ];
  if (withPython) {
    rows.push(['Python tf.compat.v1 sess.run', rate(runs.python), 'steps/s',
      `${fmt(ratio(runs.python, runs.c))}x C; Node runSync is ${fmt(ratio(runs.sync, runs.python))}x Python`]);
  } else {
    rows.push(['Python tf.compat.v1', NaN, '', 'skipped: Python TensorFlow is not installed']);
  }
  table(
    `MLP 784-${HIDDEN}-${OUT}, batch ${BATCH}, SGD: training steps per second ` +
      `(median of ${rounds} rounds of ${steps} steps; ratios: median of per-round ratios)`,
    rows,
  );
  // CPU time is less sensitive than wall time to other work on the machine: it shows the per-step overhead.
  const cpu = (list) => median(list.map((r) => r.cpuMsPerStep));
  const cpuRatio = (list) => median(list.map((r, i) => r.cpuMsPerStep / runs.c[i].cpuMsPerStep));
  table('CPU time per step, all threads (median)', [
    ['C loop', cpu(runs.c), 'ms'],
    ['Node session.runSync', cpu(runs.sync), 'ms', `${fmt(cpuRatio(runs.sync))}x C`],
    ['Node await session.run', cpu(runs.async), 'ms', `${fmt(cpuRatio(runs.async))}x C`],
    ...(withPython ? [['Python tf.compat.v1 sess.run', cpu(runs.python), 'ms', `${fmt(cpuRatio(runs.python))}x C`]] : []),
  ]);
  // The same numbers went in everywhere, so the same loss must come out: a check that the graphs agree.
  const losses = [
    ['C', runs.c[0]],
    ['Node sync', runs.sync[0]],
    ['Node async', runs.async[0]],
    ...(withPython ? [['Python', runs.python[0]]] : []),
  ];
  console.log(`\n  loss on batch 0 before -> after ${steps + warmup} steps:`);
  for (const [who, r] of losses) console.log(`    ${who.padEnd(12)} ${r.lossBefore.toFixed(6)} -> ${r.lossAfter.toFixed(6)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
