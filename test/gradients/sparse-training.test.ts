// SPDX-License-Identifier: Apache-2.0
// Training against Python TensorFlow: a word2vec-style embedding model (ResourceGather + sparse softmax
// cross-entropy) whose embedding gradient is IndexedSlices and is applied by the sparse kernels of every
// optimizer, and a small Deep-MNIST-like convolutional model trained with Adam. Same initial values and batches
// on both sides; losses and final weights must agree.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { lookupGradient } from '../../lib/gradients/registry';
import { describePython, runPython, tempDir } from '../helpers/python';

const VOCAB = 40;
const DIM = 6;
const BATCH = 12;
const STEPS = 5;
const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad'] as const;
type OptName = (typeof OPTIMIZERS)[number];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Python's gradient for the loss, registered here only where nothing has registered one yet (TensorFlow's C++
 * registry has none): the backprop of the loss output is its second output, scaled per example.
 */
function ensureSparseXentGradient(): void {
  if (lookupGradient('SparseSoftmaxCrossEntropyWithLogits') !== undefined) return;
  tf.registerGradient('SparseSoftmaxCrossEntropyWithLogits', (op, gradLoss) => {
    const g = op.graph;
    const dim = g.constant(-1, { dtype: 'int32', name: 'ExpandDims/dim' });
    const vec = g.addOperation('ExpandDims', { inputs: [gradLoss!, dim], attrs: { T: gradLoss!.dtype } }).output(0);
    const blocked = g.addOperation('PreventGradient', { inputs: [op.output(1)], attrs: { T: gradLoss!.dtype } }).output(0);
    return [g.addOperation('Mul', { inputs: [vec, blocked] }).output(0), null];
  });
}

function makeData() {
  const next = rng(7);
  const uniform = (n: number, scale: number) => Array.from({ length: n }, () => Math.fround(scale * (2 * next() - 1)));
  const int = (n: number, max: number) => Array.from({ length: n }, () => Math.floor(next() * max));
  return {
    emb: uniform(VOCAB * DIM, 0.5),
    w: uniform(DIM * VOCAB, 0.5),
    // Repeated ids within a batch check that duplicate rows add up as in Python.
    batches: Array.from({ length: STEPS }, () => ({ ids: int(BATCH, VOCAB / 4), labels: int(BATCH, VOCAB) })),
    img: uniform(8 * 8 * 4, 1),
    conv: uniform(3 * 3 * 1 * 4, 0.5),
    fc: uniform(4 * 4 * 4 * 10, 0.3),
    imgLabels: int(4, 10),
  };
}
type Data = ReturnType<typeof makeData>;

function optimizer(name: OptName): tf.train.Optimizer {
  switch (name) {
    case 'sgd': return new tf.train.GradientDescentOptimizer(0.5);
    case 'momentum': return new tf.train.MomentumOptimizer(0.2, 0.9);
    case 'adam': return new tf.train.AdamOptimizer(0.05);
    case 'rmsprop': return new tf.train.RMSPropOptimizer(0.05, { decay: 0.9, momentum: 0.5, epsilon: 1e-6 });
    default: return new tf.train.AdagradOptimizer(0.3);
  }
}

