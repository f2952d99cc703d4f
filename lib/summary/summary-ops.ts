// SPDX-License-Identifier: Apache-2.0
// tf.compat.v1.summary's graph ops: each builds TensorFlow's own summary kernel (ScalarSummary, HistogramSummary,
// …) with Python's node names, tags and collections, so that a graph written here shows in TensorBoard as the
// same program written in Python would, and a MetaGraph's `summaries` collection lines up with Python's.
import { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { isOutputConvertible, Output, toOutput } from '../graph/operation';
import type { OutputLike } from '../graph/graph';
import { invalidArgument, requireString } from '../base/validate';
import { scopedOp } from '../graph/scoped-op';
import { Tensor } from '../tensor/tensor';
import { getDefaultGraph } from '../graph/default-graph';

/** Options every summary op takes (Python's `collections` and `family`). */
export interface SummaryOptions {
  /** Collections the summary joins; default `[GraphKeys.SUMMARIES]`. `[]` joins none. */
  collections?: string[];
  /** A tab name in TensorBoard: the tag becomes `family/<scope>` and the node `family/name`. */
  family?: string;
}

/** TensorBoard's tag alphabet: Python's `clean_tag` turns anything else into `_` and drops leading slashes. */
export function cleanTag(name: string): string {
  return name.replace(/[^-/\w.]/g, '_').replace(/^\/+/, '');
}

function outputOf(value: OutputLike, what: string): Output {
  const out = isOutputConvertible(value) ? value[toOutput]() : value;
  if (!(out instanceof Output)) throw invalidArgument('an Output (or a Variable)', what, value);
  return out;
}

/**
 * Python's `summary_scope` + op: the op is named by the (unique) scope `family/name`, its tag constant lives
 * inside that scope, and the tag is the scope, prefixed by the family again so TensorBoard groups it.
 */
function summaryOp(
  fn: string,
  name: string,
  tensor: OutputLike,
  options: SummaryOptions,
  build: (g: Graph, tag: string, scope: string, value: Output) => { type: string; inputs: Output[]; attrs?: Record<string, unknown> },
): Output {
  requireString(name, `${fn}(name, …)`);
  const value = outputOf(tensor, `the tensor of ${fn}('${name}', …)`);
  const g = value.graph;
  const family = options.family === undefined ? undefined : cleanTag(requireString(options.family, `${fn}: options.family`));
  const base = family === undefined ? cleanTag(name) : `${family}/${cleanTag(name)}`;
  const op = scopedOp(
    g,
    base,
    () => null,
    (scope) => {
      const tag = family === undefined ? scope : `${family}/${scope}`;
      const spec = g.nameScope(`${scope}/`, () => build(g, tag, scope, value));
      return g.addOperation(spec.type, { inputs: spec.inputs, attrs: spec.attrs, name: scope });
    },
  );
  const out = op.output(0);
  const collections = options.collections ?? [GraphKeys.SUMMARIES];
  if (!Array.isArray(collections)) throw invalidArgument('an array of collection names', `${fn}: options.collections`, collections);
  for (const key of collections) g.addToCollection(requireString(key, `${fn}: options.collections[]`), out);
  return out;
}

// Bytes go in as a string Tensor: a bare Uint8Array would be read as uint8 numbers.
const stringConst = (g: Graph, value: string | Uint8Array, name: string): Output =>
  g.constant(typeof value === 'string' ? value : Tensor._fromHost('string', [], undefined, [value]), { dtype: 'string', name });

function requireCount(value: unknown, what: string): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 2 ** 31 - 1) {
    throw new RangeError(`${what} must be an integer from 1 to 2^31-1, got ${String(value)}`);
  }
  return value as number;
}

/** Python's `tf.compat.v1.summary.scalar`: a `ScalarSummary` of a real scalar. */
export function scalar(name: string, tensor: OutputLike, options: SummaryOptions = {}): Output {
  return summaryOp('tf.summary.scalar', name, tensor, options, (g, tag, _scope, value) => ({
    type: 'ScalarSummary',
    inputs: [stringConst(g, tag, 'tags'), value],
  }));
}

/** Python's `tf.compat.v1.summary.histogram`: a `HistogramSummary` of any real tensor. */
export function histogram(name: string, values: OutputLike, options: SummaryOptions = {}): Output {
  return summaryOp('tf.summary.histogram', name, values, options, (g, tag, _scope, value) => ({
    type: 'HistogramSummary',
    inputs: [stringConst(g, tag, 'tag'), value],
  }));
}

