// SPDX-License-Identifier: Apache-2.0
// tf.whileLoop against Python 2.21's tf.while_loop (graph mode): the ops and functions it builds, values and
// gradients of x^n for positive and negative x, captured tensors and variables, nesting, and bad input.
import * as tf from '../../lib';
import { describePython, runPython } from '../helpers/python';

function run(g: tf.Graph, fetches: tf.Output[], feeds: Record<string, unknown> = {}, init = false): number[][] {
  const sess = new tf.Session(g);
  try {
    if (init) sess.runSync(g.asDefault(() => tf.globalVariablesInitializer()));
    return (sess.runSync(fetches, feeds as never) as tf.Tensor[]).map((t) => {
      const a = t.toArray() as unknown;
      return typeof a === 'object' && a !== null ? Array.from(a as ArrayLike<number>).map(Number) : [Number(a)];
    });
  } finally {
    void sess.close();
  }
}

/** x^n by a loop: [i, p] ← [i + 1, p·x] while i < n. */
function power(g: tf.Graph, n: number): { x: tf.Output; p: tf.Output; dx: tf.Output } {
  return g.asDefault(() => {
    const x = g.placeholder('float32', [], 'x');
    const [, p] = tf.whileLoop(
      (i: tf.Output) => tf.less(i, n),
      (i: tf.Output, q: tf.Output) => [tf.add(i, 1), tf.multiply(q, x)],
      [tf.constant(0), tf.constant(1.0)],
    ) as tf.Output[];
    const [dx] = tf.gradients(p, x) as tf.Output[];
    return { x, p, dx };
  });
}

describePython('tf.whileLoop vs Python', () => {
  const xs = [1.5, -2.0, 0.5];
  let py: { values: number[]; grads: number[]; ops: Array<[string, string]> };
  beforeAll(() => {
    py = JSON.parse(runPython(`
import json, tensorflow as tf
tf.compat.v1.disable_eager_execution()
g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [], name='x')
    _, p = tf.while_loop(lambda i, q: i < 5, lambda i, q: (i + 1, q * x), [tf.constant(0), tf.constant(1.0)])
    ops = [(o.name, o.type) for o in g.get_operations()]
    dx, = tf.gradients(p, x)
    with tf.compat.v1.Session(graph=g) as s:
        vals = [s.run([p, dx], {x: v}) for v in ${JSON.stringify(xs)}]
print(json.dumps({'values': [float(a) for a, b in vals], 'grads': [float(b) for a, b in vals], 'ops': ops}))
`));
  });

  test('x^5 by a loop: the ops Python builds, values and gradients equal for positive and negative x', () => {
    const g = new tf.Graph();
    const { x, p, dx } = power(g, 5);
    const ours = xs.map((v) => run(g, [p, dx], { x: v }));
    ours.forEach(([[value], [grad]], k) => {
      expect(value).toBeCloseTo(py.values[k], 5);
      expect(grad).toBeCloseTo(py.grads[k], 4);
    });
    // The forward ops, as Python names them (before its gradient rewrites the loop).
    const names = py.ops.map(([name]) => name);
    for (const name of names) expect(g.operation(name)).toBeDefined();
    expect(g.operation('while')!.type).toBe('StatelessWhile');
    expect(p.op.name).toBe('while/Identity_3');
    expect(x.name).toBe('x:0');
  });
});

