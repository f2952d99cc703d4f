// SPDX-License-Identifier: Apache-2.0
// The addon's tensor views (native/tensor_view.h): results come back as views that own TensorFlow's memory,
// and releaseView frees them now without harming anything else it may be given.
import * as tf from '../../lib';
import { tfAddon } from '../../lib/binding/library';

describe('native tensor views', () => {
  test('a large result is [dtype, dims, view, true]; releaseView detaches it, and again does nothing', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2048], 'x');
    const y = g.ops.neg(x);
    const native = tf.Session._native(new tf.Session(g));
    const signature = native.prepare([x.op._native], [0], [y.op._native], [0], []);
    const [result] = native.runSync(signature, [[1, [2048], new Float32Array(2048).fill(3)]], null, false) as unknown[];
    expect(Array.isArray(result)).toBe(true);
    const [dtype, dims, view, owned] = result as [number, number[], ArrayBuffer, boolean];
    expect([dtype, dims, owned]).toEqual([1, [2048], true]);
    expect(new Float32Array(view)[2047]).toBe(-3);
    tfAddon().Tensor.releaseView(view);
    expect(view.byteLength).toBe(0);
    tfAddon().Tensor.releaseView(view);
    expect(view.byteLength).toBe(0);
  });

  test('releaseView leaves anything that is not a tensor view alone', () => {
    const plain = new ArrayBuffer(16);
    const array = new Float32Array(8).fill(1);
    for (const value of [plain, array, array.buffer, undefined, null, 42, 'view', {}, []]) {
      expect(() => tfAddon().Tensor.releaseView(value as ArrayBuffer)).not.toThrow();
    }
    expect(plain.byteLength).toBe(16);
    expect(array[7]).toBe(1);
  });
});
