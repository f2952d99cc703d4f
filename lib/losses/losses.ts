// SPDX-License-Identifier: Apache-2.0
// tf.losses (Python's tf.compat.v1.losses): each loss in its scope (`sparse_softmax_cross_entropy_loss/value`),
// weighted and reduced by computeWeightedLoss, and added to the LOSSES collection.
import { shapesCompatible } from '../base/shape';
import type { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import type { Output } from '../graph/operation';
import { getDefaultGraph } from '../graph/default-graph';
import { tensor } from '../tensor/tensor';
import { cast } from '../math/array-ops';
import { addN } from '../math/math-ops';
import { NameOption, TensorInput, graphFor, isSymbolic, op1, opsMethod, toTensor, withScope } from '../math/common';
import { sigmoidCrossEntropyWithLogits, softmaxCrossEntropyWithLogits, sparseSoftmaxCrossEntropyWithLogits } from '../nn/classification';
import { Reduction, computeWeightedLoss } from './weighted-loss';

export interface LossOptions extends NameOption {
  /** A scalar or a tensor broadcastable to the losses (Python's `weights=1.0`). */
  weights?: TensorInput;
  /** How the weighted losses are reduced (Python's default SUM_BY_NONZERO_WEIGHTS). */
  reduction?: string;
  /** The collection the loss joins (LOSSES; null for none). */
  lossCollection?: string | null;
}

function weightsTensor(g: Graph, weights: TensorInput | undefined, name: string): Output {
  if (weights === undefined) return g.constant(tensor([1], [], 'float32'), { name });
  if (isSymbolic(weights)) return cast(weights, 'float32');
  return g.constant(weights as number, { dtype: 'float32', name });
}

function finish(g: Graph, losses: Output, weights: Output, options: LossOptions): Output {
  return computeWeightedLoss(g, losses, weights, options.reduction ?? Reduction.SUM_BY_NONZERO_WEIGHTS,
    options.lossCollection === undefined ? GraphKeys.LOSSES : options.lossCollection);
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
    const w = weightsTensor(g, options.weights, 'Const');
    const losses = sparseSoftmaxCrossEntropyWithLogits({ labels, logits, name: 'xentropy' });
    return finish(g, losses, w, options);
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
      const n = labels.shape?.[labels.shape.length - 1];
      if (n === null || n === undefined) throw new Error('losses.softmaxCrossEntropy: label smoothing needs a known number of classes');
      labels = opsMethod(g, 'addV2')(opsMethod(g, 'mul')(labels, 1 - smoothing, { name: 'mul' }), smoothing / n, { name: 'add' });
    }
    labels = op1(g, 'StopGradient', [labels], {}, 'labels_stop_gradient');
    const losses = softmaxCrossEntropyWithLogits({ labels, logits: lg, name: 'xentropy' });
    return finish(g, losses, weightsTensor(g, options.weights, 'Cast_1/x'), options);
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
    const losses = sigmoidCrossEntropyWithLogits({ labels, logits: lg, name: 'logistic_loss' });
    return finish(g, losses, weightsTensor(g, options.weights, 'Cast_1/x'), options);
  });
}

function pointwise(fnName: string, scopeName: string, build: (g: Graph, labels: Output, predictions: Output) => Output) {
  return (labels: TensorInput, predictions: TensorInput, options: LossOptions = {}): Output => {
    const g = graphFor(`losses.${fnName}`, labels, predictions, options.weights);
    return withScope(g, options.name ?? scopeName, () => {
      const p = cast(toTensor(g, predictions, 'predictions'), 'float32');
      const l = cast(toTensor(g, labels, 'labels'), 'float32');
      requireCompatible(fnName, p, l, ['predictions', 'labels']);
      return finish(g, build(g, l, p), weightsTensor(g, options.weights, 'Cast/x'), options);
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
  const signed = opsMethod(g, 'sub')(opsMethod(g, 'mul')(2, l, { name: 'mul' }), 1, { name: 'sub' });
  return op1(g, 'Relu', [opsMethod(g, 'sub')(1, op1(g, 'Mul', [signed, p], {}, 'mul'), { name: 'sub' })], {}, 'Relu');
});

/** Python's `tf.compat.v1.losses.log_loss(labels, predictions, weights = 1.0, epsilon = 1e-7)`. */
export function logLoss(labels: TensorInput, predictions: TensorInput, options: LossOptions & { epsilon?: number } = {}): Output {
  const eps = options.epsilon ?? 1e-7;
  return pointwise('logLoss', 'log_loss', (g, l, p) => {
    const a = op1(g, 'Mul', [op1(g, 'Neg', [l], {}, 'Neg'), op1(g, 'Log', [opsMethod(g, 'addV2')(p, eps, { name: 'add' })], {}, 'Log')],
      {}, 'mul');
    const oneMinusL = opsMethod(g, 'sub')(1, l, { name: 'sub' });
    const oneMinusP = opsMethod(g, 'addV2')(opsMethod(g, 'sub')(1, p, { name: 'sub' }), eps, { name: 'add' });
    return op1(g, 'Sub', [a, op1(g, 'Mul', [oneMinusL, op1(g, 'Log', [oneMinusP], {}, 'Log')], {}, 'mul')], {}, 'sub');
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
    const q2 = opsMethod(g, 'mul')(0.5, op1(g, 'Mul', [quadratic, quadratic], {}, 'Mul'), { name: 'Mul' });
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
