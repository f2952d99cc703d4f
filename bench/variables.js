// SPDX-License-Identifier: Apache-2.0
// Variables and MetaGraphDefs: µs per getVariable (in its own variable scope, glorot-uniform, 11 operations
// each) against Python tf.compat.v1 with resource variables building the same graph in the same run, and
// exportMetaGraph / importMetaGraph against the GraphDef export / import they wrap (toGraphDef,
// importGraphDef) on that graph. Figures are medians over rounds.
'use strict';
const { spawnSync } = require('child_process');
const { median, table } = require('./util');
const tf = require('../dist');

const N = Number(process.env.BENCH_VARS || 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);

function build() {
  const g = new tf.Graph();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) g.variableScope(`layer${i}`, () => g.getVariable('w', { shape: [4, 4] }));
  const us = Number(process.hrtime.bigint() - t0) / 1000 / N;
  if (g.globalVariables().length !== N || g.numOperations !== 11 * N) throw new Error(`built ${g.numOperations} operations`);
  return { g, us };
}

function ms(fn) {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, r];
}

function python() {
  const script = `
import time, tensorflow as tf
tf.compat.v1.disable_v2_behavior()
tf.compat.v1.enable_resource_variables()
best = []
for r in range(${ROUNDS}):
    g = tf.Graph()
    with g.as_default():
        t0 = time.perf_counter()
        for i in range(${N}):
            with tf.compat.v1.variable_scope('layer%d' % i):
                tf.compat.v1.get_variable('w', [4, 4])
        best.append((time.perf_counter() - t0) / ${N} * 1e6)
        assert len(g.get_operations()) == 11 * ${N}, len(g.get_operations())
best.sort()
print(best[len(best) // 2])
`;
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' };
  const r = spawnSync(process.env.PYTHON || 'python3', ['-c', script], { encoding: 'utf8', env });
  if (r.status !== 0) return undefined;
  return Number(r.stdout.trim().split('\n').pop());
}

function main() {
  const buildUs = [];
  const exportMs = [];
  const graphDefMs = [];
  const importMs = [];
  const importGraphDefMs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { g, us } = build();
    buildUs.push(us);
    graphDefMs.push(ms(() => g.toGraphDef())[0]);
    const [e, meta] = ms(() => g.exportMetaGraph());
    exportMs.push(e);
    const graphDef = g.toGraphDef();
    importGraphDefMs.push(ms(() => new tf.Graph().importGraphDef(graphDef))[0]);
    importMs.push(ms(() => new tf.Graph().importMetaGraph(meta))[0]);
  }
  const py = python();
  const ours = median(buildUs);
  table(`getVariable, ${N} variables (${11 * N} operations), median of ${ROUNDS}`, [
    ['node-libtensorflow', ours, 'µs/var'],
    [
      'Python tf.compat.v1 (same graph, same run)',
      py ?? NaN,
      'µs/var',
      py ? `ratio ${(ours / py).toFixed(2)}x` : '(Python TensorFlow not installed)',
    ],
  ]);
  table('MetaGraphDef on that graph, median', [
    ['g.toGraphDef()', median(graphDefMs), 'ms'],
    ['g.exportMetaGraph()', median(exportMs), 'ms', `ratio ${(median(exportMs) / median(graphDefMs)).toFixed(2)}x of toGraphDef`],
    ['g.importGraphDef(graphDef)', median(importGraphDefMs), 'ms'],
    [
      'g.importMetaGraph(metaGraphDef)',
      median(importMs),
      'ms',
      `ratio ${(median(importMs) / median(importGraphDefMs)).toFixed(2)}x of importGraphDef`,
    ],
  ]);
}

main();