const PYTHON = String.raw`
import json, sys
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
d = json.load(open(sys.argv[1]))
V, D, B = ${VOCAB}, ${DIM}, ${BATCH}
def opt(name):
  t = tf.compat.v1.train
  return {'sgd': lambda: t.GradientDescentOptimizer(0.5), 'momentum': lambda: t.MomentumOptimizer(0.2, 0.9),
          'adam': lambda: t.AdamOptimizer(0.05), 'rmsprop': lambda: t.RMSPropOptimizer(0.05, decay=0.9, momentum=0.5, epsilon=1e-6),
          'adagrad': lambda: t.AdagradOptimizer(0.3)}[name]()
out = {}
for name in ${JSON.stringify(OPTIMIZERS)}:
  g = tf.Graph()
  with g.as_default():
    emb = tf.compat.v1.get_variable('emb', initializer=np.array(d['emb'], np.float32).reshape(V, D), use_resource=True)
    w = tf.compat.v1.get_variable('w', initializer=np.array(d['w'], np.float32).reshape(D, V), use_resource=True)
    ids = tf.compat.v1.placeholder(tf.int32, [B]); labels = tf.compat.v1.placeholder(tf.int32, [B])
    logits = tf.matmul(tf.nn.embedding_lookup(emb, ids), w)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    step = opt(name).minimize(loss)
    with tf.compat.v1.Session() as s:
      s.run(tf.compat.v1.global_variables_initializer())
      losses = []
      for b in d['batches']:
        losses.append(float(s.run(loss, {ids: b['ids'], labels: b['labels']})))
        s.run(step, {ids: b['ids'], labels: b['labels']})
      out[name] = {'losses': losses, 'emb': s.run(emb).ravel().tolist(), 'w': s.run(w).ravel().tolist()}
g = tf.Graph()
with g.as_default():
  x = tf.constant(np.array(d['img'], np.float32).reshape(4, 8, 8, 1))
  k = tf.compat.v1.get_variable('conv', initializer=np.array(d['conv'], np.float32).reshape(3, 3, 1, 4), use_resource=True)
  fc = tf.compat.v1.get_variable('fc', initializer=np.array(d['fc'], np.float32).reshape(64, 10), use_resource=True)
  h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, k, [1, 1, 1, 1], 'SAME')), 2, 2, 'VALID')
  logits = tf.matmul(tf.reshape(h, [4, 64]), fc)
  loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=d['imgLabels'], logits=logits))
  step = tf.compat.v1.train.AdamOptimizer(0.01).minimize(loss)
  with tf.compat.v1.Session() as s:
    s.run(tf.compat.v1.global_variables_initializer())
    losses = []
    for _ in range(${STEPS}):
      losses.append(float(s.run(loss))); s.run(step)
    out['mnist'] = {'losses': losses}
print(json.dumps(out))
`;

function expectClose(ours: ArrayLike<number>, theirs: number[], what: string): void {
  expect(ours.length).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    const tol = 1e-5 * Math.max(1, Math.abs(theirs[i]));
    if (!(Math.abs(ours[i] - theirs[i]) <= tol)) throw new Error(`${what}[${i}]: ours ${ours[i]}, Python ${theirs[i]}`);
  }
}

async function trainWord2vec(data: Data, name: OptName) {
  const g = new tf.Graph();
  const emb = g.variable(tf.tensor(data.emb, [VOCAB, DIM]), { name: 'emb' });
  const w = g.variable(tf.tensor(data.w, [DIM, VOCAB]), { name: 'w' });
  const ids = g.placeholder('int32', [BATCH], 'ids');
  const labels = g.placeholder('int32', [BATCH], 'labels');
  const rows = g.addOperation('ResourceGather', { inputs: [emb.handle, ids], attrs: { dtype: 'float32' } }).output(0);
  const logits = g.addOperation('MatMul', { inputs: [rows, w] }).output(0);
  const xent = g.addOperation('SparseSoftmaxCrossEntropyWithLogits', { inputs: [logits, labels] }).output(0);
  const loss = g.addOperation('Mean', { inputs: [xent, g.constant([0], { dtype: 'int32' })] }).output(0);
  const opt = optimizer(name);
  const pairs = opt.computeGradients(loss, [emb, w]);
  const step = opt.applyGradients(pairs);
  const sess = new tf.Session(g);
  await sess.run(tf.globalVariablesInitializer(g));
  const losses: number[] = [];
  for (const b of data.batches) {
    const feeds = { ids: tf.tensor(b.ids, [BATCH], 'int32'), labels: tf.tensor(b.labels, [BATCH], 'int32') };
    losses.push(((await sess.run(loss, feeds)) as tf.Tensor).item() as number);
    await sess.run(step, feeds);
  }
  const [e, wv] = (await sess.run([emb.value(), w.value()])) as tf.Tensor[];
  await sess.close();
  return { g, pairs, losses, emb: e.data() as Float32Array, w: wv.data() as Float32Array };
}

