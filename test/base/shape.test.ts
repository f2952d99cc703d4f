// SPDX-License-Identifier: Apache-2.0
// lib/base/shape.ts: the one shape module (text, compatibility, element counts, TensorFlow's limits, protos).
import {
  MAX_RANK,
  checkShapeLimits,
  elementCountFitsInt64,
  isFullyDefined,
  numElements,
  requireConcreteShape,
  requireShape,
  shapeFits,
  shapeFromProto,
  shapeToString,
  shapesCompatible,
} from '../../lib/base/shape';

describe('lib/base/shape', () => {
  test('text: compact by default, spaced on request, <unknown> for an unknown rank', () => {
    expect(shapeToString([2, null, 3])).toBe('[2,?,3]');
    expect(shapeToString([2, null, 3], { spaced: true })).toBe('[2, ?, 3]');
    expect(shapeToString([])).toBe('[]');
    expect(shapeToString(null)).toBe('<unknown>');
  });

  test('compatibility as Python\'s TensorShape, and concrete shapes fitting static ones', () => {
    expect(shapesCompatible([2, null], [2, 3])).toBe(true);
    expect(shapesCompatible([2, 3], [3, 3])).toBe(false);
    expect(shapesCompatible([2], [2, 1])).toBe(false);
    expect(shapesCompatible(null, [1])).toBe(true);
    expect(shapeFits([2, 3], [null, 3])).toBe(true);
    expect(shapeFits([2], [2, 3])).toBe(false);
    expect(shapeFits([5, 5], null)).toBe(true);
    expect(isFullyDefined([1, 2])).toBe(true);
    expect(isFullyDefined([1, null])).toBe(false);
    expect(isFullyDefined(null)).toBe(false);
  });

  test('element counts and the int64 limit TensorFlow CHECKs', () => {
    expect(numElements([])).toBe(1);
    expect(numElements([2, 3, 4])).toBe(24);
    expect(numElements([2, 0])).toBe(0);
    expect(elementCountFitsInt64([2 ** 31, 2 ** 31])).toBe(true);
    expect(elementCountFitsInt64([2 ** 62, 1, null])).toBe(true);
    expect(elementCountFitsInt64([2 ** 62, 2])).toBe(false); // exactly 2^63
    expect(elementCountFitsInt64([3037000499, 3037000499])).toBe(true); // just under 2^63, past 2^53
    expect(elementCountFitsInt64([3037000500, 3037000500])).toBe(false);
    expect(elementCountFitsInt64([2 ** 62, 2 ** 62, 0])).toBe(false); // TensorFlow overflows before the 0
    expect(() => checkShapeLimits(new Array(MAX_RANK + 1).fill(1), 'x')).toThrow(/at most 254 dimensions, but x has 255/);
    expect(() => checkShapeLimits(new Array(MAX_RANK).fill(1), 'x')).not.toThrow();
  });

  test('requireShape and requireConcreteShape: arrays of dimensions within the limits', () => {
    expect(requireShape([2, null, -1, undefined], 's')).toEqual([2, null, null, null]);
    // eslint-disable-next-line no-sparse-arrays
    expect(requireShape([1, , 3], 's')).toEqual([1, null, 3]);
    expect(requireConcreteShape([2, 3], 's')).toEqual([2, 3]);
    expect(() => requireConcreteShape([2, null], 's')).toThrow(/dimension 1 is null/);
    expect(() => requireShape('x', 's')).toThrow(TypeError);
    expect(() => requireShape([1.5], 's')).toThrow(RangeError);
    expect(() => requireShape([-2], 's')).toThrow(RangeError);
    expect(() => requireShape(['2'], 's')).toThrow(/dimension 0 is 2 of type string/);
    expect(() => requireShape([2 ** 63], 's')).toThrow(RangeError);
    expect(() => requireShape([2 ** 62, 2 ** 62, 4], 'the shape of v')).toThrow(/elements of the shape of v .* does not fit an int64/);
    expect(() => requireShape(new Array(1e6).fill(1), 's')).toThrow(/at most 254 dimensions/);
  });

  test('shapeFromProto: unknown rank, unknown dimensions, Long sizes', () => {
    expect(shapeFromProto(null)).toBeNull();
    expect(shapeFromProto({ unknown_rank: true })).toBeNull();
    expect(shapeFromProto({})).toEqual([]);
    expect(shapeFromProto({ dim: [{ size: 2 }, { size: -1 }, { size: { toNumber: () => 7 } }, {}] })).toEqual([2, null, 7, 0]);
  });
});
