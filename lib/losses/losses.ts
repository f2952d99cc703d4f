// SPDX-License-Identifier: Apache-2.0
// tf.losses (Python's tf.compat.v1.losses): each loss in its scope (`sparse_softmax_cross_entropy_loss/value`),
// weighted and reduced by computeWeightedLoss, and added to the LOSSES collection.
import { shapesCompatible } from '../base/shape';
import type { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import type { Output } from '../graph/operation';
import { getDefaultGraph } from '../graph/default-graph';
import { tensor } from '../tensor/tensor';
import { cast, onesLikeImpl, shape } from '../math/array-ops';
import { addN } from '../math/math-ops';
import { NameOption, TensorInput, graphFor, isSymbolic, op1, opsMethod, toTensor, withScope } from '../math/common';
import { sigmoidCrossEntropyWithLogits, softmaxCrossEntropyWithLogits, sparseSoftmaxCrossEntropyWithLogits } from '../nn/classification';
import { HostWeights, Reduction, computeWeightedLoss } from './weighted-loss';

export interface LossOptions extends NameOption {
  /** A scalar or a tensor broadcastable to the losses (Python's `weights=1.0`). */
  weights?: TensorInput;
  /** How the weighted losses are reduced (Python's default SUM_BY_NONZERO_WEIGHTS). */
  reduction?: string;
  /** The collection the loss joins (LOSSES; null for none). */
  lossCollection?: string | null;
}

/** Symbolic weights cast to float32; values stay values, made Consts where Python makes them (compute_weighted_loss). */
function weightsOf(weights: TensorInput | undefined): Output | HostWeights {
  if (weights === undefined) return 1;
  return isSymbolic(weights) ? cast(weights, 'float32') : (weights as HostWeights);
}

function finish(g: Graph, losses: Output, options: LossOptions): Output {
  return computeWeightedLoss(g, losses, weightsOf(options.weights), options.reduction ?? Reduction.SUM_BY_NONZERO_WEIGHTS,
    options.lossCollection === undefined ? GraphKeys.LOSSES : options.lossCollection);
}

/** Python's `x[-1]` of a 1-D tensor: StridedSlice(x, [-1], [0], [1]) with shrink_axis_mask 1. */
function lastDim(g: Graph, x: Output): Output {
  return withScope(g, 'strided_slice', (scope) => {
    const c = (v: number, name: string) => g.constant(tensor([v], [1], 'int32'), { name });
    return g.ops.stridedSlice(x, c(-1, 'stack'), c(0, 'stack_1'), c(1, 'stack_2'), { shrinkAxisMask: 1, name: scope });
  });
}

function requireCompatible(fnName: string, a: Output, b: Output, what: [string, string]): void {
  if (!shapesCompatible(a.shape, b.shape)) {
    throw new Error(`losses.${fnName}: the shapes of ${what[0]} ${JSON.stringify(a.shape)} and ${what[1]} ${JSON.stringify(b.shape)} ` +
      `are incompatible`);
  }
}

/** Python's `tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits, weights = 1.0)`. */
export function sparseSoftmaxCrossEntropy(labels: TensorInput, logits: TensorInput, options: LossOptions = {}): Output {
  const g = graphFor('losses.sparseSoftmaxCrossEntropy', labels, logits, options.weights);
  return withScope(g, options.name ?? 'sparse_softmax_cross_entropy_loss', () => {
    // Python's _remove_squeezable_dimensions makes the weights a tensor ('Const') before the cross-entropy.
    const weights = isSymbolic(options.weights) ? options.weights : toTensor(g, (options.weights ?? 1) as HostWeights, 'Const', 'float32');
    const losses = sparseSoftmaxCrossEntropyWithLogits({ labels, logits, name: 'xentropy' });
    return finish(g, losses, { ...options, weights });
  });
}

/** Python's `tf.compat.v1.losses.softmax_cross_entropy(onehotLabels, logits, weights = 1.0, label_smoothing = 0)`. */
export function softmaxCrossEntropy(onehotLabels: TensorInput, logits: TensorInput,
  options: LossOptions & { labelSmoothing?: number } = {}): Output {
  const g = graphFor('losses.softmaxCrossEntropy', onehotLabels, logits, options.weights);
  return withScope(g, options.name ?? 'softmax_cross_entropy_loss', () => {
    const lg = toTensor(g, logits, 'logits');
    let labels = cast(toTensor(g, onehotLabels, 'onehot_labels'), lg.dtype);
    requireCompatible('softmaxCrossEntropy', lg, labels, ['logits', 'onehotLabels']);
    const smoothing = options.labelSmoothing ?? 0;
    if (smoothing > 0) {
      // Python's cast(shape(onehot_labels)[-1]): the class count as a tensor, so unknown shapes work too.
      const n = cast(lastDim(g, shape(labels)), lg.dtype);
      const negatives = opsMethod(g, 'realDiv')(smoothing, n, { name: 'truediv' });
      labels = opsMethod(g, 'addV2')(opsMethod(g, 'mul')(labels, 1 - smoothing, { name: 'mul' }), negatives, { name: 'add' });
    }
    labels = op1(g, 'StopGradient', [labels], {}, 'labels_stop_gradient');
    const losses = softmaxCrossEntropyWithLogits({ labels, logits: lg, name: 'xentropy' });
    return finish(g, losses, options);
  });
}

/** Python's `tf.compat.v1.losses.sigmoid_cross_entropy(multiClassLabels, logits, weights = 1.0, label_smoothing = 0)`. */
export function sigmoidCrossEntropy(multiClassLabels: TensorInput, logits: TensorInput,
  options: LossOptions & { labelSmoothing?: number } = {}): Output {
  const g = graphFor('losses.sigmoidCrossEntropy', multiClassLabels, logits, options.weights);
  return withScope(g, options.name ?? 'sigmoid_cross_entropy_loss', () => {
    const lg = toTensor(g, logits, 'logits');
    let labels = cast(toTensor(g, multiClassLabels, 'multi_class_labels'), lg.dtype);
    requireCompatible('sigmoidCrossEntropy', lg, labels, ['logits', 'multiClassLabels']);
    const smoothing = options.labelSmoothing ?? 0;
    if (smoothing > 0) labels = opsMethod(g, 'addV2')(opsMethod(g, 'mul')(labels, 1 - smoothing, { name: 'mul' }), 0.5 * smoothing,
      { name: 'add' });
    const losses = sigmoidCrossEntropyWithLogits({ labels, logits: lg, name: 'xentropy' });
    return finish(g, losses, options);
  });
}

function pointwise(fnName: string, scopeName: string, build: (g: Graph, labels: Output, predictions: Output) => Output) {
  return (labels: TensorInput, predictions: TensorInput, options: LossOptions = {}): Output => {
    const g = graphFor(`losses.${fnName}`, labels, predictions, options.weights);
    return withScope(g, options.name ?? scopeName, () => {
      const p = cast(toTensor(g, predictions, 'predictions'), 'float32');
      const l = cast(toTensor(g, labels, 'labels'), 'float32');
      requireCompatible(fnName, p, l, ['predictions', 'labels']);
      return finish(g, build(g, l, p), options);
    });
  };
}

/** Python's `tf.compat.v1.losses.mean_squared_error(labels, predictions, weights = 1.0)`. */
export const meanSquaredError = pointwise('meanSquaredError', 'mean_squared_error',
  (g, l, p) => op1(g, 'SquaredDifference', [p, l], {}, 'SquaredDifference'));

/** Python's `tf.compat.v1.losses.absolute_difference(labels, predictions, weights = 1.0)`. */
export const absoluteDifference = pointwise('absoluteDifference', 'absolute_difference',
  (g, l, p) => op1(g, 'Abs', [op1(g, 'Sub', [p, l], {}, 'Sub')], {}, 'Abs'));

/** Python's `tf.compat.v1.losses.hinge_loss(labels, logits)`: labels in {0, 1}. */
export const hingeLoss = pointwise('hingeLoss', 'hinge_loss', (g, l, p) => {
  const allOnes = onesLikeImpl(l, {}, true);
  const signed = op1(g, 'Sub', [opsMethod(g, 'mul')(2, l, { name: 'mul' }), allOnes], {}, 'Sub');
  return op1(g, 'Relu', [op1(g, 'Sub', [allOnes, op1(g, 'Mul', [signed, p], {}, 'Mul')], {}, 'Sub')], {}, 'Relu');
});

/** Python's `tf.compat.v1.losses.log_loss(labels, predictions, weights = 1.0, epsilon = 1e-7)`. */
export function logLoss(labels: TensorInput, predictions: TensorInput, options: LossOptions & { epsilon?: number } = {}): Output {
  const eps = options.epsilon ?? 1e-7;
  return pointwise('logLoss', 'log_loss', (g, l, p) => {
    // -(l · log(p + ε)) - (1 - l) · log(1 - p + ε), in Python's order of op creation.
    const logP = op1(g, 'Log', [opsMethod(g, 'addV2')(p, eps, { name: 'add' })], {}, 'Log');
    const a = op1(g, 'Neg', [op1(g, 'Mul', [l, logP], {}, 'Mul')], {}, 'Neg');
    const oneMinusL = opsMethod(g, 'sub')(1, l, { name: 'sub' });
    const oneMinusP = opsMethod(g, 'addV2')(opsMethod(g, 'sub')(1, p, { name: 'sub' }), eps, { name: 'add' });
    return op1(g, 'Sub', [a, op1(g, 'Mul', [oneMinusL, op1(g, 'Log', [oneMinusP], {}, 'Log')], {}, 'Mul')], {}, 'sub');
  })(labels, predictions, options);
}

/** Python's `tf.compat.v1.losses.huber_loss(labels, predictions, weights = 1.0, delta = 1.0)`. */
export function huberLoss(labels: TensorInput, predictions: TensorInput, options: LossOptions & { delta?: number } = {}): Output {
  const delta = options.delta ?? 1;
  return pointwise('huberLoss', 'huber_loss', (g, l, p) => {
    const error = op1(g, 'Sub', [p, l], {}, 'Sub');
    const absError = op1(g, 'Abs', [error], {}, 'Abs');
    const quadratic = opsMethod(g, 'minimum')(absError, delta, { name: 'Minimum' });
    const linear = op1(g, 'Sub', [absError, quadratic], {}, 'Sub');
    const half = g.constant(tensor([0.5], [], 'float32'), { name: 'Const' });
    const q2 = op1(g, 'Mul', [half, op1(g, 'Mul', [quadratic, quadratic], {}, 'Mul')], {}, 'Mul');
    return op1(g, 'AddV2', [q2, opsMethod(g, 'mul')(delta, linear, { name: 'Mul' })], {}, 'Add');
  })(labels, predictions, options);
}

/** Python's `tf.compat.v1.losses.get_losses(scope?, loss_collection = LOSSES)`. */
export function getLosses(options: { scope?: string; lossCollection?: string; graph?: Graph } = {}): Output[] {
  return (options.graph ?? getDefaultGraph()).getCollection<Output>(options.lossCollection ?? GraphKeys.LOSSES, options.scope);
}

/** Python's `tf.compat.v1.losses.get_regularization_losses(scope?)`. */
export function getRegularizationLosses(options: { scope?: string; graph?: Graph } = {}): Output[] {
  return (options.graph ?? getDefaultGraph()).getCollection<Output>(GraphKeys.REGULARIZATION_LOSSES, options.scope);
}

/** Python's `tf.compat.v1.losses.get_regularization_loss(scope?)`: their sum, or 0. */
export function getRegularizationLoss(options: { scope?: string; name?: string; graph?: Graph } = {}): Output {
  const g = options.graph ?? getDefaultGraph();
  const losses = getRegularizationLosses({ scope: options.scope, graph: g });
  if (losses.length) return g.asDefault(() => addN(losses, { name: options.name ?? 'total_regularization_loss' }));
  return g.constant(tensor([0], [], 'float32'));
}

/** Python's `tf.compat.v1.losses.get_total_loss(add_regularization_losses = true)`: AddN named 'total_loss'. */
export function getTotalLoss(options: { addRegularizationLosses?: boolean; name?: string; scope?: string; graph?: Graph } = {}): Output {
  const g = options.graph ?? getDefaultGraph();
  const losses = [...getLosses({ scope: options.scope, graph: g })];
  if (options.addRegularizationLosses ?? true) losses.push(...getRegularizationLosses({ scope: options.scope, graph: g }));
  if (!losses.length) throw new Error('losses.getTotalLoss: no losses have been added (nothing in LOSSES or REGULARIZATION_LOSSES)');
  return g.asDefault(() => addN(losses, { name: options.name ?? 'total_loss' }));
}

/** Python's `tf.compat.v1.losses.add_loss(loss, loss_collection = LOSSES)`. */
export function addLoss(loss: Output, lossCollection: string = GraphKeys.LOSSES): void {
  loss.graph.addToCollection(lossCollection, loss);
}
