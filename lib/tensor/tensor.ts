// SPDX-License-Identifier: Apache-2.0
// Host tensors: values in JS memory or in TensorFlow's, with every dtype.
import type { Float16Array as Float16ArrayType } from '@petamoriken/float16';
import {
  ARRAY_TYPES,
  DType,
  INTEGER_RANGES,
  TypedArray,
  bfloat16BitsToNumber,
  checkIntegerElement,
  dtypeFromNumber,
  dtypeNumber,
  dtypeOfTypedArray,
  float32ToBfloat16Bits,
  isDType,
  requireDType,
  typedArrayMatches,
  valuesPerElement,
} from '../base/dtypes';
import { tfAddon } from '../binding/library';
import { Native } from '../binding/native';
import { numElements, requireConcreteShape, shapeToString } from '../base/shape';

// Loaded on first float16 use: the package takes as long to load as the rest of the tensor layer.
let float16Class: typeof Float16ArrayType | undefined;
function Float16Array(): typeof Float16ArrayType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, see above
  return (float16Class ??= (require('@petamoriken/float16') as { Float16Array: typeof Float16ArrayType }).Float16Array);
}

const SPACED = { spaced: true };

export type Scalar = number | bigint | boolean | string | Uint8Array;
export type NestedArray = Scalar | NestedArray[];
export type TensorLike = TypedArray | NestedArray;

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** Shape of a nested array; throws TypeError for ragged arrays. */
function inferShape(values: NestedArray): number[] {
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

function flatten(values: NestedArray, out: Scalar[]): void {
  if (Array.isArray(values)) {
    for (const v of values) flatten(v, out);
  } else {
    out.push(values);
  }
}

function inferDType(first: Scalar | undefined): DType {
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
function pack(flat: Scalar[], dtype: DType): TypedArray {
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
function convertTypedArray(array: TypedArray, dtype: DType): TypedArray {
  return pack(Array.from(array as ArrayLike<number | bigint>) as Scalar[], dtype);
}

/**
 * A tensor value on the host. Its memory is either JS memory (a TypedArray, viewed, not copied) or
 * TensorFlow's (results of `session.run` larger than a few KiB, and `Tensor.alloc`), which `data()` views
 * without copying.
 */
export class Tensor {
  /** The element type. */
  readonly dtype: DType;
  /** The dimensions. */
  readonly shape: number[];
  #native: Native.Tensor | undefined;
  #data: TypedArray | undefined;
  #bytes: Uint8Array[] | undefined;
  // #data views TensorFlow memory that this Tensor owns (a run result): dispose() releases it.
  #ownsView = false;
  #disposed = false;

  private constructor(dtype: DType, shape: number[], data?: TypedArray, native?: Native.Tensor, bytes?: Uint8Array[]) {
    this.dtype = dtype;
    this.shape = shape;
    this.#data = data;
    this.#native = native;
    this.#bytes = bytes;
  }

  /** Number of elements. */
  get size(): number {
    return numElements(this.shape);
  }

  /** Bytes of the tensor's buffer (for string tensors, the bytes of the strings). */
  get byteLength(): number {
    this.#requireLive();
    if (this.#data) return this.#data.byteLength;
    if (this.#bytes) return this.#bytes.reduce((n, b) => n + b.byteLength, 0);
    return this.#native!.byteLength();
  }

  /** Whether `dispose()` was called. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  #requireLive(): void {
    if (this.#disposed) throw new Error(`Tensor (${this.dtype} ${shapeToString(this.shape, SPACED)}) is disposed`);
  }

  /**
   * The elements as a TypedArray view of the tensor's memory (no copy): float32 → Float32Array, int64 →
   * BigInt64Array, bool → Uint8Array, float16/bfloat16 → Uint16Array of raw bits, complex64 → Float32Array
   * of interleaved re, im. String tensors give `string[]` (UTF-8 decoded; use `bytes()` for raw bytes).
   * @throws Error when disposed; TypeError for resource and variant tensors.
   */
  data(): TypedArray | string[] {
    this.#requireLive();
    if (this.dtype === 'string') return this.bytes().map((b) => utf8.decode(b));
    if (this.#data) return this.#data;
    const ctor = ARRAY_TYPES[this.dtype];
    if (!ctor) throw new TypeError(`A ${this.dtype} tensor has no host data; fetch it to feed it back as is`);
    this.#data = new ctor(this.#native!.data()) as TypedArray;
    return this.#data;
  }

  /** The elements of a string tensor as bytes. @throws TypeError for other dtypes. */
  bytes(): Uint8Array[] {
    this.#requireLive();
    if (this.dtype !== 'string') throw new TypeError(`bytes() needs a string tensor, not ${this.dtype}`);
    if (!this.#bytes) this.#bytes = this.#native!.strings();
    return this.#bytes;
  }

  /** The elements as nested JS arrays (bool → booleans, float16/bfloat16 → numbers, complex → [re, im]). */
  toArray(): NestedArray {
    const flat = this.#flatValues();
    if (this.shape.length === 0) return flat[0];
    let index = 0;
    const build = (depth: number): NestedArray => {
      const n = this.shape[depth];
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = depth === this.shape.length - 1 ? flat[index++] : build(depth + 1);
      return out;
    };
    return build(0);
  }

  /** The single value of a size-1 tensor. @throws RangeError otherwise. */
  item(): NestedArray {
    if (this.size !== 1) {
      throw new RangeError(`item() needs a tensor of one element, this one has shape ${shapeToString(this.shape, SPACED)}`);
    }
    return this.#flatValues()[0];
  }

  #flatValues(): NestedArray[] {
    const data = this.data();
    if (this.dtype === 'string') return data as unknown as string[];
    const values: NestedArray[] = [];
    const n = this.size;
    switch (this.dtype) {
      case 'bool':
        for (let i = 0; i < n; i++) values.push((data as Uint8Array)[i] !== 0);
        break;
      case 'float16': {
        const halves = new (Float16Array())((data as Uint16Array).buffer, (data as Uint16Array).byteOffset, n);
        halves.forEach((v) => values.push(v));
        break;
      }
      case 'bfloat16':
        for (let i = 0; i < n; i++) values.push(bfloat16BitsToNumber((data as Uint16Array)[i]));
        break;
      case 'complex64':
      case 'complex128':
        for (let i = 0; i < n; i++) values.push([(data as Float32Array)[2 * i], (data as Float32Array)[2 * i + 1]]);
        break;
      default:
        for (let i = 0; i < n; i++) values.push((data as Float32Array)[i]);
    }
    return values;
  }

  /** Frees the tensor's memory now (TensorFlow's, or the reference to JS memory). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#ownsView) tfAddon().Tensor.releaseView(this.#data!.buffer as ArrayBuffer);
    this.#native?.dispose();
    this.#native = undefined;
    this.#data = undefined;
    this.#bytes = undefined;
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${shapeToString(this.shape, SPACED)})`;
  }

  /**
   * A zero-filled tensor in TensorFlow-aligned memory, to fill through `data()`: feeding it copies nothing.
   * @example const t = Tensor.alloc('float32', [1024, 1024]); (t.data() as Float32Array).fill(1);
   */
  static alloc(dtype: DType, shape: number[]): Tensor {
    requireDType(dtype, 'Tensor.alloc');
    requireConcreteShape(shape, 'shape');
    if (!ARRAY_TYPES[dtype]) throw new TypeError(`Tensor.alloc needs a numeric or bool dtype, not ${dtype}`);
    return new Tensor(dtype, [...shape], undefined, tfAddon().Tensor.alloc(dtypeNumber(dtype), shape));
  }

  /** @internal Builds a Tensor for `tf.tensor`. */
  static _fromHost(dtype: DType, shape: number[], data?: TypedArray, bytes?: Uint8Array[]): Tensor {
    return new Tensor(dtype, shape, data, undefined, bytes);
  }

  /** @internal Wraps a run result. */
  static _fromResult(result: Native.Result, dtype: DType): Tensor {
    if (typeof result === 'number') {
      const data = new (ARRAY_TYPES[dtype]!)(1) as TypedArray;
      data[0] = result;
      return new Tensor(dtype, [], data);
    }
    if (Array.isArray(result)) {
      const dtype = dtypeFromNumber(result[0]);
      const t = new Tensor(dtype, result[1], new (ARRAY_TYPES[dtype]!)(result[2]) as TypedArray);
      t.#ownsView = result.length === 4;
      return t;
    }
    return new Tensor(dtypeFromNumber(result.dtype()), result.shape(), undefined, result);
  }

  /** @internal What the native run takes for this tensor. */
  static _feedValue(t: Tensor): Native.Tensor | Native.TensorTriple {
    t.#requireLive();
    if (t.#native) return t.#native;
    if (t.#data) return [dtypeNumber(t.dtype), t.shape, t.#data];
    // String tensors are made once and kept: their bytes do not change.
    t.#native = tfAddon().Tensor.fromStrings(t.shape, t.#bytes!);
    return t.#native;
  }

  /** @internal The native tensor, created (and kept) if needed, e.g. for a Const's value attr. */
  static _native(t: Tensor): Native.Tensor {
    const v = Tensor._feedValue(t);
    if (!Array.isArray(v)) return v;
    // A host Tensor's feed value always carries its TypedArray (numbers are a Session fast path only).
    t.#native = tfAddon().Tensor.fromView(v[0], v[1], v[2]);
    return t.#native;
  }
}

function isTypedArray(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * Creates a host tensor.
 * @param values a TypedArray (viewed without a copy when its type is the dtype's), a (nested) array of
 *   numbers / bigints / booleans / strings / Uint8Arrays, or a scalar.
 * @param shape the dimensions; inferred from nesting (or [n] for a TypedArray) when omitted.
 * @param dtype inferred when omitted: Float32Array or number → float32, bigint → int64, boolean → bool,
 *   string → string, Int32Array → int32, …
 * @throws TypeError on a shape that does not match the values, an unknown dtype, values of the wrong kind,
 *   ragged arrays; RangeError on negative or non-integer dimensions.
 * @example tf.tensor([[1, 2], [3, 4]]) // float32 [2, 2]
 */
export function tensor(values: TensorLike | Tensor, shape?: number[], dtype?: DType): Tensor {
  if (values instanceof Tensor) return values;
  if (dtype !== undefined) requireDType(dtype, 'tf.tensor');
  if (shape !== undefined) requireConcreteShape(shape, 'shape');
  if (isTypedArray(values)) {
    const implied = dtypeOfTypedArray(values);
    const type: DType = dtype ?? implied ?? 'float32';
    if (type === 'string' || type === 'resource' || type === 'variant') {
      throw new TypeError(`A TypedArray cannot hold a ${type} tensor`);
    }
    const data: TypedArray = typedArrayMatches(values, type) ? values : convertTypedArray(values, type);
    const perElement = valuesPerElement(type);
    const dims = shape ?? [data.length / perElement];
    if (numElements(dims) * perElement !== data.length) {
      const needs = numElements(dims) * perElement;
      const kind = values.constructor.name;
      throw new TypeError(`Shape ${shapeToString(dims, SPACED)} needs ${needs} values but the ${kind} has ${data.length}`);
    }
    return Tensor._fromHost(type, [...dims], data);
  }
  const inferred = Array.isArray(values) ? inferShape(values) : [];
  const flat: Scalar[] = [];
  flatten(values as NestedArray, flat);
  const type: DType = dtype ?? inferDType(flat[0]);
  if (!isDType(type)) throw new TypeError(`Unknown dtype ${String(type)}`);
  if (type === 'resource' || type === 'variant') throw new TypeError(`${type} tensors cannot be made from JS values`);
  let dims = shape ?? inferred;
  const perElement = valuesPerElement(type);
  let count = flat.length;
  if (perElement === 2 && shape === undefined && inferred.length > 0 && inferred[inferred.length - 1] === 2) {
    // complex values given as [re, im] pairs: the innermost dimension is the pair.
    dims = inferred.slice(0, -1);
  }
  if (perElement === 2) count = flat.length / 2;
  if (shape !== undefined && numElements(shape) !== count) {
    const got = `shape ${shapeToString(inferred, SPACED)} (${count} elements)`;
    throw new TypeError(`Shape ${shapeToString(shape, SPACED)} needs ${numElements(shape)} elements but the values have ${got}`);
  }
  if (type === 'string') {
    const bytes = flat.map((v, i) => {
      if (typeof v === 'string') return utf8Encoder.encode(v);
      if (v instanceof Uint8Array) return v;
      throw new TypeError(`Expected strings or Uint8Arrays for a string tensor but element ${i} is ${typeof v}`);
    });
    return Tensor._fromHost('string', [...dims], undefined, bytes);
  }
  return Tensor._fromHost(type, [...dims], pack(flat, type));
}
