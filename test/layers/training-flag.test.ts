// SPDX-License-Identifier: Apache-2.0
// tf.layers' `training` as a bool scalar Output (TF 1.15's smart_cond): fed true/false, the layer computes what the
// same layer built with a JS true/false computes, moving averages move only when training, and gradients flow.
import * as tf from '../../lib';

type Feeds = Record<string, tf.Tensor>;
const flag = (v: boolean): tf.Tensor => tf.tensor([v], [], 'bool');

async function withSession<T>(g: tf.Graph, fn: (s: tf.Session) => Promise<T>): Promise<T> {
  const s = new tf.Session(g);
  try {
    await s.run(tf.globalVariablesInitializer(g));
    return await fn(s);
  } finally {
    await s.close();
  }
}

async function values(s: tf.Session, fetches: tf.Output[], feeds: Feeds = {}): Promise<number[][]> {
  const r = await s.run(fetches, feeds);
  return r.map((t) => Array.from(t.data() as Float32Array));
}

function expectClose(a: number[], b: number[], tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));
}

const ROWS = 40;
const COLS = 25;
const ones = Array.from({ length: ROWS }, () => new Array<number>(COLS).fill(1));

describe('tf.layers.dropout with a bool Output training', () => {
  test('fed false: identity; fed true: the seeded mask of training=true (half zeroed, the rest doubled)', async () => {
    const g = new tf.Graph();
    const [y, grad] = g.asDefault(() => {
      const x = tf.placeholder('float32', [ROWS, COLS], 'x');
      const out = tf.layers.dropout(x, { rate: 0.5, seed: 7, training: tf.placeholder('bool', [], 'training') });
      return [out, tf.gradients(tf.reduceSum(out), [x])[0] as tf.Output];
    });
    expect(y.op.name).toBe('dropout/cond/Identity');
    expect(g.operation('dropout/cond')!.type).toBe('If');
    const ref = new tf.Graph();
    const yRef = ref.asDefault(() =>
      tf.layers.dropout(tf.placeholder('float32', [ROWS, COLS], 'x'), { rate: 0.5, seed: 7, training: true }));
    const [trained, off, dTrained] = await withSession(g, async (s) => [
      ...(await values(s, [y], { 'x:0': tf.tensor(ones.flat(), [ROWS, COLS]), 'training:0': flag(true) })),
      ...(await values(s, [y], { 'x:0': tf.tensor(ones.flat().map((v, i) => v + i), [ROWS, COLS]), 'training:0': flag(false) })),
      ...(await values(s, [grad], { 'x:0': tf.tensor(ones.flat(), [ROWS, COLS]), 'training:0': flag(true) })),
    ]);
    const [expected] = await withSession(ref, (s) => values(s, [yRef], { 'x:0': tf.tensor(ones.flat(), [ROWS, COLS]) }));
    expect(trained).toEqual(expected);
    expect(off).toEqual(ones.flat().map((v, i) => v + i));
    expect(new Set(trained)).toEqual(new Set([0, 2]));
    const zeroed = trained.filter((v) => v === 0).length / trained.length;
    expect(zeroed).toBeGreaterThan(0.35);
    expect(zeroed).toBeLessThan(0.65);
    // d(sum y)/dx is the mask scaled by 2: the gradient goes through the cond with a mask of the same distribution.
    expect(new Set(dTrained)).toEqual(new Set([0, 2]));
  });

  test('a constant training folds (no cond); a non-bool or non-scalar training is a TypeError naming training', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [4, 4], 'x');
      expect(tf.layers.dropout(x, { training: tf.constant(true) }).op.type).toBe('SelectV2');
      expect(tf.layers.dropout(x, { training: tf.identity(tf.constant(false)) }).op.type).toBe('Identity');
      expect(g.operations().some((op) => op.type === 'If' || op.type === 'StatelessIf')).toBe(false);
      expect(() => tf.layers.dropout(x, { training: tf.placeholder('float32', []) })).toThrow(TypeError);
      expect(() => tf.layers.dropout(x, { training: tf.placeholder('float32', []) })).toThrow(/layers\.dropout: training .* float32/);
      expect(() => tf.layers.dropout(x, { training: tf.placeholder('bool', [2]) })).toThrow(/layers\.dropout: training .* shape \[2\]/);
      expect(() => tf.layers.batchNormalization(x, { training: tf.placeholder('int32', []) })).toThrow(
        /layers\.batchNormalization: training must be a bool scalar/);
      expect(() => tf.layers.batchNormalization(x, { training: 'yes' as never })).toThrow(TypeError);
    });
  });
});

const DATA = Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => Math.sin(i) * 3 + (i % 3));

/** A batch norm with non-trivial weights and moving averages; returns its output and the moving averages' reads. */
function buildBn(g: tf.Graph, shape: number[], training: boolean | 'placeholder'): { y: tf.Output; updates: tf.Output[] } {
  return g.asDefault(() => {
    const x = tf.reshape(tf.placeholder('float32', [DATA.length], 'x'), shape);
    const t = training === 'placeholder' ? tf.placeholder('bool', [], 'training') : training;
    const y = tf.layers.batchNormalization(x, { training: t, momentum: 0.8, gammaInitializer: tf.initializers.constant(1.5),
      betaInitializer: tf.initializers.constant(-0.25), movingMeanInitializer: tf.initializers.constant(0.5),
      movingVarianceInitializer: tf.initializers.constant(2) });
    return { y, updates: g.getCollection<tf.Output>(tf.GraphKeys.UPDATE_OPS) };
  });
}

