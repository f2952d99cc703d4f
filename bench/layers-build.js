// SPDX-License-Identifier: Apache-2.0
// Graph construction of a ResNet-ish model: a stem conv, 9 residual blocks of two convs and a 1×1 head conv
// (20 conv layers), each followed by batch normalization in training mode (FusedBatchNormV3, moving-average
// assigns in UPDATE_OPS) and a ReLU, then global average pooling, a dense layer, sparse softmax cross-entropy
// and Momentum's minimize under the update ops. Ours with tf.layers against Python tf.compat.v1 building the
// same graph (get_variable + conv2d + fused batch norm + the same optimizer), in rounds that alternate the two
// so that a busy machine slows both alike. Goal: ours <= 0.2x Python's time (median of the rounds). Python times
// the second build of its process (the first pays lazy imports); ours likewise the second build of each round, and
// the first one, right after Python's process has run (cold caches and clocks), is printed too.
'use strict';
const { spawnSync } = require('child_process');
const { median, table, verdict } = require('./util');
const tf = require('../dist');

const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const BLOCKS = 9;
const WIDTH = 16;

function buildOurs() {
  const g = new tf.Graph();
  const t0 = process.hrtime.bigint();
  g.asDefault(() => {
    const x = tf.placeholder('float32', [null, 32, 32, 3], 'x');
    const labels = tf.placeholder('int64', [null], 'labels');
    const convBn = (h, filters, size, relu = true) => {
      const y = tf.layers.batchNormalization(tf.layers.conv2d(h, filters, size, { padding: 'same', useBias: false }), { training: true });
      return relu ? tf.nn.relu(y) : y;
    };
    let h = convBn(x, WIDTH, 3);
    for (let b = 0; b < BLOCKS; b++) h = tf.nn.relu(tf.add(h, convBn(convBn(h, WIDTH, 3), WIDTH, 3, false)));
    h = convBn(h, WIDTH, 1);
    const logits = tf.layers.dense(tf.reduceMean(h, { axis: [1, 2] }), 10);
    const loss = tf.losses.sparseSoftmaxCrossEntropy(labels, logits);
    tf.controlDependencies(g.getCollection(tf.GraphKeys.UPDATE_OPS), () => new tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss));
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, ops: g.operations().length, vars: g.globalVariables().length };
}

const PYTHON = String.raw`
import sys, time
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()
tf.compat.v1.enable_resource_variables()
v1 = tf.compat.v1
BLOCKS, WIDTH = ${BLOCKS}, ${WIDTH}

def conv_bn(h, filters, size, relu=True):
    with v1.variable_scope(None, default_name='conv2d'):
        k = v1.get_variable('kernel', [size, size, int(h.shape[-1]), filters], initializer=v1.glorot_uniform_initializer())
        y = tf.nn.conv2d(h, k, [1, 1, 1, 1], 'SAME')
    with v1.variable_scope(None, default_name='batch_normalization'):
        c = filters
        gamma = v1.get_variable('gamma', [c], initializer=v1.ones_initializer())
        beta = v1.get_variable('beta', [c], initializer=v1.zeros_initializer())
        mm = v1.get_variable('moving_mean', [c], initializer=v1.zeros_initializer(), trainable=False)
        mv = v1.get_variable('moving_variance', [c], initializer=v1.ones_initializer(), trainable=False)
        y, mean, var = v1.nn.fused_batch_norm(y, gamma, beta, epsilon=1e-3, is_training=True)
        for v, value in ((mm, mean), (mv, var)):
            with tf.name_scope('AssignMovingAvg'):
                v1.add_to_collection(v1.GraphKeys.UPDATE_OPS, v.assign_sub((v - value) * 0.01))
    return tf.nn.relu(y) if relu else y

def build():
    g = tf.Graph()
    t = time.perf_counter()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 32, 32, 3], name='x')
        labels = v1.placeholder(tf.int64, [None], name='labels')
        h = conv_bn(x, WIDTH, 3)
        for _ in range(BLOCKS):
            h = tf.nn.relu(h + conv_bn(conv_bn(h, WIDTH, 3), WIDTH, 3, False))
        h = conv_bn(h, WIDTH, 1)
        with v1.variable_scope('dense'):
            k = v1.get_variable('kernel', [WIDTH, 10]); b = v1.get_variable('bias', [10], initializer=v1.zeros_initializer())
            logits = tf.nn.bias_add(tf.matmul(tf.reduce_mean(h, [1, 2]), k), b)
        loss = v1.losses.sparse_softmax_cross_entropy(labels, logits)
        with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):
            v1.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
    return (time.perf_counter() - t) * 1e3, len(g.get_operations()), len(g.get_collection('variables'))

build()  # warm-up: lazy imports, op registries
ms, ops, nvars = build()
print(ms, ops, nvars)
`;

function buildPython() {
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' };
  const r = spawnSync(process.env.PYTHON || 'python3', ['-c', PYTHON], { encoding: 'utf8', env });
  if (r.status !== 0) return undefined;
  const [ms, ops, vars] = r.stdout.trim().split('\n').pop().split(' ').map(Number);
  return { ms, ops, vars };
}

buildOurs(); // warm-up: library load, OpDef caches, JIT
buildOurs();
const ours = [];
const cold = [];
const py = [];
const skipPython = Boolean(process.env.BENCH_SKIP_PYTHON);
for (let r = 0; r < ROUNDS; r++) {
  if (global.gc) global.gc(); // the previous round's graphs are collected here, not inside the timing
  cold.push(buildOurs());
  if (global.gc) global.gc();
  ours.push(buildOurs());
  if (!skipPython) {
    const p = buildPython();
    if (p) py.push(p);
  }
}
const oursMs = median(ours.map((r) => r.ms));
const rows = [
  [`ours: tf.layers (${ours[0].ops} ops, ${ours[0].vars} variables)`, oursMs, 'ms'],
  ['ours, first build of the round (after Python ran)', median(cold.map((r) => r.ms)), 'ms'],
];
if (py.length) {
  const pyMs = median(py.map((r) => r.ms));
  rows.push([`Python tf.compat.v1 (${py[0].ops} ops, ${py[0].vars} variables)`, pyMs, 'ms', verdict(oursMs / pyMs, 0.2)]);
}
table(`Building a ResNet-ish graph: 20 conv + batch-norm layers, dense, loss, Momentum minimize (median of ${ROUNDS} rounds)`, rows);
