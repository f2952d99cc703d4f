// SPDX-License-Identifier: Apache-2.0
// tf.cond / tf.case: variables read and assigned in branches, bad input (graph unchanged), copying a graph with
// conds, the asserts of tf.case, and the gradient's refusal to run a branch's side effects twice.
import * as tf from '../../lib';

function session(g: tf.Graph, init = true): tf.Session {
  const sess = new tf.Session(g);
  if (init) sess.runSync(g.asDefault(() => tf.globalVariablesInitializer()));
  return sess;
}

function value(sess: tf.Session, fetch: tf.Output, feeds: Array<[tf.Output, unknown]> = []): unknown {
  return sess.runSync(fetch, new Map(feeds) as never).toArray();
}

describe('tf.cond with variables', () => {
  test('a branch reads and assigns a variable: only the branch taken changes it', () => {
    const g = new tf.Graph();
    const { x, v, y } = g.asDefault(() => {
      const x = tf.placeholder('float32', [], 'x');
      const v = tf.getVariable('v', { shape: [], initializer: tf.initializers.constant(2) });
      const y = tf.cond(tf.greater(x, 0), () => tf.multiply(v.assignAdd(1), x), () => tf.multiply(v, x)) as tf.Output;
      return { x, v, y };
    });
    expect(y.op.inputs[0].op.type).toBe('If'); // stateful: the branches touch a variable
    const sess = session(g);
    try {
      expect(value(sess, y, [[x, 2]])).toBe(6); // v = 3, then 3 * 2
      expect(value(sess, y, [[x, -1]])).toBe(-3); // v stays 3
      expect(value(sess, y, [[x, 1]])).toBe(4);
      expect(value(sess, v.value())).toBe(4);
    } finally {
      void sess.close();
    }
  });

  test('branches without stateful ops make a StatelessIf; one returning nothing gives the If op', () => {
    const g = new tf.Graph();
    const { x, v, y, op } = g.asDefault(() => {
      const x = tf.placeholder('float32', [], 'x');
      const v = tf.getVariable('v', { shape: [], initializer: tf.initializers.constant(0) });
      const y = tf.cond(tf.less(x, 0), () => tf.negative(x), () => x) as tf.Output;
      const op = tf.cond(tf.less(x, 0), () => { v.assign(x); }, () => undefined) as tf.Operation;
      return { x, v, y, op };
    });
    expect(y.op.inputs[0].op.type).toBe('StatelessIf');
    expect(op.type).toBe('If');
    const sess = session(g);
    try {
      expect(value(sess, y, [[x, -4]])).toBe(4);
      sess.runSync(op, new Map([[x, -4]]) as never);
      expect(value(sess, v.value())).toBe(-4);
      sess.runSync(op, new Map([[x, 5]]) as never);
      expect(value(sess, v.value())).toBe(-4);
    } finally {
      void sess.close();
    }
  });

  test('gradients use the values the forward pass read and drew; one run assigns once', () => {
    const g = new tf.Graph();
    const { x, v, y, r, dx, dv, drx } = g.asDefault(() => {
      const x = tf.placeholder('float32', [], 'x');
      const v = tf.getVariable('v', { shape: [], initializer: tf.initializers.constant(2) });
      const y = tf.cond(tf.greater(x, 0), () => tf.multiply(v.assignAdd(1), x), () => x) as tf.Output;
      const r = tf.cond(tf.greater(x, 0), () => tf.multiply(x, tf.random.uniform([], { minval: 1, maxval: 2 })), () => x) as tf.Output;
      const [dx, dv] = tf.gradients(y, [x, v]) as tf.Output[];
      const [drx] = tf.gradients(r, [x]) as tf.Output[];
      return { x, v, y, r, dx, dv, drx };
    });
    const sess = session(g);
    try {
      const [yv, dxv, dvv] = sess.runSync([y, dx, dv], new Map([[x, 2]]) as never).map((t) => t.toArray());
      expect([yv, dxv, dvv]).toEqual([6, 3, 2]); // v became 3 once; the gradient saw that 3
      expect(value(sess, v.value())).toBe(3);
      for (let i = 0; i < 3; i++) {
        const [rv, drv] = sess.runSync([r, drx], new Map([[x, 2]]) as never).map((t) => t.toArray() as number);
        expect(drv).toBeCloseTo(rv / 2, 6); // the gradient of x * u is the u drawn for r
      }
      expect(sess.runSync([drx], new Map([[x, -1]]) as never)[0].toArray()).toBe(1);
    } finally {
      void sess.close();
    }
  });

  test('a gradient that would draw again inside a nested cond is an Error naming the cond', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [], 'x');
      const y = tf.cond(tf.greater(x, 0),
        () => tf.cond(tf.greater(x, 1), () => tf.multiply(x, tf.random.uniform([])), () => x), () => x) as tf.Output;
      expect(() => tf.gradients(y, [x])).toThrow(/recomputes the branch.*\(If\)/);
    });
  });
});

