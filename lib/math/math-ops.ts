// SPDX-License-Identifier: Apache-2.0
// Python's math_ops on `tf` and `tf.math`: arithmetic, reductions, comparisons, matmul. Each op has Python's
// node name (`Add` for the AddV2 of tf.add, `truediv` for tf.divide, `Sum/reduction_indices`, …).
import type { DType } from '../base/dtypes';
import type { Output } from '../graph/operation';
import { Operation } from '../graph/operation';
import { invalidArgument } from '../base/validate';
import { NameOption, TensorInput, allAxes, graphFor, isSymbolic, op1, opsMethod, rankOf, toTensor, withScope } from './common';
import { isIntegerDType } from '../base/dtypes';

export type Binary = (x: TensorInput, y: TensorInput, options?: NameOption) => Output;
export type Unary = (x: TensorInput, options?: NameOption) => Output;

function binary(fnName: string, method: string, defaultName: string): Binary {
  return (x, y, options = {}) => opsMethod(graphFor(fnName, x, y), method)(x, y, { name: options.name ?? defaultName });
}

function unary(fnName: string, method: string, defaultName: string): Unary {
  return (x, options = {}) => opsMethod(graphFor(fnName, x), method)(x, { name: options.name ?? defaultName });
}

/** Python's `tf.add` (AddV2 named 'Add'). */
export const add = binary('add', 'addV2', 'Add');
/** Python's `tf.subtract` (Sub). */
export const subtract = binary('subtract', 'sub', 'Sub');
/** Python's `tf.multiply` (Mul). */
export const multiply = binary('multiply', 'mul', 'Mul');
/** Python's `tf.maximum`. */
export const maximum = binary('maximum', 'maximum', 'Maximum');
/** Python's `tf.minimum`. */
export const minimum = binary('minimum', 'minimum', 'Minimum');
/** Python's `tf.pow`. */
export const pow = binary('pow', 'pow', 'Pow');
/** Python's `tf.math.squared_difference`. */
export const squaredDifference = binary('squaredDifference', 'squaredDifference', 'SquaredDifference');
/** Python's `tf.equal`. */
export const equal = binary('equal', 'equal', 'Equal');
/** Python's `tf.not_equal`. */
export const notEqual = binary('notEqual', 'notEqual', 'NotEqual');
/** Python's `tf.less`. */
export const less = binary('less', 'less', 'Less');
/** Python's `tf.less_equal`. */
export const lessEqual = binary('lessEqual', 'lessEqual', 'LessEqual');
/** Python's `tf.greater`. */
export const greater = binary('greater', 'greater', 'Greater');
/** Python's `tf.greater_equal`. */
export const greaterEqual = binary('greaterEqual', 'greaterEqual', 'GreaterEqual');
/** Python's `tf.logical_and`. */
export const logicalAnd = binary('logicalAnd', 'logicalAnd', 'LogicalAnd');
/** Python's `tf.logical_or`. */
export const logicalOr = binary('logicalOr', 'logicalOr', 'LogicalOr');
/** Python's `tf.math.floordiv`. */
export const floordiv = binary('floordiv', 'floorDiv', 'FloorDiv');
/** Python's `tf.math.divide_no_nan`. */
export const divideNoNan = binary('divideNoNan', 'divNoNan', 'div_no_nan');

/** Python's `tf.negative` (Neg). */
export const negative = unary('negative', 'neg', 'Neg');
/** Python's `tf.square`. */
export const square = unary('square', 'square', 'Square');
/** Python's `tf.sqrt`. */
export const sqrt = unary('sqrt', 'sqrt', 'Sqrt');
/** Python's `tf.math.rsqrt`. */
export const rsqrt = unary('rsqrt', 'rsqrt', 'Rsqrt');
/** Python's `tf.exp`. */
export const exp = unary('exp', 'exp', 'Exp');
/** Python's `tf.math.log`. */
export const log = unary('log', 'log', 'Log');
/** Python's `tf.math.log1p`. */
export const log1p = unary('log1p', 'log1p', 'Log1p');
/** Python's `tf.abs`. */
export const abs = unary('abs', 'abs', 'Abs');
/** Python's `tf.tanh`. */
export const tanh = unary('tanh', 'tanh', 'Tanh');
/** Python's `tf.sigmoid`. */
export const sigmoid = unary('sigmoid', 'sigmoid', 'Sigmoid');
/** Python's `tf.math.floor`. */
export const floor = unary('floor', 'floor', 'Floor');
/** Python's `tf.math.cos`. */
export const cos = unary('cos', 'cos', 'Cos');
/** Python's `tf.math.sin`. */
export const sin = unary('sin', 'sin', 'Sin');
/** Python's `tf.math.logical_not`. */
export const logicalNot = unary('logicalNot', 'logicalNot', 'LogicalNot');

/** Python's `tf.divide` / `tf.math.truediv`: RealDiv named 'truediv'; integers are divided as float64. */
export function divide(x: TensorInput, y: TensorInput, options: NameOption = {}): Output {
  const g = graphFor('divide', x, y);
  return withScope(g, options.name ?? 'truediv', (scope) => {
    const sym = [x, y].find(isSymbolic);
    const dtype = sym !== undefined ? g._toOutput(sym, 'divide').dtype : undefined;
    let a = toTensor(g, x, 'x', dtype);
    let b = toTensor(g, y, 'y', a.dtype);
    if (isIntegerDType(a.dtype)) {
      const to = a.dtype === 'int8' || a.dtype === 'int16' || a.dtype === 'uint8' || a.dtype === 'uint16' ? 'float32' : 'float64';
      a = op1(g, 'Cast', [a], { DstT: to }, 'Cast');
      b = op1(g, 'Cast', [b], { DstT: to }, 'Cast_1');
    }
    return op1(g, 'RealDiv', [a, b], {}, scope);
  });
}