describePython('whileLoop gradients vs Python: variables, maximumIterations, nesting, imported StatelessWhile', () => {
  let py: Record<string, number[]> & { graphDef: string };
  beforeAll(() => {
    py = JSON.parse(runPython(`
import json, base64, numpy as np, tensorflow as tf
tf.compat.v1.disable_eager_execution()
out = {}
# A variable read in the body; maximum_iterations stops the loop before cond does.
g = tf.Graph()
with g.as_default():
    v = tf.compat.v1.get_variable('v', initializer=tf.constant([0.5, -1.5]), use_resource=True)
    x = tf.compat.v1.placeholder(tf.float32, [2], name='x')
    _, h = tf.while_loop(lambda i, h: i < 10, lambda i, h: (i + 1, tf.tanh(h * v + x)), [0, tf.zeros([2])], maximum_iterations=4)
    loss = tf.reduce_sum(h * h)
    gv, gx = tf.gradients(loss, [v, x])
    with tf.compat.v1.Session(graph=g) as s:
        s.run(tf.compat.v1.global_variables_initializer())
        a, b, c = s.run([loss, gv, gx], {x: [0.3, -0.7]})
    out['var'] = [float(a)] + b.tolist() + c.tolist()
# A loop in a loop: sum over i < 3 of (x^(i+1)) computed by an inner loop.
g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [], name='x')
    def outer(i, acc):
        _, p = tf.while_loop(lambda j, p: j <= i, lambda j, p: (j + 1, p * x), [0, tf.constant(1.0)])
        return i + 1, acc + p
    _, s_ = tf.while_loop(lambda i, acc: i < 3, outer, [0, tf.constant(0.0)])
    d, = tf.gradients(s_, x)
    with tf.compat.v1.Session(graph=g) as s:
        out['nested'] = [float(t) for t in s.run([s_, d], {x: -1.3})]
# A GraphDef exported with a StatelessWhile (no gradient in it), for our gradient.
g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [3], name='x')
    w = tf.constant([[0.2, -0.1, 0.4], [0.3, 0.5, -0.2], [-0.6, 0.1, 0.2]], name='w')
    _, y = tf.while_loop(lambda i, y: i < 6, lambda i, y: (i + 1, tf.sin(tf.linalg.matvec(w, y)) + x), [0, x], name='loop')
    out['graphDef'] = base64.b64encode(g.as_graph_def().SerializeToString()).decode()
    out['yname'] = [y.name]
    gx, = tf.gradients(tf.reduce_sum(y * y), x)
    with tf.compat.v1.Session(graph=g) as s:
        a, b = s.run([y, gx], {x: [0.1, -0.2, 0.3]})
    out['imported'] = a.tolist() + b.tolist()
print(json.dumps(out))
`));
  });

  test('a variable read in the body and maximumIterations: value and gradients of the variable and input equal Python', () => {
    const g = new tf.Graph();
    const [loss, gv, gx, x] = g.asDefault(() => {
      const v = tf.getVariable('v', { initializer: tf.constant([0.5, -1.5]) });
      const x = g.placeholder('float32', [2], 'x');
      const [, h] = tf.whileLoop(
        (i: tf.Output) => tf.less(i, 10),
        (i: tf.Output, h: tf.Output) => [tf.add(i, 1), tf.tanh(tf.add(tf.multiply(h, v), x))],
        [tf.constant(0), tf.zeros([2])],
        { maximumIterations: 4 },
      ) as tf.Output[];
      const loss = tf.reduceSum(tf.multiply(h, h));
      const [gv, gx] = tf.gradients(loss, [v, x]) as tf.Output[];
      return [loss, gv, gx, x];
    });
    expect(g.operation('while')!.type).toBe('While'); // the body reads a variable
    const [a, b, c] = run(g, [loss, gv, gx], { [x.name]: [0.3, -0.7] }, true);
    const ours = [...a, ...b, ...c];
    ours.forEach((value, k) => expect(value).toBeCloseTo(py.var[k], 5));
  });

  test('a loop in a loop: value and gradient equal Python', () => {
    const g = new tf.Graph();
    const [s, d, x] = g.asDefault(() => {
      const x = g.placeholder('float32', [], 'x');
      const [, s] = tf.whileLoop(
        (i: tf.Output) => tf.less(i, 3),
        (i: tf.Output, acc: tf.Output) => {
          const [, p] = tf.whileLoop(
            (j: tf.Output) => tf.lessEqual(j, i),
            (j: tf.Output, p: tf.Output) => [tf.add(j, 1), tf.multiply(p, x)],
            [tf.constant(0), tf.constant(1.0)],
          ) as tf.Output[];
          return [tf.add(i, 1), tf.add(acc, p)];
        },
        [tf.constant(0), tf.constant(0.0)],
      ) as tf.Output[];
      const [d] = tf.gradients(s, x) as tf.Output[];
      return [s, d, x];
    });
    const [[value], [grad]] = run(g, [s, d], { [x.name]: -1.3 });
    expect(value).toBeCloseTo(py.nested[0], 5);
    expect(grad).toBeCloseTo(py.nested[1], 4);
  });

  test('the gradient of a StatelessWhile in a GraphDef Python exported equals Python\'s', () => {
    const g = new tf.Graph();
    g.importGraphDef(Buffer.from(py.graphDef as unknown as string, 'base64'));
    expect(g.operation('loop')!.type).toBe('StatelessWhile');
    const x = g.tensor('x:0');
    const y = g.tensor((py.yname as unknown as string[])[0]);
    const [gx] = g.asDefault(() => tf.gradients(tf.reduceSum(tf.multiply(y, y)), x)) as tf.Output[];
    const [a, b] = run(g, [y, gx], { 'x:0': [0.1, -0.2, 0.3] });
    [...a, ...b].forEach((value, k) => expect(value).toBeCloseTo(py.imported[k], 5));
  });
});

describePython('a cond in a loop vs Python', () => {
  test('value and gradient of a loop whose body branches on the counter equal Python', () => {
    const py = JSON.parse(runPython(`
import json, tensorflow as tf
tf.compat.v1.disable_eager_execution()
g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [], name='x')
    body = lambda i, p: (i + 1, tf.cond(tf.equal(i % 2, 0), lambda: p * x, lambda: p + tf.sin(x)))
    _, p = tf.while_loop(lambda i, p: i < 5, body, [tf.constant(0), tf.constant(1.0)])
    d, = tf.gradients(p, x)
    with tf.compat.v1.Session(graph=g) as s:
        print(json.dumps([[float(t) for t in s.run([p, d], {x: v})] for v in (0.7, -1.2)]))
`)) as number[][];
    const g = new tf.Graph();
    const [p, d, x] = g.asDefault(() => {
      const x = g.placeholder('float32', [], 'x');
      const [, p] = tf.whileLoop(
        (i: tf.Output) => tf.less(i, 5),
        (i: tf.Output, q: tf.Output) => [
          tf.add(i, 1),
          tf.cond(tf.equal(tf.getDefaultGraph().ops.floorMod(i, 2) as tf.Output, 0), () => tf.multiply(q, x), () => tf.add(q, tf.sin(x))),
        ],
        [tf.constant(0, { dtype: 'int32' }), tf.constant(1.0)],
      ) as tf.Output[];
      const [d] = tf.gradients(p, x) as tf.Output[];
      return [p, d, x];
    });
    [0.7, -1.2].forEach((v, k) => {
      const [[value], [grad]] = run(g, [p, d], { [x.name]: v });
      expect(value).toBeCloseTo(py[k][0], 5);
      expect(grad).toBeCloseTo(py[k][1], 4);
    });
  });
});
