// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../lib';
import { DEFAULT_GRAPH_SEED, getSeed } from '../../lib/graph/random-seed';

const I = tf.initializers;

/** Runs initializer `init` for `shape` in a fresh graph and returns the values (and the graph). */
async function draw(
  init: tf.Initializer,
  shape: number[],
  dtype: tf.DType = 'float32',
  seed?: number,
): Promise<{ values: number[]; g: tf.Graph; out: tf.Output }> {
  const g = new tf.Graph();
  if (seed !== undefined) g.seed = seed;
  const out = init(shape, dtype, g);
  const sess = new tf.Session(g);
  const t = await sess.run(out);
  await sess.close();
  expect(t.shape).toEqual(shape);
  expect(t.dtype).toBe(dtype);
  return { values: Array.from(t.data() as ArrayLike<number | bigint>, Number), g, out };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

describe('getSeed (Python random_seed.get_seed)', () => {
  test('graph and op seeds', () => {
    const g = new tf.Graph();
    expect(getSeed(g)).toEqual([0, 0]);
    expect(getSeed(g, 5)).toEqual([DEFAULT_GRAPH_SEED, 5]);
    g.seed = 42;
    expect(getSeed(g)).toEqual([42, 0]);
    expect(getSeed(g)).toEqual([42, 1]);
    expect(getSeed(g, 9)).toEqual([42, 9]);
    expect(getSeed(g)).toEqual([42, 2]);
    g.seed = 0;
    expect(getSeed(g, 0)).toEqual([0, 2 ** 31 - 1]);
    g.seed = 2 ** 31 + 5;
    expect(getSeed(g, -1)).toEqual([6, 2 ** 31 - 2]);
    expect(() => getSeed(g, 1.5)).toThrow(TypeError);
  });
});

describe('initializers', () => {
  test('zeros and ones: a Const below 1000 elements, a Fill above, any dtype', async () => {
    const small = await draw(I.zeros(), [2, 3]);
    expect(small.values).toEqual([0, 0, 0, 0, 0, 0]);
    expect(small.out.op.type).toBe('Const');
    expect(small.out.op.name).toBe('zeros');
    const big = await draw(I.ones(), [40, 30]);
    expect(big.values.every((v) => v === 1)).toBe(true);
    expect(big.out.op.type).toBe('Fill');
    expect(big.g.operations().map((o) => o.name)).toEqual(['ones/shape_as_tensor', 'ones/Const', 'ones']);
    expect((await draw(I.ones(), [3], 'int64')).values).toEqual([1, 1, 1]);
    expect((await draw(I.zeros(), [2], 'bool')).values).toEqual([0, 0]);
    expect((await draw(I.ones(), [2], 'float16')).values).toEqual([0x3c00, 0x3c00]);
    expect(() => I.ones()([2], 'string', new tf.Graph())).toThrow(/no value for a string dtype/);
  });

  test('constant: scalars fill, short lists repeat their last value, long ones are an error', async () => {
    expect((await draw(I.constant(3), [2, 2])).values).toEqual([3, 3, 3, 3]);
    expect((await draw(I.constant([1, 2, 3, 4]), [2, 3])).values).toEqual([1, 2, 3, 4, 4, 4]);
    expect((await draw(I.constant([[1, 2], [3, 4]]), [2, 2], 'int32')).values).toEqual([1, 2, 3, 4]);
    expect((await draw(I.constant(tf.tensor([5, 6])), [2])).values).toEqual([5, 6]);
    expect(() => I.constant([1, 2, 3])([2], 'float32', new tf.Graph())).toThrow('Too many elements provided. Takes at most 2, but got 3.');
    expect(() => I.constant([1, 2], { verifyShape: true })([1, 2], 'float32', new tf.Graph())).toThrow(/Expected Tensor's shape: \[1,2\], but got \[2\]/);
    expect(() => I.constant({} as never)).toThrow(TypeError);
  });

  test('randomNormal and truncatedNormal draw with their mean and stddev', async () => {
    const n = await draw(I.randomNormal({ mean: 3, stddev: 2, seed: 1 }), [20000]);
    expect(mean(n.values)).toBeCloseTo(3, 1);
    expect(std(n.values)).toBeCloseTo(2, 1);
    expect(n.g.operations().map((o) => o.name)).toEqual([
      'random_normal/shape', 'random_normal/mean', 'random_normal/stddev', 'random_normal/RandomStandardNormal',
      'random_normal/mul', 'random_normal',
    ]);
    const t = await draw(I.truncatedNormal({ mean: -1, stddev: 0.5, seed: 2 }), [20000]);
    expect(Math.min(...t.values)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...t.values)).toBeLessThanOrEqual(0);
    expect(mean(t.values)).toBeCloseTo(-1, 1);
    expect((await draw(I.randomNormal({ seed: 1 }), [3], 'float64')).values).toHaveLength(3);
    expect(() => I.randomNormal({ dtype: 'int32' })).toThrow(/needs a floating point dtype/);
    expect(() => I.randomNormal()([2], 'int32', new tf.Graph())).toThrow(/needs a floating point dtype/);
  });

  test('randomUniform: [minval, maxval), floats and integers', async () => {
    const u = await draw(I.randomUniform({ minval: 2, maxval: 5, seed: 3 }), [10000]);
    expect(Math.min(...u.values)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...u.values)).toBeLessThan(5);
    expect(mean(u.values)).toBeCloseTo(3.5, 1);
    const i = await draw(I.randomUniform({ minval: 0, maxval: 3, seed: 3 }), [1000], 'int32');
    expect(new Set(i.values)).toEqual(new Set([0, 1, 2]));
    expect(i.out.op.type).toBe('RandomUniformInt');
    expect(i.out.op.name).toBe('random_uniform');
    expect(() => I.randomUniform()([2], 'int32', new tf.Graph())).toThrow(/Must specify maxval for integer dtype int32/);
  });

  test('variance scaling: glorot, he and lecun limits follow the fans', async () => {
    // glorotUniform on [20, 30]: limit sqrt(6 / (20 + 30)).
    const gu = await draw(I.glorotUniform({ seed: 1 }), [20, 30]);
    const limit = Math.sqrt(6 / 50);
    expect(Math.max(...gu.values.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...gu.values.map(Math.abs))).toBeGreaterThan(limit * 0.9);
    // heUniform on a conv kernel [3, 3, 4, 8]: fan_in 3*3*4.
    const hu = await draw(I.heUniform({ seed: 2 }), [3, 3, 4, 8]);
    expect(Math.max(...hu.values.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 36));
    const hn = await draw(I.heNormal({ seed: 3 }), [100, 100]);
    expect(std(hn.values)).toBeCloseTo(Math.sqrt(2 / 100), 2);
    const gn = await draw(I.glorotNormal({ seed: 4 }), [100, 300]);
    expect(std(gn.values)).toBeCloseTo(Math.sqrt(2 / 400), 2);
    const ln = await draw(I.lecunUniform({ seed: 4 }), [50, 10]);
    expect(Math.max(...ln.values.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(3 / 50));
    const vs = await draw(I.varianceScaling({ scale: 4, mode: 'fan_out', distribution: 'untruncated_normal', seed: 5 }), [10, 100]);
    expect(std(vs.values)).toBeCloseTo(Math.sqrt(4 / 100), 2);
    expect(() => I.varianceScaling({ mode: 'fan' as never })).toThrow(TypeError);
    expect(() => I.varianceScaling({ scale: 0 })).toThrow(RangeError);
  });

  test('orthogonal: orthonormal rows or columns, times gain', async () => {
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
    const { values } = await draw(I.orthogonal({ seed: 1 }), [6, 4]);
    const cols = [0, 1, 2, 3].map((j) => [0, 1, 2, 3, 4, 5].map((i) => values[i * 4 + j]));
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) expect(dot(cols[a], cols[b])).toBeCloseTo(a === b ? 1 : 0, 5);
    const wide = await draw(I.orthogonal({ seed: 2, gain: 3 }), [2, 5]);
    const rows = [0, 1].map((i) => wide.values.slice(i * 5, i * 5 + 5));
    expect(dot(rows[0], rows[0])).toBeCloseTo(9, 4);
    expect(dot(rows[0], rows[1])).toBeCloseTo(0, 4);
    expect(() => I.orthogonal()([3], 'float32', new tf.Graph())).toThrow(/must be at least two-dimensional/);
  });

  test('seeds: an op seed repeats across graphs; a graph seed makes the whole graph repeat', async () => {
    const a = await draw(I.randomNormal({ seed: 7 }), [5]);
    const b = await draw(I.randomNormal({ seed: 7 }), [5]);
    const c = await draw(I.randomNormal({ seed: 8 }), [5]);
    expect(b.values).toEqual(a.values);
    expect(c.values).not.toEqual(a.values);
    const graphSeeded = async () => {
      const g = new tf.Graph();
      g.seed = 1234;
      const x = g.getVariable('x', { shape: [4] });
      const y = g.getVariable('y', { shape: [4] });
      const sess = new tf.Session(g);
      await sess.run(tf.globalVariablesInitializer(g));
      const r = (await sess.run([x, y])).map((t) => Array.from(t.data() as Float32Array));
      await sess.close();
      return r;
    };
    const [x1, y1] = await graphSeeded();
    const [x2, y2] = await graphSeeded();
    expect(x2).toEqual(x1);
    expect(y2).toEqual(y1);
    expect(y1).not.toEqual(x1);
  });

  test('config and argument checks', () => {
    expect(I.randomNormal({ seed: 3, stddev: 2 }).config)
      .toMatchObject({ name: 'RandomNormal', mean: 0, stddev: 2, seed: 3, dtype: 'float32' });
    expect(I.glorotUniform().config).toMatchObject({ name: 'GlorotUniform', scale: 1, mode: 'fan_avg', distribution: 'uniform' });
    expect(() => I.randomNormal({ seed: 1.5 })).toThrow(TypeError);
    expect(() => I.randomNormal({ stddev: 'x' as never })).toThrow(TypeError);
    expect(() => I.zeros()([2, -1], 'float32', new tf.Graph())).toThrow(RangeError);
    expect(() => I.zeros()([2], 'float32', {} as never)).toThrow(TypeError);
    expect(() => I.zeros()([2], 'nope' as never, new tf.Graph())).toThrow(TypeError);
  });
});
