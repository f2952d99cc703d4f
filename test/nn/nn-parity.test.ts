// SPDX-License-Identifier: Apache-2.0
// tf.nn against Python: the same programs give the same nodes (names, op types) and forward values.
import * as tf from '../../lib';
import { describePython } from '../helpers/python';
import { ProgramSummary, expectParity, runPythonPrograms, summarize } from '../helpers/python-parity';

const IMG = Array.from({ length: 2 * 4 * 4 * 3 }, (_, i) => Math.sin(i) * 2);
const LOGITS = [[1, 2, 0.5, -1, 0], [0.1, -2, 3, 0.2, 1], [2, 2, 2, 2, 2], [-1, 0, 1, 2, 3]];
const feeds = () => ({ 'x:0': tf.tensor(Float32Array.from(IMG), [96]), 'lg:0': LOGITS, 'lb:0': tf.tensor([1n, 2n, 0n, 4n], [4],
  'int64') });
const pyFeeds = { 'x:0': IMG, 'lg:0': LOGITS, 'lb:0': [1, 2, 0, 4] };

const PROGRAMS = {
  nn: {
    body: `
      x = tf.reshape(v1.placeholder(tf.float32, [96], name='x'), [2, 4, 4, 3])
      w = tf.constant(np.arange(108, dtype=np.float32).reshape([3, 3, 3, 4]) / 100.); b = tf.ones([4])
      tf.nn.relu(x); tf.nn.relu6(x); tf.nn.elu(x); tf.nn.selu(x); tf.nn.leaky_relu(x); tf.nn.softplus(x)
      tf.nn.softmax(x); tf.nn.log_softmax(x)
      y = tf.nn.conv2d(x, w, [1, 1, 1, 1], 'SAME'); tf.nn.bias_add(y, b)
      v1.nn.conv2d_transpose(y, w, [2, 4, 4, 3], [1, 1, 1, 1], 'SAME'); tf.nn.depthwise_conv2d(x, tf.ones([3, 3, 3, 2]), [1, 1, 1, 1],
        'VALID')
      v1.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID'); tf.nn.max_pool2d(x, 2, 2, 'VALID'); v1.nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2,
        1], 'VALID')
      tf.nn.avg_pool2d(x, 2, 2, 'SAME')
      m, v = tf.nn.moments(x, [0, 1, 2]); tf.nn.batch_normalization(x, m, v, None, None, 1e-3)
      tf.nn.batch_normalization(x, m, v, tf.zeros([3]), tf.multiply(tf.ones([3]), 2.), 1e-3, name='bn2')
      v1.nn.fused_batch_norm(x, tf.ones([3]), tf.zeros([3]))
      tf.nn.l2_loss(x); tf.nn.l2_normalize(x, axis=1)
    `,
    fetch: ['Relu:0', 'Elu:0', 'Selu:0', 'LeakyRelu:0', 'Softplus:0', 'Softmax:0', 'LogSoftmax:0', 'BiasAdd:0', 'conv2d_transpose:0',
      'depthwise:0', 'MaxPool:0', 'MaxPool2d:0', 'AvgPool:0', 'AvgPool2D:0', 'moments/Squeeze:0', 'moments/Squeeze_1:0',
      'batchnorm/add_1:0',
      'bn2/add_1:0', 'FusedBatchNormV3:0', 'FusedBatchNormV3:1', 'L2Loss:0', 'l2_normalize:0'],
    feeds: pyFeeds,
    feedTypes: { 'lb:0': 'int64' },
  },
  xent: {
    body: `
      lg = v1.placeholder(tf.float32, [4, 5], name='lg'); lb = v1.placeholder(tf.int64, [4], name='lb')
      tf.nn.softmax_cross_entropy_with_logits(labels=tf.one_hot(lb, 5), logits=lg)
      tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lb, logits=lg)
      tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.nn.sigmoid(tf.multiply(lg, 0.5)), logits=lg)
      tf.nn.top_k(lg, 2); v1.nn.in_top_k(lg, lb, 2)
      emb = v1.get_variable('emb', [10, 3], initializer=v1.initializers.random_normal(seed=1))
      tf.nn.embedding_lookup(emb, [1, 2]); tf.nn.embedding_lookup(emb, lb)
    `,
    fetch: ['softmax_cross_entropy_with_logits/Reshape_2:0', 'SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits:0',
      'logistic_loss:0', 'TopKV2:0', 'TopKV2:1', 'in_top_k/InTopKV2:0', 'embedding_lookup/Identity:0', 'embedding_lookup_1/Identity:0'],
    feeds: pyFeeds,
    feedTypes: { 'lb:0': 'int64' },
  },
  dropout: {
    body: `
      v1.set_random_seed(1)
      x = tf.reshape(tf.constant(np.arange(1, 13, dtype=np.float32)), [3, 4])
      v1.nn.dropout(x, rate=0.5, seed=3)
      tf.nn.dropout(x, rate=0.25)
      tf.nn.dropout(x, rate=0.5, noise_shape=[3, 1], seed=4)
    `,
    fetch: ['dropout/SelectV2:0', 'dropout_1/SelectV2:0', 'dropout_2/SelectV2:0'],
  },
};

