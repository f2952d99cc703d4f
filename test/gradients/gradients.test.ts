// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../lib';

type Out = tf.Output;

function op(g: tf.Graph, type: string, inputs: unknown[], attrs: Record<string, unknown> = {}, name?: string): Out {
  return g.addOperation(type, { inputs: inputs as tf.OutputLike[], attrs, name }).output(0);
}

/** A deterministic pseudo-random stream (tests must not depend on Math.random). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomValues(n: number, next: () => number, { awayFromZero = false } = {}): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = next() * 2 - 1;
    // Keep kinks (relu at 0, max ties) out of the finite-difference stencil.
    if (awayFromZero && Math.abs(x) < 0.1) x += Math.sign(x || 1) * 0.1;
    v[i] = x;
  }
  return v;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Builds y = f(xs) on float64 (or float32) placeholders, differentiates the scalar sum(y * w) (w fixed random weights, so
 * every element of y counts differently) with g.gradients, and compares with central finite differences.
 */
async function checkNumerically(
  shapes: number[][],
  f: (g: tf.Graph, xs: Out[]) => Out,
  { seed = 1, dtype = 'float64', awayFromZero = false }: { seed?: number; dtype?: 'float32' | 'float64'; awayFromZero?: boolean } = {},
): Promise<void> {
  // float32 forward passes are exact to ~1e-7 relative, so the stencil must be wider and the tolerance looser.
  const [eps, tol] = dtype === 'float64' ? [1e-6, 1e-6] : [1e-3, 2e-3];
  const next = rng(seed);
  const g = new tf.Graph();
  const xs = shapes.map((s, i) => g.placeholder(dtype, s, `x${i}`));
  const y = f(g, xs);
  const yShape = y.shape as number[];
  expect(yShape).not.toBeNull();
  const w = g.constant(tf.tensor(randomValues(sizeOf(yShape), next), yShape, dtype), { name: 'w' });
  const allAxes = g.constant(yShape.map((_, i) => i), { dtype: 'int32', shape: [yShape.length] });
  const loss = op(g, 'Sum', [op(g, 'Mul', [y, w]), allAxes], {}, 'loss');
  const grads = g.gradients(loss, xs);
  grads.forEach((d) => expect(d).toBeInstanceOf(tf.Output));
  const xValues = shapes.map((s) => randomValues(sizeOf(s), next, { awayFromZero }));
  const feeds = () => new Map<Out, tf.Tensor>(xs.map((x, i) => [x, tf.tensor(xValues[i], shapes[i], dtype)]));
  const sess = new tf.Session(g);
  const analytic = (await sess.run(grads as Out[], feeds())) as tf.Tensor[];
  const lossAt = (): number => (sess.runSync(loss, feeds()) as tf.Tensor).item() as number;
  for (let i = 0; i < xs.length; i++) {
    expect(analytic[i].shape).toEqual(shapes[i]);
    const a = analytic[i].data() as Float64Array | Float32Array;
    for (let j = 0; j < xValues[i].length; j++) {
      const saved = xValues[i][j];
      xValues[i][j] = saved + eps;
      const up = lossAt();
      xValues[i][j] = saved - eps;
      const down = lossAt();
      xValues[i][j] = saved;
      const numeric = (up - down) / (2 * eps);
      const error = Math.abs(a[j] - numeric) / Math.max(1, Math.abs(numeric));
      if (error > tol) throw new Error(`d loss / d x${i}[${j}]: analytic ${a[j]} vs numeric ${numeric}`);
    }
  }
  await sess.close();
}

const axes = (g: tf.Graph, list: number[]) => g.constant(list, { dtype: 'int32', shape: [list.length] });