describePython('training against Python TensorFlow', () => {
  const data = makeData();
  let py: Record<string, { losses: number[]; emb?: number[]; w?: number[] }>;
  beforeAll(() => {
    ensureSparseXentGradient();
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'data.json');
      fs.writeFileSync(file, JSON.stringify(data));
      py = JSON.parse(runPython(PYTHON, [file], 300_000));
    } finally {
      tmp.cleanup();
    }
  }, 300_000);

  test.each(OPTIMIZERS)('word2vec-style embedding with %s: IndexedSlices, sparse kernels, Python\'s numbers', async (name) => {
    const { g, pairs, losses, emb, w } = await trainWord2vec(data, name);
    const [embGrad, wGrad] = pairs.map(([grad]) => grad);
    expect(embGrad).toBeInstanceOf(tf.IndexedSlices);
    expect(wGrad).toBeInstanceOf(tf.Output);
    const types = new Set(g.operations().map((o) => o.type));
    const sparseKernel = {
      sgd: 'ResourceScatterAdd',
      momentum: 'ResourceSparseApplyMomentum',
      adam: 'ResourceScatterAdd',
      rmsprop: 'ResourceSparseApplyRMSProp',
      adagrad: 'ResourceSparseApplyAdagrad',
    }[name];
    expect(types.has(sparseKernel)).toBe(true);
    expectClose(losses, py[name].losses, `${name} losses`);
    expectClose(emb, py[name].emb!, `${name} embedding`);
    expectClose(w, py[name].w!, `${name} w`);
  }, 120_000);

  test('a Deep-MNIST-like convolutional model trained with Adam: the losses step by step', async () => {
    const g = new tf.Graph();
    const x = g.constant(tf.tensor(data.img, [4, 8, 8, 1]));
    const k = g.variable(tf.tensor(data.conv, [3, 3, 1, 4]), { name: 'conv' });
    const fc = g.variable(tf.tensor(data.fc, [64, 10]), { name: 'fc' });
    const conv = g.addOperation('Conv2D', { inputs: [x, k], attrs: { strides: [1, 1, 1, 1], padding: 'SAME' } }).output(0);
    const relu = g.addOperation('Relu', { inputs: [conv] }).output(0);
    const poolAttrs = { ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'VALID' };
    const pool = g.addOperation('MaxPool', { inputs: [relu], attrs: poolAttrs }).output(0);
    const flat = g.addOperation('Reshape', { inputs: [pool, g.constant([4, 64], { dtype: 'int32' })] }).output(0);
    const logits = g.addOperation('MatMul', { inputs: [flat, fc] }).output(0);
    const labels = g.constant(tf.tensor(data.imgLabels, [4], 'int32'));
    const xent = g.addOperation('SparseSoftmaxCrossEntropyWithLogits', { inputs: [logits, labels] }).output(0);
    const loss = g.addOperation('Mean', { inputs: [xent, g.constant([0], { dtype: 'int32' })] }).output(0);
    const step = new tf.train.AdamOptimizer(0.01).minimize(loss);
    // The TypeScript driver built these (the loss has no C++ gradient): Python's gradient names.
    expect(g.operation('gradients/MatMul_grad/MatMul')).toBeDefined();
    expect(g.operation('gradients/Conv2D_grad/Conv2DBackpropFilter')).toBeDefined();
    const sess = new tf.Session(g);
    await sess.run(tf.globalVariablesInitializer(g));
    const losses: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      losses.push(((await sess.run(loss)) as tf.Tensor).item() as number);
      await sess.run(step);
    }
    await sess.close();
    expectClose(losses, py.mnist.losses, 'mnist losses');
  }, 120_000);
});
