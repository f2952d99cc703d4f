// SPDX-License-Identifier: Apache-2.0
// tf.nn cross-entropies, top-k and embedding lookup, with Python's node names and Python's ValueErrors for
// labels and logits whose shapes do not fit.
import type { Output } from '../graph/operation';
import type { Graph } from '../graph/graph';
import { tensor } from '../tensor/tensor';
import { shapesCompatible } from '../base/shape';
import { NameOption, TensorInput, graphFor, isSymbolic, op1, opsMethod, rankOf, toTensor, withScope } from '../math/common';
import { rank, shape, zerosLike } from '../math/array-ops';

function shapeText(s: Array<number | null> | null): string {
  return s === null ? '<unknown>' : `(${s.map((d) => d ?? 'None').join(', ')}${s.length === 1 ? ',' : ''})`;
}

/** Python's `_flatten_outer_dims`: a [-1, last] Reshape built as Python builds it. */
function flattenOuterDims(g: Graph, x: Output, suffix: string): Output {
  const r = rank(x, { name: `Rank${suffix}` });
  const s = shape(x, { name: `Shape${suffix}` });
  const sub = opsMethod(g, 'sub')(r, 1, { name: 'Sub' });
  const lastDim = withScope(g, 'Slice', (scope) => {
    const begin = g.ops.pack([sub], { name: 'begin' });
    const size = g.constant(tensor([1], [1], 'int32'), { name: 'size' });
    return op1(g, 'Slice', [s, begin, size], {}, scope);
  });
  const newShape = g.ops.concatV2([tensor([-1], [1], 'int32'), lastDim], 0, { name: 'concat' });
  return op1(g, 'Reshape', [x, newShape], {}, 'Reshape');
}

/**
 * Python's `tf.nn.softmax_cross_entropy_with_logits(labels, logits, axis = -1)` (v2: gradients flow into labels too).
 * @throws Error when labels and logits have different shapes.
 */
export function softmaxCrossEntropyWithLogits(args: { labels: TensorInput; logits: TensorInput } & NameOption): Output {
  const g = graphFor('nn.softmaxCrossEntropyWithLogits', args.labels, args.logits);
  return withScope(g, args.name ?? 'softmax_cross_entropy_with_logits', (scope) => {
    const logits = toTensor(g, args.logits, 'logits');
    const labels = toTensor(g, args.labels, 'labels', logits.dtype);
    if (!shapesCompatible(labels.shape, logits.shape)) {
      throw new Error(`nn.softmaxCrossEntropyWithLogits: labels shape ${shapeText(labels.shape)} must equal logits shape ` +
        `${shapeText(logits.shape)}`);
    }
    const inputRank = rank(logits, { name: 'Rank' });
    const inputShape = shape(logits, { name: 'Shape' });
    // Python names these pieces by order: the logits' Rank_1/Shape_1/Sub/Slice/concat/Reshape, then the labels'.
    const flatLogits = flattenOuterDims(g, logits, '_1');
    const flatLabels = flattenOuterDims(g, labels, '_2');
    const cost = g.addOperation('SoftmaxCrossEntropyWithLogits', { inputs: [flatLogits, flatLabels], name: scope }).output(0);
    const outer = opsMethod(g, 'sub')(inputRank, 1, { name: 'Sub' });
    const outShape = withScope(g, 'Slice', (sc) => {
      const begin = g.constant(tensor([0], [1], 'int32'), { name: 'begin' });
      return op1(g, 'Slice', [inputShape, begin, g.ops.pack([outer], { name: 'size' })], {}, sc);
    });
    return op1(g, 'Reshape', [cost, outShape], {}, 'Reshape');
  });
}

/**
 * Python's `tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)`: labels are class indices.
 * @throws Error when labels' rank is not logits' rank - 1 or their shapes differ, as Python's ValueError.
 */
export function sparseSoftmaxCrossEntropyWithLogits(args: { labels: TensorInput; logits: TensorInput } & NameOption): Output {
  const g = graphFor('nn.sparseSoftmaxCrossEntropyWithLogits', args.labels, args.logits);
  return withScope(g, args.name ?? 'SparseSoftmaxCrossEntropyWithLogits', () => {
    const labels = isSymbolic(args.labels) ? toTensor(g, args.labels, 'labels') : g.constant(args.labels as number[], { dtype: 'int32',
      name: 'labels' });
    const logits = toTensor(g, args.logits, 'logits');
    const lr = rankOf(labels);
    const kr = rankOf(logits);
    if (kr === 0) throw new Error(`nn.sparseSoftmaxCrossEntropyWithLogits: logits cannot be scalars (received ${logits})`);
    if (lr !== null && kr !== null) {
      if (lr !== kr - 1) {
        throw new Error(`nn.sparseSoftmaxCrossEntropyWithLogits: rank mismatch: rank of labels (received ${lr}) should equal rank of ` +
          `logits minus 1 (received ${kr})`);
      }
      if (!shapesCompatible(labels.shape, logits.shape!.slice(0, -1))) {
        throw new Error(`nn.sparseSoftmaxCrossEntropyWithLogits: shape mismatch: the shape of labels (received ` +
          `${shapeText(labels.shape)}) should equal the shape of logits except for the last dimension (received ` +
            `${shapeText(logits.shape)})`);
      }
    }
    shape(labels, { name: 'Shape' });
    if (kr !== 2) throw new Error(`nn.sparseSoftmaxCrossEntropyWithLogits: only logits of rank 2 are supported here (received rank ` +
      `${kr ?? 'unknown'})`);
    return g.addOperation('SparseSoftmaxCrossEntropyWithLogits', { inputs: [logits, labels],
      name: args.name ?? 'SparseSoftmaxCrossEntropyWithLogits' }).output(0);
  });
}

