// SPDX-License-Identifier: Apache-2.0
// tf.train schedules and ExponentialMovingAverage against Python tf.compat.v1.train: node names (exponential
// decay), values at several steps, EMA shadow names, collections and values after an update.
import * as tf from '../../lib';
import { describePython } from '../helpers/python';
import { ProgramSummary, expectParity, runPythonPrograms, summarize } from '../helpers/python-parity';

const STEPS = [0, 7, 25, 150, 1000];
const SCHEDULES = `
  T = v1.train
  out = [T.exponential_decay(0.1, step, 100, 0.96), T.exponential_decay(0.1, step, 10, 0.5, staircase=True),
         T.inverse_time_decay(0.1, step, 10, 0.5), T.inverse_time_decay(0.1, step, 10, 0.5, staircase=True),
         T.polynomial_decay(0.1, step, 100), T.polynomial_decay(0.1, step, 20, end_learning_rate=0.01, power=2., cycle=True),
         T.cosine_decay(0.1, step, 100), T.cosine_decay(0.1, step, 100, alpha=0.2),
         T.piecewise_constant(step, [10, 100], [1., .5, .1])]
  for i, o in enumerate(out): tf.identity(o, name='s%d' % i)
`;

const PROGRAMS: Record<string, { body: string; fetch: string[]; feeds?: Record<string, unknown>; feedTypes?: Record<string, string> }> = {
  names: {
    body: `
      step = v1.placeholder(tf.int64, [], name='step')
      v1.train.exponential_decay(0.1, step, 100, 0.96, staircase=True)
      v1.train.inverse_time_decay(0.1, step, 10, 0.5)
    `,
    fetch: ['ExponentialDecay:0', 'InverseTimeDecay:0'],
    feeds: { 'step:0': 250 },
    feedTypes: { 'step:0': 'int64' },
  },
  ema: {
    body: `
      w = v1.get_variable('w', initializer=tf.constant([1., 2.]))
      b = v1.get_variable('b', initializer=tf.constant([5.]))
      gs = v1.train.get_or_create_global_step()
      ema = v1.train.ExponentialMovingAverage(0.99, num_updates=gs)
      with tf.control_dependencies([w.assign([3., 6.])]):
        op = ema.apply([w, b])
      with tf.control_dependencies([op]):
        tf.identity(ema.average(w).read_value(), name='after')
      v1.add_to_collection('restore', sorted(ema.variables_to_restore().keys()))
    `,
    fetch: ['after:0'],
  },
};
STEPS.forEach((s) => {
  PROGRAMS[`at${s}`] = {
    body: `\n  step = v1.placeholder(tf.int64, [], name='step')${SCHEDULES}`,
    fetch: Array.from({ length: 9 }, (_, i) => `s${i}:0`),
    feeds: { 'step:0': s },
    feedTypes: { 'step:0': 'int64' },
  };
});

function schedules(g: tf.Graph): void {
  g.asDefault(() => {
    const step = tf.placeholder('int64', [], 'step');
    const T = tf.train;
    const out = [T.exponentialDecay(0.1, step, 100, 0.96), T.exponentialDecay(0.1, step, 10, 0.5, { staircase: true }),
      T.inverseTimeDecay(0.1, step, 10, 0.5), T.inverseTimeDecay(0.1, step, 10, 0.5, { staircase: true }),
      T.polynomialDecay(0.1, step, 100), T.polynomialDecay(0.1, step, 20, { endLearningRate: 0.01, power: 2.5 - 0.5, cycle: true }),
      T.cosineDecay(0.1, step, 100), T.cosineDecay(0.1, step, 100, { alpha: 0.2 }),
      T.piecewiseConstant(step, [10, 100], [1, 0.5, 0.1])];
    out.forEach((o, i) => tf.identity(o, { name: `s${i}` }));
  });
}

describePython('tf.train schedules and ExponentialMovingAverage match Python', () => {
  let python: Record<string, ProgramSummary>;
  beforeAll(() => {
    python = runPythonPrograms(PROGRAMS);
  });

  test('exponentialDecay and inverseTimeDecay build Python\'s nodes', async () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const step = tf.placeholder('int64', [], 'step');
      tf.train.exponentialDecay(0.1, step, 100, 0.96, { staircase: true });
      tf.train.inverseTimeDecay(0.1, step, 10, 0.5);
    });
    expectParity(await summarize(g, PROGRAMS.names.fetch, { 'step:0': tf.tensor([250n], [], 'int64') }), python.names);
  });

  test.each(STEPS)('every schedule at step %d', async (s) => {
    const g = new tf.Graph();
    schedules(g);
    const key = `at${s}`;
    expectParity(await summarize(g, PROGRAMS[key].fetch, { 'step:0': tf.tensor([BigInt(s)], [], 'int64') }), python[key], { nodes: false });
  });

  test('ExponentialMovingAverage: shadow names, collections, variablesToRestore and the updated value', async () => {
    const g = new tf.Graph();
    let ema!: tf.train.ExponentialMovingAverage;
    g.asDefault(() => {
      const w = tf.getVariable('w', { initializer: tf.constant([1, 2]) });
      const b = tf.getVariable('b', { initializer: tf.constant([5]) });
      ema = new tf.train.ExponentialMovingAverage(0.99, { numUpdates: tf.train.getOrCreateGlobalStep(g) });
      const op = tf.controlDependencies([w.assign([3, 6]) as tf.Output], () => ema.apply([w, b]));
      tf.controlDependencies([op], () => tf.identity(ema.average(w)!.readValue(), { name: 'after' }));
      expect(ema.averageName(w)).toBe('w/ExponentialMovingAverage');
    });
    const ours = await summarize(g, ['after:0']);
    expectParity(ours, python.ema, { nodes: false });
    expect(ours.collections.moving_average_variables).toEqual(python.ema.collections.moving_average_variables);
    expect(Object.keys(ema.variablesToRestore()).sort()).toEqual(JSON.parse(python.ema.collections.restore[0].replace(/'/g, '"')));
  });
});
