// SPDX-License-Identifier: Apache-2.0
// NumPy's .npy format (versions 1–3), read into a Tensor: `saved-model run --inputs x=file.npy` takes the files
// Python users already have.
import * as fs from 'fs';
import type { DType, TypedArray } from '../base/dtypes';
import { tensor, type Tensor } from '../tensor/tensor';

const DESCR: Record<string, DType> = {
  f2: 'float16', f4: 'float32', f8: 'float64', i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64', b1: 'bool', c8: 'complex64', c16: 'complex128',
};

/** The value of `key` in a .npy header (a Python dict literal). */
function headerField(header: string, key: string): string | undefined {
  const m = new RegExp(`'${key}'\\s*:\\s*('[^']*'|True|False|\\([^)]*\\))`).exec(header);
  return m?.[1];
}

/**
 * Reads a .npy file.
 * @throws Error naming the file for anything that is not a C-ordered numeric or bool array.
 */
export function readNpy(file: string): Tensor {
  const bytes = fs.readFileSync(file);
  const bad = (why: string): Error => new Error(`${file}: not a NumPy .npy array we can read (${why})`);
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw bad('no .npy magic');
  const major = bytes[6];
  if (major < 1 || major > 3) throw bad(`format version ${major}`);
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) throw bad('truncated header');
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const descr = headerField(header, 'descr')?.slice(1, -1);
  const fortran = headerField(header, 'fortran_order');
  const shapeText = headerField(header, 'shape');
  if (!descr || !fortran || !shapeText) throw bad('incomplete header');
  if (fortran === 'True') throw bad('Fortran order; save it with np.ascontiguousarray');
  const order = descr[0];
  const dtype = DESCR[descr.slice(1)];
  if (!dtype) throw bad(`dtype '${descr}'`);
  const shape = shapeText.slice(1, -1).split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw bad(`shape ${shapeText}`);
  const count = shape.reduce((a, b) => a * b, 1);
  const itemSize = Number(/\d+$/.exec(descr)![0]);
  const data = Buffer.from(bytes.subarray(start + headerLen));
  if (data.length !== count * itemSize) throw bad(`${data.length} data bytes for shape ${shapeText} of ${descr}`);
  // Big-endian data is swapped in place to the host's little-endian order.
  if (order === '>' && itemSize > 1) {
    const word = dtype.startsWith('complex') ? itemSize / 2 : itemSize;
    for (let i = 0; i < data.length; i += word) data.subarray(i, i + word).reverse();
  }
  const aligned = new Uint8Array(data.length);
  aligned.set(data);
  const view = viewFor(dtype, aligned.buffer);
  return tensor(view, shape, dtype);
}

function viewFor(dtype: DType, buffer: ArrayBuffer): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer);
    case 'float64': return new Float64Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'int16': return new Int16Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    case 'uint8': case 'bool': return new Uint8Array(buffer);
    case 'uint16': case 'float16': return new Uint16Array(buffer);
    case 'uint32': return new Uint32Array(buffer);
    case 'uint64': return new BigUint64Array(buffer);
    case 'complex64': return new Float32Array(buffer);
    default: return new Float64Array(buffer);
  }
}

const DESCR_OF = Object.fromEntries(Object.entries(DESCR).map(([k, v]) => [v, k])) as Partial<Record<DType, string>>;

/** Writes a numeric or bool tensor as a version-1 .npy file (what `np.load` reads). */
export function writeNpy(file: string, t: Tensor): void {
  const code = DESCR_OF[t.dtype];
  if (!code) throw new TypeError(`${file}: a ${t.dtype} tensor cannot be saved as .npy`);
  const descr = `${code.endsWith('1') ? '|' : '<'}${code}`;
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // The data starts on a 64-byte boundary; the header ends with a newline.
  header = header.padEnd(Math.ceil((10 + header.length + 1) / 64) * 64 - 10 - 1) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const data = t.data() as TypedArray;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), bytes]));
}
