// SPDX-License-Identifier: Apache-2.0
// Python's array_ops on `tf`: constants, placeholders, shapes, and the functions that move data around.
// Node names follow Python's (a `zeros` Const, `Reshape/shape`, `concat/axis`, `one_hot/on_value`, …).
import type { DType } from '../base/dtypes';
import { isFullyDefined } from '../base/shape';
import { getDefaultGraph } from '../graph/default-graph';
import type { Graph } from '../graph/graph';
import type { Output } from '../graph/operation';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';
import { invalidArgument, requireInteger } from '../base/validate';
import { NameOption, TensorInput, graphFor, isSymbolic, op1, optionalDType, rankOf, toTensor, withScope } from './common';

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function flatFill(value: unknown, n: number, dtype: DType | undefined): unknown[] {
  if (dtype === 'int64' || dtype === 'uint64') return new Array(n).fill(BigInt(value as number));
  return new Array(n).fill(value);
}

/**
 * A constant (Python's `tf.constant`); a scalar with a `shape` fills it.
 * @example tf.constant(0.1, { shape: [32] })
 */
export function constant(value: TensorLike | Tensor, options: { dtype?: DType; shape?: number[]; name?: string } = {}): Output {
  const g = getDefaultGraph();
  const dtype = optionalDType(options.dtype, 'the dtype of constant');
  const { shape } = options;
  if (shape !== undefined && !(value instanceof Tensor) && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    return g.constant(tensor(flatFill(value, product(shape), dtype) as TensorLike, shape, dtype), { name: options.name ?? 'Const' });
  }
  return g.constant(value, { dtype, shape, name: options.name ?? 'Const' });
}

/** A placeholder in the default graph (Python's `tf.compat.v1.placeholder`). */
export function placeholder(dtype: DType, shape?: Array<number | null> | null, name?: string): Output {
  return getDefaultGraph().placeholder(dtype, shape, name);
}

/** Python's `tf.compat.v1.placeholder_with_default`: `input` unless fed. */
export function placeholderWithDefault(input: TensorInput, shape: Array<number | null> | null, name?: string): Output {
  const g = graphFor('placeholderWithDefault', input);
  return g.ops.placeholderWithDefault(input, { shape, name: name ?? 'PlaceholderWithDefault' });
}

function filled(g: Graph, kind: 'zeros' | 'ones', shape: number[], dtype: DType, name?: string): Output {
  const value = dtype === 'bool' ? kind === 'ones' : kind === 'ones' ? 1 : 0;
  // As Python's array_ops.zeros: a Const below 1000 elements, else a Fill (keeps GraphDefs small).
  if (product(shape) < 1000) {
    return g.constant(tensor(flatFill(value, product(shape), dtype) as TensorLike, shape, dtype), { name: name ?? kind });
  }
  return withScope(g, name ?? kind, (scope) => {
    const dims = g.constant(tensor(shape, [shape.length], 'int32'), { name: 'shape_as_tensor' });
    const v = g.constant(tensor(flatFill(value, 1, dtype) as TensorLike, [], dtype), { name: 'Const' });
    return op1(g, 'Fill', [dims, v], { T: dtype }, scope);
  });
}

/** Zeros of a shape (Python's `tf.zeros`). */
export function zeros(shape: number[], options: { dtype?: DType } & NameOption = {}): Output {
  return filled(getDefaultGraph(), 'zeros', shape, optionalDType(options.dtype, 'dtype') ?? 'float32', options.name);
}

/** Ones of a shape (Python's `tf.ones`). */
export function ones(shape: number[], options: { dtype?: DType } & NameOption = {}): Output {
  return filled(getDefaultGraph(), 'ones', shape, optionalDType(options.dtype, 'dtype') ?? 'float32', options.name);
}

/** Python's `tf.zeros_like`: a constant when the shape is known, else ZerosLike. */
export function zerosLike(x: TensorInput, options: { dtype?: DType } & NameOption = {}): Output {
  const g = graphFor('zerosLike', x);
  return withScope(g, options.name ?? 'zeros_like', (scope) => {
    const t = toTensor(g, x, 'tensor');
    const dtype = options.dtype ?? t.dtype;
    if (isFullyDefined(t.shape) && dtype !== 'variant') return g.nameScope('', () => filled(g, 'zeros', t.shape as number[], dtype, scope));
    const z = op1(g, 'ZerosLike', [t], {}, dtype === t.dtype ? scope : 'ZerosLike');
    return dtype === t.dtype ? z : op1(g, 'Cast', [z], { DstT: dtype }, scope);
  });
}

