// SPDX-License-Identifier: Apache-2.0
// Argument checks for the façade, with one message shape: "Expected X for Y but received Z of type T".

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `'${value.length > 40 ? value.slice(0, 40) + '…' : value}' of type string`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${String(value)} of type ${typeof value}`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const name = (value as object).constructor?.name;
  return name ? `an object of type ${name}` : `a value of type ${typeof value}`;
}

export function invalidArgument(expected: string, what: string, value: unknown): TypeError {
  return new TypeError(`Expected ${expected} for ${what} but received ${describe(value)}`);
}

export function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalidArgument('a string', what, value);
  return value;
}

/**
 * A file or directory path: a string without NUL, which TensorFlow's C++ would silently cut the path at (so a
 * save would land somewhere else than asked).
 */
export function requirePath(value: unknown, what: string): string {
  requireString(value, what);
  if ((value as string).includes('\0')) throw new TypeError(`${what} contains a NUL character: ${JSON.stringify(value)}`);
  return value as string;
}

export function optionalString(value: unknown, what: string): string | undefined {
  return value === undefined ? undefined : requireString(value, what);
}

export function requireFunction<T extends (...args: never[]) => unknown>(value: unknown, what: string): T {
  if (typeof value !== 'function') throw invalidArgument('a function', what, value);
  return value as T;
}

export function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgument('an options object', what, value);
  }
  return value as Record<string, unknown>;
}

export function optionalObject(value: unknown, what: string): Record<string, unknown> {
  return value === undefined ? {} : requireObject(value, what);
}

export function requireInteger(value: unknown, what: string, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArgument('an integer', what, value);
  if (value < min || value > max) {
    throw new RangeError(`Expected ${what} in [${min}, ${max}] but received ${value}`);
  }
  return value;
}

export function requireBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw invalidArgument('a boolean', what, value);
  return value;
}

export function requireNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalidArgument('a number', what, value);
  return value;
}

export function requireArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw invalidArgument('an array', what, value);
  return value;
}
