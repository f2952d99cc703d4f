// SPDX-License-Identifier: Apache-2.0
// DType names, their TF_DataType numbers and their host representations.

export type DType =
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool'
  | 'string'
  | 'complex64'
  | 'complex128'
  | 'resource'
  | 'variant';

/** TF_DataType numbers (tensorflow/c/tf_datatype.h). */
export const DTYPE_NUMBERS: Record<DType, number> = {
  float32: 1,
  float64: 2,
  int32: 3,
  uint8: 4,
  int16: 5,
  int8: 6,
  string: 7,
  complex64: 8,
  int64: 9,
  bool: 10,
  bfloat16: 14,
  uint16: 17,
  complex128: 18,
  float16: 19,
  resource: 20,
  variant: 21,
  uint32: 22,
  uint64: 23,
};

const BY_NUMBER = new Map<number, DType>(
  Object.entries(DTYPE_NUMBERS).map(([name, n]) => [n, name as DType]),
);

export const DTYPES = Object.keys(DTYPE_NUMBERS) as DType[];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_NUMBERS, value);
}

/** The DType for a TF_DataType number; reference types (100 + n) map to their base type. */
export function dtypeFromNumber(n: number): DType {
  const dtype = BY_NUMBER.get(n > 100 ? n - 100 : n);
  if (!dtype) throw new TypeError(`TensorFlow returned dtype ${n}, which node-libtensorflow does not support`);
  return dtype;
}

export function dtypeNumber(dtype: DType): number {
  return DTYPE_NUMBERS[dtype];
}

export function requireDType(value: unknown, what: string): DType {
  if (!isDType(value)) {
    throw new TypeError(`Unknown dtype ${JSON.stringify(value)} for ${what}; expected one of ${DTYPES.join(', ')}`);
  }
  return value;
}

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

type TypedArrayConstructor = {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

/** The TypedArray that holds a dtype's elements (complex: interleaved re, im; float16/bfloat16: raw bits). */
export const ARRAY_TYPES: Partial<Record<DType, TypedArrayConstructor>> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  complex64: Float32Array,
  complex128: Float64Array,
};

/**
 * The dtypes a JS number is fed as directly, as a scalar with no TypedArray, and that a scalar result comes
 * back as: the one TypeScript list (the native one is VisitNumberDType in native/tensor_helper.h, exposed
 * as Tensor.numberDTypes(); test/native checks that both agree). A JS number holds all their values exactly.
 */
export const NUMBER_DTYPES: ReadonlySet<DType> = new Set<DType>([
  'float32',
  'float64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'uint16',
  'uint32',
]);

/** Each integer dtype's range. Values outside it, or that are not integers, are refused rather than wrapped. */
export const INTEGER_RANGES: Readonly<Partial<Record<DType, readonly [min: bigint, max: bigint]>>> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 2n ** 8n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/** The floating-point dtypes, in Python's order (what optimizers and initializers accept). */
export const FLOAT_DTYPES: ReadonlySet<DType> = new Set<DType>(['float16', 'bfloat16', 'float32', 'float64']);

/** Whether `dtype` is one of the eight integer dtypes (those of INTEGER_RANGES). */
export function isIntegerDType(dtype: DType): boolean {
  return INTEGER_RANGES[dtype] !== undefined;
}

/**
 * Checks that element `index` of a `dtype` tensor fits: an integer within INTEGER_RANGES[dtype]. Does
 * nothing for other dtypes.
 * @throws TypeError for a non-integral number (NaN and ±Infinity included); RangeError for an integer
 *   outside the range.
 */
export function checkIntegerElement(value: number | bigint, dtype: DType, index: number): void {
  const range = INTEGER_RANGES[dtype];
  if (!range) return;
  if (typeof value === 'number' && !Number.isInteger(value)) {
    throw new TypeError(`Element ${index} of a ${dtype} tensor must be an integer, not ${value}`);
  }
  const [min, max] = range;
  // Numbers compare with bigints exactly, with no rounding of either.
  if (value < min || value > max) {
    throw new RangeError(`Element ${index} (${value}) is out of range for a ${dtype} tensor: [${min}, ${max}]`);
  }
}

/** TypedArray values per tensor element (2 for complex dtypes). */
export function valuesPerElement(dtype: DType): number {
  return dtype === 'complex64' || dtype === 'complex128' ? 2 : 1;
}

export function isNumericDType(dtype: DType): boolean {
  return ARRAY_TYPES[dtype] !== undefined;
}

/** The dtype a TypedArray implies when none is given. */
export function dtypeOfTypedArray(array: ArrayBufferView): DType | undefined {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof BigInt64Array) return 'int64';
  if (array instanceof Uint8Array) return 'uint8';
  if (array instanceof Int8Array) return 'int8';
  if (array instanceof Int16Array) return 'int16';
  if (array instanceof Uint16Array) return 'uint16';
  if (array instanceof Uint32Array) return 'uint32';
  if (array instanceof BigUint64Array) return 'uint64';
  return undefined;
}

/** Whether a TypedArray's element type is the host representation of `dtype`. */
export function typedArrayMatches(array: ArrayBufferView, dtype: DType): boolean {
  const ctor = ARRAY_TYPES[dtype];
  if (ctor === undefined || array instanceof Uint8ClampedArray) return false;
  return array instanceof (ctor as unknown as new (...args: never[]) => unknown);
}

// bfloat16 conversions, exact and round-to-nearest-even (float16's are @petamoriken/float16's, in lib/tensor).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float32ToBfloat16Bits(value: number): number {
  f32[0] = value;
  const bits = u32[0];
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0) return (bits >>> 16) | 0x0040; // NaN stays NaN
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

export function bfloat16BitsToNumber(bits: number): number {
  u32[0] = bits << 16;
  return f32[0];
}