export interface ReduceOptions extends NameOption {
  /** The axes to reduce; all of them when omitted (Python's `axis=None`). */
  axis?: number | number[] | TensorInput;
  keepdims?: boolean;
}

function reduction(fnName: string, type: string): (x: TensorInput, options?: ReduceOptions) => Output {
  return (x, options = {}) => {
    const g = graphFor(fnName, x, options.axis);
    const input = toTensor(g, x, 'input');
    const axis = options.axis === undefined || options.axis === null ? allAxes(g, input) : options.axis;
    return opsMethod(g, type.charAt(0).toLowerCase() + type.slice(1))(input, axis, { keepDims: Boolean(options.keepdims),
      name: options.name ?? type });
  };
}

/** Python's `tf.reduce_sum(x, axis?, keepdims?)`. */
export const reduceSum = reduction('reduceSum', 'Sum');
/** Python's `tf.reduce_mean`. */
export const reduceMean = reduction('reduceMean', 'Mean');
/** Python's `tf.reduce_max`. */
export const reduceMax = reduction('reduceMax', 'Max');
/** Python's `tf.reduce_min`. */
export const reduceMin = reduction('reduceMin', 'Min');
/** Python's `tf.reduce_prod`. */
export const reduceProd = reduction('reduceProd', 'Prod');
/** Python's `tf.reduce_any`. */
export const reduceAny = reduction('reduceAny', 'Any');
/** Python's `tf.reduce_all`. */
export const reduceAll = reduction('reduceAll', 'All');

function argReduction(fnName: string, type: 'ArgMax' | 'ArgMin') {
  return (x: TensorInput, options: { axis?: number; outputType?: 'int32' | 'int64' } & NameOption = {}): Output =>
    opsMethod(graphFor(fnName, x), type === 'ArgMax' ? 'argMax' : 'argMin')(x, options.axis ?? 0, {
      outputType: options.outputType ?? 'int64', name: options.name ?? type,
    });
}

/** Python's `tf.compat.v1.argmax(x, axis = 0)`. */
export const argmax = argReduction('argmax', 'ArgMax');
/** Python's `tf.compat.v1.argmin(x, axis = 0)`. */
export const argmin = argReduction('argmin', 'ArgMin');

/** Python's `tf.matmul(a, b, transpose_a?, transpose_b?)`: BatchMatMulV2 above rank 2. */
export function matmul(a: TensorInput, b: TensorInput, options: { transposeA?: boolean; transposeB?: boolean } & NameOption = {}): Output {
  const g = graphFor('matmul', a, b);
  return withScope(g, options.name ?? 'MatMul', (scope) => {
    const x = toTensor(g, a, 'a');
    const y = toTensor(g, b, 'b', x.dtype);
    const ra = rankOf(x);
    const rb = rankOf(y);
    if ((ra !== null && ra < 2) || (rb !== null && rb < 2)) {
      throw new Error(`matmul: both arguments must have rank >= 2, but received shapes ${JSON.stringify(x.shape)} and ` +
        `${JSON.stringify(y.shape)}`);
    }
    if (ra === 2 && rb === 2) {
      return op1(g, 'MatMul', [x, y], { transpose_a: Boolean(options.transposeA), transpose_b: Boolean(options.transposeB) }, scope);
    }
    return op1(g, 'BatchMatMulV2', [x, y], { adj_x: Boolean(options.transposeA), adj_y: Boolean(options.transposeB) }, scope);
  });
}

/** Python's `tf.add_n`. */
export function addN(inputs: TensorInput[], options: NameOption = {}): Output {
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalidArgument('a non-empty array of tensors', 'addN', inputs);
  const g = graphFor('addN', inputs);
  if (inputs.length === 1) return withScope(g, options.name ?? 'AddN', (scope) => op1(g, 'Identity', [toTensor(g, inputs[0], 'inputs_0')],
    {}, scope));
  return g.ops.addN(inputs, { name: options.name ?? 'AddN' });
}

/** Python's `tf.einsum(equation, ...inputs)`. */
export function einsum(equation: string, ...inputs: TensorInput[]): Output {
  const g = graphFor('einsum', inputs);
  return withScope(g, 'einsum', () => g.ops.einsum(inputs, { equation, name: 'Einsum' }));
}

/** Python's `tf.group(...)`: one NoOp depending on all the inputs. */
export function group(...inputs: Array<Operation | TensorInput | Array<Operation | TensorInput>>): Operation {
  let name = 'group_deps';
  const last = inputs[inputs.length - 1];
  if (last && typeof last === 'object' && !Array.isArray(last) && !(last instanceof Operation) && !isSymbolic(last)) {
    const o = inputs.pop() as NameOption;
    if (o.name) name = o.name;
  }
  const flat = inputs.flat() as Array<Operation | TensorInput>;
  const g = graphFor('group', flat);
  const ops = flat.map((v) => (v instanceof Operation ? v : g._toOutput(v, 'group').op));
  return g.addOperation('NoOp', { name, controlInputs: ops });
}

/** Python's `tf.tuple(tensors)`: each tensor again, available only once all are computed. */
export function tuple(tensors: TensorInput[], options: NameOption = {}): Output[] {
  const g = graphFor('tuple', tensors);
  return withScope(g, options.name ?? 'tuple', () => {
    const outs = tensors.map((t) => g._toOutput(t, 'tuple'));
    const gate = g.addOperation('NoOp', { name: 'group_deps', controlInputs: outs.map((o) => o.op) });
    return outs.map((o) => g.controlDependencies([gate], () => op1(g, 'Identity', [o], {}, 'control_dependency')));
  });
}

export type { DType };
