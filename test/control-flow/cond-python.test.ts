// SPDX-License-Identifier: Apache-2.0
// tf.cond / tf.case and their gradients against Python TensorFlow 2.21 (graph mode, control flow v2): the same
// piecewise functions give the same values, gradients and op names; minimize() trains through a cond as
// Python's does; a StatelessIf exported by Python is differentiated here as Python differentiates it.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython, tempDir } from '../helpers/python';

const XS = [-2.5, -1, -0.25, 0.5, 1.5, 3];

const PIECEWISE = String.raw`
import json, sys
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
XS = json.loads(sys.argv[1])
g = tf.Graph()
with g.as_default():
  x = tf.compat.v1.placeholder(tf.float32, [], name='x')
  w = tf.compat.v1.get_variable('w', [], initializer=tf.compat.v1.constant_initializer(1.5))
  y1 = tf.cond(x > 0, lambda: x * x * x, lambda: -x * x + 2 * x)
  y2 = tf.cond(x > 1, lambda: tf.cond(x > 2, lambda: x * w, lambda: x * x * w), lambda: tf.sin(x) * w, name='nested')
  y3 = tf.case([(x < -1, lambda: -x), (x < 1, lambda: x * x)], default=lambda: 2 * x - 1)
  a, b = tf.cond(x > 0, lambda: (x * 2, x * x), lambda: (x, x * 3))
  y4 = a * b
  ys = [y1, y2, y3, y4]
  grads = [tf.gradients(y, [x])[0] for y in ys] + [tf.gradients(y2, [w])[0]]
  names = sorted([[op.name, op.type] for op in g.get_operations()
                  if (op.type in ('If', 'StatelessIf') or '/Identity' in op.name) and 'grad' not in op.name])
  with tf.compat.v1.Session() as s:
    s.run(tf.compat.v1.global_variables_initializer())
    out = [[float(v) for v in s.run(ys + grads, {x: xv})] for xv in XS]
print(json.dumps({'values': out, 'names': names}))
`;

/** The same graph as PIECEWISE's, here. */
function piecewise(): { g: tf.Graph; x: tf.Output; fetches: tf.Output[] } {
  const g = new tf.Graph();
  return g.asDefault(() => {
    const x = tf.placeholder('float32', [], 'x');
    const w = tf.getVariable('w', { shape: [], initializer: tf.initializers.constant(1.5) });
    const y1 = tf.cond(tf.greater(x, 0), () => tf.multiply(tf.multiply(x, x), x),
      () => tf.add(tf.multiply(tf.negative(x), x), tf.multiply(2, x))) as tf.Output;
    const y2 = tf.cond(tf.greater(x, 1), () => tf.cond(tf.greater(x, 2), () => tf.multiply(x, w), () => tf.multiply(tf.multiply(x, x), w)),
      () => tf.multiply(tf.sin(x), w), { name: 'nested' }) as tf.Output;
    const y3 = tf.case([[tf.less(x, -1), () => tf.negative(x)], [tf.less(x, 1), () => tf.multiply(x, x)]],
      { default: () => tf.subtract(tf.multiply(2, x), 1) }) as tf.Output;
    const [a, b] = tf.cond(tf.greater(x, 0), () => [tf.multiply(x, 2), tf.multiply(x, x)], () => [x, tf.multiply(x, 3)]) as tf.Output[];
    const y4 = tf.multiply(a, b);
    const ys = [y1, y2, y3, y4];
    const grads = [...ys.map((y) => tf.gradients(y, [x])[0] as tf.Output), tf.gradients(y2, [w])[0] as tf.Output];
    return { g, x, fetches: [...ys, ...grads] };
  });
}

describePython('tf.cond and tf.case against Python', () => {
  let python: { values: number[][]; names: Array<[string, string]> };
  beforeAll(() => {
    python = JSON.parse(runPython(PIECEWISE, [JSON.stringify(XS)]));
  });

  test('values and gradients of piecewise functions equal Python for positive and negative x', () => {
    const { g, x, fetches } = piecewise();
    const sess = new tf.Session(g);
    try {
      sess.runSync(g.asDefault(() => tf.globalVariablesInitializer()));
      XS.forEach((xv, i) => {
        const got = sess.runSync(fetches, new Map([[x, xv]])).map((t) => t.toArray() as number);
        got.forEach((v, j) => expect(v).toBeCloseTo(python.values[i][j], 5));
      });
    } finally {
      void sess.close();
    }
  });

  test('the If ops and their Identity outputs have the names and types Python gives', () => {
    const { g } = piecewise();
    const names = g.operations()
      // Gradient Ifs differ where a branch reads a variable: Python's (StatelessIf) takes the forward read, ours
      // (If) reads again (lib/control-flow/cond-gradient.ts).
      .filter((op) => (op.type === 'If' || op.type === 'StatelessIf' || op.name.includes('/Identity')) && !op.name.includes('grad'))
      .map((op) => [op.name, op.type])
      .sort();
    expect(names).toEqual(python.names);
  });
});

const TRAIN = String.raw`
import json, sys
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
g = tf.Graph()
with g.as_default():
  x = tf.compat.v1.placeholder(tf.float32, [], name='x')
  w = tf.compat.v1.get_variable('w', [], initializer=tf.compat.v1.constant_initializer(0.5))
  loss = tf.cond(x > 0, lambda: tf.square(w * x - 3.0), lambda: tf.square(w + x))
  step = tf.compat.v1.train.GradientDescentOptimizer(0.05).minimize(loss)
  with tf.compat.v1.Session() as s:
    s.run(tf.compat.v1.global_variables_initializer())
    out = []
    for xv in [2.0, -1.0, 1.5, -0.5, 2.0]:
      l, _ = s.run([loss, step], {x: xv})
      out.append([float(l), float(s.run(w))])
print(json.dumps(out))
`;

