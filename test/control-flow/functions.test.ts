// SPDX-License-Identifier: Apache-2.0
// tf.defineFunction, g.functions() and the FuncGraph machinery under cond and whileLoop: capture of outer
// tensors and variables, statefulness, name scopes and the default graph inside a body.
import * as tf from '../../lib';
import { buildFunction, traceFunction, FuncGraph } from '../../lib/control-flow/func-graph';

function runOnce(g: tf.Graph, fetch: tf.Output, feeds: Record<string, unknown> = {}, init = false): unknown {
  const sess = new tf.Session(g);
  try {
    if (init) sess.runSync(g.asDefault(() => tf.globalVariablesInitializer()));
    return sess.runSync(fetch, feeds as never).toArray();
  } finally {
    void sess.close();
  }
}

describe('FuncGraph', () => {
  test('captures outer tensors and variables where they enter a body op; the outer graph is unchanged', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const v = g.asDefault(() => tf.getVariable('v', { shape: [], initializer: tf.initializers.constant(2) }));
    const before = g.numOperations;
    const f = buildFunction(g, 'affine', [{ dtype: 'float32', shape: [] }], (a) => tf.add(tf.multiply(a, x), v));
    expect(g.numOperations).toBe(before);
    expect(g.functions()).toEqual([]);
    expect(f.captures.map((c) => c.name)).toEqual(['x:0', 'v:0']);
    expect(f.captures[1].dtype).toBe('resource');
    expect(f.outputDTypes).toEqual(['float32']);
    expect(f.outputShapes).toEqual([[]]);
    expect(f.isStateful).toBe(true); // the variable is read in the body
  });

  test('a body without stateful ops is stateless; name scopes start at the root; seeds come from the outer graph', () => {
    const g = new tf.Graph();
    g.seed = 7;
    const x = g.placeholder('float32', [2], 'x');
    const t = g.nameScope('outer', () => traceFunction(g, 'body', [], () => tf.nameScope('inner', () => tf.square(x)), 'body'));
    expect(t.graph).toBeInstanceOf(FuncGraph);
    expect(t.graph.seed).toBe(7);
    expect(t.flat[0].op.name).toBe('inner/Square');
    expect(t.flat[0].shape).toEqual([2]);
  });

  test('a tensor of another graph (not an enclosing one) is still an Error', () => {
    const g = new tf.Graph();
    const other = new tf.Graph().placeholder('float32', [], 'y');
    expect(() => buildFunction(g, 'bad', [], () => tf.square(other))).toThrow(/belongs to|default graph/);
  });
});

describe('tf.defineFunction', () => {
  test('calls through PartitionedCall, stateful with a variable; g.functions() lists the library', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const v = g.asDefault(() => tf.getVariable('v', { shape: [], initializer: tf.initializers.constant(2) }));
    const cube = tf.defineFunction('cube', (a: tf.Output) => tf.multiply(a, tf.multiply(a, a)), ['float32']);
    const sqPlusV = tf.defineFunction('sq_plus_v', (a: tf.Output) => tf.add(tf.multiply(a, a), v), [{ dtype: 'float32', shape: [] }]);
    const y1 = cube(x) as tf.Output;
    const y2 = sqPlusV(x) as tf.Output;
    expect(y1.op.type).toBe('PartitionedCall');
    expect(y2.op.type).toBe('StatefulPartitionedCall');
    expect(y1.shape).toEqual([]);
    const fns = Object.fromEntries(g.functions().map((f) => [f.name, f]));
    expect(Object.keys(fns).sort()).toEqual(['cube', 'sq_plus_v']);
    expect(fns.cube.isStateful).toBe(false);
    expect(fns.sq_plus_v.inputs.map((i) => i.dtype)).toEqual(['float32', 'resource']);
    expect(runOnce(g, y1, { x: -3 })).toBe(-27);
    expect(runOnce(g, y2, { x: 3 }, true)).toBe(11);
  });

  test('two calls share one library entry; a wrong dtype or arity is a TypeError and builds nothing', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const n = g.placeholder('int32', [], 'n');
    const twice = tf.defineFunction('twice', (a: tf.Output) => tf.multiply(a, 2), ['float32']);
    const y = twice(twice(x) as tf.Output) as tf.Output;
    expect(g.functions().map((f) => f.name)).toEqual(['twice']);
    expect(runOnce(g, y, { x: 1.5 })).toBe(6);
    const count = g.numOperations;
    expect(() => twice(n)).toThrow(TypeError);
    expect(() => twice(x, x)).toThrow(TypeError);
    expect(g.numOperations).toBe(count);
  });

  test('returns the structure the body returns', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const pair = tf.defineFunction('pair', (a: tf.Output) => [tf.add(a, 1), [tf.multiply(a, 3)]], ['float32']);
    const [p, [q]] = pair(x) as [tf.Output, [tf.Output]];
    expect(runOnce(g, p, { x: 2 })).toBe(3);
    expect(runOnce(g, q, { x: 2 })).toBe(6);
  });
});

describe('call sites', () => {
  test('naming a function the library lacks is an Error when built; the graph is unchanged', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const count = g.numOperations;
    expect(() => g.addOperation('PartitionedCall', { inputs: [[x]], attrs: { Tin: ['float32'], Tout: ['float32'], f: 'nowhere' } }))
      .toThrow(/'nowhere'.*not in the graph's function library/);
    expect(() => g.ops.statelessWhile([x], { cond: 'c', body: 'b' } as never)).toThrow(/not in the graph's function library/);
    expect(g.numOperations).toBe(count);
    const f = tf.defineFunction('f', (a: tf.Output) => tf.negative(a), ['float32']);
    f(x);
    expect(g.addOperation('PartitionedCall', { inputs: [[x]], attrs: { Tin: ['float32'], Tout: ['float32'], f: 'f' } }).type)
      .toBe('PartitionedCall');
  });
});
