// SPDX-License-Identifier: Apache-2.0
// Building 10,000 operations from TypeScript through g.ops (a chain of AddV2), against a C program that builds
// the same chain through the C API (bench/c/build_ops.c), and Python's tf.raw_ops in a tf.compat.v1 graph.
// Goal: under 10 µs per operation. Figures are medians over rounds that alternate C and Node, so that a
// busy machine slows both alike; CPU time per op is printed too.
'use strict';
const { spawnSync } = require('child_process');
const { median, table } = require('./util');
const { runC } = require('./c/build');
const tf = require('../dist');

const N = Number(process.env.BENCH_OPS || 10000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);

function cpuUs() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function buildNode(kind) {
  if (global.gc) global.gc(); // the previous round's graphs are collected here, not inside the timing
  const g = new tf.Graph();
  const x = g.placeholder('float32', [2, 2], 'x');
  let y = x;
  const t0 = process.hrtime.bigint();
  const c0 = cpuUs();
  if (kind === 'ops') {
    for (let i = 0; i < N; i++) y = g.ops.addV2(y, x);
  } else if (kind === 'native') {
    // The addon's own call, without the façade: the floor that g.ops builds on.
    // Inputs go as operation ids in an Int32Array spec (layout in native/graph.h): [output-count slot,
    // 2 input args, -1 (a single tensor) y's id, output 0, -1 x's id, output 0, 0 control inputs].
    const n = g._native;
    const spec = new Int32Array([0, 2, -1, y.op._id, 0, -1, x.op._id, 0, 0]);
    for (let i = 0; i < N; i++) spec[3] = n.addOperation('AddV2', i ? `AddV2_${i}` : 'AddV2', '', spec, undefined);
    y = { op: { name: `AddV2_${N - 1}` } };
  } else {
    for (let i = 0; i < N; i++) y = g.addOperation('AddV2', { inputs: [y, x] }).output(0);
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / N;
  const cpu = (cpuUs() - c0) / N;
  if (y.op.name !== `AddV2_${N - 1}` || g._native.numOperations() !== N + 1) {
    throw new Error(`built ${g.numOperations} operations, last ${y.op.name}`);
  }
  return { wall, cpu };
}

function python() {
  const script = `
import time, tensorflow as tf
g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [2, 2], name='x')
    y = x
    t = time.perf_counter()
    for _ in range(${N}):
        y = tf.raw_ops.AddV2(x=y, y=x)
    print((time.perf_counter() - t) / ${N} * 1e6)
`;
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' };
  const r = spawnSync(process.env.PYTHON || 'python3', ['-c', script], { encoding: 'utf8', env });
  return r.status === 0 ? Number(r.stdout.trim().split('\n').pop()) : undefined;
}

buildNode('ops'); // warm-up: library load, OpDef caches, JIT
buildNode('addOperation');
buildNode('native');
const c = [];
const ops = [];
const add = [];
const nat = [];
for (let r = 0; r < ROUNDS; r++) {
  c.push(runC('build_ops', [N]));
  ops.push(buildNode('ops'));
  add.push(buildNode('addOperation'));
  nat.push(buildNode('native'));
}
const py = process.env.BENCH_SKIP_PYTHON ? undefined : python();
const m = (rows, k) => median(rows.map((r) => r[k]));
const cWall = m(c, 'usPerOp');
const opsWall = m(ops, 'wall');
const rows = [
  ['C API (TF_NewOperation … TF_FinishOperation)', cWall, 'µs/op', `cpu ${m(c, 'cpuUsPerOp').toFixed(2)} µs`],
  [
    'g.ops.addV2(y, x)',
    opsWall,
    'µs/op',
    `cpu ${m(ops, 'cpu').toFixed(2)} µs; ${(opsWall / cWall).toFixed(2)}x C; goal < 10 µs: ${opsWall < 10 ? 'met' : 'NOT met'}`,
  ],
  ["g.addOperation('AddV2', …)", m(add, 'wall'), 'µs/op', `cpu ${m(add, 'cpu').toFixed(2)} µs; ${(m(add, 'wall') / cWall).toFixed(2)}x C`],
  [
    'addon addOperation alone (no façade)',
    m(nat, 'wall'),
    'µs/op',
    `cpu ${m(nat, 'cpu').toFixed(2)} µs; ${(m(nat, 'wall') / cWall).toFixed(2)}x C`,
  ],
];
if (py !== undefined) rows.push(['Python tf.raw_ops.AddV2 (tf.compat.v1 graph)', py, 'µs/op', `${(py / opsWall).toFixed(1)}x g.ops`]);
table(`Building ${N} operations (median of ${ROUNDS} rounds)`, rows);