/** Python's `tf.ones_like`: a constant when the shape is known, else OnesLike. */
export function onesLike(x: TensorInput, options: { dtype?: DType } & NameOption = {}): Output {
  return onesLikeImpl(x, options, false);
}

/** @internal onesLike; `asFill` builds the Fill that Python's clip_by_norm gets for a known shape. */
export function onesLikeImpl(x: TensorInput, options: { dtype?: DType } & NameOption, asFill: boolean): Output {
  const g = graphFor('onesLike', x);
  return withScope(g, options.name ?? 'ones_like', (scope) => {
    const t = toTensor(g, x, 'tensor');
    const dtype = options.dtype ?? t.dtype;
    if (isFullyDefined(t.shape) && !asFill) return g.nameScope('', () => filled(g, 'ones', t.shape as number[], dtype, scope));
    if (isFullyDefined(t.shape)) {
      const dims = g.constant(tensor(t.shape, [t.shape.length], 'int32'), { name: 'Shape/shape_as_tensor' });
      const one = g.constant(tensor(flatFill(dtype === 'bool' ? true : 1, 1, dtype) as TensorLike, [], dtype), { name: 'Const' });
      return op1(g, 'Fill', [dims, one], {}, scope);
    }
    const o = op1(g, 'OnesLike', [t], {}, dtype === t.dtype ? scope : 'OnesLike');
    return dtype === t.dtype ? o : op1(g, 'Cast', [o], { DstT: dtype }, scope);
  });
}

/** Python's `tf.fill(dims, value)`. */
export function fill(dims: TensorInput, value: TensorInput, options: NameOption = {}): Output {
  return graphFor('fill', dims, value).ops.fill(dims, value, { name: options.name ?? 'Fill' });
}

/** Python's `tf.range(start, limit?, delta = 1)`: int32 for integers, float32 otherwise, unless `dtype`. */
export function range(start: TensorInput, limit?: TensorInput | null, delta: TensorInput = 1,
  options: { dtype?: DType } & NameOption = {}): Output {
  if (limit === undefined || limit === null) [start, limit] = [0, start];
  const g = graphFor('range', start, limit, delta);
  let dtype = options.dtype;
  if (dtype === undefined) {
    const sym = [start, limit, delta].find(isSymbolic);
    if (sym !== undefined) dtype = g._toOutput(sym, 'range').dtype;
    else dtype = [start, limit, delta].every((v) => typeof v === 'number' && Number.isInteger(v)) ? 'int32' : 'float32';
  }
  return withScope(g, options.name ?? 'range', (scope) => {
    const s = toTensor(g, start, 'start', dtype);
    const l = toTensor(g, limit as TensorInput, 'limit', dtype);
    const d = toTensor(g, delta, 'delta', dtype);
    return op1(g, 'Range', [s, l, d], {}, scope);
  });
}

/** Python's `tf.cast`: x itself when it already has the dtype. */
export function cast(x: TensorInput, dtype: DType, options: NameOption = {}): Output {
  const g = graphFor('cast', x);
  optionalDType(dtype, 'the dtype of cast');
  if (isSymbolic(x)) {
    const out = g._toOutput(x, 'cast');
    if (out.dtype === dtype) return out;
    return g.ops.cast(out, { DstT: dtype, name: options.name ?? 'Cast' });
  }
  return withScope(g, options.name ?? 'Cast', (scope) => op1(g, 'Cast', [toTensor(g, x, 'x')], { DstT: dtype }, scope));
}

/** Python's `tf.reshape`. */
export function reshape(x: TensorInput, shape: TensorInput, options: NameOption = {}): Output {
  return graphFor('reshape', x, shape).ops.reshape(x, shape, { name: options.name ?? 'Reshape' });
}

/** Python's `tf.transpose`: the reversed axes when `perm` is omitted. */
export function transpose(x: TensorInput, perm?: TensorInput, options: NameOption = {}): Output {
  const g = graphFor('transpose', x, perm);
  if (perm === undefined) {
    const t = isSymbolic(x) ? g._toOutput(x, 'transpose') : undefined;
    const r = t ? rankOf(t) : tensor(x as TensorLike).shape.length;
    if (r === null) throw new Error('transpose without perm needs a tensor of known rank');
    perm = Array.from({ length: r }, (_, i) => r - 1 - i);
  }
  return g.ops.transpose(x, perm, { name: options.name ?? 'transpose' });
}

