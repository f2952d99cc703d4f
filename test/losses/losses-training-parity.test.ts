// SPDX-License-Identifier: Apache-2.0
// Every tf.losses loss trained against Python: one linear model feeds all the losses (with weights, label smoothing
// and reductions), their sum is getTotalLoss, and 3 gradient-descent steps from Python's checkpoint must give the
// same losses: the gradients of each loss's composite ops, not only its forward value, match Python's.
import * as tf from '../../lib';
import { describePython } from '../helpers/python';
import { TrainingProgram, TrainingResult, buildHere, expectTrainingParity, trainHere, trainInPython } from '../helpers/python-training';

const X = [[1, -0.5, 2], [0.3, 0.8, -1], [-1.2, 0.1, 0.4], [0.5, 0.5, 0.5]];
const LABELS = [1, 3, 0, 2];
const TARGET = [[0.1, 0.9, 0.3, 0.2], [0.7, 0.2, 0.05, 0.6], [0.5, 0.5, 0.5, 0.5], [0.9, 0.1, 0.2, 0.3]];

const PROGRAMS: Record<string, TrainingProgram> = {
  all: {
    body: `
      x = v1.placeholder(tf.float32, [4, 3], name='x'); lb = v1.placeholder(tf.int64, [4], name='lb')
      t = v1.placeholder(tf.float32, [4, 4], name='t')
      w = v1.get_variable('w', [3, 4], initializer=v1.initializers.random_normal(stddev=0.5, seed=1))
      b = v1.get_variable('b', [4], initializer=v1.initializers.constant(0.1))
      logits = tf.nn.bias_add(tf.matmul(x, w), b); p = tf.nn.sigmoid(logits); oh = tf.one_hot(lb, 4)
      L = v1.losses; R = L.Reduction
      L.sparse_softmax_cross_entropy(lb, logits, weights=tf.constant([1., 0.5, 2., 1.]))
      L.softmax_cross_entropy(oh, logits, label_smoothing=0.1)
      L.sigmoid_cross_entropy(oh, logits, weights=0.5, label_smoothing=0.2)
      L.mean_squared_error(t, p, reduction=R.SUM_OVER_BATCH_SIZE)
      L.absolute_difference(t, p, weights=tf.constant([[1.], [0.], [1.], [2.]]))
      L.hinge_loss(oh, logits, reduction=R.MEAN)
      L.huber_loss(t, logits, delta=0.5, reduction=R.SUM)
      L.log_loss(t, p)
      loss = L.get_total_loss()
    `,
    train: `train = v1.train.GradientDescentOptimizer(0.2).minimize(loss, global_step=v1.train.get_or_create_global_step())`,
    // huber_loss has reduction SUM: its last node is Sum, not value.
    fetch: ['total_loss:0', 'huber_loss/Sum:0', ...['sparse_softmax_cross_entropy_loss', 'softmax_cross_entropy_loss',
      'sigmoid_cross_entropy_loss', 'mean_squared_error', 'absolute_difference', 'hinge_loss', 'log_loss'].map((s) => `${s}/value:0`)],
    after: ['w', 'b', 'global_step'],
    feeds: { 'x:0': X, 'lb:0': LABELS, 't:0': TARGET },
    feedTypes: { 'lb:0': 'int64' },
    steps: 3,
  },
};

describePython('tf.losses: training every loss matches Python from its checkpoint', () => {
  let python: Record<string, TrainingResult>;
  let cleanup: () => void;
  beforeAll(() => {
    ({ results: python, cleanup } = trainInPython(PROGRAMS));
  });
  afterAll(() => cleanup?.());

  test('all losses, weights, label smoothing and reductions: nodes, LOSSES, values and 3 gradient-descent steps', async () => {
    const ours = buildHere(() => {
      const x = tf.placeholder('float32', [4, 3], 'x');
      const lb = tf.placeholder('int64', [4], 'lb');
      const t = tf.placeholder('float32', [4, 4], 't');
      const w = tf.getVariable('w', { shape: [3, 4], initializer: tf.initializers.randomNormal({ stddev: 0.5, seed: 1 }) });
      const b = tf.getVariable('b', { shape: [4], initializer: tf.initializers.constant(0.1) });
      const logits = tf.nn.biasAdd(tf.matmul(x, w), b);
      const p = tf.nn.sigmoid(logits);
      const oh = tf.oneHot(lb, 4);
      const L = tf.losses;
      const R = L.Reduction;
      L.sparseSoftmaxCrossEntropy(lb, logits, { weights: tf.constant([1, 0.5, 2, 1]) });
      L.softmaxCrossEntropy(oh, logits, { labelSmoothing: 0.1 });
      L.sigmoidCrossEntropy(oh, logits, { weights: 0.5, labelSmoothing: 0.2 });
      L.meanSquaredError(t, p, { reduction: R.SUM_OVER_BATCH_SIZE });
      L.absoluteDifference(t, p, { weights: tf.constant([[1], [0], [1], [2]]) });
      L.hingeLoss(oh, logits, { reduction: R.MEAN });
      L.huberLoss(t, logits, { delta: 0.5, reduction: R.SUM });
      L.logLoss(t, p);
      return L.getTotalLoss();
    }, (g, loss) => new tf.train.GradientDescentOptimizer(0.2).minimize(loss, { globalStep: tf.train.getOrCreateGlobalStep(g) }));
    const result = await trainHere(ours, PROGRAMS.all, python.all, { 'x:0': X, 't:0': TARGET,
      'lb:0': tf.tensor(LABELS.map(BigInt), [4], 'int64') });
    expectTrainingParity(result, python.all);
    expect(result.collections.losses).toEqual(python.all.collections.losses);
    expect(result.collections.losses).toHaveLength(8);
  });
});
