// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../lib';

describe("the Variables guide's conv_relu / my_image_filter example", () => {
  // Translated from the guide (tf.compat.v1 "Sharing variables").
  function convRelu(g: tf.Graph, input: tf.OutputLike, kernelShape: number[], biasShape: number[]): tf.Output {
    // Create variable named "weights".
    const weights = g.getVariable('weights', { shape: kernelShape, initializer: tf.initializers.randomNormal() });
    // Create variable named "biases".
    const biases = g.getVariable('biases', { shape: biasShape, initializer: tf.initializers.constant(0.0) });
    const attrs = { T: 'float32', strides: [1, 1, 1, 1], padding: 'SAME' };
    const conv = g.addOperation('Conv2D', { inputs: [input, weights], attrs }).output(0);
    const sum = g.addOperation('AddV2', { inputs: [conv, biases], attrs: { T: 'float32' } }).output(0);
    return g.addOperation('Relu', { inputs: [sum], attrs: { T: 'float32' } }).output(0);
  }

  function myImageFilter(g: tf.Graph, inputImages: tf.OutputLike): tf.Output {
    const relu1 = g.variableScope('conv1', () => convRelu(g, inputImages, [5, 5, 32, 32], [32]));
    return g.variableScope('conv2', () => convRelu(g, relu1, [5, 5, 32, 32], [32]));
  }

  const image = tf.tensor(Float32Array.from({ length: 10 * 10 * 32 }, (_, i) => Math.sin(i)), [1, 10, 10, 32]);

  async function check(g: tf.Graph, output1: tf.Output, output2: tf.Output) {
    expect(g.globalVariables().map((v) => [v.name, v.shape])).toEqual([
      ['model/conv1/weights', [5, 5, 32, 32]],
      ['model/conv1/biases', [32]],
      ['model/conv2/weights', [5, 5, 32, 32]],
      ['model/conv2/biases', [32]],
    ]);
    const sess = new tf.Session(g);
    await sess.run(tf.globalVariablesInitializer(g));
    const [a, b] = await sess.run([output1, output2], { input1: image, input2: image });
    expect(a.shape).toEqual([1, 10, 10, 32]);
    expect(Array.from(b.data() as Float32Array)).toEqual(Array.from(a.data() as Float32Array));
    await sess.close();
  }

  test('with variableScope("model", …, {reuse: true})', async () => {
    const g = new tf.Graph();
    const input1 = g.placeholder('float32', [1, 10, 10, 32], 'input1');
    const input2 = g.placeholder('float32', [1, 10, 10, 32], 'input2');
    const output1 = g.variableScope('model', () => myImageFilter(g, input1));
    const output2 = g.variableScope('model', () => myImageFilter(g, input2), { reuse: true });
    // Ops follow the name scopes (model, model_1); variables the variable scope (model).
    expect(output1.op.name).toBe('model/conv2/Relu');
    expect(output2.op.name).toBe('model_1/conv2/Relu');
    await check(g, output1, output2);
  });

  test('with scope.reuseVariables()', async () => {
    const g = new tf.Graph();
    const input1 = g.placeholder('float32', [1, 10, 10, 32], 'input1');
    const input2 = g.placeholder('float32', [1, 10, 10, 32], 'input2');
    const [output1, output2] = g.variableScope('model', (scope) => {
      const out1 = myImageFilter(g, input1);
      scope.reuseVariables();
      const out2 = myImageFilter(g, input2);
      return [out1, out2];
    });
    await check(g, output1, output2);
  });

  test('calling it twice without reuse raises Python\'s error', () => {
    const g = new tf.Graph();
    const input = g.placeholder('float32', [1, 10, 10, 32], 'input1');
    myImageFilter(g, input);
    expect(() => myImageFilter(g, input)).toThrow(
      "Variable conv1/weights already exists, disallowed. Did you mean to set reuse=true or reuse='auto' in VarScope?",
    );
  });
});