/** Python's `tf.concat(values, axis)`. */
export function concat(values: TensorInput[], axis: number | TensorInput, options: NameOption = {}): Output {
  if (!Array.isArray(values) || values.length === 0) throw invalidArgument('a non-empty array of tensors', 'the values of concat', values);
  const g = graphFor('concat', values, axis);
  if (values.length === 1) {
    return withScope(g, options.name ?? 'concat', (scope) => {
      toTensor(g, axis, 'concat_dim', 'int32');
      return op1(g, 'Identity', [toTensor(g, values[0], 'values_0')], {}, scope);
    });
  }
  return g.ops.concatV2(values, axis, { name: options.name ?? 'concat' });
}

/** Python's `tf.stack` (Pack). */
export function stack(values: TensorInput[], options: { axis?: number } & NameOption = {}): Output {
  const g = graphFor('stack', values);
  return g.ops.pack(values, { axis: options.axis ?? 0, name: options.name ?? 'stack' });
}

/** Python's `tf.unstack` (Unpack). */
export function unstack(x: TensorInput, options: { num?: number; axis?: number } & NameOption = {}): Output[] {
  const g = graphFor('unstack', x);
  const axis = options.axis ?? 0;
  let num = options.num;
  if (num === undefined) {
    const s = g._toOutput(x, 'unstack').shape;
    const d = s === null ? null : s[axis < 0 ? s.length + axis : axis];
    if (d === null || d === undefined) throw new Error(`unstack: cannot infer num from shape ${JSON.stringify(s)}`);
    num = d;
  }
  return g.ops.unpack(x, { num, axis, name: options.name ?? 'unstack' }).output;
}

/** Python's `tf.split(x, numOrSizeSplits, axis = 0)`. */
export function split(x: TensorInput, numOrSizeSplits: number | number[], options: { axis?: number } & NameOption = {}): Output[] {
  const g = graphFor('split', x);
  const axis = options.axis ?? 0;
  if (typeof numOrSizeSplits === 'number') {
    requireInteger(numOrSizeSplits, 'the number of splits', 1);
    return withScope(g, options.name ?? 'split', (scope) => {
      const dim = toTensor(g, axis, 'split_dim', 'int32');
      return g.addOperation('Split', { inputs: [dim, toTensor(g, x, 'value')], attrs: { num_split: numOrSizeSplits },
        name: scope }).outputs;
    });
  }
  const sizes = g.constant(tensor(numOrSizeSplits, [numOrSizeSplits.length], 'int32'));
  return withScope(g, options.name ?? 'split', (scope) => {
    const value = toTensor(g, x, 'value');
    const dim = toTensor(g, axis, 'split_dim', 'int32');
    return g.addOperation('SplitV', { inputs: [value, sizes, dim], attrs: { num_split: numOrSizeSplits.length }, name: scope }).outputs;
  });
}

/** Python's `tf.slice(x, begin, size)`. */
export function slice(x: TensorInput, begin: TensorInput, size: TensorInput, options: NameOption = {}): Output {
  return graphFor('slice', x, begin, size).ops.slice(x, begin, size, { name: options.name ?? 'Slice' });
}

/** Python's `tf.gather(params, indices, axis = 0)` (GatherV2). */
export function gather(params: TensorInput, indices: TensorInput,
  options: { axis?: number; batchDims?: number } & NameOption = {}): Output {
  const g = graphFor('gather', params, indices);
  return g.ops.gatherV2(params, indices, options.axis ?? 0, { batchDims: options.batchDims, name: options.name ?? 'GatherV2' });
}

/** Python's `tf.gather_nd`. */
export function gatherNd(params: TensorInput, indices: TensorInput, options: NameOption = {}): Output {
  return graphFor('gatherNd', params, indices).ops.gatherNd(params, indices, { name: options.name ?? 'GatherNd' });
}

/** Python's `tf.expand_dims(x, axis)`. */
export function expandDims(x: TensorInput, axis: number | TensorInput, options: NameOption = {}): Output {
  return graphFor('expandDims', x, axis).ops.expandDims(x, axis, { name: options.name ?? 'ExpandDims' });
}

/** Python's `tf.squeeze(x, axis?)`. */
export function squeeze(x: TensorInput, options: { axis?: number | number[] } & NameOption = {}): Output {
  const axis = options.axis === undefined ? [] : Array.isArray(options.axis) ? options.axis : [options.axis];
  return graphFor('squeeze', x).ops.squeeze(x, { squeezeDims: axis, name: options.name ?? 'Squeeze' });
}

/** Python's `tf.tile(x, multiples)`. */
export function tile(x: TensorInput, multiples: TensorInput, options: NameOption = {}): Output {
  return graphFor('tile', x, multiples).ops.tile(x, multiples, { name: options.name ?? 'Tile' });
}

