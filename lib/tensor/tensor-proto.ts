// SPDX-License-Identifier: Apache-2.0
// TensorProto ⇄ Tensor, for attr values (Const's `value`) and protos that carry tensors.
import { ARRAY_TYPES, DType, TypedArray, dtypeFromNumber, dtypeNumber, valuesPerElement } from '../base/dtypes';
import { DecodedMessage, toNumber } from '../proto';
import { Tensor, tensor } from './tensor';

/** A Tensor from a decoded TensorProto (tensor_content or the typed *_val fields, with broadcasting of a single value). */
export function tensorFromProto(proto: DecodedMessage): Tensor {
  const dtype = dtypeFromNumber(proto.dtype);
  const shape: number[] = (proto.tensor_shape?.dim ?? []).map((d: { size: unknown }) => toNumber(d.size));
  const count = shape.reduce((a, b) => a * b, 1);
  if (dtype === 'string') {
    const content: Uint8Array | undefined = proto.tensor_content;
    // TensorFlow's AsProtoTensorContent (what the C API returns for a Const's value) packs strings as all
    // the varint lengths, then all the bytes.
    if (content && content.length > 0) return tensor(decodeStringContent(content, count), shape, 'string');
    const values: Uint8Array[] = proto.string_val ?? [];
    const filled = Array.from({ length: count }, (_, i) => values[Math.min(i, values.length - 1)] ?? new Uint8Array(0));
    return tensor(filled, shape, 'string');
  }
  const ctor = ARRAY_TYPES[dtype];
  if (!ctor) throw new TypeError(`Cannot convert a ${dtype} TensorProto to a host tensor`);
  const length = count * valuesPerElement(dtype);
  const out = new ctor(length) as TypedArray;
  const content: Uint8Array | undefined = proto.tensor_content;
  if (content && content.length > 0) {
    const copy = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    copy.set(content.subarray(0, out.byteLength));
    return tensor(out, shape, dtype);
  }
  const source = valuesField(dtype, proto);
  if (source.length > 0) {
    for (let i = 0; i < length; i++) {
      // A single value (or pair) fills the whole tensor, as TensorFlow's MakeNdarray does.
      const perElement = valuesPerElement(dtype);
      const v = source[i < source.length ? i : source.length - (perElement - (i % perElement))];
      const isInt64 = dtype === 'int64' || dtype === 'uint64';
      (out as unknown as Array<number | bigint>)[i] = isInt64
        ? BigInt(typeof v === 'object' ? v.toString() : v)
        : typeof v === 'object' ? toNumber(v) : Number(v);
    }
  }
  return tensor(out, shape, dtype);
}

/** One entry of a TensorProto's *_val field: a number, or a Long for the 64-bit integer fields. */
type ProtoValue = number | { toString(): string };

function valuesField(dtype: DType, proto: DecodedMessage): ProtoValue[] {
  switch (dtype) {
    case 'float32': return proto.float_val ?? [];
    case 'float64': return proto.double_val ?? [];
    case 'int32': case 'int16': case 'int8': case 'uint8': case 'uint16': return proto.int_val ?? [];
    case 'int64': return proto.int64_val ?? [];
    case 'uint32': return proto.uint32_val ?? [];
    case 'uint64': return proto.uint64_val ?? [];
    case 'bool': return (proto.bool_val ?? []).map((b: boolean) => (b ? 1 : 0));
    case 'float16': case 'bfloat16': return proto.half_val ?? [];
    case 'complex64': return proto.scomplex_val ?? [];
    case 'complex128': return proto.dcomplex_val ?? [];
    default: return [];
  }
}

/** A TensorProto (plain object, for proto.encode) holding a host tensor. */
export function tensorToProto(t: Tensor): Record<string, unknown> {
  const proto: Record<string, unknown> = {
    dtype: dtypeNumber(t.dtype),
    tensor_shape: { dim: t.shape.map((size) => ({ size })) },
  };
  if (t.dtype === 'string') {
    proto.string_val = t.bytes();
  } else {
    const data = t.data() as TypedArray;
    proto.tensor_content = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  }
  return proto;
}

/** Strings packed in a TensorProto's tensor_content: `count` varint lengths, then the bytes. */
function decodeStringContent(content: Uint8Array, count: number): Uint8Array[] {
  const lengths: number[] = new Array(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= content.length || shift > 28) throw new TypeError('Malformed string tensor_content in a TensorProto');
      const b = content[pos++];
      length += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    lengths[i] = length;
  }
  return lengths.map((n) => {
    if (pos + n > content.length) throw new TypeError('Malformed string tensor_content in a TensorProto');
    const bytes = content.slice(pos, pos + n);
    pos += n;
    return bytes;
  });
}
