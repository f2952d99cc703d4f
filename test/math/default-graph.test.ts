// SPDX-License-Identifier: Apache-2.0
// The default graph: asDefault nests, functions without a graph argument build into it, and arguments from
// two graphs (or from a graph that is not the default one) are refused with both named.
import * as tf from '../../lib';

describe('the default graph', () => {
  test('asDefault nests and returns fn\'s result; getDefaultGraph falls back to one process-wide graph', () => {
    const outer = new tf.Graph();
    const inner = new tf.Graph();
    const global = tf.getDefaultGraph();
    expect(tf.getDefaultGraph()).toBe(global);
    const r = outer.asDefault(() => {
      expect(tf.getDefaultGraph()).toBe(outer);
      inner.asDefault(() => expect(tf.getDefaultGraph()).toBe(inner));
      expect(tf.getDefaultGraph()).toBe(outer);
      return tf.constant(1, { name: 'c' });
    });
    expect(r.graph).toBe(outer);
    expect(outer.operation('c')).toBeDefined();
    expect(tf.getDefaultGraph()).toBe(global);
  });

  test('asDefault restores the previous default when fn throws', () => {
    const g = new tf.Graph();
    const before = tf.getDefaultGraph();
    expect(() => g.asDefault(() => { throw new Error('boom'); })).toThrow('boom');
    expect(tf.getDefaultGraph()).toBe(before);
  });

  test('resetDefaultGraph replaces the process-wide graph, and refuses inside asDefault', () => {
    const before = tf.getDefaultGraph();
    tf.placeholder('float32', [], 'p');
    tf.resetDefaultGraph();
    const after = tf.getDefaultGraph();
    expect(after).not.toBe(before);
    expect(after.numOperations).toBe(0);
    expect(() => new tf.Graph().asDefault(() => tf.resetDefaultGraph())).toThrow(/inside g.asDefault/);
  });

  test('functions with Outputs build into the Outputs\' graph', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2], 'x');
    const y = tf.add(x, 1);
    expect(y.graph).toBe(g);
    expect(y.op.name).toBe('Add');
    expect(g.operation('Add/y')).toBeDefined();
  });

  test('arguments from two graphs → Error naming both', () => {
    const a = new tf.Graph();
    const b = new tf.Graph();
    const x = a.placeholder('float32', [], 'xa');
    const y = b.placeholder('float32', [], 'yb');
    expect(() => tf.add(x, y)).toThrow(new RegExp(`'yb:0' belongs to ${b}.*'xa:0' belongs to ${a}`));
    expect(() => tf.concat([x, y], 0)).toThrow(/belongs to/);
    expect(a.numOperations).toBe(1);
    expect(b.numOperations).toBe(1);
  });

  test('an argument from a graph other than the one made default → Error naming both', () => {
    const a = new tf.Graph();
    const b = new tf.Graph();
    const x = a.placeholder('float32', [], 'xa');
    expect(() => b.asDefault(() => tf.square(x))).toThrow(new RegExp(`'xa:0' belongs to ${a}, which is not the default graph \\(${b}`));
  });

  test('tf.nameScope, tf.variableScope and tf.getVariable use the default graph', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      tf.nameScope('outer', () => tf.constant(1, { name: 'k' }));
      const v = tf.variableScope('vs', () => tf.getVariable('w', { shape: [2] }));
      expect(v.name).toBe('vs/w');
      expect(tf.globalVariables()).toEqual([v]);
      expect(tf.trainableVariables()).toEqual([v]);
    });
    expect(g.operation('outer/k')).toBeDefined();
  });

  test('Part 1 initializers default to the default graph', async () => {
    const g = new tf.Graph();
    const [init, local, report] = g.asDefault(() => {
      tf.getVariable('w', { shape: [2] });
      return [tf.globalVariablesInitializer(), tf.localVariablesInitializer(), tf.reportUninitializedVariables()];
    });
    expect([init.graph, local.graph, report.graph]).toEqual([g, g, g]);
    const s = new tf.Session(g);
    expect((await s.run(report)).data()).toEqual(['w']);
    await s.run(init);
    expect((await s.run(report)).data()).toEqual([]);
    await s.close();
  });

  test('a scalar constant with a shape fills it; a number is float32 unless the dtype says otherwise', async () => {
    const g = new tf.Graph();
    const [c, i] = g.asDefault(() => [tf.constant(0.5, { shape: [2, 2] }), tf.constant(3, { dtype: 'int32' })]);
    expect(c.dtype).toBe('float32');
    expect(c.shape).toEqual([2, 2]);
    expect(i.dtype).toBe('int32');
    const s = new tf.Session(g);
    const [cv] = await s.run([c]);
    expect(Array.from(cv.data() as Float32Array)).toEqual([0.5, 0.5, 0.5, 0.5]);
    await s.close();
  });

  test('clear errors for wrong ranks and unknown names', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const v = tf.placeholder('float32', [3], 'v');
      expect(() => tf.matmul(v, v)).toThrow(/rank >= 2/);
      expect(() => tf.pad(v, [[1, 1]], { mode: 'WRAP' as 'CONSTANT' })).toThrow(/Unknown padding mode 'WRAP'/);
      expect(() => tf.concat([], 0)).toThrow(TypeError);
    });
  });
});
