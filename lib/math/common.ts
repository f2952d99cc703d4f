// SPDX-License-Identifier: Apache-2.0
// Shared plumbing of the tf.* functions: which graph a call builds into, values turned into constants as
// Python's convert_to_tensor names them, and Python's `with name_scope(name) as scope: … op(name=scope)`.
import type { DType } from '../base/dtypes';
import { isDType } from '../base/dtypes';
import type { Graph, OutputLike } from '../graph/graph';
import { graphOf } from '../graph/default-graph';
import { Output, isOutputConvertible } from '../graph/operation';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';
import { invalidArgument } from '../base/validate';

/** What the tf.* functions take as a tensor: an Output, a Variable, a host Tensor or a JS value. */
export type TensorInput = OutputLike | Tensor | TensorLike;

/** The options every tf.* function takes. */
export interface NameOption {
  /** The name (or name scope) of the result, made unique as Python makes it. */
  name?: string;
}

export function isSymbolic(value: unknown): value is OutputLike {
  return value instanceof Output || isOutputConvertible(value);
}

/** The graph of the symbolic arguments (or the default graph), for the function `fnName`. */
export function graphFor(fnName: string, ...args: unknown[]): Graph {
  return graphOf(args, fnName);
}

/** The dtype a JS value gets as a tensor of its own (numbers are float32, as tf.tensor infers them). */
export function valueDType(value: unknown): DType {
  if (value instanceof Tensor) return value.dtype;
  return tensor(value as TensorLike).dtype;
}

/**
 * Python's `ops.convert_to_tensor(value, dtype, name)`: an Output as it is (its dtype checked), a value as a
 * Const named `name` in the current name scope.
 */
export function toTensor(g: Graph, value: TensorInput, name: string, dtype?: DType): Output {
  if (isSymbolic(value)) {
    const out = g._toOutput(value, `'${name}'`);
    if (dtype !== undefined && out.dtype !== dtype) {
      throw new TypeError(`Expected ${dtype} for '${name}' but received ${out} of dtype ${out.dtype}`);
    }
    return out;
  }
  if (value === undefined || value === null) throw invalidArgument('a tensor or a value', `'${name}'`, value);
  if (value instanceof Tensor) return g.constant(value, { dtype, name });
  return g.constant(value as TensorLike, { dtype, name });
}

/** Outputs of one op with `name` exactly (a scope name ending in '/') or made unique. */
export function withScope<T>(g: Graph, name: string, fn: (scope: string) => T): T {
  return g.nameScope(name, fn);
}

/** The scope name an op takes as its exact name (Python's `op(name=scope)`). */
export function scopeName(scope: string, fallback: string): string {
  return scope === '' ? fallback : scope;
}

/** Adds one op and returns its first output. */
export function op1(g: Graph, type: string, inputs: Array<OutputLike | OutputLike[]>, attrs: Record<string, unknown>,
  name: string): Output {
  return g.addOperation(type, { inputs, attrs, name }).output(0);
}

/** The dtype option, validated. */
export function optionalDType(value: unknown, what: string): DType | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isDType(value)) throw invalidArgument('a dtype name', what, value);
  return value;
}

/** The static rank of an Output, or null. */
export function rankOf(x: Output): number | null {
  const s = x.shape;
  return s === null ? null : s.length;
}

/** Python's `ValueError` for a tensor of the wrong rank. */
export function requireRank(x: Output, ranks: number[], what: string): void {
  const r = rankOf(x);
  if (r !== null && !ranks.includes(r)) {
    throw new Error(`${what} must have rank ${ranks.join(' or ')}, but ${x} has shape [${x.shape!.map((d) => d ?? '?').join(', ')}] ` +
      `(rank ${r})`);
  }
}

type OpFn = (...args: unknown[]) => Output;

/** g.ops.<method>: values among the inputs become constants named after the input ('Add/y'), as in Python. */
export function opsMethod(g: Graph, method: string): OpFn {
  return (g.ops as unknown as Record<string, OpFn>)[method].bind(g.ops);
}

/**
 * Python's `_ReductionDims`: all axes as a Const named 'Const' for a known rank above 0, else Range(0, Rank)
 * (Python's `if x_rank:` sends scalars that way too).
 */
export function allAxes(g: Graph, x: Output): Output {
  const r = rankOf(x);
  if (r) return g.constant(Array.from({ length: r }, (_, i) => i), { dtype: 'int32', name: 'Const' });
  const rank = r === 0 ? g.constant(0, { dtype: 'int32', name: 'Rank' }) : op1(g, 'Rank', [x], {}, 'Rank');
  return withScope(g, 'range', (scope) => {
    const start = g.constant(0, { dtype: 'int32', name: 'start' });
    const delta = g.constant(1, { dtype: 'int32', name: 'delta' });
    return op1(g, 'Range', [start, rank, delta], {}, scope);
  });
}

