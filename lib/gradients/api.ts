// SPDX-License-Identifier: Apache-2.0
// The gradient functions on `tf` (Python's tf.gradients, tf.RegisterGradient, tf.no_gradient, tf.IndexedSlices,
// tf.convert_to_tensor of IndexedSlices): graph-free forms that find the graph from their tensors.
import { Output, isOutputConvertible, toOutput } from '../graph/operation';
import type { OutputLike } from '../graph/graph';
import { Gradient, GradYLike, GradientsOptions, gradients as gradientsIn } from './gradients';
import { IndexedSlices, densify } from './indexed-slices';
import { invalidArgument } from '../base/validate';

export { registerGradient, noGradient } from './registry';
export { IndexedSlices };

function firstOutput(value: unknown, what: string): Output {
  const first = Array.isArray(value) ? value[0] : value;
  if (first instanceof Output) return first;
  if (isOutputConvertible(first)) return first[toOutput]();
  throw invalidArgument('an Output or an array of Outputs', what, value);
}

/**
 * Python's `tf.gradients(ys, xs, grad_ys=None, stop_gradients=None)` on the graph of `ys`: one gradient per x,
 * an Output, an IndexedSlices (a gather of a variable), or null where the ys do not depend on the x.
 * @example const [dw] = tf.gradients(loss, [w], { stopGradients: [target] });
 */
export function gradients(
  ys: OutputLike | readonly OutputLike[],
  xs: OutputLike | readonly OutputLike[],
  options?: GradientsOptions | GradYLike | readonly GradYLike[],
): Gradient[] {
  return gradientsIn(firstOutput(ys, 'ys of tf.gradients(ys, xs)').graph, ys, xs, options);
}

/** An Output as it is; an IndexedSlices as the dense tensor it stands for (Python's `tf.convert_to_tensor`). */
export function convertToTensor(value: Output | IndexedSlices | OutputLike): Output {
  if (value instanceof IndexedSlices) return densify(value);
  return firstOutput(value, 'the value of tf.convertToTensor');
}
