// SPDX-License-Identifier: Apache-2.0
// Host values (Tensors, arrays, scalars) given where a variable's value is expected.
import { DType } from '../base/dtypes';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';

/** @internal A host value as a tensor of `dtype`, or a TypeError naming `what`. */
export function hostTensor(value: Tensor | TensorLike, dtype: DType | undefined, what: string): Tensor {
  if (value instanceof Tensor) {
    if (dtype !== undefined && value.dtype !== dtype) {
      throw new TypeError(`Expected a ${dtype} value for ${what} but received a ${value.dtype} Tensor`);
    }
    return value;
  }
  try {
    return tensor(value, undefined, dtype);
  } catch (err) {
    throw new TypeError(`Cannot convert ${what} to ${dtype ? `a ${dtype}` : 'a'} tensor: ${(err as Error).message}`);
  }
}

/** @internal Whether `value` is a host value rather than a graph value or a function. */
export function isHostValue(value: unknown): value is Tensor | TensorLike {
  if (value instanceof Tensor) return true;
  if (ArrayBuffer.isView(value)) return true;
  const t = typeof value;
  return t === 'number' || t === 'bigint' || t === 'boolean' || t === 'string' || Array.isArray(value);
}