/** Python's `tf.compat.v1.summary.image`: `[batch, height, width, 1|3|4]` images, at most `maxOutputs` (3) of them. */
export function image(name: string, tensor: OutputLike, options: SummaryOptions & { maxOutputs?: number } = {}): Output {
  const maxImages = requireCount(options.maxOutputs ?? 3, 'tf.summary.image: options.maxOutputs');
  return summaryOp('tf.summary.image', name, tensor, options, (g, tag, _scope, value) => ({
    type: 'ImageSummary',
    inputs: [stringConst(g, tag, 'tag'), value],
    attrs: { max_images: maxImages },
  }));
}

/** Python's `tf.compat.v1.summary.audio`: `[batch, frames(, channels)]` float audio at `sampleRate` Hz. */
export function audio(
  name: string,
  tensor: OutputLike,
  sampleRate: number | OutputLike,
  options: SummaryOptions & { maxOutputs?: number } = {},
): Output {
  const maxOutputs = requireCount(options.maxOutputs ?? 3, 'tf.summary.audio: options.maxOutputs');
  return summaryOp('tf.summary.audio', name, tensor, options, (g, tag, _scope, value) => {
    const rate = typeof sampleRate === 'number'
      ? g.constant(sampleRate, { dtype: 'float32', name: 'sample_rate' })
      : outputOf(sampleRate, 'tf.summary.audio: sampleRate');
    return { type: 'AudioSummaryV2', inputs: [stringConst(g, tag, 'tag'), value, rate], attrs: { max_outputs: maxOutputs } };
  });
}

// SummaryMetadata { plugin_data { plugin_name: "text" } }, as Python's text_summary serializes it.
const TEXT_PLUGIN_METADATA = new Uint8Array([0x0a, 0x06, 0x0a, 0x04, 0x74, 0x65, 0x78, 0x74]);

/** Python's `tf.compat.v1.summary.text`: a string tensor, shown by TensorBoard's text plugin. */
export function text(name: string, tensor: OutputLike, options: Omit<SummaryOptions, 'family'> = {}): Output {
  return summaryOp('tf.summary.text', name, tensor, options, (g, tag, _scope, value) => {
    if (value.dtype !== 'string') throw new TypeError(`tf.summary.text('${name}', …) needs a string tensor, got ${value.dtype}`);
    const tagConst = stringConst(g, tag, 'tag');
    return { type: 'TensorSummaryV2', inputs: [tagConst, value, stringConst(g, TEXT_PLUGIN_METADATA, 'serialized_summary_metadata')] };
  });
}

/** Python's `tf.compat.v1.summary.merge`: one `MergeSummary` of serialized summaries (joins no collection by default). */
export function merge(inputs: OutputLike[], options: { collections?: string[]; name?: string } = {}): Output {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw invalidArgument('a non-empty array of summary Outputs', 'tf.summary.merge(inputs)', inputs);
  }
  const outs = inputs.map((v, i) => outputOf(v, `tf.summary.merge: inputs[${i}]`));
  const g = outs[0].graph;
  const name = options.name === undefined ? 'Merge' : requireString(options.name, 'tf.summary.merge: options.name');
  const merged = g.nameScope(name, () => g.addOperation('MergeSummary', { inputs: [outs], name: 'MergeSummary' })).output(0);
  for (const key of options.collections ?? []) g.addToCollection(key, merged);
  return merged;
}

/**
 * Python's `tf.compat.v1.summary.merge_all(key)`: merges the collection `key` (default `summaries`) of the default
 * graph, or of `graph`; null when it is empty.
 * @example const merged = tf.summary.mergeAll(); // or tf.summary.mergeAll(g), tf.summary.mergeAll('eval', g)
 */
export function mergeAll(keyOrGraph?: string | Graph, maybeGraph?: Graph): Output | null {
  const graph = keyOrGraph instanceof Graph ? keyOrGraph : (maybeGraph ?? getDefaultGraph());
  const key = typeof keyOrGraph === 'string' ? keyOrGraph : GraphKeys.SUMMARIES;
  if (!(graph instanceof Graph)) throw invalidArgument('a Graph', 'tf.summary.mergeAll(key?, graph?)', graph);
  const summaries = graph.getCollection(requireString(key, 'tf.summary.mergeAll: key')).filter((v): v is Output => v instanceof Output);
  return summaries.length === 0 ? null : merge(summaries);
}