describe('g.gradients, checked against finite differences', () => {
  test('matMul (both operands, with transposes)', async () => {
    await checkNumerically([[3, 4], [4, 2]], (g, [a, b]) => op(g, 'MatMul', [a, b]));
    await checkNumerically([[4, 3], [2, 4]], (g, [a, b]) => op(g, 'MatMul', [a, b], { transpose_a: true, transpose_b: true }), { seed: 2 });
  });

  test('conv2d (input and filter, SAME and VALID, strides)', async () => {
    const same = { strides: [1, 1, 1, 1], padding: 'SAME' };
    await checkNumerically([[1, 5, 5, 2], [3, 3, 2, 3]], (g, [x, k]) => op(g, 'Conv2D', [x, k], same));
    const valid = { strides: [1, 2, 2, 1], padding: 'VALID' };
    await checkNumerically([[2, 6, 6, 1], [2, 2, 1, 2]], (g, [x, k]) => op(g, 'Conv2D', [x, k], valid), { seed: 3 });
  });

  test('relu, biasAdd and the activations of the example', async () => {
    await checkNumerically([[4, 5]], (g, [x]) => op(g, 'Relu', [x]), { awayFromZero: true });
    await checkNumerically([[3, 4], [4]], (g, [x, b]) => op(g, 'BiasAdd', [x, b]), { seed: 4 });
    await checkNumerically([[3, 4]], (g, [x]) => op(g, 'Tanh', [op(g, 'Sigmoid', [x])]), { seed: 5 });
  });

  // TensorFlow's C++ gradient of SoftmaxCrossEntropyWithLogits builds for float32 only (it multiplies by a
  // float constant), so these two checks run in float32.
  test('softmax cross-entropy with logits (logits; labels a fixed distribution)', async () => {
    await checkNumerically([[4, 5]], (g, [logits]) => {
      // Each row a distribution (the op's gradient, softmax - labels, assumes rows that sum to 1).
      const rows = new Float32Array(20).map((_, i) => (i % 5 === Math.floor(i / 5) ? 0.6 : 0.1));
      const labels = g.constant(tf.tensor(rows, [4, 5], 'float32'));
      return g.addOperation('SoftmaxCrossEntropyWithLogits', { inputs: [logits, labels] }).output(0);
    }, { dtype: 'float32' });
  });

  test('reductions: sum, mean, max, min, prod over axes, keepDims', async () => {
    await checkNumerically([[3, 4]], (g, [x]) => op(g, 'Sum', [x, axes(g, [1])]));
    await checkNumerically([[3, 4]], (g, [x]) => op(g, 'Mean', [x, axes(g, [0])], { keep_dims: true }), { seed: 6 });
    await checkNumerically([[3, 4, 2]], (g, [x]) => op(g, 'Mean', [x, axes(g, [0, 2])]), { seed: 7 });
    await checkNumerically([[3, 4]], (g, [x]) => op(g, 'Max', [x, axes(g, [1])]), { seed: 8 });
    await checkNumerically([[3, 4]], (g, [x]) => op(g, 'Min', [x, axes(g, [0])]), { seed: 9 });
    await checkNumerically([[2, 3]], (g, [x]) => op(g, 'Prod', [x, axes(g, [1])]), { seed: 10, awayFromZero: true });
  });

  test('the MNIST example model: mean softmax cross-entropy of a two-layer relu MLP', async () => {
    await checkNumerically([[3, 6], [6, 4], [4], [4, 3], [3]], (g, [x, w1, b1, w2, b2]) => {
      const hidden = op(g, 'Relu', [op(g, 'BiasAdd', [op(g, 'MatMul', [x, w1]), b1])]);
      const logits = op(g, 'AddV2', [op(g, 'MatMul', [hidden, w2]), b2]);
      const labels = g.constant(tf.tensor([[1, 0, 0], [0, 0, 1], [0, 1, 0]], [3, 3], 'float32'));
      const xent = g.addOperation('SoftmaxCrossEntropyWithLogits', { inputs: [logits, labels] }).output(0);
      return op(g, 'Reshape', [op(g, 'Mean', [xent, axes(g, [0])]), g.constant([1], { dtype: 'int32' })]);
    }, { seed: 11, dtype: 'float32' });
  });
});

