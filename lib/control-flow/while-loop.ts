// SPDX-License-Identifier: Apache-2.0
// tf.whileLoop as Python 2.21's while_v2 builds it in graph mode: one While (StatelessWhile when neither function
// touches state) whose loop variables are [loop counter, maximum iterations, the user's variables, the tensors
// the body captures], cond and body functions named `while_cond_N` / `while_body_N`, and in a plain graph one
// Identity per output. Both functions are traced in graphs of their own, so a body that fails to build, or returns
// what does not fit the loop variables, leaves the calling graph without any of the loop's operations.
import { DType } from '../base/dtypes';
import { StaticShape } from '../base/shape';
import { invalidArgument, optionalObject, requireFunction, requireInteger } from '../base/validate';
import { graphOf } from '../graph/default-graph';
import type { Graph, OutputLike } from '../graph/graph';
import { Output, isOutputConvertible } from '../graph/operation';
import { constantTensor } from '../graph/constant-value';
import { Tensor, TensorLike } from '../tensor/tensor';
import {
  FuncGraph,
  attachFunction,
  finishFunction,
  flattenStructure,
  nextFunctionUid,
  packStructure,
  traceFunction,
} from './func-graph';
import { registerWhileGradients } from './while-gradient';

/** A loop variable: a tensor, a variable (its value enters the loop), a host Tensor or a JS value (a constant). */
export type LoopVar = OutputLike | Tensor | TensorLike;

export interface WhileLoopOptions {
  /** Stops after this many iterations even when cond still holds (an int32 scalar or a number). */
  maximumIterations?: OutputLike | number;
  /** Per loop variable (same structure as loopVars), the shape it may take across iterations (null dims vary). */
  shapeInvariants?: unknown;
  /** How many iterations may run in parallel (the While op's parallel_iterations; default 10). */
  parallelIterations?: number;
  /** Name scope of the loop's operations (default 'while'). */
  name?: string;
}

/** Whether `out` may take `shape` as its shape invariant: same rank and equal known dimensions. */
function fitsInvariant(shape: StaticShape | null, invariant: StaticShape | null): boolean {
  if (invariant === null) return true;
  if (shape === null || shape.length !== invariant.length) return false;
  return shape.every((d, k) => invariant[k] === null || d === invariant[k]);
}

function shapeText(shape: StaticShape | null): string {
  return shape === null ? '<unknown>' : `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]`;
}

function toLoopTensor(g: Graph, value: unknown, what: string): Output | Tensor {
  if (value instanceof Output || isOutputConvertible(value)) return g._toOutput(value, what);
  if (value instanceof Tensor) return value;
  if (typeof value === 'number' || typeof value === 'boolean' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    // A host value becomes a constant only once the loop is known to build, so that a failure adds nothing.
    return constantTensor(value as TensorLike, undefined, undefined);
  }
  throw invalidArgument('an Output, a Variable, a Tensor or a number', what, value);
}

function describeVar(v: Output | Tensor): string {
  return v instanceof Output ? ` ('${v.name}')` : '';
}

function invariantsOf(structure: unknown, flatCount: number, given: unknown): Array<StaticShape | null> | null {
  if (given === undefined || given === null) return null;
  // One shape for a single loop variable, else the loop variables' structure with a shape per leaf.
  const isShape = (v: unknown) => v === null || (Array.isArray(v) && v.every((d) => d === null || typeof d === 'number'));
  const leaves: unknown[] = [];
  const walk = (s: unknown, inv: unknown): void => {
    if (Array.isArray(s) && !s.every((v) => typeof v === 'number' || typeof v === 'boolean')) {
      if (!Array.isArray(inv) || inv.length !== s.length) {
        throw new TypeError('whileLoop: shapeInvariants must have the structure of loopVars, with a shape (or null) per loop variable');
      }
      s.forEach((v, k) => walk(v, inv[k]));
    } else {
      if (!isShape(inv)) throw invalidArgument('a shape (an array of numbers and nulls) or null', 'a shape invariant of whileLoop', inv);
      leaves.push(inv);
    }
  };
  walk(structure, given);
  if (leaves.length !== flatCount) throw new TypeError('whileLoop: shapeInvariants must have one shape per loop variable');
  return leaves as Array<StaticShape | null>;
}

