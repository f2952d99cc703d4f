// SPDX-License-Identifier: Apache-2.0
// Training steps of a small tf.nn conv net (conv2d, bias_add, relu, max_pool, moments + batch_normalization, seeded
// dropout, sparse softmax cross-entropy, l2_loss) and of an embedding model (embedding_lookup, sigmoid cross-entropy,
// softmax), from the checkpoint Python saved: same nodes, values and losses for 3 Momentum / Adam steps.
import * as tf from '../../lib';
import { describePython } from '../helpers/python';
import { TrainingProgram, TrainingResult, buildHere, expectTrainingParity, trainHere, trainInPython } from '../helpers/python-training';

const IMG = Array.from({ length: 4 * 6 * 6 * 2 }, (_, i) => Math.fround(Math.sin(i * 0.7) * 1.5));
const LABELS = [0, 2, 1, 2];

const PROGRAMS: Record<string, TrainingProgram> = {
  conv: {
    body: `
      v1.set_random_seed(7)
      x = tf.reshape(v1.placeholder(tf.float32, [288], name='x'), [4, 6, 6, 2]); y = v1.placeholder(tf.int64, [4], name='y')
      w = v1.get_variable('w', [3, 3, 2, 4], initializer=v1.initializers.truncated_normal(stddev=0.3, seed=1))
      b = v1.get_variable('b', [4], initializer=v1.initializers.constant(0.1))
      h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, [1, 1, 1, 1], 'SAME'), b))
      h = v1.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID')
      mean, var = tf.nn.moments(h, [0, 1, 2])
      h = tf.nn.batch_normalization(h, mean, var, None, None, 1e-3)
      h = v1.nn.dropout(h, rate=0.25, seed=5)
      w2 = v1.get_variable('w2', [36, 3], initializer=v1.initializers.random_normal(stddev=0.2, seed=2))
      logits = tf.matmul(tf.reshape(h, [4, 36]), w2)
      xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
      loss = tf.add(tf.reduce_mean(xent), tf.multiply(1e-3, tf.nn.l2_loss(w)), name='loss')
    `,
    train: `train = v1.train.MomentumOptimizer(0.1, 0.9).minimize(loss)`,
    fetch: ['loss:0', 'Relu:0', 'batchnorm/add_1:0', 'dropout/SelectV2:0'],
    after: ['w', 'b', 'w2', 'w/Momentum'],
    feeds: { 'x:0': IMG, 'y:0': LABELS },
    feedTypes: { 'y:0': 'int64' },
  },
  embedding: {
    body: `
      ids = v1.placeholder(tf.int64, [4], name='ids'); t = v1.placeholder(tf.float32, [4, 3], name='t')
      emb = v1.get_variable('emb', [10, 5], initializer=v1.initializers.random_normal(seed=3))
      proj = v1.get_variable('proj', [5, 3], initializer=v1.initializers.glorot_uniform(seed=4))
      e = tf.nn.l2_normalize(tf.nn.embedding_lookup(emb, ids), axis=1)
      logits = tf.matmul(tf.nn.elu(e), proj)
      loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.nn.softmax(t), logits=logits), name='loss')
    `,
    train: `train = v1.train.AdamOptimizer(0.05).minimize(loss)`,
    fetch: ['loss:0'],
    after: ['emb', 'proj', 'emb/Adam'],
    feeds: { 'ids:0': [1, 7, 1, 3], 't:0': [[1, 0, 2], [0.5, 0.5, 0], [3, 1, 0], [0, 0, 1]] },
    feedTypes: { 'ids:0': 'int64' },
  },
};

describePython('tf.nn training steps match Python from its checkpoint', () => {
  let python: Record<string, TrainingResult>;
  let cleanup: () => void;
  beforeAll(() => {
    ({ results: python, cleanup } = trainInPython(PROGRAMS));
  });
  afterAll(() => cleanup?.());

  test('conv net: conv2d, max_pool, moments, batch_normalization, seeded dropout, sparse xent, l2_loss; Momentum', async () => {
    const ours = buildHere(() => {
      const x = tf.reshape(tf.placeholder('float32', [288], 'x'), [4, 6, 6, 2]);
      const y = tf.placeholder('int64', [4], 'y');
      const w = tf.getVariable('w', { shape: [3, 3, 2, 4], initializer: tf.initializers.truncatedNormal({ stddev: 0.3, seed: 1 }) });
      const b = tf.getVariable('b', { shape: [4], initializer: tf.initializers.constant(0.1) });
      let h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, w, [1, 1, 1, 1], 'SAME'), b));
      h = tf.nn.maxPool(h, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID');
      const [mean, variance] = tf.nn.moments(h, [0, 1, 2]);
      h = tf.nn.batchNormalization(h, mean, variance, null, null, 1e-3);
      h = tf.nn.dropout(h, { rate: 0.25, seed: 5 });
      const w2 = tf.getVariable('w2', { shape: [36, 3], initializer: tf.initializers.randomNormal({ stddev: 0.2, seed: 2 }) });
      const logits = tf.matmul(tf.reshape(h, [4, 36]), w2);
      const xent = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: y, logits });
      return tf.add(tf.reduceMean(xent), tf.multiply(1e-3, tf.nn.l2Loss(w)), { name: 'loss' });
    }, (_g, loss) => new tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss), 7);
    const result = await trainHere(ours, PROGRAMS.conv, python.conv, { 'x:0': tf.tensor(Float32Array.from(IMG), [288]),
      'y:0': tf.tensor(LABELS.map(BigInt), [4], 'int64') });
    expectTrainingParity(result, python.conv);
  });

  test('embedding model: embedding_lookup, l2_normalize, elu, sigmoid xent of a softmax; Adam', async () => {
    const ours = buildHere(() => {
      const ids = tf.placeholder('int64', [4], 'ids');
      const t = tf.placeholder('float32', [4, 3], 't');
      const emb = tf.getVariable('emb', { shape: [10, 5], initializer: tf.initializers.randomNormal({ seed: 3 }) });
      const proj = tf.getVariable('proj', { shape: [5, 3], initializer: tf.initializers.glorotUniform({ seed: 4 }) });
      const e = tf.nn.l2Normalize(tf.nn.embeddingLookup(emb, ids), { axis: 1 });
      const logits = tf.matmul(tf.nn.elu(e), proj);
      return tf.reduceMean(tf.nn.sigmoidCrossEntropyWithLogits({ labels: tf.nn.softmax(t), logits }), { name: 'loss' });
    }, (_g, loss) => new tf.train.AdamOptimizer(0.05).minimize(loss));
    const feeds = PROGRAMS.embedding.feeds as { 't:0': number[][] };
    const result = await trainHere(ours, PROGRAMS.embedding, python.embedding, { 'ids:0': tf.tensor([1n, 7n, 1n, 3n], [4], 'int64'),
      't:0': feeds['t:0'] });
    // Adam's sparse update (lib/train/sparse-updates.ts) names its arithmetic 'Sub'/'Mul' where Python's _apply_sparse
    // writes 'sub'/'mul' and reads m_t through an Identity: same values, other names (left to the optimizers' owners).
    expectTrainingParity(result, python.embedding);
  });
});