/**
 * Python's `tf.nn.sigmoid_cross_entropy_with_logits(labels, logits)`:
 * max(x, 0) - x * z + log(1 + exp(-abs(x))), built as Python builds it.
 */
export function sigmoidCrossEntropyWithLogits(args: { labels: TensorInput; logits: TensorInput } & NameOption): Output {
  const g = graphFor('nn.sigmoidCrossEntropyWithLogits', args.labels, args.logits);
  return withScope(g, args.name ?? 'logistic_loss', (scope) => {
    const logits = toTensor(g, args.logits, 'logits');
    const labels = toTensor(g, args.labels, 'labels', logits.dtype);
    if (!shapesCompatible(labels.shape, logits.shape)) {
      throw new Error(`nn.sigmoidCrossEntropyWithLogits: logits and labels must have the same shape (received ` +
        `${shapeText(logits.shape)} vs ${shapeText(labels.shape)})`);
    }
    const zeros = zerosLike(logits);
    const cond = op1(g, 'GreaterEqual', [logits, zeros], {}, 'GreaterEqual');
    const relu = op1(g, 'Select', [cond, logits, zeros], {}, 'Select');
    const negAbs = op1(g, 'Select', [cond, op1(g, 'Neg', [logits], {}, 'Neg'), logits], {}, 'Select');
    const sub = op1(g, 'Sub', [relu, op1(g, 'Mul', [logits, labels], {}, 'mul')], {}, 'sub');
    return op1(g, 'AddV2', [sub, op1(g, 'Log1p', [op1(g, 'Exp', [negAbs], {}, 'Exp')], {}, 'Log1p')], {}, scope);
  });
}

/** Python's `tf.nn.top_k(input, k = 1, sorted = true)` → `{values, indices}`. */
export function topK(input: TensorInput, k = 1, options: { sorted?: boolean } & NameOption = {}): { values: Output; indices: Output } {
  const r = graphFor('nn.topK', input).ops.topKV2(input, tensor([k], [], 'int32'), { sorted: options.sorted ?? true,
    name: options.name ?? 'TopKV2' });
  return { values: r.values, indices: r.indices };
}

/** Python's `tf.compat.v1.nn.in_top_k(predictions, targets, k)`. */
export function inTopK(predictions: TensorInput, targets: TensorInput, k: number, options: NameOption = {}): Output {
  const g = graphFor('nn.inTopK', predictions, targets);
  return withScope(g, options.name ?? 'in_top_k', () => g.ops.inTopKV2(predictions, targets, k, { name: 'InTopKV2' }));
}

/** Resource variables as embedding_lookup sees them: a handle to gather from. */
interface ResourceParams {
  handle: Output;
  dtype: string;
  name: string;
  graph: Graph;
}

function isResourceVariable(v: unknown): v is ResourceParams {
  const h = (v as { handle?: unknown } | null)?.handle;
  return typeof v === 'object' && v !== null && isSymbolic(h) && (h as Output).dtype === 'resource';
}

/**
 * Python's `tf.nn.embedding_lookup(params, ids)`: a ResourceGather on a resource variable (so its gradient is
 * an IndexedSlices), a GatherV2 on a tensor; one params tensor (no sharding).
 */
export function embeddingLookup(params: TensorInput | ResourceParams | Array<TensorInput | ResourceParams>, ids: TensorInput,
  options: { maxNorm?: null } & NameOption = {}): Output {
  const list = Array.isArray(params) && (params.length === 0 || isResourceVariable(params[0]) || isSymbolic(params[0])) ? params : [params];
  if (list.length !== 1) throw new Error(`nn.embeddingLookup: exactly one params tensor is supported here (received ${list.length})`);
  const p = list[0];
  const g = graphFor('nn.embeddingLookup', p, ids);
  return withScope(g, options.name ?? 'embedding_lookup', (scope) => {
    const idx = isSymbolic(ids) ? toTensor(g, ids, 'ids') : g.constant(ids as number[], { dtype: 'int32', name: 'ids' });
    if (idx.dtype !== 'int32' && idx.dtype !== 'int64') {
      throw new TypeError(`nn.embeddingLookup: ids must be int32 or int64, but ${idx} is ${idx.dtype}`);
    }
    let out: Output;
    if (isResourceVariable(p)) {
      out = g.addOperation('ResourceGather', { inputs: [p.handle, idx], attrs: { dtype: p.dtype, validate_indices: true },
        name: scope }).output(0);
    } else {
      out = g.ops.gatherV2(p as TensorInput, idx, 0, { name: scope });
    }
    return op1(g, 'Identity', [out], {}, 'Identity');
  });
}

