// SPDX-License-Identifier: Apache-2.0
// tf.whileLoop without the Python peer: bad input (clear errors, graph unchanged), shape invariants, variables
// assigned in the body, structures, and training through a loop with an optimizer.
import * as tf from '../../lib';

function run(g: tf.Graph, fetches: tf.Output[], feeds: Record<string, unknown> = {}, init = false): unknown[] {
  const sess = new tf.Session(g);
  try {
    if (init) sess.runSync(g.asDefault(() => tf.globalVariablesInitializer()));
    return (sess.runSync(fetches, feeds as never) as tf.Tensor[]).map((t) => t.toArray());
  } finally {
    void sess.close();
  }
}

/** Expects `fn` to throw `pattern` and leave `g` without new operations or functions. */
function expectRefused(g: tf.Graph, fn: () => unknown, type: new (...args: never[]) => Error, pattern: RegExp): void {
  const ops = g.numOperations;
  const functions = g.functions().length;
  expect(fn).toThrow(type);
  expect(fn).toThrow(pattern);
  expect(g.numOperations).toBe(ops);
  expect(g.functions().length).toBe(functions);
}

describe('whileLoop bad input', () => {
  const g = new tf.Graph();
  const i0 = g.constant(0, { dtype: 'int32' });
  const x0 = g.constant([1, 2], { dtype: 'float32' });
  const cond = (i: tf.Output) => tf.less(i, 3);

  test('a body returning another structure names both structures', () => {
    expectRefused(g, () => g.asDefault(() => tf.whileLoop(cond, (i: tf.Output) => [tf.add(i, 1)], [i0, x0])), TypeError,
      /different structure than loopVars: 2 loop variables \(\[\*, \*\]\) but body returned \[\*\]/);
    expectRefused(g, () => g.asDefault(() => tf.whileLoop(cond, (i: tf.Output, x: tf.Output) => [tf.add(i, 1), [x, x]], [i0, x0])),
      TypeError, /different structure/);
  });

  test('a body returning another dtype names the loop variable', () => {
    const toInt = (i: tf.Output, x: tf.Output) => [tf.add(i, 1), tf.cast(x, 'int32')];
    expectRefused(g, () => g.asDefault(() => tf.whileLoop(cond, toInt, [i0, x0])),
      TypeError, /loop variable 1 \('Const_1:0'\) enters the loop as float32, but body returns int32/);
  });

  test('a shape that changes beyond its invariant names the loop variable; a less specific invariant allows it', () => {
    const grow = (i: tf.Output, x: tf.Output) => [tf.add(i, 1), tf.concat([x, x], 0)];
    expectRefused(g, () => g.asDefault(() => tf.whileLoop(cond, grow, [i0, x0])), RangeError,
      /loop variable 1 \('Const_1:0'\) enters the loop with shape \[2\], but has shape \[4\] after one iteration/);
    expectRefused(g, () => g.asDefault(() => tf.whileLoop(cond, grow, [i0, x0], { shapeInvariants: [[], [3]] })), RangeError,
      /has shape \[2\], which does not fit its shape invariant \[3\]/);
    const [, x] = g.asDefault(() => tf.whileLoop(cond, grow, [i0, x0], { shapeInvariants: [[], [null]] })) as tf.Output[];
    expect(x.shape).toEqual([null]);
    expect(Array.from(run(g, [x])[0] as Float32Array)).toEqual([1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
  });

  test('a cond that is not boolean, and a body that throws, leave the graph unchanged', () => {
    expectRefused(g, () => g.asDefault(() => tf.whileLoop((i: tf.Output) => tf.add(i, 1), (i: tf.Output) => [tf.add(i, 1)], [i0])),
      TypeError, /cond must return a bool tensor/);
    expectRefused(g, () => g.asDefault(() => tf.whileLoop(cond, () => { throw new RangeError('from the body'); }, [i0])),
      RangeError, /from the body/);
    const notInteger = g.constant(2.5);
    expectRefused(g, () => tf.whileLoop(cond, (i: tf.Output) => i, [i0], { maximumIterations: notInteger }), TypeError,
      /maximumIterations must be an integer/);
  });
});

describe('whileLoop structures, state and training', () => {
  test('a single loop variable and host values: returns the structure given; names as Python', () => {
    const g = new tf.Graph();
    const r = g.asDefault(() => tf.whileLoop((v: tf.Output) => tf.less(v, 10), (v: tf.Output) => tf.multiply(v, 2), 1)) as tf.Output;
    expect(r).toBeInstanceOf(tf.Output);
    expect(r.name).toBe('while/Identity_2:0');
    expect(run(g, [r])[0]).toBe(16);
    const op = g.operation('while')!;
    expect(op.type).toBe('StatelessWhile');
    expect(op.inputs.map((t) => t.op.name)).toEqual(['while/loop_counter', 'while/maximum_iterations', 'Const']);
    expect((op.attr('cond') as { name: string }).name).toMatch(/^while_cond_\d+$/);
    expect((op.attr('body') as { name: string }).name).toMatch(/^while_body_\d+$/);
    expect(op.attr('_lower_using_switch_merge')).toBe(true);
    expect(op.attr('parallel_iterations')).toBe(10);
    const nested = g.asDefault(() =>
      tf.whileLoop((a: tf.Output) => tf.less(a, 5), (a: tf.Output, [b, c]: tf.Output[]) => [tf.add(a, 1), [tf.add(b, c), c]],
        [tf.constant(0), [tf.constant(0), tf.constant(2)]], { name: 'pairs' })) as [tf.Output, tf.Output[]];
    expect(nested[1][0].name).toBe('pairs/Identity_3:0');
    expect(run(g, [nested[0], nested[1][0]])).toEqual([5, 10]);
  });

  test('a variable assigned in the body makes a stateful While; the assignments happen', () => {
    const g = new tf.Graph();
    const [r, v] = g.asDefault(() => {
      const v = tf.getVariable('counter', { initializer: tf.constant(0), trainable: false });
      const r = tf.whileLoop((i: tf.Output) => tf.less(i, 4), (i: tf.Output) =>
        tf.getDefaultGraph().controlDependencies([v.assignAdd(tf.constant(2))], () => tf.add(i, 1)), tf.constant(0));
      return [r as tf.Output, v];
    });
    expect(g.operation('while')!.type).toBe('While');
    const sess = new tf.Session(g);
    sess.runSync(g.asDefault(() => tf.globalVariablesInitializer()));
    expect((sess.runSync(r) as tf.Tensor).toArray()).toBe(4);
    expect((sess.runSync(v.value()) as tf.Tensor).toArray()).toBe(8);
    void sess.close();
  });

  test('minimize() trains through a loop: a scalar recurrence fits its target', () => {
    const g = new tf.Graph();
    const [loss, step] = g.asDefault(() => {
      const w = tf.getVariable('w', { initializer: tf.constant(0.3) });
      const cell = (i: tf.Output, h: tf.Output) => [tf.add(i, 1), tf.tanh(tf.add(tf.multiply(h, w), 0.2))];
      const [, h] = tf.whileLoop((i: tf.Output) => tf.less(i, 5), cell,
        [tf.constant(0), tf.constant(0.0)]) as tf.Output[];
      const loss = tf.square(tf.subtract(h, 0.6));
      return [loss, new tf.train.GradientDescentOptimizer(0.5).minimize(loss)];
    });
    const sess = new tf.Session(g);
    sess.runSync(g.asDefault(() => tf.globalVariablesInitializer()));
    const first = (sess.runSync(loss) as tf.Tensor).toArray() as number;
    for (let k = 0; k < 30; k++) sess.runSync(step);
    const last = (sess.runSync(loss) as tf.Tensor).toArray() as number;
    void sess.close();
    expect(last).toBeLessThan(first / 10);
  });

  test('gradients taken twice of one loop, and of a loop that runs no iteration, are right', () => {
    const g = new tf.Graph();
    const [p, q, d1, d2, dq, x, n] = g.asDefault(() => {
      const x = g.placeholder('float32', [], 'x');
      const n = g.placeholder('int32', [], 'n');
      const cube = (i: tf.Output, v: tf.Output) => [tf.add(i, 1), tf.multiply(v, x)];
      const [, p] = tf.whileLoop((i: tf.Output) => tf.less(i, 3), cube, [tf.constant(0, { dtype: 'int32' }), tf.constant(1.0)]);
      const [d1] = tf.gradients(p, x) as tf.Output[];
      // The second gradient needs what the first did not (x, for the square): the loop is rebuilt again.
      const [d2] = tf.gradients(tf.square(p), x) as tf.Output[];
      const [, q] = tf.whileLoop((i: tf.Output) => tf.less(i, n), cube, [tf.constant(0, { dtype: 'int32' }), x]);
      const [dq] = tf.gradients(q, x) as tf.Output[];
      return [p, q, d1, d2, dq, x, n];
    });
    const [pv, d1v, d2v] = run(g, [p, d1, d2], { [x.name]: -1.5 }) as number[];
    expect(pv).toBeCloseTo(-3.375, 5);
    expect(d1v).toBeCloseTo(3 * 2.25, 4);
    expect(d2v).toBeCloseTo(6 * (-1.5) ** 5, 3);
    expect(run(g, [q, dq], { [x.name]: 2, [n.name]: 0 })).toEqual([2, 1]);
    expect(run(g, [q, dq], { [x.name]: 2, [n.name]: 2 })).toEqual([8, 12]);
  });
});
