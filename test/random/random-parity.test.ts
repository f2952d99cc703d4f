// SPDX-License-Identifier: Apache-2.0
// tf.random and g.ops random ops against Python: with the same graph and op seeds, the same nodes and the same
// numbers (Python's random_seed.get_seed).
import * as tf from '../../lib';
import { describePython } from '../helpers/python';
import { ProgramSummary, expectParity, runPythonPrograms, summarize } from '../helpers/python-parity';

const PROGRAMS = {
  seeded: {
    body: `
      v1.set_random_seed(1)
      tf.random.normal([4], seed=2, name='n')
      v1.random.uniform([2, 2], name='u')
      v1.random.truncated_normal([3], stddev=2., name='t')
      v1.random.uniform([3], maxval=10, dtype=tf.int32, name='ui')
      v1.random.uniform([3], minval=-1., maxval=3., seed=5, name='u2')
      tf.random.shuffle(tf.constant([1., 2., 3., 4.]), seed=7)
      v1.random.normal([2], name='n2')
    `,
    fetch: ['n:0', 'u/RandomUniform:0', 't:0', 'ui:0', 'u2:0', 'RandomShuffle:0', 'n2:0'],
  },
  opsSeeded: {
    body: `
      v1.set_random_seed(3)
      tf.random.normal([3], name='a')
      tf.random.normal([3], name='b')
    `,
    fetch: ['a:0', 'b:0'],
  },
};

function seeded(): tf.Graph {
  const g = new tf.Graph();
  g.asDefault(() => {
    tf.setRandomSeed(1);
    tf.random.normal([4], { seed: 2, name: 'n' });
    tf.random.uniform([2, 2], { name: 'u' });
    tf.random.truncatedNormal([3], { stddev: 2, name: 't' });
    tf.random.uniform([3], { maxval: 10, dtype: 'int32', name: 'ui' });
    tf.random.uniform([3], { minval: -1, maxval: 3, seed: 5, name: 'u2' });
    tf.random.shuffle(tf.constant([1, 2, 3, 4]), { seed: 7 });
    tf.random.normal([2], { name: 'n2' });
  });
  return g;
}

describePython('tf.random matches Python', () => {
  let python: Record<string, ProgramSummary>;
  beforeAll(() => {
    python = runPythonPrograms(PROGRAMS);
  });

  test('tf.random.* with graph and op seeds: same nodes and numbers', async () => {
    expectParity(await summarize(seeded(), PROGRAMS.seeded.fetch), python.seeded);
  });

  test('g.ops random ops take their seeds from the graph seed, as Python\'s random ops do', async () => {
    const g = new tf.Graph();
    g.seed = 3;
    // Python's tf.random.normal([3]) draws RandomStandardNormal with (3, 0) then (3, 1): the same here.
    const a = g.ops.randomStandardNormal([3], { dtype: 'float32' });
    const b = g.ops.randomStandardNormal([3], { dtype: 'float32' });
    expect(a.op.attr('seed')).toBe(3);
    expect([a.op.attr('seed2'), b.op.attr('seed2')]).toEqual([0, 1]);
    const s = new tf.Session(g);
    const [av, bv] = await s.run([a, b]);
    await s.close();
    const want = python.opsSeeded.values;
    Array.from(av.data() as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(want['a:0'][i], 5));
    Array.from(bv.data() as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(want['b:0'][i], 5));
  });

  test('without a graph seed g.ops random ops keep seed = seed2 = 0', () => {
    const g = new tf.Graph();
    const a = g.ops.randomUniform([2], { dtype: 'float32' });
    expect([a.op.attr('seed'), a.op.attr('seed2')]).toEqual([0, 0]);
  });
});
