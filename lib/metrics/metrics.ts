// SPDX-License-Identifier: Apache-2.0
// Python's tf.compat.v1.metrics: streaming metrics over local variables ('accuracy/total', 'accuracy/count', …, in
// LOCAL_VARIABLES and METRIC_VARIABLES) → [value, updateOp]; run localVariablesInitializer first.
import type { DType } from '../base/dtypes';
import type { Graph, OutputLike } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import type { Output } from '../graph/operation';
import { tensor } from '../tensor/tensor';
import type { Variable } from '../variables/variable';
import { shapesCompatible } from '../base/shape';
import { NameOption, TensorInput, allAxes, graphFor, op1, opsMethod, toTensor, withScope } from '../math/common';
import { cast } from '../math/array-ops';

/** `[value, updateOp]`: the metric's current value, and the op that folds a batch in and gives the new value. */
export type MetricResult = [Output, Output];

export interface MetricOptions extends NameOption {
  /** Per-value weights (default 1). */
  weights?: TensorInput;
}

/** Python's `metric_variable`: a local, non-trainable zero-initialised variable in METRIC_VARIABLES. */
function metricVariable(g: Graph, shape: number[], dtype: DType, name: string): Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  return g.controlDependencies(null, () => g.variable(tensor(new Array(n).fill(0), shape, dtype), {
    name, trainable: false, collections: [GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES],
  }));
}

function sum(g: Graph, x: Output, name = 'Sum'): Output {
  return op1(g, 'Sum', [x, allAxes(g, x)], { keep_dims: false }, name);
}

function requireSameShape(fnName: string, a: Output, b: Output): void {
  if (!shapesCompatible(a.shape, b.shape)) {
    throw new Error(`metrics.${fnName}: the shapes of predictions ${JSON.stringify(a.shape)} and labels ${JSON.stringify(b.shape)} are ` +
      `incompatible`);
  }
}

function meanIn(g: Graph, values: Output, weights: TensorInput | undefined): MetricResult {
  const total = metricVariable(g, [], 'float32', 'total');
  const count = metricVariable(g, [], 'float32', 'count');
  let v = cast(values, 'float32');
  let numValues: Output;
  if (weights === undefined) {
    numValues = cast(g.constant(tensor([values.shape?.every((d) => d !== null) ? (values.shape as number[]).reduce((a, b) => a * b,
      1) : 0], [], 'int32'), { name: 'Size' }), 'float32');
    if (!values.shape?.every((d) => d !== null)) numValues = cast(op1(g, 'Size', [values], { out_type: 'int32' }, 'Size_1'), 'float32');
  } else {
    const w = op1(g, 'Mul', [opsMethod(g, 'onesLike')(v, { name: 'ones_like' }), cast(toTensor(g, weights, 'weights'), 'float32')], {},
      'mul');
    v = op1(g, 'Mul', [v, w], {}, 'Mul');
    numValues = sum(g, w);
  }
  const updateTotal = total.assignAdd(sum(g, v)) as Output;
  const updateCount = g.controlDependencies([v], () => count.assignAdd(numValues)) as Output;
  const value = op1(g, 'DivNoNan', [total, opsMethod(g, 'maximum')(count, tensor([0], [], 'float32'), { name: 'Maximum' })], {}, 'value');
  const update = op1(g, 'DivNoNan', [updateTotal, opsMethod(g, 'maximum')(updateCount, tensor([0], [], 'float32'), { name: 'Maximum' })],
    {}, 'update_op');
  return [value, update];
}

/** Python's `tf.compat.v1.metrics.mean(values, weights?)`. */
export function mean(values: TensorInput, options: MetricOptions = {}): MetricResult {
  const g = graphFor('metrics.mean', values, options.weights);
  return g.variableScope(options.name ?? 'mean', () => meanIn(g, toTensor(g, values, 'values'), options.weights));
}

/**
 * Python's `tf.compat.v1.metrics.accuracy(labels, predictions, weights?)`: the mean of equal(predictions, labels).
 * @example const [acc, update] = tf.metrics.accuracy(labels, tf.argmax(logits, { axis: 1 }));
 */
export function accuracy(labels: TensorInput, predictions: TensorInput, options: MetricOptions = {}): MetricResult {
  const g = graphFor('metrics.accuracy', labels, predictions, options.weights);
  const p = toTensor(g, predictions, 'predictions');
  const l = toTensor(g, labels, 'labels', p.dtype);
  requireSameShape('accuracy', p, l);
  const isCorrect = cast(op1(g, 'Equal', [p, l], {}, 'Equal'), 'float32');
  return g.variableScope(options.name ?? 'accuracy', () => meanIn(g, isCorrect, options.weights));
}

/** Python's `_count_condition`: a counter of the true values (weighted). */
function countCondition(g: Graph, scope: string, values: Output, weights: TensorInput | undefined): MetricResult {
  return g.variableScope(scope, () => {
    const count = metricVariable(g, [], 'float32', 'count');
    let v = cast(values, 'float32');
    if (weights !== undefined) v = op1(g, 'Mul', [v, cast(toTensor(g, weights, 'weights'), 'float32')], {}, 'Mul');
    const update = count.assignAdd(sum(g, v)) as Output;
    return [op1(g, 'Identity', [count], {}, 'Identity'), update];
  });
}