/**
 * Repeats `body` while `cond` holds (Python's `tf.while_loop`, graph mode): `loopVars` is an Output or an array
 * (nested arrays allowed) of them; `cond(...vars)` returns a bool scalar and `body(...vars)` the next values in
 * the same structure. Returns the final values in that structure. Tensors and variables of the enclosing graph
 * used in cond or body are captured; variables may be read and assigned inside (the loop is then a `While`, else a
 * `StatelessWhile`). Gradients flow through the loop (tf.gradients, optimizers): as in Python, the first gradient
 * makes the forward loop also push what the backward loop needs to TensorLists. TensorFlow cannot add inputs to an
 * operation, so the loop is rebuilt beside the old one (as `<name>_rewritten`) and the loop's consumers move to it;
 * a session that already ran the loop keeps its old edges (TensorFlow warns), a new session sees the rebuilt loop.
 * @throws TypeError when body returns another structure or dtype than loopVars, or cond a non-bool; RangeError
 *   when a loop variable's shape changes across an iteration beyond its shape invariant. The graph has none of the
 *   loop's operations then.
 * @example const [i, p] = tf.whileLoop((i, p) => tf.less(i, n), (i, p) => [tf.add(i, 1), tf.mul(p, x)], [0, 1.0]);
 */
export function whileLoop(
  cond: (...vars: never[]) => unknown,
  body: (...vars: never[]) => unknown,
  loopVars: OutputLike,
  options?: WhileLoopOptions,
): Output;
export function whileLoop(
  cond: (...vars: never[]) => unknown,
  body: (...vars: never[]) => unknown,
  loopVars: Array<OutputLike | Tensor>,
  options?: WhileLoopOptions,
): Output[];
export function whileLoop(
  cond: (...vars: never[]) => unknown,
  body: (...vars: never[]) => unknown,
  loopVars: LoopVar | unknown[],
  options?: WhileLoopOptions,
): unknown;
export function whileLoop(
  cond: (...vars: never[]) => unknown,
  body: (...vars: never[]) => unknown,
  loopVars: LoopVar | unknown[],
  options: WhileLoopOptions = {},
): unknown {
  requireFunction(cond, 'the cond of whileLoop');
  requireFunction(body, 'the body of whileLoop');
  optionalObject(options, 'the options of whileLoop');
  registerWhileGradients();
  const single = !Array.isArray(loopVars) || loopVars.every((v) => typeof v === 'number' || typeof v === 'boolean');
  const structure: unknown = single ? loopVars : loopVars;
  const g = graphOf([loopVars, options.maximumIterations], 'whileLoop');
  const leaves = single ? [loopVars] : flattenStructure(loopVars);
  const vars = leaves.map((v, i) => toLoopTensor(g, v, `loop variable ${i} of whileLoop`));
  const invariants = invariantsOf(single ? [structure] : structure, vars.length, single && options.shapeInvariants !== undefined
    ? [options.shapeInvariants] : options.shapeInvariants);
  const shapes = vars.map((v, i) => {
    const inv = invariants ? invariants[i] : v.shape;
    if (!fitsInvariant(v.shape, inv)) {
      throw new RangeError(`whileLoop: loop variable ${i}${describeVar(v)} has shape ${shapeText(v.shape)}, which does not fit its ` +
        `shape invariant ${shapeText(inv)}`);
    }
    return inv;
  });
  const parallel = options.parallelIterations === undefined ? 10 : requireInteger(options.parallelIterations, 'parallelIterations', 1);
  const given = options.maximumIterations;
  let maxTensor: Output | undefined;
  if (given !== undefined && given !== null && typeof given !== 'number') {
    maxTensor = g._toOutput(given, 'the maximumIterations of whileLoop');
    if (maxTensor.dtype !== 'int32' && maxTensor.dtype !== 'int64') {
      throw new TypeError(`whileLoop: maximumIterations must be an integer scalar; '${maxTensor.name}' has dtype ${maxTensor.dtype}`);
    }
  } else if (typeof given === 'number') requireInteger(given, 'the maximumIterations of whileLoop');
  const hasMax = given !== undefined && given !== null;
  const pack = (args: Output[]): Output[] => (single ? args : (packStructure(structure, args) as Output[]));

  const outerScope = g.currentNameScope;
  return g.nameScope(options.name ?? 'while', (scope) => {
    const base = scope.replace(/\/$/, '');
    const prefix = base.replace(/\//g, '_');
    const condName = `${prefix}_cond_${nextFunctionUid()}`;
    const bodyName = `${prefix}_body_${nextFunctionUid()}`;
    const counterName = `${base}/loop_counter`;
    const maxName = maxTensor ? maxTensor.op.name : `${base}/maximum_iterations`;
    const signature = [
      { dtype: 'int32' as DType, shape: [] as StaticShape, name: counterName },
      { dtype: 'int32' as DType, shape: [] as StaticShape, name: maxName },
      ...vars.map((v, i) => ({ dtype: v.dtype, shape: shapes[i], name: 'Placeholder' })),
    ];

    const condTrace = traceFunction(g, condName, signature, (counter: Output, maxIter: Output, ...args: Output[]) => {
      const fg = counter.graph;
      let pred = fg._toOutput(cond(...(pack(args) as never[])) as OutputLike, 'the value cond returned');
      if (pred.dtype !== 'bool') {
        throw new TypeError(`whileLoop: cond must return a bool tensor, but returned '${pred.name}' of dtype ${pred.dtype}`);
      }
      const rank = pred.shape?.length;
      if (rank === undefined || rank > 0) pred = fg.addOperation('Squeeze', { inputs: [pred], attrs: { T: 'bool' } }).output(0);
      if (!hasMax) return pred;
      const less = fg.addOperation('Less', { inputs: [counter, maxIter], attrs: { T: 'int32' } }).output(0);
      return fg.addOperation('LogicalAnd', { inputs: [less, pred] }).output(0);
    }, 'the cond of whileLoop');
    const condGraph = condTrace.graph;

    const bodyTrace = traceFunction(g, bodyName, signature, (counter: Output, maxIter: Output, ...args: Output[]) => {
      const fg = counter.graph as FuncGraph;
      // The tensors cond captured come first among the body's, so that both functions take them in one order.
      for (const t of condGraph.captures) fg.capture(t);
      const result = body(...(pack(args) as never[]));
      const outs = checkBodyResult(fg, result, structure, single, vars, shapes);
      const one = fg.constant(1, { dtype: 'int32', name: 'add/y' });
      const next = fg.addOperation('AddV2', { inputs: [counter, one], attrs: { T: 'int32' }, name: 'add' }).output(0);
      return [next, maxIter, ...outs];
    }, 'the body of whileLoop');
    const bodyGraph = bodyTrace.graph;
    const captures = bodyGraph.captures;
    bodyGraph.outputs.push(...captures.map((c) => bodyGraph.capturedAs(c)!));
    const condInputs = [...condGraph.inputs, ...condGraph.captures.map((c) => condGraph.capturedAs(c)!)];
    for (const [k, t] of captures.slice(condGraph.captures.length).entries()) {
      condInputs.push(condGraph.placeholder(t.dtype, null, `${condName}___redundant_placeholder${k}`));
    }
    const condFn = finishFunction(condGraph, condInputs);
    const bodyFn = finishFunction(bodyGraph);

    // Everything was traced: only now does the calling graph get the loop's operations.
    attachFunction(g, condFn);
    attachFunction(g, bodyFn);
    const maxIter = maxTensor
      ? (maxTensor.dtype === 'int32'
        ? maxTensor
        : g.addOperation('Cast', { inputs: [maxTensor], attrs: { SrcT: maxTensor.dtype, DstT: 'int32' } }).output(0))
      : g.constant(hasMax ? (given as number) : -1, { dtype: 'int32', name: 'maximum_iterations' });
    const counter = g.constant(0, { dtype: 'int32', name: 'loop_counter' });
    const caller = outerScope ? `${outerScope}/` : null;
    const varTensors = vars.map((v) => (v instanceof Output ? v : g.nameScope(caller, () => g.constant(v))));
    const inputs = [counter, maxIter, ...varTensors, ...captures];
    const outputShapes = bodyGraph.outputs.map((o, i) => (i >= 2 && i < 2 + vars.length ? shapes[i - 2] : o.shape));
    const op = g.addOperation(condFn.isStateful || bodyFn.isStateful ? 'While' : 'StatelessWhile', {
      inputs: [inputs],
      attrs: {
        T: inputs.map((t) => t.dtype),
        cond: condName,
        body: bodyName,
        output_shapes: outputShapes,
        parallel_iterations: parallel,
        _num_original_outputs: inputs.length,
        _lower_using_switch_merge: true,
        _read_only_resource_inputs: readOnlyResourceInputs(bodyGraph, condGraph, inputs),
      },
      name: scope,
    });
    // In a plain graph, Python fetches loop results through Identities: fetching one then runs only what it needs
    // once the While is lowered to Switch/Merge.
    const finals = g instanceof FuncGraph
      ? vars.map((_, i) => op.output(2 + i))
      : op.outputs
        .map((o) => g.addOperation('Identity', { inputs: [o], attrs: { T: o.dtype }, name: 'Identity' }).output(0))
        .slice(2, 2 + vars.length);
    return single ? finals[0] : packStructure(structure, finals);
  });
}

/** The body's results as tensors of the loop variables' dtypes and shapes, or an error naming the variable. */
function checkBodyResult(
  fg: FuncGraph,
  result: unknown,
  structure: unknown,
  single: boolean,
  vars: Array<Output | Tensor>,
  shapes: Array<StaticShape | null>,
): Output[] {
  let leaves: unknown[];
  if (single) {
    leaves = Array.isArray(result) && result.length === 1 && !(typeof result[0] === 'number') ? result : [result];
  } else {
    if (!Array.isArray(result)) {
      throw new TypeError(`whileLoop: body must return the structure of loopVars (an array of ${vars.length}), but returned ` +
        describe(result));
    }
    if (!sameStructure(result, structure)) {
      throw new TypeError(`whileLoop: body returned a different structure than loopVars: ${vars.length} loop variables ` +
        `(${structureText(structure)}) but body returned ${structureText(result)}`);
    }
    leaves = flattenStructure(result);
  }
  if (leaves.length !== vars.length) {
    throw new TypeError(`whileLoop: body returned ${leaves.length} values for ${vars.length} loop variables`);
  }
  return leaves.map((v, i) => {
    const value = toLoopTensor(fg, v, `value ${i} body returned`);
    const out = value instanceof Output ? value : fg.constant(value);
    if (out.dtype !== vars[i].dtype) {
      throw new TypeError(`whileLoop: loop variable ${i}${describeVar(vars[i])} enters the loop as ${vars[i].dtype}, but body returns ` +
        `${out.dtype} for it`);
    }
    if (!fitsInvariant(out.shape, shapes[i])) {
      throw new RangeError(`whileLoop: loop variable ${i}${describeVar(vars[i])} enters the loop with shape ${shapeText(shapes[i])}, but ` +
        `has shape ${shapeText(out.shape)} after one iteration. To allow the shape to vary across iterations, give whileLoop a ` +
        'less specific shape in shapeInvariants');
    }
    return out;
  });
}

function isLeaf(v: unknown): boolean {
  return !Array.isArray(v) || v.every((x) => typeof x === 'number' || typeof x === 'boolean');
}

function sameStructure(a: unknown, b: unknown): boolean {
  if (isLeaf(a) || isLeaf(b)) return isLeaf(a) && isLeaf(b);
  const x = a as unknown[];
  const y = b as unknown[];
  return x.length === y.length && x.every((v, k) => sameStructure(v, y[k]));
}

function structureText(s: unknown): string {
  return isLeaf(s) ? '*' : `[${(s as unknown[]).map(structureText).join(', ')}]`;
}

function describe(v: unknown): string {
  if (v instanceof Output) return `'${v.name}'`;
  return v === null ? 'null' : typeof v;
}

/** Python's _read_only_resource_inputs: resource loop inputs that neither function writes (only reads). */
function readOnlyResourceInputs(body: FuncGraph, cond: FuncGraph, inputs: Output[]): number[] {
  const WRITES = /^(Assign|ResourceApply|ResourceSparseApply|ResourceScatter|ResourceStridedSliceAssign|DestroyResourceOp)/;
  const written = (fg: FuncGraph): boolean => fg.operations().some((op) => WRITES.test(op.type) || op.type === 'While' ||
    op.type === 'StatefulPartitionedCall' || op.type === 'If');
  if (written(body) || written(cond)) return [];
  return inputs.flatMap((t, i) => (t.dtype === 'resource' ? [i] : []));
}