/** Python's `tf.pad(x, paddings, mode = 'CONSTANT', constantValues = 0)`. */
export function pad(x: TensorInput, paddings: TensorInput,
  options: { mode?: 'CONSTANT' | 'REFLECT' | 'SYMMETRIC'; constantValues?: number } & NameOption = {}): Output {
  const g = graphFor('pad', x, paddings);
  const mode = (options.mode ?? 'CONSTANT').toUpperCase();
  if (mode === 'CONSTANT') {
    if (!options.constantValues) return g.ops.pad(x, paddings, { name: options.name ?? 'Pad' });
    return g.ops.padV2(x, paddings, options.constantValues, { name: options.name ?? 'PadV2' });
  }
  if (mode !== 'REFLECT' && mode !== 'SYMMETRIC') throw new Error(`Unknown padding mode '${options.mode}': expected CONSTANT, REFLECT ` +
    `or SYMMETRIC`);
  return g.ops.mirrorPad(x, paddings, { mode, name: options.name ?? 'MirrorPad' });
}

/** Python's `tf.one_hot(indices, depth, on_value = 1, off_value = 0, axis = -1)`. */
export function oneHot(indices: TensorInput, depth: number | TensorInput,
  options: { onValue?: number; offValue?: number; axis?: number; dtype?: DType } & NameOption = {}): Output {
  const g = graphFor('oneHot', indices, depth);
  const dtype = options.dtype ?? 'float32';
  return withScope(g, options.name ?? 'one_hot', (scope) => {
    const on = toTensor(g, tensor([options.onValue ?? 1], [], dtype), 'on_value');
    const off = toTensor(g, tensor([options.offValue ?? 0], [], dtype), 'off_value');
    const idx = isSymbolic(indices) ? g._toOutput(indices, 'indices') : g.constant(indices as TensorLike, { dtype: 'int32',
      name: 'indices' });
    const d = toTensor(g, depth, 'depth', 'int32');
    return op1(g, 'OneHot', [idx, d, on, off], { axis: options.axis ?? -1 }, scope);
  });
}

/** Python's `tf.compat.v1.where(condition, x?, y?)`: the true indices, or a Select. */
export function where(condition: TensorInput, x?: TensorInput, y?: TensorInput, options: NameOption = {}): Output {
  const g = graphFor('where', condition, x, y);
  if (x === undefined && y === undefined) return g.ops.where(condition, { name: options.name ?? 'Where' });
  if (x === undefined || y === undefined) throw new Error('where: x and y must both be given or both be omitted');
  return g.ops.select(condition, x, y, { name: options.name ?? 'Select' });
}

function staticOr(fnName: string, x: TensorInput, name: string, known: (s: Output) => Tensor | null,
  build: (g: Graph, t: Output, name: string) => Output): Output {
  const g = graphFor(fnName, x);
  const t = toTensor(g, x, 'input');
  const value = known(t);
  // As Python's shape_internal(optimize=True): a static answer is a Const of the op's name.
  if (value) return g.constant(value, { name });
  return build(g, t, name);
}

/** Python's `tf.shape` (a Const when the shape is fully known). */
export function shape(x: TensorInput, options: { outType?: 'int32' | 'int64' } & NameOption = {}): Output {
  const outType = options.outType ?? 'int32';
  return staticOr('shape', x, options.name ?? 'Shape', (t) => (isFullyDefined(t.shape) ? tensor(t.shape, [t.shape.length], outType) : null),
    (g, t, name) => g.ops.shape(t, { outType, name }));
}

/** Python's `tf.size` (a Const when the shape is fully known). */
export function size(x: TensorInput, options: { outType?: 'int32' | 'int64' } & NameOption = {}): Output {
  const outType = options.outType ?? 'int32';
  return staticOr('size', x, options.name ?? 'Size', (t) => (isFullyDefined(t.shape) ? tensor([product(t.shape)], [], outType) : null),
    (g, t, name) => g.ops.size(t, { outType, name }));
}

/** Python's `tf.rank` (a Const when the rank is known). */
export function rank(x: TensorInput, options: NameOption = {}): Output {
  return staticOr('rank', x, options.name ?? 'Rank', (t) => (t.shape !== null ? tensor([t.shape.length], [], 'int32') : null),
    (g, t, name) => g.ops.rank(t, { name }));
}

/** Python's `tf.identity`. */
export function identity(x: TensorInput, options: NameOption = {}): Output {
  return graphFor('identity', x).ops.identity(x, { name: options.name ?? 'Identity' });
}

/** Python's `tf.stop_gradient`. */
export function stopGradient(x: TensorInput, options: NameOption = {}): Output {
  return graphFor('stopGradient', x).ops.stopGradient(x, { name: options.name ?? 'StopGradient' });
}
