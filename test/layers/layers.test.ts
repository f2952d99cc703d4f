// SPDX-License-Identifier: Apache-2.0
// tf.layers (TF 1.15's names and defaults; Python 2.21 has no tf.compat.v1.layers to compare with): variable and
// node names, collections, and forward values against the same computation written with tf.nn (whose ops are
// checked against Python in test/nn).
import * as tf from '../../lib';

async function run(g: tf.Graph, fetches: tf.Output[], feeds: Record<string, number[][] | tf.Tensor> = {}): Promise<number[][]> {
  const s = new tf.Session(g);
  try {
    await s.run(tf.globalVariablesInitializer(g));
    const r = await s.run(fetches, feeds);
    return r.map((t) => Array.from(t.data() as Float32Array));
  } finally {
    await s.close();
  }
}

function expectClose(a: number[], b: number[], tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));
}

describe('tf.layers', () => {
  test('dense: TF 1.15 variable and node names, uniquified per call, and x·W + b', async () => {
    const g = new tf.Graph();
    const [y1, y2, ref] = g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 3], 'x');
      const a = tf.layers.dense(x, 4, { activation: 'relu' });
      const b = tf.layers.dense(a, 2, { useBias: false });
      const [k, bias] = g.trainableVariables();
      return [a, b, tf.nn.relu(tf.nn.biasAdd(tf.matmul(x, k), bias))];
    });
    expect(g.globalVariables().map((v) => v.name)).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel']);
    expect(g.globalVariables().map((v) => v.shape)).toEqual([[3, 4], [4], [4, 2]]);
    expect([y1.op.name, y1.op.inputs[0].op.name, y2.op.name]).toEqual(['dense/Relu', 'dense/BiasAdd', 'dense_1/MatMul']);
    const [a, r] = await run(g, [y1, ref], { 'x:0': [[1, 2, 3], [-1, 0.5, 2]] });
    expectClose(a, r);
  });

  test('dense with reuse shares variables; another input size on reuse is an error naming the variable', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [2, 3], 'x');
      tf.layers.dense(x, 4, { name: 'fc' });
      tf.layers.dense(x, 4, { name: 'fc', reuse: true });
      expect(g.globalVariables().map((v) => v.name)).toEqual(['fc/kernel', 'fc/bias']);
      expect(() => tf.layers.dense(tf.placeholder('float32', [2, 5]), 4, { name: 'fc', reuse: true })).toThrow(/fc\/kernel/);
      expect(() => tf.layers.dense(x, 4, { activation: 'swishy' })).toThrow(/unknown activation "swishy"/);
      expect(() => tf.layers.dense(tf.placeholder('float32', [null]), 4)).toThrow(/rank at least 2/);
    });
  });

  test('conv2d, pooling, flatten: names and values as tf.nn computes them', async () => {
    const g = new tf.Graph();
    const img = Array.from({ length: 2 * 6 * 6 * 2 }, (_, i) => Math.cos(i));
    const [y, ref, p, f] = g.asDefault(() => {
      const x = tf.reshape(tf.placeholder('float32', [144], 'x'), [2, 6, 6, 2]);
      const c = tf.layers.conv2d(x, 3, 3, { padding: 'same', activation: tf.nn.tanh, biasInitializer: tf.initializers.constant(0.5) });
      const [k, b] = g.trainableVariables();
      const pooled = tf.layers.maxPooling2d(c, 2, 2);
      return [c, tf.tanh(tf.nn.biasAdd(tf.nn.conv2d(x, k, 1, 'SAME'), b)), pooled, tf.layers.flatten(tf.layers.averagePooling2d(c, 2, 2))];
    });
    expect(g.globalVariables().map((v) => [v.name, v.shape])).toEqual([['conv2d/kernel', [3, 3, 2, 3]], ['conv2d/bias', [3]]]);
    expect(y.op.name).toBe('conv2d/Tanh');
    expect(p.op.name).toBe('max_pooling2d/MaxPool');
    expect(p.shape).toEqual([2, 3, 3, 3]);
    expect(f.shape).toEqual([2, 27]);
    const [a, r] = await run(g, [y, ref], { 'x:0': tf.tensor(Float32Array.from(img), [144]) as never });
    expectClose(a, r);
    expect(() => g.asDefault(() => tf.layers.conv2d(tf.placeholder('float32', [2, 3]), 1, 1))).toThrow(/rank 4/);
    expect(() => g.asDefault(() => tf.layers.conv2d(tf.placeholder('float32', [1, 4, 4, 1]), 1, 1,
      { padding: 'full' as 'same' }))).toThrow(/padding/);
  });

  test('batchNormalization: variables, FusedBatchNormV3, UPDATE_OPS moving averages in training', async () => {
    const g = new tf.Graph();
    const data = Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => (i % 7) - 2);
    const [y, ref, updates] = g.asDefault(() => {
      const x = tf.reshape(tf.constant(data), [2, 2, 2, 3]);
      const out = tf.layers.batchNormalization(x, { training: true, momentum: 0.9 });
      const [mean, variance] = tf.nn.moments(x, [0, 1, 2]);
      return [out, tf.nn.batchNormalization(x, mean, variance, null, null, 1e-3), g.getCollection<tf.Output>(tf.GraphKeys.UPDATE_OPS)];
    });
    expect(g.globalVariables().map((v) => v.name)).toEqual(['batch_normalization/gamma', 'batch_normalization/beta',
      'batch_normalization/moving_mean', 'batch_normalization/moving_variance']);
    expect(g.trainableVariables().map((v) => v.name)).toEqual(['batch_normalization/gamma', 'batch_normalization/beta']);
    expect(y.op.type).toBe('FusedBatchNormV3');
    expect(updates).toHaveLength(2);
    const [a, r, movingMean] = await run(g, [y, ref, updates[0]]);
    expectClose(a, r, 1e-4);
    // moving_mean = 0 - (0 - batchMean) * 0.1
    const means = [0, 1, 2].map((c) => data.filter((_, i) => i % 3 === c).reduce((s, v) => s + v, 0) / 8);
    expectClose(movingMean, means.map((m) => 0.1 * m));
  });

  test('kernelRegularizer feeds REGULARIZATION_LOSSES, summed by losses.getRegularizationLoss and getTotalLoss', async () => {
    const g = new tf.Graph();
    const [reg, total, manual] = g.asDefault(() => {
      const x = tf.placeholder('float32', [2, 3], 'x');
      tf.layers.dense(x, 2, { kernelRegularizer: (w) => tf.multiply(tf.nn.l2Loss(w), 0.5), kernelInitializer: tf.initializers.ones() });
      tf.layers.dense(x, 2, { kernelRegularizer: (w) => tf.reduceSum(tf.abs(w)), kernelInitializer: tf.initializers.constant(2) });
      expect(g.getCollection(tf.GraphKeys.REGULARIZATION_LOSSES)).toHaveLength(2);
      const r = tf.losses.getRegularizationLoss();
      expect(r.op.name).toBe('total_regularization_loss');
      return [r, tf.losses.getTotalLoss(), tf.constant(0.5 * 0.5 * 6 + 2 * 6)];
    });
    const [a, b, c] = await run(g, [reg, total, manual]);
    expectClose(a, c);
    expectClose(b, c);
  });

  test('dropout: Identity unless training', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [4, 4], 'x');
      expect(tf.layers.dropout(x).op.name).toBe('dropout/Identity');
      expect(tf.layers.dropout(x, { training: true, rate: 0.3 }).op.type).toBe('SelectV2');
    });
  });
});