describePython('training through a cond', () => {
  test('GradientDescentOptimizer.minimize gives Python losses and weights step by step', () => {
    const expected = JSON.parse(runPython(TRAIN)) as number[][];
    const g = new tf.Graph();
    const { x, w, loss, step } = g.asDefault(() => {
      const x = tf.placeholder('float32', [], 'x');
      const w = tf.getVariable('w', { shape: [], initializer: tf.initializers.constant(0.5) });
      const loss = tf.cond(tf.greater(x, 0), () => tf.square(tf.subtract(tf.multiply(w, x), 3)),
        () => tf.square(tf.add(w, x))) as tf.Output;
      return { x, w, loss, step: new tf.train.GradientDescentOptimizer(0.05).minimize(loss) };
    });
    const sess = new tf.Session(g);
    try {
      sess.runSync(g.asDefault(() => tf.globalVariablesInitializer()));
      [2.0, -1.0, 1.5, -0.5, 2.0].forEach((xv, i) => {
        const [l] = sess.runSync([loss, step], new Map([[x, xv]])) as [tf.Tensor, null];
        expect(l.toArray()).toBeCloseTo(expected[i][0], 5);
        expect(sess.runSync(w.value()).toArray()).toBeCloseTo(expected[i][1], 5);
      });
    } finally {
      void sess.close();
    }
  });
});

const EXPORT = String.raw`
import json, sys
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
g = tf.Graph()
with g.as_default():
  x = tf.compat.v1.placeholder(tf.float32, [3], name='x')
  k = tf.compat.v1.placeholder(tf.float32, [], name='k')
  y = tf.cond(tf.reduce_sum(x) > 0, lambda: tf.reduce_sum(tf.exp(x) * k), lambda: tf.reduce_sum(x * x * x) + k, name='piece')
  tf.identity(y, name='y')
  open(sys.argv[1], 'wb').write(g.as_graph_def().SerializeToString())
  dx, dk = tf.gradients(y, [x, k])
  out = []
  with tf.compat.v1.Session() as s:
    for xv in [[1.0, 2.0, -0.5], [-1.0, -2.0, 0.5]]:
      a, b = s.run([dx, dk], {x: xv, k: 1.5})
      out.append([a.tolist(), float(b)])
print(json.dumps({'type': g.get_operation_by_name('piece').type, 'grads': out}))
`;

describePython('gradients of a StatelessIf exported by Python', () => {
  test('equal the gradients Python computes', () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'graph.pb');
      const expected = JSON.parse(runPython(EXPORT, [file])) as { type: string; grads: Array<[number[], number]> };
      expect(expected.type).toBe('StatelessIf');
      const g = tf.Graph.fromGraphDef(new Uint8Array(fs.readFileSync(file)));
      const [dx, dk] = tf.gradients(g.tensor('y:0'), [g.tensor('x:0'), g.tensor('k:0')]) as tf.Output[];
      const sess = new tf.Session(g);
      try {
        [[1.0, 2.0, -0.5], [-1.0, -2.0, 0.5]].forEach((xv, i) => {
          const [a, b] = sess.runSync([dx, dk], { 'x:0': xv, 'k:0': 1.5 } as never).map((t) => t.toArray());
          (a as number[]).forEach((v, j) => expect(v).toBeCloseTo(expected.grads[i][0][j], 4));
          expect(b).toBeCloseTo(expected.grads[i][1], 5);
        });
      } finally {
        void sess.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});

const EXPORT_STATEFUL = String.raw`
import json, sys
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
g = tf.Graph()
with g.as_default():
  x = tf.compat.v1.placeholder(tf.float32, [2], name='x')
  w = tf.compat.v1.get_variable('w', [2], initializer=tf.compat.v1.constant_initializer([0.5, -2.0]))
  y = tf.cond(x[0] > 0, lambda: tf.reduce_sum(w * x * x), lambda: tf.reduce_sum(tf.tanh(w + x)), name='branchy')
  tf.identity(y, name='y')
  init = tf.compat.v1.global_variables_initializer()
  open(sys.argv[1], 'wb').write(g.as_graph_def().SerializeToString())
  dx, dw = tf.gradients(y, [x, w])
  out = []
  with tf.compat.v1.Session() as s:
    s.run(init)
    for xv in [[1.0, 2.0], [-1.0, 0.5]]:
      a, b = s.run([dx, dw], {x: xv})
      out.append([a.tolist(), b.tolist()])
print(json.dumps({'type': g.get_operation_by_name('branchy').type, 'init': init.name, 'grads': out}))
`;

describePython('gradients of an If reading a variable, exported by Python', () => {
  test('equal the gradients Python computes, for the input and the variable', () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'graph.pb');
      const expected = JSON.parse(runPython(EXPORT_STATEFUL, [file])) as { type: string; init: string; grads: number[][][] };
      expect(expected.type).toBe('If');
      const g = tf.Graph.fromGraphDef(new Uint8Array(fs.readFileSync(file)));
      const [dx, dw] = tf.gradients(g.tensor('y:0'), [g.tensor('x:0'), g.tensor('w:0')]) as tf.Output[];
      const sess = new tf.Session(g);
      try {
        sess.runSync(g.operation(expected.init)!);
        [[1.0, 2.0], [-1.0, 0.5]].forEach((xv, i) => {
          const [a, b] = sess.runSync([dx, dw], { 'x:0': xv } as never).map((t) => t.toArray() as number[]);
          a.forEach((v, j) => expect(v).toBeCloseTo(expected.grads[i][0][j], 5));
          b.forEach((v, j) => expect(v).toBeCloseTo(expected.grads[i][1][j], 5));
        });
      } finally {
        void sess.close();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
