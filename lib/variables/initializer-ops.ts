// SPDX-License-Identifier: Apache-2.0
// The graph building blocks of the initializers: Python's array_ops / random_ops / math_ops pieces that
// init_ops.py builds on, with their op names and seeds.
import { type DType, isIntegerDType } from '../base/dtypes';
import type { Graph } from '../graph/graph';
import type { Output } from '../graph/operation';
import { getSeed } from '../graph/random-seed';
import { scopedOp } from '../graph/scoped-op';
import { tensor } from '../tensor/tensor';

export function shapeConst(g: Graph, shape: number[], name: string): Output {
  const wide = shape.some((d) => d >= 2 ** 31);
  return wide
    ? g.constant(BigInt64Array.from(shape.map(BigInt)), { dtype: 'int64', name })
    : g.constant(Int32Array.from(shape), { dtype: 'int32', name });
}

export function scalarConst(g: Graph, value: number | boolean | string, dtype: DType, name: string): Output {
  if (dtype === 'int64' || dtype === 'uint64') return g.constant(tensor(BigInt(value as number), [], dtype), { name });
  return g.constant(tensor(value as number, [], dtype), { name });
}

export function binary(g: Graph, type: string, a: Output, b: Output, name: string): Output {
  return g.addOperation(type, { inputs: [a, b], attrs: { T: a.dtype }, name }).output(0);
}

export function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Python's array_ops.zeros / ones: a Const below 1000 elements, else Fill (keeps GraphDefs small). */
export function filled(g: Graph, scope: 'zeros' | 'ones', shape: number[], dtype: DType): Output {
  let value: number | boolean | string;
  if (dtype === 'bool') value = scope === 'ones';
  else if (dtype === 'string') {
    if (scope === 'ones') throw new TypeError('The ones initializer has no value for a string dtype');
    value = '';
  } else if (dtype === 'resource' || dtype === 'variant') throw new TypeError(`The ${scope} initializer cannot make a ${dtype} tensor`);
  else value = scope === 'ones' ? 1 : 0;
  if (product(shape) < 1000) {
    const n = product(shape);
    const flat = dtype === 'int64' || dtype === 'uint64' ? new Array(n).fill(BigInt(value as number)) : new Array(n).fill(value);
    const fullName = g.uniqueName(scope, false);
    return g.nameScope('', () => g.constant(tensor(flat, shape, dtype), { name: fullName }));
  }
  return scopedOp(g, scope, () => ({ dims: shapeConst(g, shape, 'shape_as_tensor'), v: scalarConst(g, value, dtype, 'Const') }),
    (name, r) => g.addOperation('Fill', { inputs: [r.dims, r.v], attrs: { T: dtype, index_type: r.dims.dtype }, name })).output(0);
}

/** Python's random_ops.random_uniform. */
export function randomUniformOp(g: Graph, shape: number[], minval: number, maxval: number, dtype: DType, seed: number | undefined): Output {
  const integer = isIntegerDType(dtype);
  return scopedOp(g, 'random_uniform', () => {
    const dims = shapeConst(g, shape, 'shape');
    const min = scalarConst(g, minval, dtype, 'min');
    const max = scalarConst(g, maxval, dtype, 'max');
    const [s1, s2] = getSeed(g, seed);
    if (integer) return { dims, min, max, s1, s2, mul: undefined };
    const attrs = { dtype, seed: s1, seed2: s2, T: dims.dtype };
    const rnd = g.addOperation('RandomUniform', { inputs: [dims], attrs, name: 'RandomUniform' }).output(0);
    const mul = binary(g, 'Mul', rnd, binary(g, 'Sub', max, min, 'sub'), 'mul');
    return { dims, min, max, s1, s2, mul };
  }, (name, r) => {
    if (r.mul === undefined) {
      const attrs = { seed: r.s1, seed2: r.s2, Tout: dtype, T: r.dims.dtype };
      return g.addOperation('RandomUniformInt', { inputs: [r.dims, r.min, r.max], attrs, name });
    }
    return g.addOperation('AddV2', { inputs: [r.mul, r.min], attrs: { T: dtype }, name });
  }).output(0);
}

/** Python's random_ops.random_normal ('RandomStandardNormal') and truncated_normal ('TruncatedNormal'). */
export function normalOp(
  g: Graph,
  kind: 'random_normal' | 'truncated_normal',
  shape: number[],
  mean: number,
  stddev: number,
  dtype: DType,
  seed: number | undefined,
): Output {
  return scopedOp(g, kind, () => {
    const dims = shapeConst(g, shape, 'shape');
    const meanT = scalarConst(g, mean, dtype, 'mean');
    const stddevT = scalarConst(g, stddev, dtype, 'stddev');
    const [s1, s2] = getSeed(g, seed);
    const type = kind === 'random_normal' ? 'RandomStandardNormal' : 'TruncatedNormal';
    const rnd = g.addOperation(type, { inputs: [dims], attrs: { dtype, seed: s1, seed2: s2, T: dims.dtype }, name: type }).output(0);
    return { mul: binary(g, 'Mul', rnd, stddevT, 'mul'), meanT };
  }, (name, r) => g.addOperation('AddV2', { inputs: [r.mul, r.meanT], attrs: { T: dtype }, name })).output(0);
}

/** Python's init_ops._compute_fans. */
export function computeFans(shape: number[]): [number, number] {
  if (shape.length < 1) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = product(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}
