// SPDX-License-Identifier: Apache-2.0
// `g.gradients`, attached here rather than in lib/graph/graph.ts: gradients sit above the graph layer, and the
// graph must not import what is built on it (docs/ARCHITECTURE.md, "Methods attached from above").
import { Graph, OutputLike } from '../graph/graph';
import { Gradient, GradYLike, GradientsOptions, gradients } from './gradients';

declare module '../graph/graph' {
  interface Graph {
    /**
     * Symbolic gradients of `sum(ys)` with respect to each of `xs`, as Python's `tf.gradients` (see
     * lib/gradients/gradients.ts): null where an x does not affect the ys, IndexedSlices for a gather of a variable;
     * a Variable in `xs` covers all its reads. `options`: `{gradYs, stopGradients}` or the gradYs alone.
     * @throws NotFoundError naming the op type and the path when an op on the way has no registered gradient.
     * @example const [dw] = g.gradients(loss, [w]);
     */
    gradients(
      ys: OutputLike | readonly OutputLike[],
      xs: OutputLike | readonly OutputLike[],
      options?: GradYLike | readonly GradYLike[] | GradientsOptions,
    ): Gradient[];
  }
}

Graph.prototype.gradients = function gradientsMethod(this: Graph, ys, xs, options) {
  return gradients(this, ys, xs, options);
};
