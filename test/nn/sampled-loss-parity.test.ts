// SPDX-License-Identifier: Apache-2.0
// tf.nn.nceLoss and sampledSoftmaxLoss against Python: with the same graph seed and op seeds, the log-uniform
// sampler draws the same classes, and the per-example losses match.
import * as tf from '../../lib';
import { describePython } from '../helpers/python';
import { ProgramSummary, expectParity, runPythonPrograms, summarize } from '../helpers/python-parity';

const PROGRAMS = {
  sampled: {
    body: `
      v1.set_random_seed(5)
      w = v1.get_variable('w', [20, 4], initializer=v1.initializers.random_normal(seed=1))
      b = v1.get_variable('b', [20], initializer=v1.initializers.random_normal(seed=2))
      x = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4) / 10.)
      y = tf.constant([[1], [5], [7]], dtype=tf.int64)
      tf.identity(v1.nn.nce_loss(w, b, y, x, 5, 20), name='nce')
      tf.identity(v1.nn.sampled_softmax_loss(w, b, y, x, 5, 20, seed=4), name='ssm')
      tf.identity(v1.nn.nce_loss(w, b, y, x, 6, 20, remove_accidental_hits=True), name='nce_hits')
    `,
    fetch: ['nce:0', 'ssm:0', 'nce_hits:0'],
  },
};

describePython('tf.nn sampled losses match Python', () => {
  let python: Record<string, ProgramSummary>;
  beforeAll(() => {
    python = runPythonPrograms(PROGRAMS);
  });

  test('nceLoss and sampledSoftmaxLoss: same sampled classes, same losses', async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      tf.setRandomSeed(5);
      const w = tf.getVariable('w', { shape: [20, 4], initializer: tf.initializers.randomNormal({ seed: 1 }) });
      const b = tf.getVariable('b', { shape: [20], initializer: tf.initializers.randomNormal({ seed: 2 }) });
      const x = tf.constant(Float32Array.from({ length: 12 }, (_, i) => Math.fround(i / 10)), { shape: [3, 4] });
      const y = tf.constant([[1n], [5n], [7n]]);
      tf.identity(tf.nn.nceLoss({ weights: w, biases: b, labels: y, inputs: x, numSampled: 5, numClasses: 20 }), { name: 'nce' });
      tf.identity(tf.nn.sampledSoftmaxLoss({ weights: w, biases: b, labels: y, inputs: x, numSampled: 5, numClasses: 20, seed: 4 }),
        { name: 'ssm' });
      tf.identity(tf.nn.nceLoss({ weights: w, biases: b, labels: y, inputs: x, numSampled: 6, numClasses: 20, removeAccidentalHits: true }),
        { name: 'nce_hits' });
    });
    expectParity(await summarize(g, PROGRAMS.sampled.fetch), python.sampled, { nodes: false, rtol: 1e-4 });
  });

  test('labels of the wrong shape are refused', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const w = tf.constant(0, { shape: [20, 4] });
      const x = tf.placeholder('float32', [3, 4]);
      expect(() => tf.nn.nceLoss({ weights: w, biases: tf.zeros([20]), labels: tf.placeholder('int64', [3]), inputs: x, numSampled: 2,
        numClasses: 20 }))
        .toThrow(/labels must have shape \[3, 1\]/);
    });
  });
});
