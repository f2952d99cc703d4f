// SPDX-License-Identifier: Apache-2.0
// Host tensors: values in JS memory or in TensorFlow's, with every dtype.
import {
  ARRAY_TYPES,
  DType,
  TypedArray,
  bfloat16BitsToNumber,
  dtypeFromNumber,
  dtypeNumber,
  dtypeOfTypedArray,
  isDType,
  requireDType,
  typedArrayMatches,
  valuesPerElement,
} from '../base/dtypes';
import { tfAddon } from '../binding/library';
import { Native } from '../binding/native';
import { numElements, requireConcreteShape, shapeToString } from '../base/shape';
import { Float16Array, NestedArray, Scalar, TensorLike, convertTypedArray, flatten, inferDType, inferShape, pack } from './pack';

const SPACED = { spaced: true };

export type { NestedArray, Scalar, TensorLike } from './pack';

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

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
