// SPDX-License-Identifier: Apache-2.0
// The native layer's single readers (native/tensor_helper.h): ReadShape for tensor shapes and shape attrs
// alike, and VisitNumberDType, the C++ list of dtypes a JS number is fed as, which must match TypeScript's.
import * as tf from '../../lib';
import { DTYPE_NUMBERS, NUMBER_DTYPES } from '../../lib/base/dtypes';
import { tfAddon } from '../../lib/binding/library';
import { thrown } from '../helpers/thrown';

describe('native shapes and number dtypes', () => {
  test('Tensor.numberDTypes() is NUMBER_DTYPES: one list, in C++ and in TypeScript', () => {
    const native = tfAddon().Tensor.numberDTypes();
    expect([...native].sort((a, b) => a - b)).toEqual([...NUMBER_DTYPES].map((d) => DTYPE_NUMBERS[d]).sort((a, b) => a - b));
  });

  test('tensor shapes: rank over 254, negative, fractional, out-of-int64 or overflowing dimensions are clear errors', () => {
    const T = tfAddon().Tensor;
    expect(thrown(() => T.alloc(1, new Array(255).fill(1))).name).toBe('RangeError');
    expect(() => T.alloc(1, new Array(255).fill(1))).toThrow('at most 254 dimensions');
    expect(T.alloc(1, new Array(254).fill(1)).shape()).toHaveLength(254);
    expect(() => T.alloc(1, [2, -1])).toThrow(/dimension 1 is -1/);
    expect(thrown(() => T.alloc(1, [2.5])).name).toBe('RangeError');
    // Dimensions are int64: 2^63 is past them; 2^53 is one, but no allocation that large succeeds.
    expect(() => T.alloc(1, [2 ** 63])).toThrow(/below 2\^63/);
    expect(() => T.alloc(1, [2 ** 53])).toThrow(/too large/);
    expect(thrown(() => T.alloc(1, [2, 'x' as unknown as number])).name).toBe('TypeError');
    expect(() => T.alloc(1, [2 ** 40, 2 ** 40])).toThrow('multiply to more elements than int64 holds');
    expect(thrown(() => T.fromView(1, [2 ** 40, 2 ** 40], new Float32Array(4))).name).toBe('RangeError');
    // An element count that overflows size_t once multiplied by the element size is not a match for 0 bytes.
    expect(thrown(() => T.fromView(18, [2 ** 30, 2 ** 30, 16], new Float64Array(0))).name).toBe('RangeError');
    expect(thrown(() => T.fromStrings([2, -2], [])).name).toBe('RangeError');
  });

  test('shape attrs read through the same function: unknown dims allowed, the same limits otherwise', () => {
    const g = new tf.Graph();
    expect(g.placeholder('float32', [null, 3, -1], 'ok').shape).toEqual([null, 3, null]);
    let n = 0;
    const attr = (shape: unknown) => () => g.addOperation('Placeholder', { attrs: { dtype: 'float32', shape }, name: `p${n++}` });
    expect(attr(new Array(255).fill(1))).toThrow(/at most 254 dimensions/);
    expect(attr([2 ** 52, 2 ** 52, 4])).toThrow(/int64/);
    expect(attr([1, -2])).toThrow(RangeError);
  });
});