function nnGraph(): tf.Graph {
  const g = new tf.Graph();
  g.asDefault(() => {
    const x = tf.reshape(tf.placeholder('float32', [96], 'x'), [2, 4, 4, 3]);
    const w = tf.constant(tf.tensor(Float32Array.from({ length: 108 }, (_, i) => Math.fround(i / 100)), [3, 3, 3, 4]));
    const b = tf.ones([4]);
    tf.nn.relu(x); tf.nn.relu6(x); tf.nn.elu(x); tf.nn.selu(x); tf.nn.leakyRelu(x); tf.nn.softplus(x);
    tf.nn.softmax(x); tf.nn.logSoftmax(x);
    const y = tf.nn.conv2d(x, w, [1, 1, 1, 1], 'SAME'); tf.nn.biasAdd(y, b);
    tf.nn.conv2dTranspose(y, w, [2, 4, 4, 3], [1, 1, 1, 1], 'SAME'); tf.nn.depthwiseConv2d(x, tf.ones([3, 3, 3, 2]), [1, 1, 1, 1], 'VALID');
    tf.nn.maxPool(x, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID'); tf.nn.maxPool2d(x, 2, 2, 'VALID'); tf.nn.avgPool(x, [1, 2, 2, 1], [1, 2, 2, 1],
      'VALID');
    tf.nn.avgPool2d(x, 2, 2, 'SAME');
    const [m, v] = tf.nn.moments(x, [0, 1, 2]); tf.nn.batchNormalization(x, m, v, null, null, 1e-3);
    tf.nn.batchNormalization(x, m, v, tf.zeros([3]), tf.multiply(tf.ones([3]), 2), 1e-3, { name: 'bn2' });
    tf.nn.fusedBatchNorm(x, tf.ones([3]), tf.zeros([3]));
    tf.nn.l2Loss(x); tf.nn.l2Normalize(x, { axis: 1 });
  });
  return g;
}

function xentGraph(): tf.Graph {
  const g = new tf.Graph();
  g.asDefault(() => {
    const lg = tf.placeholder('float32', [4, 5], 'lg');
    const lb = tf.placeholder('int64', [4], 'lb');
    tf.nn.softmaxCrossEntropyWithLogits({ labels: tf.oneHot(lb, 5), logits: lg });
    tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: lb, logits: lg });
    tf.nn.sigmoidCrossEntropyWithLogits({ labels: tf.nn.sigmoid(tf.multiply(lg, 0.5)), logits: lg });
    tf.nn.topK(lg, 2); tf.nn.inTopK(lg, lb, 2);
    const emb = tf.getVariable('emb', { shape: [10, 3], initializer: tf.initializers.randomNormal({ seed: 1 }) });
    tf.nn.embeddingLookup(emb, [1, 2]); tf.nn.embeddingLookup(emb, lb);
  });
  return g;
}

describePython('tf.nn matches Python', () => {
  let python: Record<string, ProgramSummary>;
  beforeAll(() => {
    python = runPythonPrograms(PROGRAMS);
  });

  test('activations, convolutions, pools, moments and batch normalization', async () => {
    expectParity(await summarize(nnGraph(), PROGRAMS.nn.fetch, feeds()), python.nn, { rtol: 1e-4 });
  });

  test('dropout with graph and op seeds: Python\'s nodes and Python\'s mask', async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      tf.setRandomSeed(1);
      const x = tf.reshape(tf.constant(Float32Array.from({ length: 12 }, (_, i) => i + 1)), [3, 4]);
      tf.nn.dropout(x, { rate: 0.5, seed: 3 });
      tf.nn.dropout(x, { rate: 0.25 });
      tf.nn.dropout(x, { rate: 0.5, noiseShape: [3, 1], seed: 4 });
    });
    expectParity(await summarize(g, PROGRAMS.dropout.fetch), python.dropout);
  });

  test('cross-entropies, top-k and embedding lookup', async () => {
    expectParity(await summarize(xentGraph(), PROGRAMS.xent.fetch, feeds()), python.xent);
  });
});

describe('tf.nn errors', () => {
  test('wrong ranks, mismatched label/logit shapes and unknown paddings name the argument', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [2, 3], 'x');
      const img = tf.placeholder('float32', [1, 4, 4, 1], 'img');
      expect(() => tf.nn.conv2d(x, tf.ones([1, 1, 1, 1]), 1, 'SAME')).toThrow(/nn.conv2d: input must have rank 4/);
      expect(() => tf.nn.conv2d(img, tf.ones([1, 1, 1, 1]), 1, 'FULL' as 'SAME'))
        .toThrow(/padding must be 'SAME' or 'VALID', but received "FULL"/);
      expect(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.placeholder('int32', [3]), logits: x }))
        .toThrow(/shape mismatch: the shape of labels \(received \(3,\)\) should equal the shape of logits except/);
      expect(() => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.placeholder('int32', [2, 3]),
        logits: x })).toThrow(/rank mismatch/);
      expect(() => tf.nn.softmaxCrossEntropyWithLogits({ labels: tf.placeholder('float32', [2, 4]),
        logits: x })).toThrow(/labels shape \(2, 4\) must equal logits shape \(2, 3\)/);
      expect(() => tf.nn.dropout(x, { rate: 1 })).toThrow(RangeError);
    });
  });

  test('dropout keeps values scaled by 1 / (1 - rate) and zeroes the rest', async () => {
    const g = new tf.Graph();
    const y = g.asDefault(() => tf.nn.dropout(tf.ones([1000]), { rate: 0.25, seed: 1 }));
    const s = new tf.Session(g);
    const [v] = await s.run([y]);
    await s.close();
    const data = Array.from(v.data() as Float32Array);
    expect(data.every((d) => d === 0 || Math.abs(d - 4 / 3) < 1e-6)).toBe(true);
    const kept = data.filter((d) => d > 0).length;
    expect(kept).toBeGreaterThan(650);
    expect(kept).toBeLessThan(850);
  });
});