describe('g.gradients', () => {
  function quadratic() {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2], 'x');
    const y = op(g, 'Sum', [op(g, 'Square', [x]), axes(g, [0])], {}, 'y');
    return { g, x, y };
  }

  test('a y that is also an x adds its gradYs to what flows in through the other ys, as Python', async () => {
    // Python: d/dx of [x + 1, x] with grad_ys [2, 5] is 7, and of [x^2, x] at x = 3 is 2 * 2x + 5 = 17.
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const [a, b] = [g.constant(2), g.constant(5)];
    const [d1] = g.gradients([op(g, 'AddV2', [x, g.constant(1)]), x], [x], { gradYs: [a, b] });
    const [d2] = g.gradients([op(g, 'Square', [x]), x], [x], { gradYs: [a, b] });
    const session = new tf.Session(g);
    expect((await session.run(d1 as tf.Output, { 'x:0': tf.tensor(1) })).item()).toBe(7);
    expect((await session.run(d2 as tf.Output, { 'x:0': tf.tensor(3) })).item()).toBe(17);
    await session.close();
  });

  test('names gradient operations under gradients, gradients_1 and the current name scope, as Python', () => {
    const { g, x, y } = quadratic();
    const [d1] = g.gradients(y, [x]);
    const [d2] = g.gradients([y], x);
    const [d3] = g.nameScope('train', () => g.gradients(y, [x]));
    expect(d1!.op.name).toMatch(/^gradients\//);
    expect(d2!.op.name).toMatch(/^gradients_1\//);
    expect(d3!.op.name).toMatch(/^train\/gradients\//);
    // Ops added afterwards keep unique names, even inside the gradients scope.
    const again = g.nameScope('gradients/', () => op(g, 'Identity', [x], {}, 'OnesLike'));
    expect(again.op.name).not.toBe('gradients/OnesLike');
    expect(g.operations().every((o) => o instanceof tf.Operation)).toBe(true);
  });

  test('a prefix that an explicitly named op already uses is skipped', () => {
    const { g, x, y } = quadratic();
    op(g, 'Identity', [x], {}, 'gradients/taken');
    const [d] = g.gradients(y, [x]);
    expect(d!.op.name).toMatch(/^gradients_1\//);
  });

  test('computes 2x, honours gradYs (null entries mean ones) and answers null for unconnected xs', async () => {
    const { g, x, y } = quadratic();
    const unused = g.placeholder('float32', [2], 'unused');
    const z = op(g, 'Mul', [x, g.constant(3)], {}, 'z');
    const [dx, dUnused, again] = g.gradients(y, [x, unused, x]);
    expect(dUnused).toBeNull();
    expect(again).toBe(dx);
    const [scaled] = g.gradients(y, [x], [g.constant(10)]);
    const [fromHost] = g.gradients(y, [x], 0.5);
    const [mixed] = g.gradients([y, z], [x], [null, g.constant([1, 2])]);
    expect(g.gradients(y, [unused])).toEqual([null]);
    expect(g.gradients(y, [])).toEqual([]);
    const sess = new tf.Session(g);
    const feeds = { x: tf.tensor([1, -2]) };
    const r = (await sess.run([dx!, scaled!, fromHost!, mixed!], feeds)) as tf.Tensor[];
    expect(Array.from(r[0].data())).toEqual([2, -4]);
    expect(Array.from(r[1].data())).toEqual([20, -40]);
    expect(Array.from(r[2].data())).toEqual([1, -2]);
    expect(Array.from(r[3].data())).toEqual([2 + 3, -4 + 6]);
    await sess.close();
  });

  test('differentiates with respect to an intermediate tensor', async () => {
    const { g, x } = quadratic();
    const sq = op(g, 'Square', [x], {}, 'sq');
    const y = op(g, 'Sum', [op(g, 'Mul', [sq, g.constant([1, 2])]), axes(g, [0])]);
    const [dsq] = g.gradients(y, [sq]);
    const sess = new tf.Session(g);
    expect(Array.from(((await sess.run(dsq!, { x: [1, 1] })) as tf.Tensor).data())).toEqual([1, 2]);
    await sess.close();
  });

  test('a missing gradient names the op type and the path from y to x, and leaves the graph usable', async () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2, 2], 'x');
    const w = g.constant([[1, 2], [3, 4]], { name: 'w' });
    const h = op(g, 'MatMul', [x, w], {}, 'h');
    // IgammaGradA: an op that neither TensorFlow's C++ registry nor ours differentiates (Python neither).
    const e = op(g, 'IgammaGradA', [h, h], {}, 'erfc');
    const y = op(g, 'Sum', [op(g, 'Square', [e], {}, 'sq'), axes(g, [0, 1])], {}, 'y');
    let err: unknown;
    try {
      g.gradients(y, [x]);
    } catch (caught) {
      err = caught;
    }
    expect(err).toBeInstanceOf(tf.errors.NotFoundError);
    const message = (err as Error).message;
    expect(message).toMatch(/operation 'erfc' \(op type: IgammaGradA\)/);
    expect(message).toContain("from 'y:0' to 'x:0'");
    expect(message).toContain("'y' (Sum) <- 'sq' (Square) <- 'erfc' (IgammaGradA) <- 'h' (MatMul) <- 'x' (Placeholder)");
    expect((err as Error).stack).toMatch(/gradients\.test\.ts/);
    // The part of the model that can be differentiated still can, under the next prefix.
    const [dh] = g.gradients(h, [x]);
    expect(dh!.op.name).toMatch(/^gradients_1\//);
    expect(g.operations().every((o) => o instanceof tf.Operation)).toBe(true);
    const sess = new tf.Session(g);
    const r = (await sess.run(dh!, { x: [[0, 0], [0, 0]] })) as tf.Tensor;
    expect(r.toArray()).toEqual([[3, 7], [3, 7]]);
    await sess.close();
  });

  test('rejects malformed arguments with clear errors', () => {
    const { g, x, y } = quadratic();
    const other = new tf.Graph();
    const foreign = other.placeholder('float32', [2], 'foreign');
    const n = op(g, 'Cast', [x], { DstT: 'int32' }, 'asInt');
    expect(() => g.gradients(undefined as never, [x])).toThrow(TypeError);
    expect(() => g.gradients(y, undefined as never)).toThrow(TypeError);
    expect(() => g.gradients(y, [42 as never])).toThrow(/Expected an Output .*xs\[0\]/);
    expect(() => g.gradients([], [x])).toThrow(RangeError);
    expect(() => g.gradients(y, [foreign])).toThrow(/belongs to Graph #\d+ but is used in Graph #\d+/);
    expect(() => g.gradients(n, [x])).toThrow(/ys\[0\] \('asInt:0'\) has dtype int32/);
    expect(() => g.gradients(y, [x], [g.constant(1), g.constant(2)])).toThrow(/one gradYs entry per y: 1 ys but 2 gradYs/);
    expect(() => g.gradients(y, [x], [g.constant(1, { dtype: 'float64' })])).toThrow(/gradYs\[0\] has dtype float64/);
    expect(() => g.gradients(y, [x], [g.constant([1, 2, 3])])).toThrow(/gradYs\[0\] has shape \[3\]/);
    const before = g.numOperations;
    expect(() => g.gradients(y, [x], [[1, 2]])).toThrow(/gradYs\[0\] has shape \[2\] but ys\[0\] \('y:0'\) has shape \[\]/);
    expect(() => g.gradients(y, [x], ['one' as never])).toThrow(TypeError);
    expect(g.numOperations).toBe(before);
  });
});
