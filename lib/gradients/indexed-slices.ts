// SPDX-License-Identifier: Apache-2.0
// tf.IndexedSlices: a sparse gradient (rows `indices` of a dense tensor of `denseShape` hold `values`), as Python
// gives for a gather from a variable, so that optimizers apply it with TensorFlow's sparse kernels.
import type { DType } from '../base/dtypes';
import type { Graph } from '../graph/graph';
import type { Output } from '../graph/operation';

/** Python's tf.IndexedSlices. */
export class IndexedSlices {
  /**
   * @param values the slices, of shape `[n, ...denseShape.slice(1)]`
   * @param indices int32 or int64 vector of `n` row indices into the dense tensor (repeats add up)
   * @param denseShape int32/int64 vector: the dense tensor's shape, or null where unknown
   */
  constructor(readonly values: Output, readonly indices: Output, readonly denseShape: Output | null = null) {
    if (values.graph !== indices.graph || (denseShape !== null && denseShape.graph !== values.graph)) {
      const shape = denseShape ? ` and denseShape '${denseShape.name}'` : '';
      throw new Error(`IndexedSlices: values '${values.name}', indices '${indices.name}'${shape} belong to different graphs`);
    }
  }

  get dtype(): DType {
    return this.values.dtype;
  }

  get graph(): Graph {
    return this.values.graph;
  }

  get name(): string {
    return this.values.name;
  }

  toString(): string {
    const shape = this.denseShape ? `, denseShape=${this.denseShape.name}` : '';
    return `IndexedSlices(values=${this.values.name}, indices=${this.indices.name}${shape})`;
  }
}

export function isIndexedSlices(value: unknown): value is IndexedSlices {
  return value instanceof IndexedSlices;
}

/**
 * The dense tensor an IndexedSlices stands for (Python's `convert_to_tensor(slices)`): repeated indices add up,
 * as `unsorted_segment_sum(values, indices, dense_shape[0])`.
 * @throws Error when the slices have no denseShape (the number of rows is unknown).
 */
export function densify(slices: IndexedSlices, name = 'UnsortedSegmentSum'): Output {
  if (!slices.denseShape) {
    throw new Error(`Cannot densify ${slices.toString()}: its denseShape is unknown, so the number of rows is not known`);
  }
  const g = slices.graph;
  const shape = slices.denseShape;
  // dense_shape[0], named as Python's strided_slice.
  const rows = g.nameScope('strided_slice', (scope) => {
    const index = (values: number[], what: string) => g.constant(values, { dtype: shape.dtype, name: what });
    return g.addOperation('StridedSlice', {
      inputs: [shape, index([0], 'stack'), index([1], 'stack_1'), index([1], 'stack_2')],
      attrs: { T: shape.dtype, Index: shape.dtype, shrink_axis_mask: 1 },
      name: scope,
    }).output(0);
  });
  return g.addOperation('UnsortedSegmentSum', {
    inputs: [slices.values, slices.indices, rows],
    attrs: { T: slices.dtype, Tindices: slices.indices.dtype, Tnumsegments: shape.dtype },
    name,
  }).output(0);
}

/** An Output as it is, an IndexedSlices densified (for gradient functions that want dense gradients). */
export function toDense(value: Output | IndexedSlices): Output {
  return value instanceof IndexedSlices ? densify(value) : value;
}
