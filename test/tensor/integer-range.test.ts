// SPDX-License-Identifier: Apache-2.0
// Issue 15, item 9: integer dtypes take integers within their range only, in tf.tensor and in a fed number
// (the native scalar path); nothing wraps or truncates silently. Also the float16 conversion
// (@petamoriken/float16) at the edges of its range.
import * as tf from '../../lib';
import type { DType } from '../../lib';
import { INTEGER_RANGES, NUMBER_DTYPES } from '../../lib/base/dtypes';
import { thrown } from '../helpers/thrown';

const INTEGERS: DType[] = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'];

describe('integer dtypes', () => {
  test('the ends of every range are kept exactly; one past either end is a RangeError naming the element', () => {
    for (const dtype of INTEGERS) {
      const [min, max] = INTEGER_RANGES[dtype]!;
      const big = dtype === 'int64' || dtype === 'uint64';
      const value = (v: bigint) => (big ? v : Number(v));
      const t = tf.tensor([value(min), value(max)], [2], dtype);
      expect(Array.from(t.data() as ArrayLike<number | bigint>).map(BigInt)).toEqual([min, max]);
      expect(() => tf.tensor([value(min), value(max + 1n)], [2], dtype)).toThrow(RangeError);
      const message = `Element 1 (${max + 1n}) is out of range for a ${dtype} tensor`;
      expect(() => tf.tensor([value(min), value(max + 1n)], [2], dtype)).toThrow(message);
      expect(() => tf.tensor([value(min - 1n)], [1], dtype)).toThrow(`Element 0 (${min - 1n}) is out of range for a ${dtype} tensor`);
    }
  });

  test('the reported cases: 2n**64n as int64, 1.7 / 1e20 / NaN as int32', () => {
    expect(() => tf.tensor([2n ** 64n], [1], 'int64')).toThrow(RangeError);
    expect(() => tf.tensor([1, 2n ** 64n], [2], 'uint64')).toThrow(/Element 1 \(18446744073709551616\)/);
    expect(() => tf.tensor([0, 1.7], [2], 'int32')).toThrow(TypeError);
    expect(() => tf.tensor([0, 1.7], [2], 'int32')).toThrow('Element 1 of a int32 tensor must be an integer, not 1.7');
    expect(() => tf.tensor([1e20], [1], 'int32')).toThrow(RangeError);
    expect(() => tf.tensor([NaN], [1], 'int32')).toThrow(TypeError);
    expect(() => tf.tensor([Infinity], [1], 'uint8')).toThrow(TypeError);
    expect(() => tf.tensor([1e20], [1], 'int64')).toThrow(RangeError);
    expect(() => tf.tensor([1.5], [1], 'int64')).toThrow(TypeError);
    // Bigints fed to 32-bit dtypes are checked as well.
    expect(() => tf.tensor([2n ** 40n], [1], 'int32')).toThrow(RangeError);
    // Converting another TypedArray checks each element.
    expect(() => tf.tensor(new Float64Array([1, 2.5]), [2], 'int16')).toThrow('Element 1 of a int16 tensor');
    expect(() => tf.tensor(new Float64Array([300]), [1], 'uint8')).toThrow(RangeError);
    expect(tf.tensor(new Float64Array([-0, 255]), [2], 'uint8').data()).toEqual(new Uint8Array([0, 255]));
  });

  test('a number fed to an integer placeholder is checked natively: 1e20 and NaN no longer become -2147483648', async () => {
    const g = new tf.Graph();
    const placeholders = Object.fromEntries(INTEGERS.map((d) => [d, g.placeholder(d, [], `p_${d}`)]));
    const identity = (d: DType) => g.addOperation('Identity', { inputs: [placeholders[d]], name: `y_${d}` }).output(0);
    const outputs = Object.fromEntries(INTEGERS.map((d) => [d, identity(d)]));
    const session = new tf.Session(g);
    const feed = (dtype: DType, value: number) => session.runSync(outputs[dtype], new Map([[placeholders[dtype], value]]));
    expect(thrown(() => feed('int32', 1e20))).toEqual({
      name: 'RangeError',
      message: 'Element 0 (100000000000000000000) is out of range for a int32 tensor: [-2147483648, 2147483647]',
    });
    expect(thrown(() => feed('int32', NaN))).toEqual({
      name: 'TypeError',
      message: 'Element 0 of a scalar int32 tensor must be an integer, not NaN',
    });
    expect(thrown(() => feed('int32', 1.7)).message).toMatch(/must be an integer, not 1\.7$/);
    expect(thrown(() => feed('uint8', 256)).name).toBe('RangeError');
    expect(thrown(() => feed('uint32', -1)).name).toBe('RangeError');
    expect(thrown(() => feed('int8', -129)).name).toBe('RangeError');
    await expect(session.run(outputs.int16, new Map([[placeholders.int16, 40000]]))).rejects.toThrow(/out of range for a int16/);
    for (const dtype of INTEGERS) {
      const [min, max] = INTEGER_RANGES[dtype]!;
      if (!NUMBER_DTYPES.has(dtype)) continue;
      expect([dtype, feed(dtype, Number(min)).item(), feed(dtype, Number(max)).item()]).toEqual([dtype, Number(min), Number(max)]);
    }
    // int64 takes numbers through tf.tensor: exact integers only.
    expect(feed('int64', 2 ** 53).item()).toBe(2n ** 53n);
    expect(() => feed('int64', 1e20)).toThrow(/out of range for a int64 tensor/);
    await session.close();
  });
});

describe('float16', () => {
  test('converts to the nearest float16, ties to even, and back exactly', () => {
    // 65519.99 rounds down to the largest float16; 65520 and up round to Infinity; 2^-25 ties to 0 (even).
    const values = [0, -0, 1, -2.5, 65504, 65519.99, 65520, 1e6, 2 ** -24, 2 ** -25, 3 * 2 ** -25];
    values.push(1 + 2 ** -11, 1 + 3 * 2 ** -11, NaN, -Infinity);
    const t = tf.tensor(values, [values.length], 'float16');
    expect(Array.from(t.data() as Uint16Array)).toEqual([
      0x0000, 0x8000, 0x3c00, 0xc100, 0x7bff, 0x7bff, 0x7c00, 0x7c00, 0x0001, 0x0000, 0x0002, 0x3c00, 0x3c02, 0x7e00, 0xfc00,
    ]);
    const back = t.toArray() as number[];
    expect(back.slice(0, 13)).toEqual([0, -0, 1, -2.5, 65504, 65504, Infinity, Infinity, 2 ** -24, 0, 2 ** -23, 1, 1 + 2 ** -9]);
    expect(Number.isNaN(back[13])).toBe(true);
    expect(back[14]).toBe(-Infinity);
  });
});
