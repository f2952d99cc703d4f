// SPDX-License-Identifier: Apache-2.0
// tf.cond as Python 2.21's graph mode builds it (cond_v2): each branch a function (`cond_true_N`/`cond_false_N`
// under the name scope, '/' made '_'), the union of what the branches capture as inputs of an `If` (stateful
// branches) or `StatelessIf`, named after the scope, and one Identity per output (`cond/Identity`, …).
import { StaticShape } from '../base/shape';
import { requireFunction } from '../base/validate';
import { graphOf } from '../graph/default-graph';
import { Graph, OutputLike } from '../graph/graph';
import { Operation, Output } from '../graph/operation';
import { statefulIntermediates } from './stateful-ops';
import { FuncGraph, attachFunction, finishFunction, flattenStructure, nextFunctionUid, packStructure, traceFunction } from './func-graph';

export interface CondOptions {
  name?: string;
}

/** Python's util.unique_fn_name: the scope with '/' made '_', the kind and a process-unique number. */
export function uniqueFunctionName(scope: string, kind: string): string {
  return `${scope}${kind}_${nextFunctionUid()}`.replace(/\//g, '_');
}

/** The most specific shape both branches' outputs have (Python's most_specific_compatible_shape). */
export function commonShape(a: StaticShape | null, b: StaticShape | null): StaticShape | null {
  if (a === null || b === null || a.length !== b.length) return null;
  return a.map((d, i) => (d === b[i] ? d : null));
}

/**
 * The pred of a cond, checked: a bool tensor of one element. Returns a function that gives it as a scalar
 * (squeezed, as Python squeezes it), to call once the branches are built, so that a failure leaves no op.
 */
export function condPredicate(g: Graph, pred: unknown, what: string): () => Output {
  if (typeof pred === 'boolean') {
    throw new TypeError(`${what}: pred must not be a JS boolean (${pred}); pass a bool tensor, or choose the branch in JS`);
  }
  const p = g._toOutput(pred, `the predicate of ${what}`);
  if (p.dtype !== 'bool') throw new TypeError(`${what}: the predicate must be a bool tensor but ${p} is ${p.dtype}`);
  const shape = p.shape;
  if (shape !== null && shape.length === 0) return () => p;
  if (shape !== null && shape.some((d) => d !== 1 && d !== null)) {
    throw new Error(`${what}: the predicate must be a scalar but ${p} has shape [${shape.map((d) => d ?? '?').join(', ')}]`);
  }
  return () => g.addOperation('Squeeze', { inputs: [p], attrs: { T: 'bool', squeeze_dims: [] } }).output(0);
}

function describeStructure(s: unknown): string {
  if (Array.isArray(s) && !s.every((v) => typeof v === 'number' || typeof v === 'boolean')) {
    return `[${s.map(describeStructure).join(', ')}]`;
  }
  return s === undefined || s === null ? 'nothing' : 'a tensor';
}

/** Throws unless the two branches returned the same structure of tensors of the same dtypes. */
interface Traced {
  structure: unknown;
  flat: Output[];
}

export function checkSameOutputs(what: string, names: [string, string], a: Traced, b: Traced): void {
  const sa = describeStructure(a.structure);
  const sb = describeStructure(b.structure);
  if (sa !== sb || a.flat.length !== b.flat.length) {
    throw new TypeError(`${what}: ${names[0]} and ${names[1]} must return the same number, type and overall structure of values; ` +
      `${names[0]} returned ${sa} and ${names[1]} returned ${sb}`);
  }
  a.flat.forEach((o, i) => {
    if (o.dtype !== b.flat[i].dtype) {
      throw new TypeError(`${what}: output ${i} of ${names[0]} is ${o.dtype} but output ${i} of ${names[1]} is ${b.flat[i].dtype}`);
    }
  });
}

/** The attr of an If built here that counts its trailing outputs of forward values for its gradient. */
export const INTERMEDIATES_ATTR = '_num_intermediates';

/**
 * Makes both branches output, after their own outputs, the values of their stateful ops (variable reads, random
 * draws) as Optionals: a branch's own values, and OptionalNone for the other branch's. Python outputs them once a
 * gradient asks (rewriting the If in place, which the C API cannot do), so the gradient uses the values the
 * forward pass saw instead of reading or drawing again. Returns how many outputs were added.
 */
function addIntermediateOutputs(g: Graph, branches: [FuncGraph, FuncGraph]): number {
  const values = branches.map((b) => statefulIntermediates(b, b.operations()));
  const n = values[0].length + values[1].length;
  if (!n) return 0;
  branches.forEach((b, i) => {
    const extra = b.nameScope(null, () => b.controlDependencies(null, () => {
      const wrap = (t: Output) => {
        const attrs: Record<string, unknown> = { Toutput_types: [t.dtype] };
        const shape = t.shape;
        // The gradient reads the value's static shape back from here (-1 for unknown dimensions).
        if (shape !== null) attrs._value_shape = shape.map((d) => d ?? -1);
        return b.addOperation('OptionalFromValue', { inputs: [[t]], attrs }).output(0);
      };
      const none = () => b.addOperation('OptionalNone').output(0);
      return i === 0 ? [...values[0].map(wrap), ...values[1].map(none)] : [...values[0].map(none), ...values[1].map(wrap)];
    }));
    b.outputs = [...b.outputs, ...extra];
  });
  return n;
}

/**
 * Builds an If/StatelessIf on `pred` over traced branches (FuncGraphs of `g` with their outputs set): their
 * captures are united into the op's inputs, each branch taking all of them. Returns the op's outputs through
 * Identity ops, under `scope` (ending in '/').
 */
export function buildIf(g: Graph, pred: Output, branches: [FuncGraph, FuncGraph], scope: string): { op: Operation; outputs: Output[] } {
  const inputs: Output[] = [];
  const seen = new Set<string>();
  for (const b of branches) {
    for (const c of b.captures) {
      const key = c.name;
      if (!seen.has(key)) {
        seen.add(key);
        inputs.push(c);
      }
    }
  }
  const numIntermediates = addIntermediateOutputs(g, branches);
  // Each branch takes every input: a capture of the other branch is a placeholder it does not use.
  const built = branches.map((b) => finishFunction(b, inputs.map((x) => b.capturedAs(x) ?? b.capture(x))));
  const stateful = built.some((f) => f.isStateful);
  const shapes = built[0].outputShapes.map((s, i) => commonShape(s, built[1].outputShapes[i]));
  for (const f of built) attachFunction(g, f);
  const attrs: Record<string, unknown> = {
    Tcond: 'bool',
    Tin: inputs.map((x) => x.dtype),
    Tout: built[0].outputDTypes,
    then_branch: built[0].name,
    else_branch: built[1].name,
    output_shapes: shapes.map((s) => s ?? null),
  };
  if (numIntermediates) attrs[INTERMEDIATES_ATTR] = numIntermediates;
  const op = g.addOperation(stateful ? 'If' : 'StatelessIf', { inputs: [pred, inputs], attrs, name: scope });
  const userOutputs = op.outputs.slice(0, op.outputs.length - numIntermediates);
  const outputs = g.nameScope(scope, () =>
    userOutputs.map((o) => g.addOperation('Identity', { inputs: [o], attrs: { T: o.dtype }, name: 'Identity' }).output(0)));
  return { op, outputs };
}

/**
 * Python's `tf.cond(pred, true_fn, false_fn, name)`: `trueFn()` when the bool scalar `pred` is true at run time,
 * else `falseFn()`, as one If/StatelessIf op; returns what the branches return (the same structure, tensors in
 * place of its leaves; the If op when they return nothing). Branches may use outer tensors and variables (read
 * and assigned there).
 * @throws TypeError for a JS boolean or non-bool pred, or branches returning different structures or dtypes;
 *   Error for a non-scalar pred. Nothing is added to the graph then.
 * @example const y = tf.cond(tf.greater(x, 0), () => tf.square(x), () => tf.negative(x));
 */
export function cond(pred: OutputLike | boolean, trueFn: () => unknown, falseFn: () => unknown, options: CondOptions = {}): unknown {
  requireFunction(trueFn, 'the true_fn of cond');
  requireFunction(falseFn, 'the false_fn of cond');
  const g = graphOf([pred], 'cond');
  return g.nameScope(options.name ?? 'cond', (scope) => {
    const p = condPredicate(g, pred, 'cond');
    const t = traceFunction(g, uniqueFunctionName(scope, 'true'), [], trueFn, 'true_fn of cond');
    const f = traceFunction(g, uniqueFunctionName(scope, 'false'), [], falseFn, 'false_fn of cond');
    checkSameOutputs('cond', ['true_fn', 'false_fn'], t, f);
    const { op, outputs } = buildIf(g, p(), [t.graph, f.graph], scope);
    return flattenStructure(t.structure).length ? packStructure(t.structure, outputs) : op;
  });
}
