// SPDX-License-Identifier: Apache-2.0
// Python's clip_ops: clip_by_value, clip_by_norm, global_norm and clip_by_global_norm, built op for op as
// Python builds them (the same node names), so gradient clipping ports unchanged.
import type { Output } from '../graph/operation';
import { invalidArgument } from '../base/validate';
import { NameOption, TensorInput, allAxes, graphFor, op1, opsMethod, toTensor, withScope } from './common';
import { onesLikeImpl } from './array-ops';

/** Python's `tf.clip_by_value(t, clipValueMin, clipValueMax)`. */
export function clipByValue(t: TensorInput, clipValueMin: TensorInput, clipValueMax: TensorInput, options: NameOption = {}): Output {
  const g = graphFor('clipByValue', t, clipValueMin, clipValueMax);
  return withScope(g, options.name ?? 'clip_by_value', (scope) => {
    const x = toTensor(g, t, 't');
    const m = opsMethod(g, 'minimum')(x, clipValueMax, { name: 'Minimum' });
    return opsMethod(g, 'maximum')(m, clipValueMin, { name: scope });
  });
}

/** Python's `tf.clip_by_norm(t, clipNorm, axes?)`. */
export function clipByNorm(t: TensorInput, clipNorm: TensorInput, options: { axes?: number[] } & NameOption = {}): Output {
  const g = graphFor('clipByNorm', t, clipNorm);
  return withScope(g, options.name ?? 'clip_by_norm', (scope) => {
    const x = toTensor(g, t, 't');
    const l2sumSq = op1(g, 'Mul', [x, x], {}, 'mul');
    const axes = options.axes === undefined ? allAxes(g, l2sumSq) : g.constant(options.axes, { dtype: 'int32', name: 'Const' });
    const l2sum = op1(g, 'Sum', [l2sumSq, axes], { keep_dims: true }, 'Sum');
    const pred = opsMethod(g, 'greater')(l2sum, 0, { name: 'Greater' });
    const safe = op1(g, 'Select', [pred, l2sum, onesLikeImpl(l2sum, {}, true)], {}, 'Select');
    const l2norm = op1(g, 'Select', [pred, op1(g, 'Sqrt', [safe], {}, 'Sqrt'), l2sum], {}, 'Select_1');
    const scaled = opsMethod(g, 'mul')(x, clipNorm, { name: 'mul_1' });
    const denom = opsMethod(g, 'maximum')(l2norm, clipNorm, { name: 'Maximum' });
    return op1(g, 'Identity', [op1(g, 'RealDiv', [scaled, denom], {}, 'truediv')], {}, scope);
  });
}

/** Python's `tf.linalg.global_norm(tList)`: sqrt(sum of squares) of all the tensors. */
export function globalNorm(tList: TensorInput[], options: NameOption = {}): Output {
  if (!Array.isArray(tList) || tList.length === 0) throw invalidArgument('a non-empty array of tensors', 'the tensors of globalNorm',
    tList);
  const g = graphFor('globalNorm', tList);
  return withScope(g, options.name ?? 'global_norm', () => {
    const halfSquares = tList.map((t, i) => op1(g, 'L2Loss', [toTensor(g, t, `t_${i}`)], {}, 'L2Loss'));
    const stacked = g.ops.pack(halfSquares, { name: 'stack' });
    const sum = op1(g, 'Sum', [stacked, allAxes(g, stacked)], { keep_dims: false }, 'Sum');
    const two = g.constant(2, { dtype: sum.dtype, name: 'Const_1' });
    return op1(g, 'Sqrt', [op1(g, 'Mul', [sum, two], {}, 'mul')], {}, 'global_norm');
  });
}

/**
 * Python's `tf.clip_by_global_norm(tList, clipNorm)` → `[clipped, globalNorm]`.
 * @example const [clipped] = tf.clipByGlobalNorm(grads, 5);
 */
export function clipByGlobalNorm(tList: TensorInput[], clipNorm: number, options: { useNorm?: Output } & NameOption = {}): [Output[],
  Output] {
  const g = graphFor('clipByGlobalNorm', tList);
  const useNorm = options.useNorm ?? globalNorm(tList);
  const name = options.name ?? 'clip_by_global_norm';
  return withScope(g, name, () => {
    const dtype = useNorm.dtype;
    const inv = opsMethod(g, 'realDiv')(1, useNorm, { name: 'truediv' });
    const one = g.constant(1, { dtype, name: 'Const' });
    const ratio = opsMethod(g, 'realDiv')(one, clipNorm, { name: 'truediv_1' });
    const finite = opsMethod(g, 'mul')(clipNorm, op1(g, 'Minimum', [inv, ratio], {}, 'Minimum'), { name: 'mul' });
    // As Python: adding (norm - norm) turns the scale into NaN when the norm is infinite or NaN.
    const scale = op1(g, 'AddV2', [finite, op1(g, 'Sub', [useNorm, useNorm], {}, 'sub')], {}, 'add');
    const clipped = tList.map((t, i) => {
      const x = toTensor(g, t, `t_${i}`);
      return op1(g, 'Identity', [op1(g, 'Mul', [x, scale], {}, 'mul')], {}, `${name}/_${i}`);
    });
    return [clipped, useNorm];
  });
}
