// SPDX-License-Identifier: Apache-2.0
// tf.nn.nceLoss and sampledSoftmaxLoss: Python's _compute_sampled_logits with TensorFlow's log-uniform candidate
// sampler (LogUniformCandidateSampler, seeded by get_seed as in Python), for inputs of static shape.
import type { Graph } from '../graph/graph';
import type { Output } from '../graph/operation';
import { getSeed } from '../graph/random-seed';
import { tensor } from '../tensor/tensor';
import { NameOption, TensorInput, graphFor, op1, opsMethod, toTensor, withScope } from '../math/common';
import { cast, concat, onesLike, zerosLike } from '../math/array-ops';
import { embeddingLookup, sigmoidCrossEntropyWithLogits, softmaxCrossEntropyWithLogits } from './classification';

/** The arguments of nceLoss and sampledSoftmaxLoss (Python's keyword arguments). */
export interface SampledLossArgs extends NameOption {
  /** [numClasses, dim]: a Variable (gathered with ResourceGather) or an Output. */
  weights: TensorInput;
  /** [numClasses]. */
  biases: TensorInput;
  /** [batch, numTrue] class ids. */
  labels: TensorInput;
  /** [batch, dim]. */
  inputs: TensorInput;
  numSampled: number;
  numClasses: number;
  numTrue?: number;
  removeAccidentalHits?: boolean;
  seed?: number;
}

function i32(values: number[]): ReturnType<typeof tensor> {
  return tensor(values, [values.length], 'int32');
}

/** Python's `_sum_rows`: x · ones([cols, 1]), flattened. */
function sumRows(g: Graph, x: Output, cols: number): Output {
  const ones = g.constant(tensor(new Array(cols).fill(1), [cols, 1], x.dtype), { name: 'ones' });
  return g.ops.reshape(op1(g, 'MatMul', [x, ones], { transpose_a: false, transpose_b: false }, 'MatMul'), i32([-1]), { name: 'Reshape' });
}

