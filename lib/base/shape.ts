// SPDX-License-Identifier: Apache-2.0
// Shapes, in one place: static shapes as Python's TensorShape treats them (null is an unknown rank, null entries
// unknown dimensions), concrete shapes of tensors, their text, and the limits TensorFlow CHECK-fails on.
import { toNumber } from '../proto';

export type StaticShape = Array<number | null> | null;

/** TensorFlow's TensorShape::MaxDimensions(): a shape of more dimensions aborts the process in TensorFlow. */
export const MAX_RANK = 254;

// 2^63 is exact as a double; a dimension or element count of 2^63 or more does not fit TensorFlow's int64.
const INT64_LIMIT = 2 ** 63;
const INT64_LIMIT_BIG = BigInt(2) ** BigInt(63);

/** Python's `TensorShape.is_compatible_with`: equal ranks and dimensions wherever both are known. */
export function shapesCompatible(a: StaticShape | readonly number[], b: StaticShape | readonly number[]): boolean {
  if (a === null || b === null) return true;
  if (a.length !== b.length) return false;
  return a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

/** Whether a tensor of shape `actual` may stand where `expected` is declared (a feed, a signature input). */
export function shapeFits(actual: readonly number[], expected: StaticShape): boolean {
  return shapesCompatible(actual, expected);
}

/** Whether every dimension is known. */
export function isFullyDefined(shape: StaticShape): shape is number[] {
  return shape !== null && shape.every((d) => d !== null);
}

export interface ShapeTextOptions {
  /** `[2, ?, 3]` rather than `[2,?,3]` (tensors' and SavedModel signatures' messages use the spaced form). */
  spaced?: boolean;
}

/** `[2,?,3]` (or `[2, ?, 3]` with `spaced`), or `<unknown>` for an unknown rank. */
export function shapeToString(shape: ReadonlyArray<number | null> | null, options?: ShapeTextOptions): string {
  if (shape === null) return '<unknown>';
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(options?.spaced ? ', ' : ',')}]`;
}

/** The number of elements of a concrete shape (1 for a scalar). */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/**
 * Whether the product of the known non-zero dimensions fits an int64. TensorFlow's TensorShape multiplies the
 * dimensions in order and CHECK-fails on the first overflow, so `[2^62, 2^62, 0]` aborts although it has no
 * elements: zeros do not excuse the others. Exact: doubles while the product stays below 2^53, BigInts beyond.
 */
export function elementCountFitsInt64(shape: ReadonlyArray<number | null>): boolean {
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d !== null && d !== 0) n *= d;
  }
  if (n <= Number.MAX_SAFE_INTEGER) return true;
  let big = BigInt(1);
  for (const d of shape) {
    if (d === null || d === 0) continue;
    big *= BigInt(d);
    if (big >= INT64_LIMIT_BIG) return false;
  }
  return true;
}

/**
 * Checks what TensorFlow would abort on: more than 254 dimensions, a dimension or an element count past int64.
 * @throws RangeError naming `what`.
 */
export function checkShapeLimits(shape: ReadonlyArray<number | null>, what: string): void {
  if (shape.length > MAX_RANK) {
    throw new RangeError(`A shape may have at most ${MAX_RANK} dimensions, but ${what} has ${shape.length}`);
  }
  if (!elementCountFitsInt64(shape)) {
    throw new RangeError(`The number of elements of ${what} ${shapeToString(shape)} does not fit an int64 (at most 2^63-1)`);
  }
}

function badDimension(d: unknown): string {
  return typeof d === 'number' ? String(d) : `${String(d)} of type ${typeof d}`;
}

/**
 * Validates a static shape argument: an array of non-negative integers, with null (or -1, or a hole) for unknown
 * dimensions when `allowUnknown`, within TensorFlow's limits (see `checkShapeLimits`).
 * @throws TypeError for a non-array; RangeError for a bad dimension, too many dimensions or too many elements.
 */
export function requireShape(value: unknown, what: string, allowUnknown = true): Array<number | null> {
  if (!Array.isArray(value)) {
    throw new TypeError(`Expected an array of dimensions for ${what} but received ${value === null ? 'null' : typeof value}`);
  }
  if (value.length > MAX_RANK) checkShapeLimits(value, what); // before looking at a million dimensions
  const dims = Array.from(value as unknown[], (d, i) => {
    if ((d === null || d === -1 || d === undefined) && allowUnknown) return null;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d >= INT64_LIMIT) {
      const expected = allowUnknown ? 'non-negative integers or null' : 'non-negative integers';
      throw new RangeError(`Expected ${expected} as dimensions of ${what} but dimension ${i} is ${badDimension(d)}`);
    }
    return d as number;
  });
  checkShapeLimits(dims, what);
  return dims;
}

/** A concrete shape (every dimension known), validated as `requireShape` does. */
export function requireConcreteShape(value: unknown, what: string): number[] {
  return requireShape(value, what, false) as number[];
}

/** A TensorShapeProto as protobufjs decodes it. */
export interface TensorShapeProtoObject {
  dim?: Array<{ size?: unknown }> | null;
  unknown_rank?: boolean | null;
}

/** The static shape of a decoded TensorShapeProto (sizes of -1 are unknown dimensions). */
export function shapeFromProto(shape: TensorShapeProtoObject | null | undefined): StaticShape {
  if (!shape || shape.unknown_rank) return null;
  return (shape.dim ?? []).map((d) => {
    const n = toNumber(d.size);
    return n < 0 ? null : n;
  });
}
