// SPDX-License-Identifier: Apache-2.0
// tf.losses against Python tf.compat.v1.losses: the node names and op types of every loss (weights as Python converts them,
// label smoothing, each reduction), the LOSSES collection, getTotalLoss, and the values.
import * as tf from '../../lib';
import { describePython } from '../helpers/python';
import { ProgramSummary, expectParity, runPythonPrograms, summarize } from '../helpers/python-parity';

const LOGITS = [[1, 2, 0.5, -1, 0], [0.1, -2, 3, 0.2, 1], [2, 2, 2, 2, 2], [-1, 0, 1, 2, 3]];
const PRED = [[0.1, 0.9, 0.3, 0.2, 0.5], [0.7, 0.2, 0.05, 0.6, 0.4], [0.5, 0.5, 0.5, 0.5, 0.5], [0.9, 0.1, 0.2, 0.3, 0.99]];
const pyFeeds = { 'lg:0': LOGITS, 'lb:0': [1, 2, 0, 4], 'pr:0': PRED };
const feeds = () => ({ 'lg:0': LOGITS, 'lb:0': tf.tensor([1n, 2n, 0n, 4n], [4], 'int64'), 'pr:0': PRED });

const PROGRAMS = {
  sparse: {
    body: `
      lg = v1.placeholder(tf.float32, [4, 5], name='lg'); lb = v1.placeholder(tf.int64, [4], name='lb')
      v1.losses.sparse_softmax_cross_entropy(lb, lg)
      v1.losses.get_total_loss()
    `,
    fetch: ['sparse_softmax_cross_entropy_loss/value:0', 'total_loss:0'],
    feeds: pyFeeds,
    feedTypes: { 'lb:0': 'int64' },
  },
  values: {
    body: `
      lg = v1.placeholder(tf.float32, [4, 5], name='lg'); lb = v1.placeholder(tf.int64, [4], name='lb'); pr = v1.placeholder(tf.float32,
        [4, 5], name='pr')
      oh = tf.one_hot(lb, 5)
      R = v1.losses.Reduction
      out = [
        v1.losses.softmax_cross_entropy(oh, lg), v1.losses.softmax_cross_entropy(oh, lg, label_smoothing=0.1, reduction=R.MEAN),
        v1.losses.sparse_softmax_cross_entropy(lb, lg, weights=tf.constant([1., 0., 2., 1.])),
        v1.losses.sigmoid_cross_entropy(oh, lg), v1.losses.mean_squared_error(oh, pr), v1.losses.absolute_difference(oh, pr,
          reduction=R.SUM),
        v1.losses.hinge_loss(oh, lg, reduction=R.SUM_OVER_BATCH_SIZE), v1.losses.huber_loss(oh, lg, delta=0.5), v1.losses.log_loss(oh, pr),
        v1.losses.mean_squared_error(oh, pr, reduction=R.NONE, loss_collection=None),
        v1.losses.sigmoid_cross_entropy(oh, lg, label_smoothing=0.2), v1.losses.mean_squared_error(oh, pr, weights=2.0,
          reduction=R.SUM_OVER_BATCH_SIZE), v1.losses.log_loss(oh, pr, weights=tf.constant([[1.], [0.], [2.], [1.]])),
      ]
      for i, o in enumerate(out): tf.identity(o, name='out%d' % i)
      v1.losses.get_total_loss(name='total')
    `,
    fetch: [...Array.from({ length: 13 }, (_, i) => `out${i}:0`), 'total:0'],
    feeds: pyFeeds,
    feedTypes: { 'lb:0': 'int64' },
  },
};

describePython('tf.losses matches Python', () => {
  let python: Record<string, ProgramSummary>;
  beforeAll(() => {
    python = runPythonPrograms(PROGRAMS);
  });

  test('sparseSoftmaxCrossEntropy: same nodes, LOSSES collection and values', async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const lg = tf.placeholder('float32', [4, 5], 'lg');
      const lb = tf.placeholder('int64', [4], 'lb');
      tf.losses.sparseSoftmaxCrossEntropy(lb, lg);
      tf.losses.getTotalLoss();
    });
    const ours = await summarize(g, PROGRAMS.sparse.fetch, feeds());
    expectParity(ours, python.sparse);
    expect(ours.collections.losses).toEqual(python.sparse.collections.losses);
  });

  test('every loss and reduction gives Python\'s node names (…/value, …/num_present, …/xentropy) and values', async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const lg = tf.placeholder('float32', [4, 5], 'lg');
      const lb = tf.placeholder('int64', [4], 'lb');
      const pr = tf.placeholder('float32', [4, 5], 'pr');
      const oh = tf.oneHot(lb, 5);
      const R = tf.losses.Reduction;
      const out = [
        tf.losses.softmaxCrossEntropy(oh, lg), tf.losses.softmaxCrossEntropy(oh, lg, { labelSmoothing: 0.1, reduction: R.MEAN }),
        tf.losses.sparseSoftmaxCrossEntropy(lb, lg, { weights: tf.constant([1, 0, 2, 1]) }),
        tf.losses.sigmoidCrossEntropy(oh, lg), tf.losses.meanSquaredError(oh, pr), tf.losses.absoluteDifference(oh, pr,
          { reduction: R.SUM }),
        tf.losses.hingeLoss(oh, lg, { reduction: R.SUM_OVER_BATCH_SIZE }), tf.losses.huberLoss(oh, lg,
          { delta: 0.5 }), tf.losses.logLoss(oh, pr),
        tf.losses.meanSquaredError(oh, pr, { reduction: R.NONE, lossCollection: null }),
        tf.losses.sigmoidCrossEntropy(oh, lg, { labelSmoothing: 0.2 }), tf.losses.meanSquaredError(oh, pr, { weights: 2,
          reduction: R.SUM_OVER_BATCH_SIZE }), tf.losses.logLoss(oh, pr, { weights: tf.constant([[1], [0], [2], [1]]) }),
      ];
      out.forEach((o, i) => tf.identity(o, { name: `out${i}` }));
      tf.losses.getTotalLoss({ name: 'total' });
    });
    const ours = await summarize(g, PROGRAMS.values.fetch, feeds());
    expectParity(ours, python.values);
    const names = ours.nodes.map(([n]) => n);
    for (const n of ['softmax_cross_entropy_loss/value', 'softmax_cross_entropy_loss/labels_stop_gradient', 'mean_squared_error/value',
      'hinge_loss/value', 'huber_loss/value', 'log_loss/value', 'sigmoid_cross_entropy_loss/xentropy', 'absolute_difference/Sum',
      'mean_squared_error_2/num_elements/Cast', 'log_loss_1/num_present']) expect(names).toContain(n);
    expect(ours.collections.losses).toEqual(python.values.collections.losses);
  });
});

describe('tf.losses errors', () => {
  test('mismatched shapes, bad weights and unknown reductions are refused', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const a = tf.placeholder('float32', [4, 5]);
      const b = tf.placeholder('float32', [4, 3]);
      expect(() => tf.losses.meanSquaredError(a, b)).toThrow(/shapes of predictions \[4,3\] and labels \[4,5\] are incompatible/);
      expect(() => tf.losses.meanSquaredError(a, a, { weights: tf.constant([1, 2, 3]) })).toThrow(/weights can not be broadcast/);
      expect(() => tf.losses.meanSquaredError(a, a, { reduction: 'avg' })).toThrow(/Invalid reduction "avg"/);
      expect(() => tf.losses.getTotalLoss({ graph: new tf.Graph() })).toThrow(/no losses/);
    });
  });
});
