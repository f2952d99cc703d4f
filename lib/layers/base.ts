// SPDX-License-Identifier: Apache-2.0
// What TF 1.15's tf.layers share: unique layer names per graph ('dense', 'dense_1', …), the layer's variable
// scope (variables 'dense/kernel'), activations by name, and kernel regularizers feeding REGULARIZATION_LOSSES.
import type { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { Output } from '../graph/operation';
import type { Tensor } from '../tensor/tensor';
import type { Variable } from '../variables/variable';
import type { InitializerLike } from '../variables/variable-scope';
import * as act from '../nn/activations';

/** An activation: a function of an Output, or the name of a tf.nn activation ('relu', 'tanh', …). */
export type ActivationLike = ((x: Output) => Output) | string | null;

/** A regularizer: the penalty (a scalar Output) for a weight. */
export type Regularizer = (weight: Output) => Output | null;

export interface LayerOptions {
  /** The layer's name (and variable scope); default the layer kind made unique ('dense', 'dense_1', …). */
  name?: string;
  /** Reuse the variables of the layer with the same name. */
  reuse?: boolean | 'auto';
  /** Whether the variables join TRAINABLE_VARIABLES (default true). */
  trainable?: boolean;
}

const ACTIVATIONS: Record<string, (x: Output) => Output> = {
  relu: (x) => act.relu(x), relu6: (x) => act.relu6(x), elu: (x) => act.elu(x), selu: (x) => act.selu(x),
  sigmoid: (x) => act.sigmoid(x), tanh: (x) => act.tanh(x), softplus: (x) => act.softplus(x), softsign: (x) => act.softsign(x),
  softmax: (x) => act.softmax(x), leaky_relu: (x) => act.leakyRelu(x), leakyRelu: (x) => act.leakyRelu(x), linear: (x) => x,
};

/**
 * The activation function for `activation`.
 * @throws Error naming the unknown activation and the known ones.
 */
export function resolveActivation(activation: ActivationLike | undefined, layer: string): (x: Output) => Output {
  if (activation === undefined || activation === null) return (x) => x;
  if (typeof activation === 'function') return activation;
  const fn = typeof activation === 'string' ? ACTIVATIONS[activation] : undefined;
  if (!fn) throw new Error(`${layer}: unknown activation ${JSON.stringify(activation)}; known: ${Object.keys(ACTIVATIONS).join(', ')}`);
  return fn;
}

/**
 * A positive integer argument of a layer (units, filters, kernel sizes, strides), or a pair of them.
 * @throws Error naming the layer and the argument, as Keras' ValueError.
 */
export function positiveInts(value: number | [number, number], count: 1 | 2, layer: string, what: string): number[] {
  const list = typeof value === 'number' ? new Array<number>(count).fill(value) : value;
  if (!Array.isArray(list) || list.length !== count || !list.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${layer}: ${what} must be ${count === 1 ? 'a positive integer' : 'a positive integer or a pair of them'}, ` +
      `but received ${JSON.stringify(value)}`);
  }
  return list;
}

const layerCounts = new WeakMap<Graph, Map<string, number>>();

/** TF 1.15's unique layer name: 'dense', then 'dense_1', … per graph. */
export function uniqueLayerName(g: Graph, base: string): string {
  let counts = layerCounts.get(g);
  if (!counts) layerCounts.set(g, (counts = new Map()));
  const n = counts.get(base) ?? 0;
  counts.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** Runs `fn` in the layer's variable scope (and a name scope of it), as TF 1.15's layers `__call__`. */
export function inLayerScope<T>(g: Graph, kind: string, options: LayerOptions, fn: () => T): T {
  const name = options.name ?? uniqueLayerName(g, kind);
  return g.variableScope(name, () => fn(), options.reuse === undefined ? {} : { reuse: options.reuse });
}

/** A layer weight: getVariable in the layer's scope, its regularization loss in REGULARIZATION_LOSSES. */
export function layerWeight(g: Graph, name: string, shape: number[], options: {
  initializer?: InitializerLike; regularizer?: Regularizer | null; trainable?: boolean; dtype?: 'float32' | 'float64';
}): Variable {
  const v = g.getVariable(name, { shape, initializer: options.initializer, trainable: options.trainable ?? true, dtype: options.dtype });
  if (options.regularizer) {
    const loss = g.nameScope(`${name}/Regularizer`, () => options.regularizer!(v.value()));
    if (loss) g.addToCollection(GraphKeys.REGULARIZATION_LOSSES, loss);
  }
  return v;
}

/** A layer's `training` argument: a JS boolean, or a bool scalar Output decided at run time (TF 1.15's smart_cond). */
export type TrainingFlag = boolean | Output;

/** Python's smart_constant_value: the value of a Const bool (through Identity ops), else null. */
function foldedBool(t: Output): boolean | null {
  let o = t;
  while (o.op.type === 'Identity' || o.op.type === 'StopGradient') o = o.op.inputs[0];
  if (o.op.type !== 'Const') return null;
  const v = o.op.attr('value') as Tensor;
  return (v.data() as Uint8Array)[0] !== 0;
}

/**
 * A layer's `training` checked: a JS boolean (undefined → false), the value of a constant bool Output, or the
 * Output itself when only run time knows it (the layer then builds a tf.cond, as smart_cond does).
 * @throws TypeError naming `training` for anything else, or an Output that is not a bool scalar.
 */
export function trainingFlag(g: Graph, training: unknown, layer: string): boolean | Output {
  if (training === undefined) return false;
  if (typeof training === 'boolean') return training;
  if (!(training instanceof Output)) {
    throw new TypeError(`${layer}: training must be a boolean or a bool scalar Output, but received ${typeof training}`);
  }
  if (training.graph !== g) throw new TypeError(`${layer}: training ${training} is in another graph than the inputs`);
  if (training.dtype !== 'bool') throw new TypeError(`${layer}: training must be a bool scalar, but ${training} is ${training.dtype}`);
  const shape = training.shape;
  if (shape !== null && shape.length !== 0) {
    throw new TypeError(`${layer}: training must be a bool scalar, but ${training} has shape ${JSON.stringify(shape)}`);
  }
  return foldedBool(training) ?? training;
}
