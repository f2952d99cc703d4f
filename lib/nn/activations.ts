// SPDX-License-Identifier: Apache-2.0
// tf.nn activations and the small element-wise pieces of tf.nn (bias_add, l2_loss, l2_normalize), with
// Python's node names.
import type { Output } from '../graph/operation';
import { NameOption, TensorInput, graphFor, op1, opsMethod, rankOf, toTensor, withScope } from '../math/common';

type Activation = (features: TensorInput, options?: NameOption) => Output;

function activation(fnName: string, method: string, defaultName: string): Activation {
  return (features, options = {}) => opsMethod(graphFor(`nn.${fnName}`, features), method)(features, { name: options.name ?? defaultName });
}

/** Python's `tf.nn.relu`. */
export const relu = activation('relu', 'relu', 'Relu');
/** Python's `tf.nn.relu6`. */
export const relu6 = activation('relu6', 'relu6', 'Relu6');
/** Python's `tf.nn.elu`. */
export const elu = activation('elu', 'elu', 'Elu');
/** Python's `tf.nn.selu`. */
export const selu = activation('selu', 'selu', 'Selu');
/** Python's `tf.nn.softplus`. */
export const softplus = activation('softplus', 'softplus', 'Softplus');
/** Python's `tf.nn.softsign`. */
export const softsign = activation('softsign', 'softsign', 'Softsign');
/** Python's `tf.nn.sigmoid`. */
export const sigmoid = activation('sigmoid', 'sigmoid', 'Sigmoid');
/** Python's `tf.nn.tanh`. */
export const tanh = activation('tanh', 'tanh', 'Tanh');

/** Python's `tf.nn.leaky_relu(features, alpha = 0.2)`. */
export function leakyRelu(features: TensorInput, options: { alpha?: number } & NameOption = {}): Output {
  return graphFor('nn.leakyRelu', features).ops.leakyRelu(features, { alpha: options.alpha ?? 0.2, name: options.name ?? 'LeakyRelu' });
}

function softmaxLike(fnName: string, type: 'Softmax' | 'LogSoftmax') {
  return (logits: TensorInput, options: { axis?: number } & NameOption = {}): Output => {
    const g = graphFor(`nn.${fnName}`, logits);
    const x = toTensor(g, logits, 'logits');
    const r = rankOf(x);
    const axis = options.axis ?? -1;
    if (axis !== -1 && !(r !== null && axis === r - 1)) {
      throw new Error(`nn.${fnName}: only the last axis is supported (received axis ${axis} for a tensor of rank ${r ?? 'unknown'}); ` +
        `transpose first`);
    }
    return op1(g, type, [x], {}, options.name ?? type);
  };
}

/** Python's `tf.nn.softmax(logits)` over the last axis. */
export const softmax = softmaxLike('softmax', 'Softmax');
/** Python's `tf.nn.log_softmax(logits)` over the last axis. */
export const logSoftmax = softmaxLike('logSoftmax', 'LogSoftmax');

/** Python's `tf.nn.bias_add(value, bias, data_format?)`. */
export function biasAdd(value: TensorInput, bias: TensorInput, options: { dataFormat?: 'NHWC' | 'NCHW' } & NameOption = {}): Output {
  const g = graphFor('nn.biasAdd', value, bias);
  return g.ops.biasAdd(value, bias, { dataFormat: options.dataFormat ?? 'NHWC', name: options.name ?? 'BiasAdd' });
}

/** Python's `tf.nn.l2_loss`: sum(t ** 2) / 2. */
export function l2Loss(t: TensorInput, options: NameOption = {}): Output {
  return graphFor('nn.l2Loss', t).ops.l2Loss(t, { name: options.name ?? 'L2Loss' });
}

/** Python's `tf.nn.l2_normalize(x, axis, epsilon = 1e-12)`. */
export function l2Normalize(x: TensorInput, options: { axis?: number | number[]; epsilon?: number } & NameOption = {}): Output {
  const g = graphFor('nn.l2Normalize', x);
  return withScope(g, options.name ?? 'l2_normalize', (scope) => {
    const t = toTensor(g, x, 'x');
    const sq = op1(g, 'Square', [t], {}, 'Square');
    const axis = options.axis ?? null;
    const sum = axis === null
      ? op1(g, 'Sum', [sq, g.constant(Array.from({ length: rankOf(sq) ?? 0 }, (_, i) => i), { dtype: 'int32', name: 'Const' })],
        { keep_dims: true }, 'Sum')
      : g.ops.sum(sq, axis, { keepDims: true, name: 'Sum' });
    const inv = op1(g, 'Rsqrt', [opsMethod(g, 'maximum')(sum, options.epsilon ?? 1e-12, { name: 'Maximum' })], {}, 'Rsqrt');
    return op1(g, 'Mul', [t, inv], {}, scope);
  });
}
