// SPDX-License-Identifier: Apache-2.0
// Static shapes as Python's TensorShape treats them: null is an unknown rank, null entries unknown dimensions.

export type StaticShape = Array<number | null> | null;

/** Python's `TensorShape.is_compatible_with`: equal ranks and dimensions wherever both are known. */
export function shapesCompatible(a: StaticShape, b: StaticShape): boolean {
  if (a === null || b === null) return true;
  if (a.length !== b.length) return false;
  return a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

/** Whether every dimension is known. */
export function isFullyDefined(shape: StaticShape): shape is number[] {
  return shape !== null && shape.every((d) => d !== null);
}

/** `[2,?,3]`, or `<unknown>` for an unknown rank. */
export function shapeToString(shape: StaticShape): string {
  if (shape === null) return '<unknown>';
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

/**
 * Validates a shape argument: an array of non-negative integers, with null (or -1) for unknown dimensions
 * when `allowUnknown`.
 * @throws TypeError for a non-array; RangeError for a bad dimension.
 */
export function requireShape(value: unknown, what: string, allowUnknown = true): Array<number | null> {
  if (!Array.isArray(value)) {
    throw new TypeError(`Expected an array of dimensions for ${what} but received ${value === null ? 'null' : typeof value}`);
  }
  return value.map((d, i) => {
    if ((d === null || d === -1) && allowUnknown) return null;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new RangeError(`Expected ${allowUnknown ? 'non-negative integers or null' : 'non-negative integers'} as dimensions of ${what} but dimension ${i} is ${String(d)}`);
    }
    return d;
  });
}