async function bnRun(g: tf.Graph, y: tf.Output, updates: tf.Output[], feeds: Feeds): Promise<{ y: number[]; moving: number[][] }> {
  return withSession(g, async (s) => {
    const [out] = await values(s, [y], feeds);
    if (updates.length) await s.run(updates, feeds);
    const moving = await values(s, g.globalVariables().filter((v) => v.name.includes('moving')).map((v) => v.value()));
    return { y: out, moving };
  });
}

describe.each([['fused (rank 4)', [2, 2, 2, 3]], ['not fused (rank 2)', [8, 3]]])(
  'tf.layers.batchNormalization %s with a bool Output training', (_kind, shape) => {
    test('fed true/false computes and updates as training=true/false; UPDATE_OPS kept', async () => {
      const xFeed = (): tf.Tensor => tf.tensor(DATA, [DATA.length]);
      const g = new tf.Graph();
      const sym = buildBn(g, shape, 'placeholder');
      expect(sym.updates).toHaveLength(2);
      // Fused: cond (FusedBatchNormV3 ×2), cond_1 (momentum); not fused: cond/cond_1 (mean, variance), cond_2/cond_3 (updates).
      const conds = g.operations().filter((op) => op.type === 'If' || op.type === 'StatelessIf').map((op) => op.name);
      expect(conds).toEqual(shape.length === 4 ? ['batch_normalization/cond', 'batch_normalization/cond_1']
        : ['batch_normalization/cond', 'batch_normalization/cond_1', 'batch_normalization/cond_2', 'batch_normalization/cond_3']);
      const results: Record<string, { y: number[]; moving: number[][] }> = {};
      for (const t of [true, false]) {
        const ref = new tf.Graph();
        const r = buildBn(ref, shape, t);
        expect(r.updates).toHaveLength(t ? 2 : 0);
        results[`ref${t}`] = await bnRun(ref, r.y, r.updates, { 'x:0': xFeed() });
        results[`sym${t}`] = await bnRun(g, sym.y, sym.updates, { 'x:0': xFeed(), 'training:0': flag(t) });
        expectClose(results[`sym${t}`].y, results[`ref${t}`].y, 1e-4);
        results[`sym${t}`].moving.forEach((m, i) => expectClose(m, results[`ref${t}`].moving[i], 1e-5));
      }
      // Not training leaves the averages at their initial values; training moves them 20% towards the batch's.
      expect(results.symfalse.moving).toEqual([[0.5, 0.5, 0.5], [2, 2, 2]]);
      const batchMean = [0, 1, 2].map((c) => DATA.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / 8);
      expectClose(results.symtrue.moving[0], batchMean.map((m) => 0.5 * 0.8 + m * 0.2), 1e-4);
      // Training=false normalises with the moving averages: (x - 0.5) / sqrt(2 + eps) * 1.5 - 0.25.
      expectClose(results.symfalse.y, DATA.map((v) => ((v - 0.5) / Math.sqrt(2 + 1e-3)) * 1.5 - 0.25), 1e-4);
    });
  });

describe('gradients through the training cond', () => {
  test('minimizing a loss fed training=true follows the same steps as training=true', async () => {
    const build = (training: boolean | 'placeholder') => {
      const g = new tf.Graph();
      return g.asDefault(() => {
        const x = tf.reshape(tf.placeholder('float32', [DATA.length], 'x'), [2, 2, 2, 3]);
        const t = training === 'placeholder' ? tf.placeholder('bool', [], 'training') : training;
        const h = tf.layers.batchNormalization(tf.layers.conv2d(x, 4, 1, { kernelInitializer: tf.initializers.constant(0.3) }),
          { training: t });
        const loss = tf.reduceMean(tf.square(tf.subtract(tf.layers.flatten(h), 0.7)));
        const step = tf.controlDependencies(g.getCollection<tf.Output>(tf.GraphKeys.UPDATE_OPS),
          () => new tf.train.GradientDescentOptimizer(0.5).minimize(loss));
        return { g, loss, step };
      });
    };
    const losses = async (m: ReturnType<typeof build>, feeds: () => Feeds) => withSession(m.g, async (s) => {
      const out: number[] = [];
      for (let i = 0; i < 4; i++) {
        out.push((await values(s, [m.loss], feeds()))[0][0]);
        await s.run([m.step], feeds());
      }
      return out;
    });
    const sym = await losses(build('placeholder'), () => ({ 'x:0': tf.tensor(DATA, [DATA.length]), 'training:0': flag(true) }));
    const ref = await losses(build(true), () => ({ 'x:0': tf.tensor(DATA, [DATA.length]) }));
    expectClose(sym, ref, 1e-4);
    expect(sym[3]).toBeLessThan(sym[0]);
  });
});
