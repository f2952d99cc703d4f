// SPDX-License-Identifier: Apache-2.0
// The small graph-building pieces the optimizers share, built with Python's node names: casts, colocation, the
// update group, IndexedSlices deduplication and the filled initial values of slots.
import type { DType } from '../base/dtypes';
import type { Graph } from '../graph/graph';
import { Operation, Output, isOutputConvertible, toOutput } from '../graph/operation';
import type { Variable } from '../variables/variable';
import { invalidArgument } from '../base/validate';

export function lossOutput(loss: unknown, optimizer: string): Output {
  const out = isOutputConvertible(loss) ? loss[toOutput]() : loss;
  if (!(out instanceof Output)) throw invalidArgument('an Output', `the loss of ${optimizer}`, loss);
  return out;
}

/** `x` as `dtype` (no operation when it already is), as Python's math_ops.cast. */
export function cast(g: Graph, x: Output, dtype: DType): Output {
  if (x.dtype === dtype) return x;
  return g.addOperation('Cast', { inputs: [x], attrs: { DstT: dtype }, name: 'Cast' }).output(0);
}

/**
 * Runs `fn` with new operations on the variable's device (or unconstrained), ignoring enclosing device scopes,
 * as Python's `colocate_with(var)`.
 */
export function colocateWith<T>(v: Variable, fn: () => T): T {
  const device = v.handle.op.device;
  return v.graph.device(device === '' ? null : device, fn);
}

/** One NoOp depending on `ops` (Python's `group`): named `name` exactly, or 'update' in the current scope. */
export function group(g: Graph, ops: Operation[], name: string | null): Operation {
  if (name === null) return g.addOperation('NoOp', { controlInputs: ops, name: 'update' });
  return g.addOperation('NoOp', { controlInputs: ops, name: `${name}/` });
}

/**
 * Python's _deduplicate_indexed_slices: the rows of repeated indices summed, so that kernels that read and write
 * a row once per index (the ResourceSparseApply* family) see each row once.
 */
export function deduplicate(g: Graph, values: Output, indices: Output): [Output, Output] {
  const unique = g.addOperation('Unique', { inputs: [indices], attrs: { T: indices.dtype, out_idx: 'int32' } });
  const shape = g.addOperation('Shape', { inputs: [unique.output(0)], attrs: { T: indices.dtype, out_type: 'int32' } }).output(0);
  const count = g.nameScope('strided_slice', (scope) => {
    const c = (x: number, name: string) => g.constant([x], { dtype: 'int32', name });
    return g.addOperation('StridedSlice', {
      inputs: [shape, c(0, 'stack'), c(1, 'stack_1'), c(1, 'stack_2')],
      attrs: { T: 'int32', Index: 'int32', shrink_axis_mask: 1 },
      name: scope,
    }).output(0);
  });
  const summed = g.addOperation('UnsortedSegmentSum', {
    inputs: [values, unique.output(1), count],
    attrs: { T: values.dtype, Tindices: 'int32', Tnumsegments: 'int32' },
  }).output(0);
  return [summed, unique.output(0)];
}

/** A tensor of `shape` filled with `value`, as Python's zeros/ones initializers build it (`…/Initializer/zeros`). */
export function fill_(g: Graph, shape: number[], dtype: DType, value: number): Output {
  const scope = g.uniqueName(value === 0 ? 'zeros' : 'ones');
  // Python's _constant_if_small: under 1000 elements a Const, else a Fill.
  if (shape.reduce((a, b) => a * b, 1) < 1000) {
    return g.constant(new Array(shape.reduce((a, b) => a * b, 1)).fill(value), { dtype, shape, name: `${scope}/` });
  }
  const [dims, scalar] = g.nameScope(`${scope}/`, () => [
    g.constant(shape, { dtype: 'int32', shape: [shape.length], name: 'shape_as_tensor' }),
    g.constant(value, { dtype, name: 'Const' }),
  ]);
  return g.addOperation('Fill', { inputs: [dims, scalar], attrs: { T: dtype }, name: `${scope}/` }).output(0);
}
