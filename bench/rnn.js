// SPDX-License-Identifier: Apache-2.0
// Issue 18's benchmark: a 100-step RNN (tanh cell, batch 32, hidden 128, input 128) unrolled by tf.whileLoop, its
// forward pass and its forward+backward pass (the loss and the gradients of the three weights), ours against the
// same model by Python's tf.while_loop (tf.compat.v1 graph mode) in one run. Goal: ours <= 1.1x Python's time.
// Forward and forward+backward use separate graphs on both sides: taking a gradient adds accumulators to the forward
// loop, which a forward-only graph should not pay for.
'use strict';
const { spawnSync } = require('child_process');
const { median, table, fmt } = require('./util');
const tf = require('..');

const T = 100;
const B = 32;
const H = 128;
const I = 128;
const ITERATIONS = Number(process.env.BENCH_STEPS || 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);

function stream(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function build(backward) {
  const g = new tf.Graph();
  const next = stream(1);
  const init = (n, scale) => tf.tensor(Float32Array.from({ length: n }, () => scale * (2 * next() - 1)));
  return g.asDefault(() => {
    const x = g.placeholder('float32', [T, B, I], 'x');
    const wx = g.variable(tf.tensor(init(I * H, 0.1).data(), [I, H]), { name: 'wx' });
    const wh = g.variable(tf.tensor(init(H * H, 0.1).data(), [H, H]), { name: 'wh' });
    const b = g.variable(tf.tensor(new Float32Array(H), [H]), { name: 'b' });
    const [, h] = tf.whileLoop(
      (i) => tf.less(i, T),
      (i, h) => [tf.add(i, 1), tf.tanh(tf.add(tf.add(tf.matmul(tf.gather(x, i), wx), tf.matmul(h, wh)), b))],
      [tf.constant(0, { dtype: 'int32' }), tf.zeros([B, H])],
    );
    const loss = tf.reduceMean(tf.square(h));
    const fetches = backward ? [loss, ...tf.gradients(loss, [wx, wh, b])] : [loss];
    return { g, x, fetches, init: tf.globalVariablesInitializer() };
  });
}

async function measureOurs(backward) {
  const m = build(backward);
  const sess = new tf.Session(m.g);
  await sess.run(m.init);
  const next = stream(2);
  const feeds = new Map([[m.x, tf.tensor(Float32Array.from({ length: T * B * I }, () => next() - 0.5), [T, B, I])]]);
  const run = sess.runSync ? async () => sess.runSync(m.fetches, feeds) : () => sess.run(m.fetches, feeds);
  for (let i = 0; i < 10; i++) await run();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) await run();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / ITERATIONS;
  await sess.close();
  return ms;
}

const PYTHON = `
import sys, time, numpy as np, tensorflow as tf
tf.compat.v1.disable_eager_execution()
backward, iterations = sys.argv[1] == '1', int(sys.argv[2])
T, B, H, I = ${T}, ${B}, ${H}, ${I}
rng = np.random.RandomState(0)
g = tf.Graph()
with g.as_default():
  x = tf.compat.v1.placeholder(tf.float32, [T, B, I])
  wx = tf.compat.v1.get_variable('wx', initializer=rng.uniform(-0.1, 0.1, (I, H)).astype(np.float32), use_resource=True)
  wh = tf.compat.v1.get_variable('wh', initializer=rng.uniform(-0.1, 0.1, (H, H)).astype(np.float32), use_resource=True)
  b = tf.compat.v1.get_variable('b', initializer=np.zeros(H, np.float32), use_resource=True)
  _, h = tf.while_loop(lambda i, h: i < T, lambda i, h: (i + 1, tf.tanh(tf.matmul(tf.gather(x, i), wx) + tf.matmul(h, wh) + b)),
                       [tf.constant(0), tf.zeros([B, H])])
  loss = tf.reduce_mean(tf.square(h))
  fetches = [loss] + tf.gradients(loss, [wx, wh, b]) if backward else [loss]
  feeds = {x: rng.uniform(-0.5, 0.5, (T, B, I)).astype(np.float32)}
  with tf.compat.v1.Session() as s:
    s.run(tf.compat.v1.global_variables_initializer())
    for _ in range(10): s.run(fetches, feeds)
    t0 = time.perf_counter()
    for _ in range(iterations): s.run(fetches, feeds)
    print((time.perf_counter() - t0) * 1000 / iterations)
`;

function measurePython(backward) {
  const r = spawnSync(process.env.PYTHON || 'python3', ['-c', PYTHON, backward ? '1' : '0', String(ITERATIONS)], {
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
  });
  if (r.status !== 0) {
    console.error(r.stderr);
    return NaN;
  }
  return Number(r.stdout.trim().split('\n').pop());
}

async function main() {
  const rows = [];
  for (const backward of [false, true]) {
    const ours = [];
    const python = [];
    for (let r = 0; r < ROUNDS; r++) {
      ours.push(await measureOurs(backward));
      python.push(measurePython(backward));
    }
    // On a shared machine the fastest round is the one least disturbed: both medians and minima are shown.
    const o = median(ours);
    const p = median(python);
    const oMin = Math.min(...ours);
    const pMin = Math.min(...python);
    const what = backward ? 'forward+backward' : 'forward';
    rows.push([`${what}: ours (tf.whileLoop)`, o, 'ms', `(fastest round ${fmt(oMin)} ms)`]);
    rows.push([`${what}: Python tf.while_loop`, p, 'ms', `(fastest round ${fmt(pMin)} ms); ours ${fmt(o / p)}x Python by medians, ` +
      `${fmt(oMin / pMin)}x by fastest rounds (goal <= 1.1x: ${o <= 1.1 * p ? 'met' : 'NOT met'})`]);
  }
  const how = `median of ${ROUNDS} interleaved runs of ${ITERATIONS} iterations`;
  table(`RNN over ${T} steps, batch ${B}, hidden ${H}, input ${I} (${how})`, rows);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
