// SPDX-License-Identifier: Apache-2.0
// The value of g.constant, as Python's tf.constant makes it: values and a shape of as many elements are
// reshaped; a single value (a scalar, or a list of one) fills a shape of any size.
import { DType } from '../base/dtypes';
import { numElements, requireConcreteShape } from '../base/shape';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';

type TypedArrayConstructor = new (length: number) => ArrayLike<unknown> & { [i: number]: unknown; fill(v: never): unknown };

function isSingleValue(value: unknown): boolean {
  const t = typeof value;
  if (t === 'number' || t === 'bigint' || t === 'boolean' || t === 'string') return true;
  return Array.isArray(value) && value.length === 1 && !Array.isArray(value[0]) && !ArrayBuffer.isView(value[0]);
}

/** A tensor of `shape` holding `one`'s single element everywhere. */
function filled(one: Tensor, shape: number[], n: number): Tensor {
  if (one.dtype === 'string') return tensor(new Array<Uint8Array>(n).fill(one.bytes()[0]), shape, 'string');
  const data = one.data() as unknown as ArrayLike<unknown>;
  const perElement = one.dtype.startsWith('complex') ? 2 : 1; // re, im
  const out = new (data.constructor as TypedArrayConstructor)(n * perElement);
  if (perElement === 1) out.fill(data[0] as never);
  // tf.tensor(1, undefined, 'complex64') holds a single float (no imaginary part): that part is 0.
  else for (let i = 0; i < out.length; i++) out[i] = data[i % 2] ?? 0;
  return tensor(out as unknown as TensorLike, shape, one.dtype);
}

/**
 * @internal The tensor of `g.constant(value, {shape, dtype})`.
 * @throws TypeError when `shape` has another number of elements than several values; RangeError for a bad shape.
 */
export function constantTensor(value: TensorLike, shape: number[] | undefined, dtype: DType | undefined): Tensor {
  if (shape !== undefined && isSingleValue(value)) {
    const dims = requireConcreteShape(shape, 'the shape of constant');
    const n = numElements(dims);
    if (n !== 1) {
      const one = tensor(value, undefined, dtype);
      if (one.size === 1) return filled(one, dims, n);
    }
  }
  return tensor(value, shape, dtype);
}
