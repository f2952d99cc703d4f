// SPDX-License-Identifier: Apache-2.0
// Building graphs with addOperation: names, scopes, devices, control dependencies, lookups and the errors.
import * as tf from '../../lib';

describe('Graph building', () => {
  test('names are uniquified as Python does', () => {
    const g = new tf.Graph();
    const consts = [g.constant(1), g.constant(2), g.constant(3, { name: 'Const_1' })];
    consts.push(g.constant(4, { name: 'c' }), g.constant(5, { name: 'C' }));
    const names = consts.map((o) => o.op.name);
    expect(names).toEqual(['Const', 'Const_1', 'Const_1_1', 'c', 'C_1']);
  });

  test('name scopes nest, are made unique, and can be re-entered', () => {
    const g = new tf.Graph();
    const a = g.nameScope('layer', () => g.constant(1).op.name);
    const b = g.nameScope('layer', (scope) => {
      expect(scope).toBe('layer_1/');
      return g.nameScope('inner', () => g.constant(1, { name: 'w' }).op.name);
    });
    const c = g.nameScope('layer/', () => g.constant(1).op.name);
    const d = g.nameScope('layer', () => g.nameScope(null, () => g.constant(1).op.name));
    expect([a, b, c, d]).toEqual(['layer/Const', 'layer_1/inner/w', 'layer/Const_1', 'Const']);
  });

  test('devices merge like Python device scopes and accept functions', () => {
    const g = new tf.Graph();
    const ops = g.device('/job:ps/task:1', () => [
      g.constant(1).op,
      g.device('/device:GPU:0', () => g.constant(2).op),
      g.device((op) => (op.type === 'Const' ? '/cpu:0' : null), () => g.constant(3).op),
      g.device(null, () => g.constant(4).op),
    ]);
    // Python applies the innermost scope first and lets outer string scopes fill in what it left open, so the
    // function's '/cpu:0' still runs in /job:ps/task:1 (tf.compat.v1 gives exactly these four).
    expect(ops.map((o) => o.device)).toEqual(['/job:ps/task:1', '/job:ps/task:1/device:GPU:0', '/job:ps/task:1/device:CPU:0', '']);
    expect(() => g.device('/job:a/bogus:x:y:z', () => 0)).toThrow(TypeError);
  });

  test('control dependencies apply to new ops, except those consuming ops from the same block', () => {
    const g = new tf.Graph();
    const a = g.constant(1, { name: 'a' });
    const b = g.constant(2, { name: 'b' });
    g.controlDependencies([a], () => {
      const c = g.addOperation('Neg', { inputs: [b], name: 'c' });
      const d = g.addOperation('Neg', { inputs: [c.output(0)], name: 'd' });
      expect(c.controlInputs.map((o) => o.name)).toEqual(['a']);
      expect(d.controlInputs).toEqual([]);
      g.controlDependencies(null, () => {
        expect(g.addOperation('Neg', { inputs: [b], name: 'e' }).controlInputs).toEqual([]);
      });
    });
    expect(g.addOperation('Neg', { inputs: [b], name: 'f' }).controlInputs).toEqual([]);
  });

  test('lookups: operation, tensor, operations, numOperations, consumers, inputs', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2, null], 'x');
    const y = g.addOperation('Neg', { inputs: [x], name: 'y' });
    expect(g.operation('y')).toBe(y);
    expect(g.operation('nope')).toBeUndefined();
    expect(g.tensor('x:0')).toBe(x);
    expect(g.tensor('y')).toBe(y.output(0));
    expect(() => g.tensor('y:3')).toThrow(RangeError);
    expect(g.operations().map((o) => o.name)).toEqual(['x', 'y']);
    expect(g.numOperations).toBe(2);
    expect(x.consumers()).toEqual([y]);
    expect(y.inputs).toEqual([x]);
    expect(x.shape).toEqual([2, null]);
    expect(x.dtype).toBe('float32');
    expect(x.name).toBe('x:0');
    expect(y.type).toBe('Neg');
    expect(y.numOutputs).toBe(1);
    expect(x.op.attr('dtype')).toBe('float32');
    expect(x.op.attr('shape')).toEqual([2, null]);
  });

  describe('errors leave the graph unchanged', () => {
    function expectUnchanged(g: tf.Graph, fn: () => unknown, error: unknown) {
      const before = g.numOperations;
      expect(fn).toThrow(error as never);
      expect(g.numOperations).toBe(before);
    }

    test('unknown op type', () => {
      const g = new tf.Graph();
      expectUnchanged(g, () => g.addOperation('NoSuchOp'), tf.errors.NotFoundError);
    });

    test('missing attr', () => {
      const g = new tf.Graph();
      expectUnchanged(g, () => g.addOperation('Placeholder', { name: 'p' }), /missing attr 'dtype'/);
      // the name is free again
      expect(g.placeholder('float32', [], 'p').op.name).toBe('p');
    });

    test('attr of the wrong type, unknown attr, bad dtype', () => {
      const g = new tf.Graph();
      expectUnchanged(g, () => g.addOperation('Placeholder', { attrs: { dtype: 7 } }), TypeError);
      expectUnchanged(g, () => g.addOperation('Placeholder', { attrs: { dtype: 'float32', colour: 'red' } }), /Placeholder has no attr 'colour'/);
      expectUnchanged(g, () => g.addOperation('Placeholder', { attrs: { dtype: 'float99' } }), /Unknown dtype/);
      expectUnchanged(g, () => g.addOperation('Placeholder', { attrs: { dtype: 'float32', shape: [-3] } }), RangeError);
    });

    test('inputs of mismatched dtypes or count', () => {
      const g = new tf.Graph();
      const a = g.constant(1);
      const b = g.constant(1, { dtype: 'int32' });
      expectUnchanged(g, () => g.addOperation('AddV2', { inputs: [a, b] }), tf.errors.InvalidArgumentError);
      expectUnchanged(g, () => g.addOperation('AddV2', { inputs: [a] }), /AddV2 takes 2 inputs \(x, y\) but received 1/);
      expectUnchanged(g, () => g.addOperation('AddV2', { inputs: [a, 5 as never] }), TypeError);
    });

    test('ops mixing two graphs name both graphs', () => {
      const g1 = new tf.Graph();
      const g2 = new tf.Graph();
      const a = g1.constant(1, { name: 'a' });
      const b = g2.constant(1, { name: 'b' });
      const elsewhere = new RegExp(`Output 'a:0' belongs to Graph #${g1.id} but is used in Graph #${g2.id}`);
      expectUnchanged(g2, () => g2.addOperation('AddV2', { inputs: [a, b] }), elsewhere);
      expectUnchanged(g2, () => g2.controlDependencies([a], () => 0), /belongs to Graph/);
    });

    test('wrong argument types', () => {
      const g = new tf.Graph();
      expect(() => g.addOperation(5 as never)).toThrow(TypeError);
      expect(() => g.addOperation('NoOp', 'x' as never)).toThrow(TypeError);
      expect(() => g.nameScope('a', 5 as never)).toThrow(TypeError);
      expect(() => g.placeholder('nope' as never)).toThrow(TypeError);
      expect(() => g.operation(3 as never)).toThrow(TypeError);
    });
  });

  test('constant: a single value fills a shape, as Python\'s tf.constant; several values must have its element count', async () => {
    const g = new tf.Graph();
    const cases: Array<[tf.Output, unknown]> = [
      [g.constant(0.5, { shape: [2, 2] }), [[0.5, 0.5], [0.5, 0.5]]],
      [g.constant([7], { shape: [3], dtype: 'int32' }), [7, 7, 7]],
      [g.constant(3n, { shape: [2] }), [3n, 3n]],
      [g.constant(true, { shape: [2] }), [true, true]],
      [g.constant('ab', { shape: [2] }), ['ab', 'ab']],
      [g.constant(1.5, { shape: [2], dtype: 'float16' }), [1.5, 1.5]],
      [g.constant(1, { shape: [2], dtype: 'complex64' }), [[1, 0], [1, 0]]],
      [g.constant(2, { shape: [0, 3] }), []],
      [g.constant([1, 2, 3, 4], { shape: [2, 2] }), [[1, 2], [3, 4]]],
      [g.constant(5, { shape: [1, 1] }), [[5]]],
    ];
    expect(cases.map(([c]) => c.shape)).toEqual([[2, 2], [3], [2], [2], [2], [2], [2], [0, 3], [2, 2], [1, 1]]);
    const sess = new tf.Session(g);
    const values = await sess.run(cases.map(([c]) => c));
    expect(values.map((t) => t.toArray())).toEqual(cases.map(([, v]) => v));
    await sess.close();
    const n = g.numOperations;
    expect(() => g.constant([1, 2, 3], { shape: [2, 2] })).toThrow(/needs 4 elements but the values have shape \[3\]/);
    expect(() => g.constant([[1]], { shape: [3] })).toThrow(TypeError);
    expect(() => g.constant(1, { shape: [-1] })).toThrow(RangeError);
    expect(g.numOperations).toBe(n);
  });
});
