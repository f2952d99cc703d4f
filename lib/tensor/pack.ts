// SPDX-License-Identifier: Apache-2.0
// JS values into the TypedArray that holds a dtype: nested arrays' shapes and dtypes inferred, scalars packed
// with range checks for integers, float16 through @petamoriken/float16 (loaded on first use).
import type { Float16Array as Float16ArrayType } from '@petamoriken/float16';
import {
  ARRAY_TYPES,
  DType,
  INTEGER_RANGES,
  TypedArray,
  checkIntegerElement,
  float32ToBfloat16Bits,
} from '../base/dtypes';
import { shapeToString } from '../base/shape';

export type Scalar = number | bigint | boolean | string | Uint8Array;
export type NestedArray = Scalar | NestedArray[];
export type TensorLike = TypedArray | NestedArray;

const SPACED = { spaced: true };

// Loaded on first float16 use: the package takes as long to load as the rest of the tensor layer.
let float16Class: typeof Float16ArrayType | undefined;
export function Float16Array(): typeof Float16ArrayType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, see above
  return (float16Class ??= (require('@petamoriken/float16') as { Float16Array: typeof Float16ArrayType }).Float16Array);
}

/** Shape of a nested array; throws TypeError for ragged arrays. */
export function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  const check = (v: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw new TypeError(`Ragged nested array: ${path} has more dimensions than ${path.replace(/\[\d+\]$/, '')}[0]`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const got = Array.isArray(v) ? `length ${v.length}` : 'a scalar';
      const expected = `${shape[depth]} elements were expected (shape ${shapeToString(shape, SPACED)})`;
      throw new TypeError(`Ragged nested array: ${path || 'values'} has ${got} where ${expected}`);
    }
    for (let i = 0; i < v.length; i++) check(v[i], depth + 1, `${path || 'values'}[${i}]`);
  };
  check(values, 0, '');
  return shape;
}

export function flatten(values: NestedArray, out: Scalar[]): void {
  if (Array.isArray(values)) {
    for (const v of values) flatten(v, out);
  } else {
    out.push(values);
  }
}

export function inferDType(first: Scalar | undefined): DType {
  if (typeof first === 'bigint') return 'int64';
  if (typeof first === 'boolean') return 'bool';
  if (typeof first === 'string' || first instanceof Uint8Array) return 'string';
  return 'float32';
}

function toNumber(v: Scalar, dtype: DType, index: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  const kind = typeof v === 'string' ? `the string '${v}'` : typeof v;
  throw new TypeError(`Expected numbers for a ${dtype} tensor but element ${index} is ${kind}`);
}

function toBigInt(v: Scalar, dtype: DType, index: number): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new TypeError(`Expected integers for a ${dtype} tensor but element ${index} is ${v}`);
    return BigInt(v);
  }
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new TypeError(`Expected integers or bigints for a ${dtype} tensor but element ${index} is ${typeof v}`);
}

/**
 * Packs flat JS scalars into the TypedArray that holds `dtype`. Integer dtypes take integers within their
 * range only: a TypedArray store would wrap or truncate the rest silently (2n**64n → 0, 1.7 → 1, NaN → 0).
 */
export function pack(flat: Scalar[], dtype: DType): TypedArray {
  const ctor = ARRAY_TYPES[dtype]!;
  const out = new ctor(flat.length) as TypedArray;
  const range = INTEGER_RANGES[dtype];
  if (dtype === 'int64' || dtype === 'uint64') {
    const big = out as BigInt64Array | BigUint64Array;
    for (let i = 0; i < flat.length; i++) {
      const v = toBigInt(flat[i], dtype, i);
      checkIntegerElement(v, dtype, i);
      big[i] = v;
    }
  } else if (dtype === 'float16') {
    const numbers = new Float64Array(flat.length);
    for (let i = 0; i < flat.length; i++) numbers[i] = toNumber(flat[i], dtype, i);
    new (Float16Array())(out.buffer).set(numbers);
  } else if (dtype === 'bfloat16') {
    for (let i = 0; i < flat.length; i++) (out as Uint16Array)[i] = float32ToBfloat16Bits(toNumber(flat[i], dtype, i));
  } else if (dtype === 'bool') {
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i];
      if (typeof v !== 'boolean' && typeof v !== 'number') {
        throw new TypeError(`Expected booleans for a bool tensor but element ${i} is ${typeof v}`);
      }
      (out as Uint8Array)[i] = v ? 1 : 0;
    }
  } else if (range) {
    const numbers = out as Int32Array;
    const min = Number(range[0]);
    const max = Number(range[1]);
    for (let i = 0; i < flat.length; i++) {
      const v = toNumber(flat[i], dtype, i);
      // The common case costs two comparisons; the exact check (and its error) only runs when they fail.
      if (!(v >= min && v <= max && Number.isInteger(v))) checkIntegerElement(v, dtype, i);
      numbers[i] = v;
    }
  } else {
    const numbers = out as Float32Array;
    for (let i = 0; i < flat.length; i++) {
      const v = toNumber(flat[i], dtype, i);
      if (Number.isNaN(v) && typeof flat[i] !== 'number') throw new TypeError(`Element ${i} is not a number`);
      numbers[i] = v;
    }
  }
  return out;
}

/** Converts a TypedArray whose element type differs from dtype's host representation. */
export function convertTypedArray(array: TypedArray, dtype: DType): TypedArray {
  return pack(Array.from(array as ArrayLike<number | bigint>) as Scalar[], dtype);
}