function sampledLogits(g: Graph, args: SampledLossArgs, removeAccidentalHits: boolean): [Output, Output] {
  const numTrue = args.numTrue ?? 1;
  const inputs = toTensor(g, args.inputs, 'inputs');
  const labels = cast(toTensor(g, args.labels, 'labels'), 'int64');
  const [batch, dim] = inputs.shape ?? [null, null];
  if (inputs.shape?.length !== 2 || batch === null || dim === null) {
    throw new Error(`nn sampled losses: inputs must be a [batch, dim] tensor of known shape, but ${inputs} has shape ` +
      `${JSON.stringify(inputs.shape)}`);
  }
  if (labels.shape?.length !== 2 || labels.shape[0] !== batch || labels.shape[1] !== numTrue) {
    throw new Error(`nn sampled losses: labels must have shape [${batch}, ${numTrue}] (batch, numTrue), but received ` +
      `${JSON.stringify(labels.shape)}`);
  }
  const n = batch * numTrue;
  const S = args.numSampled;
  const labelsFlat = g.ops.reshape(labels, i32([-1]), { name: 'Reshape' });
  const [s1, s2] = getSeed(g, args.seed);
  const sampler = g.ops.logUniformCandidateSampler(labels, {
    numTrue, numSampled: S, unique: true, rangeMax: args.numClasses, seed: s1, seed2: s2, name: 'LogUniformCandidateSampler',
  });
  const stop = (x: Output) => op1(g, 'StopGradient', [x], {}, 'StopGradient');
  const sampled = stop(sampler.sampledCandidates);
  const trueExpected = stop(sampler.trueExpectedCount);
  const sampledExpected = stop(sampler.sampledExpectedCount);
  const allIds = concat([labelsFlat, sampled], 0);
  const allW = embeddingLookup(args.weights as TensorInput, allIds);
  const trueW = g.ops.slice(allW, i32([0, 0]), i32([n, -1]), { name: 'Slice' });
  const sampledW = g.ops.slice(allW, i32([n, 0]), i32([-1, -1]), { name: 'Slice' });
  let sLogits = op1(g, 'MatMul', [inputs, sampledW], { transpose_a: false, transpose_b: true }, 'MatMul');
  const allB = embeddingLookup(args.biases as TensorInput, allIds);
  const trueB = g.ops.slice(allB, i32([0]), i32([n]), { name: 'Slice' });
  const sampledB = g.ops.slice(allB, i32([n]), i32([-1]), { name: 'Slice' });
  const rowWise = op1(g, 'Mul', [g.ops.expandDims(inputs, 1, { name: 'ExpandDims' }), g.ops.reshape(trueW, i32([-1, numTrue, dim]))], {},
    'Mul');
  const dots = g.ops.reshape(rowWise, i32([-1, dim]), { name: 'Reshape' });
  let tLogits = g.ops.reshape(sumRows(g, dots, dim), i32([-1, numTrue]), { name: 'Reshape' });
  tLogits = op1(g, 'AddV2', [tLogits, g.ops.reshape(trueB, i32([-1, numTrue]), { name: 'Reshape' })], {}, 'add');
  sLogits = op1(g, 'AddV2', [sLogits, sampledB], {}, 'add');
  if (removeAccidentalHits) {
    const [h1, h2] = getSeed(g, undefined);
    const hits = g.ops.computeAccidentalHits(labels, sampled, { numTrue, seed: h1, seed2: h2, name: 'ComputeAccidentalHits' });
    const idx = concat([g.ops.reshape(hits.indices, i32([-1, 1])), g.ops.reshape(cast(hits.ids, 'int32'), i32([-1, 1]))], 1,
      { name: 'sparse_indices' });
    const dense = g.ops.sparseToDense(idx, i32([batch, S]), hits.weights, tensor([0], [], 'float32'), { validateIndices: false,
      name: 'SparseToDense' });
    sLogits = op1(g, 'AddV2', [sLogits, dense], {}, 'add');
  }
  tLogits = op1(g, 'Sub', [tLogits, op1(g, 'Log', [trueExpected], {}, 'Log')], {}, 'sub');
  sLogits = op1(g, 'Sub', [sLogits, op1(g, 'Log', [sampledExpected], {}, 'Log')], {}, 'sub');
  const outLogits = concat([tLogits, sLogits], 1);
  const trueLabels = opsMethod(g, 'realDiv')(onesLike(tLogits), tensor([numTrue], [], 'float32'), { name: 'truediv' });
  const outLabels = concat([trueLabels, zerosLike(sLogits)], 1);
  return [outLogits, outLabels];
}

/**
 * Python's `tf.nn.nce_loss(weights, biases, labels, inputs, num_sampled, num_classes)`: per-example NCE losses
 * ([batch]) against `numSampled` classes drawn by the log-uniform (Zipfian) sampler.
 * @throws Error for inputs or labels whose shapes are not [batch, dim] and [batch, numTrue].
 */
export function nceLoss(args: SampledLossArgs): Output {
  const g = graphFor('nn.nceLoss', args.weights, args.biases, args.labels, args.inputs);
  return withScope(g, args.name ?? 'nce_loss', () => {
    const [logits, labels] = sampledLogits(g, args, args.removeAccidentalHits ?? false);
    const losses = sigmoidCrossEntropyWithLogits({ labels, logits, name: 'sampled_losses' });
    return sumRows(g, losses, (args.numTrue ?? 1) + args.numSampled);
  });
}

/**
 * Python's `tf.nn.sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes)`: per-example
 * softmax cross-entropy over the true classes and `numSampled` sampled ones (accidental hits removed by default).
 */
export function sampledSoftmaxLoss(args: SampledLossArgs): Output {
  const g = graphFor('nn.sampledSoftmaxLoss', args.weights, args.biases, args.labels, args.inputs);
  return withScope(g, args.name ?? 'sampled_softmax_loss', () => {
    const [logits, labels] = sampledLogits(g, args, args.removeAccidentalHits ?? true);
    const stopped = op1(g, 'StopGradient', [labels], {}, 'labels_stop_gradient');
    return softmaxCrossEntropyWithLogits({ labels: stopped, logits });
  });
}