describe('variable scopes', () => {
  test('names: nested scopes, name scopes and uniquified ops', () => {
    const g = new tf.Graph();
    const [a, c1] = g.variableScope('foo', () => [g.getVariable('a', { shape: [1] }), g.constant(1, { name: 'c' })]);
    const [b, c2] = g.variableScope('foo', () => [g.getVariable('b', { shape: [1] }), g.constant(1, { name: 'c' })]);
    const [bar, c3] = g.variableScope('foo', () =>
      g.variableScope('bar', () => [g.getVariable('v', { shape: [1] }), g.constant(1, { name: 'c' })]));
    const [e, f, c4] = g.nameScope('ns', () =>
      g.variableScope('vs', () => [g.getVariable('e', { shape: [1] }), g.variable(2, { name: 'f' }), g.constant(1, { name: 'c' })]));
    expect([a, b, bar, e, f].map((v) => v.name)).toEqual(['foo/a', 'foo/b', 'foo/bar/v', 'vs/e', 'ns/vs/f']);
    expect([c1, c2, c3, c4].map((c) => c.op.name)).toEqual(['foo/c', 'foo_1/c', 'foo_2/bar/c', 'ns/vs/c']);
  });

  test('re-entering a scope by its object keeps its name and properties', () => {
    const g = new tf.Graph();
    const init = tf.initializers.ones();
    const foo = g.variableScope('foo', (scope) => {
      g.getVariable('a', { shape: [1] });
      return scope;
    }, { initializer: init, dtype: 'float64' });
    expect(foo.name).toBe('foo');
    expect(foo.originalNameScope).toBe('foo/');
    expect(foo.reuse).toBe(false);
    const [b, c, inner] = g.nameScope('outer', () => g.variableScope(foo, (scope) => {
      expect(scope.name).toBe('foo');
      const inner = g.variableScope('inner', () => g.getVariable('d', { shape: [1] }));
      return [g.getVariable('b', { shape: [1] }), g.constant(1, { name: 'c' }), inner];
    }));
    expect(b.name).toBe('foo/b');
    expect(b.dtype).toBe('float64');
    expect(b.initialValue.op.name).toBe('foo/b/Initializer/ones');
    expect(c.op.name).toBe('outer/foo/c');
    expect(inner.name).toBe('foo/inner/d');
    const a = g.variableScope(foo, () => g.getVariable('a'), { reuse: true });
    expect(a.name).toBe('foo/a');
    expect(g.globalVariables().filter((v) => v.name === 'foo/a')).toHaveLength(1);
  });

  test('reuse: true returns the same variable; missing ones are an error; sub-scopes inherit it', () => {
    const g = new tf.Graph();
    const w = g.variableScope('s', () => g.getVariable('w', { shape: [2] }));
    expect(g.variableScope('s', () => g.getVariable('w'), { reuse: true })).toBe(w);
    expect(g.variableScope('s', () => g.getVariable('w', { shape: [2], dtype: 'float32' }), { reuse: true })).toBe(w);
    expect(() => g.variableScope('s', () => g.getVariable('zz', { shape: [1] }), { reuse: true })).toThrow(
      "Variable s/zz does not exist, or was not created with getVariable(). Did you mean to set reuse='auto' in VarScope?",
    );
    g.variableScope('r', (scope) => {
      g.variableScope('sub', (sub) => expect(sub.reuse).toBe(true), { reuse: false });
      expect(scope.reuse).toBe(true);
    }, { reuse: true });
    // A variable made with g.variable is not in getVariable's store.
    g.variable(1, { name: 'plain' });
    expect(() => g.variableScope('', () => g.getVariable('plain'), { reuse: true })).toThrow(/Variable plain does not exist/);
  });

  test("reuse: 'auto' creates or reuses", () => {
    const g = new tf.Graph();
    const [q1, q2] = g.variableScope('auto', () => [g.getVariable('q', { shape: [1] }), g.getVariable('q', { shape: [1] })], {
      reuse: 'auto',
    });
    expect(q1).toBe(q2);
    expect(g.globalVariables()).toHaveLength(1);
  });

  test('sharing with another shape or dtype is an error', () => {
    const g = new tf.Graph();
    g.getVariable('w', { shape: [2] });
    expect(() => g.variableScope('', () => g.getVariable('w', { shape: [3] }), { reuse: true })).toThrow(
      'Trying to share variable w, but specified shape [3] and found shape [2].',
    );
    expect(() => g.variableScope('', () => g.getVariable('w', { dtype: 'float64' }), { reuse: true })).toThrow(
      'Trying to share variable w, but specified dtype float64 and found dtype float32.',
    );
  });

  test('defaultName scopes are made unique; reuse: true needs a name', () => {
    const g = new tf.Graph();
    const names = [0, 1, 2].map(() => g.variableScope(null, (s) => s.name, { defaultName: 'layer' }));
    expect(names).toEqual(['layer', 'layer_1', 'layer_2']);
    expect(() => g.variableScope(null, () => 0, { reuse: true, defaultName: 'x' })).toThrow(/reuse=true cannot be used without a nameOrScope/);
    expect(() => g.variableScope(null, () => 0)).toThrow(/defaultName/);
    // Closing a scope resets the counts of its sub-scopes.
    const inner = [0, 1].map(() => g.variableScope('outer', () => g.variableScope(null, (s) => s.name, { defaultName: 'd' })));
    expect(inner).toEqual(['outer/d', 'outer/d']);
  });

  test('auxiliaryNameScope: false opens no name scope', () => {
    const g = new tf.Graph();
    const [v, c] = g.variableScope('vs', () => [g.getVariable('v', { shape: [1] }), g.constant(1, { name: 'c' })], {
      auxiliaryNameScope: false,
    });
    expect(v.name).toBe('vs/v');
    expect(c.op.name).toBe('c');
  });

  test('the scope is restored when fn throws', () => {
    const g = new tf.Graph();
    expect(() => g.variableScope('a', () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(g.getVariable('x', { shape: [1] }).name).toBe('x');
  });

  test('bad arguments', () => {
    const g = new tf.Graph();
    expect(() => g.variableScope(3 as never, () => 0)).toThrow(TypeError);
    expect(() => g.variableScope('a', 'fn' as never)).toThrow(TypeError);
    expect(() => g.variableScope('a', () => 0, { reuse: 'yes' as never })).toThrow(TypeError);
    expect(() => g.variableScope('a', () => 0, { dtype: 'f32' as never })).toThrow(TypeError);
    expect(() => g.variableScope('a', () => 0, { initializer: {} as never })).toThrow(TypeError);
    expect(g.numOperations).toBe(0);
  });
});

describe('getVariable', () => {
  test('defaults: float32 with glorot-uniform; integers, bools and strings with zeros', () => {
    const g = new tf.Graph();
    const f = g.getVariable('f', { shape: [2] });
    const i = g.getVariable('i', { shape: [2], dtype: 'int64' });
    const b = g.getVariable('b', { shape: [2], dtype: 'bool' });
    const s = g.getVariable('s', { shape: [2], dtype: 'string' });
    expect(f.dtype).toBe('float32');
    expect(f.initialValue.op.name).toBe('f/Initializer/random_uniform');
    expect([i, b, s].map((v) => v.initialValue.op.name)).toEqual(['i/Initializer/zeros', 'b/Initializer/zeros', 's/Initializer/zeros']);
    expect(() => g.getVariable('c', { shape: [2], dtype: 'complex64' })).toThrow('An initializer for variable c of complex64 is required');
  });

  test('an initializer value gives the shape; giving one too is an error, as in Python', async () => {
    const g = new tf.Graph();
    const t = g.getVariable('t', { initializer: g.constant([1, 2]) });
    const u = g.getVariable('u', { initializer: [[1, 2, 3]], dtype: 'int32' });
    const w = g.getVariable('w', { initializer: tf.tensor([1.5]) });
    expect([t.shape, u.shape, w.shape]).toEqual([[2], [1, 3], [1]]);
    expect(u.dtype).toBe('int32');
    expect(() => g.getVariable('x', { shape: [2], initializer: g.constant([1, 2]) }))
      .toThrow('If initializer is a constant, do not specify shape.');
    expect(() => g.getVariable('y', { initializer: g.constant([1, 2]), dtype: 'int32' }))
      .toThrow("Initializer type 'float32' and explicit dtype 'int32' don't match.");
    const sess = new tf.Session(g);
    await sess.run(tf.globalVariablesInitializer(g));
    expect((await sess.run(u)).toArray()).toEqual([[1, 2, 3]]);
    await sess.close();
  });

  test('initializers: a factory passed uncalled, a custom function, the scope default', async () => {
    const g = new tf.Graph();
    const a = g.getVariable('a', { shape: [2], initializer: tf.initializers.ones });
    const b = g.getVariable('b', {
      shape: [2, 2],
      initializer: (shape, dtype, graph) => graph.constant(Array(shape[0] * shape[1]).fill(7), { shape, dtype }),
    });
    const c = g.variableScope('s', () => g.getVariable('c', { shape: [3] }), { initializer: tf.initializers.constant(4) });
    const sess = new tf.Session(g);
    await sess.run(tf.globalVariablesInitializer(g));
    expect((await sess.run([a, b, c])).map((t) => t.toArray())).toEqual([[1, 1], [[7, 7], [7, 7]], [4, 4, 4]]);
    await sess.close();
  });

  test('errors: no shape, partial shape, invalid names, bad options — the graph unchanged', () => {
    const g = new tf.Graph();
    expect(() => g.getVariable('t5')).toThrow('Variable t5 did not get an initializer, so its `shape` argument must be specified.');
    expect(() => g.getVariable('p', { shape: [null, 2] })).toThrow(/needs a fully defined shape/);
    expect(() => g.getVariable('bad name!', { shape: [2] })).toThrow("'bad name!' is not a valid root scope name. " +
      'A root scope name has to match the following pattern: ^[A-Za-z0-9.][A-Za-z0-9_.\\-/]*(?:>[A-Za-z0-9.][A-Za-z0-9_.\\-/]*)*$');
    expect(() => g.getVariable(5 as never)).toThrow(TypeError);
    expect(() => g.getVariable('q', { shape: 'x' as never })).toThrow(TypeError);
    expect(() => g.getVariable('q', { shape: [2], trainable: 1 as never })).toThrow(TypeError);
    expect(() => g.getVariable('q', { shape: [2], initializer: tf.initializers.constant([1, 2, 3]) }))
      .toThrow('Too many elements provided. Takes at most 2, but got 3.');
    expect(g.numOperations).toBe(0);
    // The failed names remain available.
    expect(g.getVariable('q', { shape: [2] }).name).toBe('q');
  });

  test('an initializer that does not match the shape is a clear error and creates no variable', () => {
    const g = new tf.Graph();
    const wrong = (_shape: number[], dtype: tf.DType | undefined, graph: tf.Graph) => graph.constant([1, 2, 3], { dtype });
    expect(() => g.getVariable('w', { shape: [2], initializer: wrong })).toThrow(/initial value's shape \[3\] is not compatible with the explicitly supplied shape \[2\]/);
    expect(() => g.getVariable('x', { shape: [2], dtype: 'float32', initializer: (_s, _d, graph) => graph.constant([1, 2], { dtype: 'int32' }) })).toThrow(/requested dtype float32/);
    // The initializer's own operations were built (TensorFlow graphs cannot drop operations, as in Python),
    // but no variable exists, and the name can be used.
    expect(g.globalVariables()).toEqual([]);
    expect(g.operation('w')).toBeUndefined();
    expect(g.getVariable('w', { shape: [2] }).name).toBe('w');
  });

  test('trainable and collections', () => {
    const g = new tf.Graph();
    const a = g.getVariable('a', { shape: [1], trainable: false });
    const b = g.getVariable('b', { shape: [1], collections: ['mine'] });
    expect(g.globalVariables()).toEqual([a]);
    expect(g.trainableVariables()).toEqual([b]);
    expect(g.getCollection('mine')).toEqual([b]);
  });
});
