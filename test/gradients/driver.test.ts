// SPDX-License-Identifier: Apache-2.0
// The TypeScript backprop driver: Python's names, user gradients (registerGradient, gradientOverrideMap,
// noGradient, stopGradients), IndexedSlices aggregation and densifying, re-entrant gradient functions, and
// agreement with TensorFlow's C++ fast path.
import * as tf from '../../lib';
import { describePython, runPython } from '../helpers/python';

type Out = tf.Output;

function op(g: tf.Graph, type: string, inputs: unknown[], attrs: Record<string, unknown> = {}, name?: string): Out {
  return g.addOperation(type, { inputs: inputs as tf.OutputLike[], attrs, name }).output(0);
}

async function values(g: tf.Graph, fetches: Out[], feeds: Record<string, tf.Tensor> = {}): Promise<number[][]> {
  const sess = new tf.Session(g);
  try {
    const out = (await sess.run(fetches, feeds)) as tf.Tensor[];
    return out.map((t) => Array.from(t.data() as Float32Array));
  } finally {
    await sess.close();
  }
}

function mlp(g: tf.Graph) {
  const x = g.placeholder('float32', [2, 3], 'x');
  const w = g.constant([[1, 2], [3, 4], [5, 6]], { name: 'w' });
  const m = op(g, 'MatMul', [x, w], {}, 'MatMul');
  const t = op(g, 'Tanh', [m], {}, 'Tanh');
  const s = op(g, 'Sum', [op(g, 'Mul', [t, m], {}, 'mul'), g.constant([0, 1], { dtype: 'int32', name: 'Const' })], {}, 'Sum');
  return { x, w, s };
}

const X = tf.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]);

