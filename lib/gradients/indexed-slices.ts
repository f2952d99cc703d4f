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
      throw new Error(`IndexedSlices: values '${values.name}', indices '${indices.name}'${denseShape ? ` and denseShape '${denseShape.name}'` : ''} belong to different graphs`);
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
    return `IndexedSlices(values=${this.values.name}, indices=${this.indices.name}${this.denseShape ? `, denseShape=${this.denseShape.name}` : ''})`;
  }
}

export function isIndexedSlices(value: unknown): value is IndexedSlices {
  return value instanceof IndexedSlices;
}