function ratioMetric(fnName: string, scopeName: string, other: 'false_positives' | 'false_negatives') {
  return (labels: TensorInput, predictions: TensorInput, options: MetricOptions = {}): MetricResult => {
    const g = graphFor(`metrics.${fnName}`, labels, predictions, options.weights);
    return g.variableScope(options.name ?? scopeName, () => {
      const p = cast(toTensor(g, predictions, 'predictions'), 'bool');
      const l = cast(toTensor(g, labels, 'labels'), 'bool');
      requireSameShape(fnName, p, l);
      const [tp, tpUpdate] = countCondition(g, 'true_positives', op1(g, 'LogicalAnd', [p, l], {}, 'LogicalAnd'), options.weights);
      const cond = other === 'false_positives'
        ? op1(g, 'LogicalAnd', [op1(g, 'Equal', [l, g.constant(false, { name: 'Const' })], {}, 'Equal'), p], {}, 'LogicalAnd')
        : op1(g, 'LogicalAnd', [l, op1(g, 'Equal', [p, g.constant(false, { name: 'Const' })], {}, 'Equal')], {}, 'LogicalAnd');
      const [o, oUpdate] = countCondition(g, other, cond, options.weights);
      const ratio = (a: Output, b: Output, name: string) => withScope(g, name, (scope) => {
        const denom = op1(g, 'AddV2', [a, b], {}, 'add');
        const positive = opsMethod(g, 'greater')(denom, tensor([0], [], 'float32'), { name: 'Greater' });
        return op1(g, 'SelectV2', [positive, op1(g, 'RealDiv', [a, denom], {}, 'truediv'), g.constant(tensor([0], [], 'float32'),
          { name: 'Const' })], {}, scope);
      });
      return [ratio(tp, o, 'value'), ratio(tpUpdate, oUpdate, 'update_op')];
    });
  };
}

/** Python's `tf.compat.v1.metrics.precision(labels, predictions)`: tp / (tp + fp). */
export const precision = ratioMetric('precision', 'precision', 'false_positives');
/** Python's `tf.compat.v1.metrics.recall(labels, predictions)`: tp / (tp + fn). */
export const recall = ratioMetric('recall', 'recall', 'false_negatives');

/**
 * Python's `tf.compat.v1.metrics.auc(labels, predictions, numThresholds = 200)`: the ROC curve's area by the
 * trapezoidal rule over confusion matrices at `numThresholds` thresholds (predictions in [0, 1]).
 */
export function auc(labels: TensorInput, predictions: TensorInput, options: MetricOptions & { numThresholds?: number } = {}): MetricResult {
  const g = graphFor('metrics.auc', labels, predictions, options.weights);
  const n = options.numThresholds ?? 200;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`metrics.auc: numThresholds must be an integer >= 2, but received ${n}`);
  return g.variableScope(options.name ?? 'auc', () => {
    const eps = 1e-7;
    const thresholds = [0 - eps, ...Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1)), 1 + eps];
    const p = g.ops.reshape(cast(toTensor(g, predictions, 'predictions'), 'float32'), tensor([1, -1], [2], 'int32'));
    const l = g.ops.reshape(cast(toTensor(g, labels, 'labels'), 'bool'), tensor([1, -1], [2], 'int32'));
    const predTiled = g.ops.tile(p, tensor([n, 1], [2], 'int32'));
    const threshTiled = opsMethod(g, 'mul')(g.constant(tensor(thresholds.map((t) => [t]), [n, 1], 'float32')), opsMethod(g,
      'onesLike')(predTiled));
    const predPos = op1(g, 'Greater', [predTiled, threshTiled], {}, 'Greater');
    const labelPos = g.ops.tile(l, tensor([n, 1], [2], 'int32'));
    const not = (x: Output) => op1(g, 'LogicalNot', [x], {}, 'LogicalNot');
    const w = options.weights === undefined ? null : g.ops.reshape(cast(toTensor(g, options.weights, 'weights'), 'float32'), tensor([1,
      -1], [2], 'int32'));
    const counter = (name: string, a: Output, b: Output): [Variable, Output] => {
      const v = metricVariable(g, [n], 'float32', name);
      let x = cast(op1(g, 'LogicalAnd', [a, b], {}, 'LogicalAnd'), 'float32');
      if (w) x = op1(g, 'Mul', [x, w], {}, 'Mul');
      return [v, v.assignAdd(g.ops.sum(x, tensor([1], [], 'int32'))) as Output];
    };
    const [tp, tpU] = counter('true_positives', labelPos, predPos);
    const [fn, fnU] = counter('false_negatives', labelPos, not(predPos));
    const [tn, tnU] = counter('true_negatives', not(labelPos), not(predPos));
    const [fp, fpU] = counter('false_positives', not(labelPos), predPos);
    const area = (a: OutputLike, b: OutputLike, c: OutputLike, d: OutputLike, name: string) => withScope(g, name, (scope) => {
      const e = tensor([eps], [], 'float32');
      const rec = op1(g, 'RealDiv', [opsMethod(g, 'addV2')(a, e), opsMethod(g, 'addV2')(opsMethod(g, 'addV2')(a, b), e)], {}, 'rec');
      const fpRate = op1(g, 'RealDiv', [c, opsMethod(g, 'addV2')(opsMethod(g, 'addV2')(c, d), e)], {}, 'fp_rate');
      const head = (x: Output) => g.ops.slice(x, [0], [n - 1]);
      const tail = (x: Output) => g.ops.slice(x, [1], [n - 1]);
      const dx = op1(g, 'Sub', [head(fpRate), tail(fpRate)], {}, 'sub');
      const my = opsMethod(g, 'realDiv')(op1(g, 'AddV2', [head(rec), tail(rec)], {}, 'add'), tensor([2], [], 'float32'),
        { name: 'truediv' });
      return sum(g, op1(g, 'Mul', [dx, my], {}, 'Mul'), scope);
    });
    return [area(tp, fn, fp, tn, 'value'), area(tpU, fnU, fpU, tnU, 'update_op')];
  });
}