describe('the TypeScript backprop driver', () => {
  test('agrees with the C++ fast path, and names gradients under gradients/<op>_grad as Python', async () => {
    const g = new tf.Graph();
    const { x, w, s } = mlp(g);
    const fast = g.gradients(s, [x, w]) as Out[];
    const driver = g.gradients(s, [x, w], { forceDriver: true }) as Out[];
    expect(fast[0].name).toMatch(/^gradients\//);
    expect(driver[0].name).toBe('gradients_1/MatMul_grad/MatMul:0');
    expect(driver[1].name).toBe('gradients_1/MatMul_grad/MatMul_1:0');
    expect(g.operation('gradients_1/AddN')!.type).toBe('AddN');
    expect(g.operation('gradients_1/grad_ys_0')!.type).toBe('Fill');
    const [a, b, c, d] = await values(g, [...fast, ...driver], { x: X });
    expect(c).toEqual(a);
    expect(d).toEqual(b);
  });

  test('gradients of a scope and a second call: gradients_1, outer/gradients', () => {
    const g = new tf.Graph();
    const { x, s } = mlp(g);
    const [d] = g.nameScope('outer', () => g.gradients(s, [x], { forceDriver: true })) as Out[];
    expect(d.name).toBe('outer/gradients/MatMul_grad/MatMul:0');
  });

  test('tf.registerGradient is used where TensorFlow has no gradient; noGradient gives null, not an error', async () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [3], 'x');
    tf.registerGradient('Erfc', (o, grad) => {
      const gg = o.graph;
      const sq = op(gg, 'Square', [o.inputs[0]]);
      const e = op(gg, 'Exp', [op(gg, 'Neg', [sq])]);
      return [op(gg, 'Mul', [grad, op(gg, 'Mul', [e, gg.constant(-2 / Math.sqrt(Math.PI))])])];
    });
    const y = op(g, 'Erfc', [x], {}, 'erfc');
    const [dx] = tf.gradients(y, [x]) as Out[];
    expect(dx.name).toBe('gradients/erfc_grad/Mul_1:0');
    const xs = [0.5, -1, 2];
    const [got] = await values(g, [dx], { x: tf.tensor(xs) });
    xs.forEach((v, i) => expect(got[i]).toBeCloseTo((-2 / Math.sqrt(Math.PI)) * Math.exp(-v * v), 5));

    tf.noGradient('Softsign');
    const z = op(g, 'Softsign', [x]);
    expect(tf.gradients(op(g, 'Add', [z, y]), [x]).map((d) => d === null)).toEqual([false]);
    expect(tf.gradients(z, [x])).toEqual([null]);
  });

  test('an op on the path without any gradient: an Error naming the op and the path', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [3], 'x');
    const y = op(g, 'Sum', [op(g, 'IgammaGradA', [x, x], {}, 'dg'), g.constant([0], { dtype: 'int32' })], {}, 'y');
    expect(() => g.gradients(y, [x])).toThrow(/No gradient defined for operation 'dg' \(op type: IgammaGradA\) on the path from 'y:0' to 'x:0': 'y' \(Sum\) <- 'dg' \(IgammaGradA\) <- 'x' \(Placeholder\)/);
  });

  test('gradientOverrideMap: ops built inside use the gradient registered under the mapped name', async () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2], 'x');
    tf.registerGradient('TimesThree', (o, grad) => [op(o.graph, 'Mul', [grad, o.graph.constant(3)])]);
    const [inside, outside] = g.gradientOverrideMap({ Identity: 'TimesThree' }, () => {
      const a = op(g, 'Identity', [x], {}, 'inside');
      const b = op(g, 'Square', [a]);
      return [a, b];
    });
    void outside;
    const plain = op(g, 'Identity', [x], {}, 'plain');
    const [d1, d2] = tf.gradients([inside, plain], [x, plain]) as Out[];
    const [v1, v2] = await values(g, [d1, d2], { x: tf.tensor([1, 2]) });
    expect(v1).toEqual([4, 4]);
    expect(v2).toEqual([1, 1]);
    expect(() => g.gradientOverrideMap({ Identity: 7 } as never, () => 0)).toThrow(TypeError);
  });

  test('stopGradients holds tensors constant, as Python\'s stop_gradients', async () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const a = op(g, 'Mul', [x, g.constant(3)], {}, 'a');
    const y = op(g, 'AddV2', [op(g, 'Mul', [x, x]), a]);
    const [held] = tf.gradients(y, [x], { stopGradients: [a] }) as Out[];
    const [full] = tf.gradients(y, [x]) as Out[];
    const [h, f] = await values(g, [held, full], { x: tf.tensor(2) });
    expect(h).toEqual([4]);
    expect(f).toEqual([7]);
  });

  test('gathers of a variable give IndexedSlices, concatenated as Python aggregates them and densified on demand', async () => {
    const g = new tf.Graph();
    const v = g.variable(tf.tensor([[1, 2], [3, 4], [5, 6], [7, 8]]), { name: 'emb' });
    const gather = (ids: number[], name: string) =>
      op(g, 'ResourceGather', [v.handle, g.constant(ids, { dtype: 'int32' })], { dtype: 'float32' }, name);
    const sum = (t: Out) => op(g, 'Sum', [t, g.constant([0, 1], { dtype: 'int32' })]);
    const loss = op(g, 'AddV2', [sum(gather([0, 2, 0], 'g1')), sum(op(g, 'Mul', [gather([3], 'g2'), g.constant(2)]))]);
    const [grad] = tf.gradients(loss, [v]);
    expect(grad).toBeInstanceOf(tf.IndexedSlices);
    const slices = grad as tf.IndexedSlices;
    expect(slices.values.op.type).toBe('ConcatV2');
    const dense = tf.convertToTensor(slices);
    expect(dense.op.type).toBe('UnsortedSegmentSum');
    // A dense read next to the gathers: Python densifies and adds.
    const mixed = op(g, 'AddV2', [loss, sum(v.value())]);
    const [mixedGrad] = tf.gradients(mixed, [v]);
    expect(mixedGrad).toBeInstanceOf(tf.Output);
    const sess = new tf.Session(g);
    await sess.run(tf.globalVariablesInitializer(g));
    const [d, m, idx] = (await sess.run([dense, mixedGrad as Out, slices.indices])) as tf.Tensor[];
    await sess.close();
    expect(Array.from(idx.data() as Int32Array).sort()).toEqual([0, 0, 2, 3]);
    expect(Array.from(d.data() as Float32Array)).toEqual([2, 2, 0, 0, 1, 1, 2, 2]);
    expect(Array.from(m.data() as Float32Array)).toEqual([3, 3, 1, 1, 2, 2, 3, 3]);
  });

  test('a gradient function may call gradients itself (re-entrant)', async () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2], 'x');
    tf.registerGradient('ViaInnerGradients', (o, grad) => {
      // A fresh Softplus (built outside the override) differentiated by a nested call.
      const again = op(o.graph, 'Softplus', [o.inputs[0]]);
      const [inner] = o.graph.gradients(again, [o.inputs[0]], { forceDriver: true }) as Out[];
      return [op(o.graph, 'Mul', [grad, inner])];
    });
    const y = g.gradientOverrideMap({ Softplus: 'ViaInnerGradients' }, () => op(g, 'Softplus', [x], {}, 'sp'));
    const [dx] = tf.gradients(y, [x]) as Out[];
    expect(g.operations().some((o) => o.name.startsWith('gradients/sp_grad/gradients/'))).toBe(true);
    const [got] = await values(g, [dx], { x: tf.tensor([0, 1]) });
    expect(got[0]).toBeCloseTo(0.5, 6);
    expect(got[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
  });
});

describePython('gradient names against Python', () => {
  test('the driver names MatMul/Tanh gradients, AddN and the initial gradient as tf.compat.v1.gradients', () => {
    const py = runPython(String.raw`
import json, tensorflow as tf
tf.compat.v1.disable_eager_execution()
g = tf.Graph()
with g.as_default():
  x = tf.compat.v1.placeholder(tf.float32, [2, 3], name='x')
  w = tf.constant([[1., 2], [3, 4], [5, 6]], name='w')
  m = tf.matmul(x, w, name='MatMul'); t = tf.tanh(m, name='Tanh')
  s = tf.reduce_sum(tf.multiply(t, m, name='mul'), name='Sum')
  tf.compat.v1.gradients(s, [x, w])
print(json.dumps({n.name: n.op for n in g.as_graph_def().node if n.name.startswith('gradients/')}))
`);
    const theirs = JSON.parse(py) as Record<string, string>;
    const g = new tf.Graph();
    const { x, w, s } = mlp(g);
    g.gradients(s, [x, w], { forceDriver: true });
    const ours = Object.fromEntries(g.operations().filter((o) => o.name.startsWith('gradients/')).map((o) => [o.name, o.type]));
    const shared = Object.keys(theirs).filter((n) => /^gradients\/(MatMul_grad|Tanh_grad|AddN|grad_ys_0|Shape$)/.test(n));
    expect(shared.length).toBeGreaterThanOrEqual(6);
    for (const name of shared) expect([name, ours[name]]).toEqual([name, theirs[name]]);
  }, 120_000);
});