describe('tf.cond bad input', () => {
  function fixture(): { g: tf.Graph; x: tf.Output; n: tf.Output; count: number } {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2], 'x');
    const n = g.placeholder('int32', [], 'n');
    return { g, x, n, count: g.numOperations };
  }

  test('a non-bool, non-scalar or JS boolean predicate is refused and adds nothing', () => {
    const { g, x, n, count } = fixture();
    g.asDefault(() => {
      expect(() => tf.cond(n, () => x, () => x)).toThrow(/must be a bool tensor.*int32/);
      expect(() => tf.cond(tf.greater(x, 0), () => x, () => x)).toThrow(/must be a scalar.*\[2\]/);
      expect(() => tf.cond(true, () => x, () => x)).toThrow(TypeError);
    });
    expect(g.numOperations).toBe(count + 2); // the Greater and its constant, made by the caller
    expect(g.functions()).toEqual([]);
  });

  test('branches returning different structures or dtypes are refused and add nothing', () => {
    const { g, x, n, count } = fixture();
    const p = g.placeholder('bool', [], 'p');
    const before = count + 1;
    g.asDefault(() => {
      expect(() => tf.cond(p, () => [x, x], () => x)).toThrow(/same number, type and overall structure/);
      expect(() => tf.cond(p, () => x, () => tf.cast(x, 'int32'))).toThrow(/float32.*int32/);
      expect(() => tf.cond(p, () => [x, [x]], () => [x, x])).toThrow(/structure/);
      expect(() => tf.cond(p, () => n, () => { throw new RangeError('from the branch'); })).toThrow(RangeError);
    });
    expect(g.numOperations).toBe(before);
    expect(g.functions()).toEqual([]);
  });
});

describe('tf.case', () => {
  function build(exclusive: boolean, withDefault: boolean): { g: tf.Graph; x: tf.Output; y: tf.Output } {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const y = g.asDefault(() => tf.case(
      [[tf.less(x, 0), () => tf.negative(x)], [tf.less(x, 10), () => tf.multiply(x, 2)]],
      { exclusive, default: withDefault ? () => tf.constant(100) : undefined },
    )) as tf.Output;
    return { g, x, y };
  }

  test('the first true predicate wins; the default runs when none holds', () => {
    const { g, x, y } = build(false, true);
    const sess = session(g, false);
    try {
      expect([-3, 4, 50].map((v) => value(sess, y, [[x, v]]))).toEqual([3, 8, 100]);
    } finally {
      void sess.close();
    }
  });

  test('without a default, no true predicate fails at run time; exclusive fails when two hold', async () => {
    for (const [exclusive, withDefault, bad] of [[false, false, 50], [true, true, -3]] as const) {
      const { g, x, y } = build(exclusive, withDefault);
      const sess = session(g, false);
      try {
        expect(value(sess, y, [[x, 4]])).toBe(8);
        expect(() => value(sess, y, [[x, bad]])).toThrow(exclusive ? /exclusive=True/ : /None of conditions evaluated as True/);
      } finally {
        await sess.close();
      }
    }
  });
});

describe('copying a graph with conds', () => {
  test('tf.copy.copyToGraph carries the branch functions, also those of nested conds', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const y = g.asDefault(() =>
      tf.cond(tf.greater(x, 0), () => tf.cond(tf.greater(x, 5), () => tf.multiply(x, 3), () => tf.square(x)),
        () => tf.negative(x))) as tf.Output;
    const g2 = new tf.Graph();
    const y2 = tf.copy.copyToGraph(y, g2, { namespace: 'copied' });
    const names = (gr: tf.Graph) => gr.functions().map((f) => f.name).sort();
    expect(names(g2)).toEqual(names(g));
    expect(names(g2).length).toBe(4);
    const sess = session(g2, false);
    try {
      expect([-2, 2, 6].map((v) => value(sess, y2, [[g2.tensor('copied/x:0'), v]]))).toEqual([2, 4, 18]);
    } finally {
      void sess.close();
    }
  });
});
