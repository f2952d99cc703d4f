// SPDX-License-Identifier: Apache-2.0
// Learning-rate schedules and ExponentialMovingAverage in training, against Python: a decayed learning rate driven by
// the global step that minimize increments, and an EMA of the weights applied after each step with num_updates.
// From Python's checkpoint: same nodes, losses of 3 steps, learning rate, global step and shadow values after.
import * as tf from '../../lib';
import { describePython } from '../helpers/python';
import {
  TrainingProgram, TrainingResult, buildHere, expectTrainingParity, trainHere, trainInPython, withoutUseReads,
} from '../helpers/python-training';

const X = [[1, 2], [-1, 0.5], [0.3, -2], [2, 1]];
const T = [[1], [0], [-1], [2.5]];
const MODEL = `
      x = v1.placeholder(tf.float32, [4, 2], name='x'); t = v1.placeholder(tf.float32, [4, 1], name='t')
      w = v1.get_variable('w', [2, 1], initializer=v1.initializers.constant([[0.3], [-0.2]]))
      b = v1.get_variable('b', [1], initializer=v1.zeros_initializer())
      loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - t), name='loss')
`;

const PROGRAMS: Record<string, TrainingProgram> = {
  exponentialEma: {
    body: MODEL,
    train: `
      gs = v1.train.get_or_create_global_step()
      lr = v1.train.exponential_decay(0.1, gs, 1, 0.5, staircase=True)
      step = v1.train.MomentumOptimizer(lr, 0.5).minimize(loss, global_step=gs)
      ema = v1.train.ExponentialMovingAverage(0.9, num_updates=gs)
      with tf.control_dependencies([step]):
        train = ema.apply([w, b])
    `,
    after: ['ExponentialDecay:0', 'global_step', 'w', 'w/ExponentialMovingAverage', 'b/ExponentialMovingAverage'],
    feeds: { 'x:0': X, 't:0': T },
  },
  piecewiseCosine: {
    body: MODEL,
    train: `
      gs = v1.train.get_or_create_global_step()
      lr = tf.multiply(v1.train.piecewise_constant(gs, [1, 2], [0.1, 0.05, 0.02]), v1.train.cosine_decay(1.0, gs, 10, alpha=0.1),
        name='lr')
      train = v1.train.GradientDescentOptimizer(lr).minimize(loss, global_step=gs)
    `,
    after: ['lr:0', 'global_step', 'w', 'b'],
    feeds: { 'x:0': X, 't:0': T },
  },
};

function model(): tf.Output {
  const x = tf.placeholder('float32', [4, 2], 'x');
  const t = tf.placeholder('float32', [4, 1], 't');
  const w = tf.getVariable('w', { shape: [2, 1], initializer: tf.initializers.constant([[0.3], [-0.2]]) });
  const b = tf.getVariable('b', { shape: [1], initializer: tf.initializers.zeros() });
  // Python's operators name their ops 'add' and 'sub'.
  const err = tf.subtract(tf.add(tf.matmul(x, w), b, { name: 'add' }), t, { name: 'sub' });
  return tf.reduceMean(tf.square(err), { name: 'loss' });
}

describePython('tf.train schedules and ExponentialMovingAverage in training match Python from its checkpoint', () => {
  let python: Record<string, TrainingResult>;
  let cleanup: () => void;
  beforeAll(() => {
    ({ results: python, cleanup } = trainInPython(PROGRAMS));
  });
  afterAll(() => cleanup?.());

  test('exponentialDecay (staircase) on the global step, Momentum, EMA with numUpdates after each step', async () => {
    const ours = buildHere(model, (g, loss) => {
      const gs = tf.train.getOrCreateGlobalStep(g);
      const lr = tf.train.exponentialDecay(0.1, gs, 1, 0.5, { staircase: true });
      const step = new tf.train.MomentumOptimizer(lr, 0.5).minimize(loss, { globalStep: gs });
      const ema = new tf.train.ExponentialMovingAverage(0.9, { numUpdates: gs });
      return tf.controlDependencies([step], () => ema.apply(g.trainableVariables()));
    });
    const result = await trainHere(ours, PROGRAMS.exponentialEma, python.exponentialEma, { 'x:0': X, 't:0': T });
    // allNodes: the shadows' initial values read their variables through initialized_value(), whose cond has another
    // shape here than Python's (lib/variables); the shadow variables, their names and values are the same.
    expectTrainingParity(result, python.exponentialEma, { allNodes: false });
    expect(result.after.global_step).toEqual([3]);
  });

  test('piecewiseConstant × cosineDecay as the learning rate of GradientDescent', async () => {
    const ours = buildHere(model, (g, loss) => {
      const gs = tf.train.getOrCreateGlobalStep(g);
      const lr = tf.multiply(tf.train.piecewiseConstant(gs, [1, 2], [0.1, 0.05, 0.02]), tf.train.cosineDecay(1, gs, 10, { alpha: 0.1 }),
        { name: 'lr' });
      return new tf.train.GradientDescentOptimizer(lr).minimize(loss, { globalStep: gs });
    });
    const result = await trainHere(ours, PROGRAMS.piecewiseCosine, python.piecewiseCosine, { 'x:0': X, 't:0': T });
    expectTrainingParity(result, python.piecewiseCosine, { allNodes: false });
    // PiecewiseConstant is built from Selects here, from a tf.case in Python: same values, other nodes.
    const lrNodes = (nodes: Array<[string, string]>) => nodes.filter(([n]) => /^(CosineDecay|lr)(\/|$)/.test(n));
    expect(withoutUseReads(lrNodes(result.nodes))).toEqual(withoutUseReads(lrNodes(python.piecewiseCosine.nodes)));
  });
});
