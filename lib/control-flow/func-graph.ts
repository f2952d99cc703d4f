// SPDX-License-Identifier: Apache-2.0
// Python's FuncGraph: the body of a function (a cond branch, a loop body, tf.defineFunction) is built by a JS
// callback in a graph of its own, whose placeholders stand for the arguments. Tensors and variables of the
// enclosing graphs that the body uses are captured where they enter an op of the body (Graph._toOutput, which
// every input passes): a placeholder in the body, and the outer tensor as an extra input at the call site.
import { DType } from '../base/dtypes';
import { StaticShape } from '../base/shape';
import { invalidArgument, requireFunction } from '../base/validate';
import { encloses } from '../graph/default-graph';
import { Graph } from '../graph/graph';
import { Operation, Output, isOutputConvertible, toOutput } from '../graph/operation';
import { decode } from '../proto';
import { Tensor } from '../tensor/tensor';

/** One argument of a function: its dtype and static shape (null: unknown rank), and a name for its placeholder. */
export interface ArgSpec {
  dtype: DType;
  shape?: StaticShape | null;
  name?: string;
}

/** What a body callback may return per output: a tensor, a variable (its value), a Tensor or a JS value (a constant). */
export type BodyValue = Output | { [toOutput](): Output } | Tensor | number | boolean | number[];

/** A finished function: its FunctionDef and what a call site needs to call it. */
export interface BuiltFunction {
  name: string;
  /** The binary FunctionDef (attach it with attachFunction). */
  functionDef: Uint8Array;
  /** The outer tensors that are extra inputs at the call site, after the declared arguments, in order. */
  captures: Output[];
  outputDTypes: DType[];
  outputShapes: Array<StaticShape | null>;
  /** Whether the body holds a stateful op (variable reads and assignments, unseeded random ops …). */
  isStateful: boolean;
  /** The body graph the function was made from (its library holds the functions the body calls). */
  graph: FuncGraph;
}

function captureKey(out: Output): string {
  return `${out.graph.id}:${out.name}`;
}

/** A resource variable or anything else with a resource handle: read inside the body from its captured handle. */
interface HandleHolder {
  handle: Output;
  dtype: DType;
  shape?: StaticShape;
}

function resourceHandleOf(value: unknown): HandleHolder | undefined {
  if (!isOutputConvertible(value) || value instanceof Output) return undefined;
  const v = value as unknown as Partial<HandleHolder>;
  return v.handle instanceof Output && v.handle.dtype === 'resource' && typeof v.dtype === 'string' ? (v as HandleHolder) : undefined;
}

/**
 * The graph a function body is built in. Its name scope starts at the root and its random seed is the outer
 * graph's, as Python's FuncGraph; the function libraries of the enclosing graphs are copied in when it is made,
 * so bodies can call (and nest) functions already defined outside.
 */
export class FuncGraph extends Graph {
  /** The function's name. */
  readonly name: string;
  readonly outerGraph: Graph;
  /** The placeholders of the declared arguments, in order. */
  readonly inputs: Output[] = [];
  /** Body outputs, set by traceFunction. */
  outputs: Output[] = [];
  /** Operations that must run even though no output depends on them (control outputs). */
  readonly controlOutputs: Operation[] = [];
  readonly #captures: Array<{ outer: Output; inner: Output }> = [];
  readonly #byOuter = new Map<string, Output>();

  constructor(name: string, outer: Graph) {
    super();
    this.name = name;
    this.outerGraph = outer;
    this.seed = outer.seed;
    for (const fdef of outer._native.functionDefs()) this._native.importFunctionDef(fdef);
  }

  override get _outerGraph(): Graph {
    return this.outerGraph;
  }

  override toString(): string {
    return `function graph '${this.name}' (Graph #${this.id})`;
  }

  /** The captured outer tensors, in capture order (the call site's extra inputs). */
  get captures(): Output[] {
    return this.#captures.map((c) => c.outer);
  }

  /** The body placeholder standing for `outer` (a tensor of an enclosing graph), captured if it was not yet. */
  capture(outer: Output, name?: string): Output {
    const known = this.#byOuter.get(captureKey(outer));
    if (known) return known;
    if (outer.graph === this) return outer;
    if (!encloses(this, outer.graph)) {
      throw new Error(`${outer} belongs to ${outer.graph}, which ${this} is not built in; it cannot be captured`);
    }
    // A tensor of a graph further out goes through each body in between, as Python's nested FuncGraphs.
    const source = this.outerGraph instanceof FuncGraph && outer.graph !== this.outerGraph ? this.outerGraph.capture(outer, name) : outer;
    const sourceKnown = this.#byOuter.get(captureKey(source));
    if (sourceKnown) {
      this.#byOuter.set(captureKey(outer), sourceKnown);
      return sourceKnown;
    }
    const base = name ?? outer.op.name.slice(outer.op.name.lastIndexOf('/') + 1);
    const inner = this.#placeholderAtRoot(outer.dtype, outer.dtype === 'resource' ? [] : outer.shape, base);
    this.#captures.push({ outer: source, inner });
    this.#byOuter.set(captureKey(source), inner);
    this.#byOuter.set(captureKey(outer), inner);
    return inner;
  }

  /** The body tensor for a captured outer tensor, or undefined when the body did not capture it. */
  capturedAs(outer: Output): Output | undefined {
    return this.#byOuter.get(captureKey(outer));
  }

  /** @internal A placeholder for a declared argument. */
  _addInput(spec: ArgSpec, fallbackName: string): Output {
    const ph = this.#placeholderAtRoot(spec.dtype, spec.shape ?? null, spec.name ?? fallbackName);
    this.inputs.push(ph);
    return ph;
  }

  #placeholderAtRoot(dtype: DType, shape: StaticShape | null, name: string): Output {
    // Outside any name scope and control dependencies in force where the capture happens: an argument is
    // an argument of the whole body.
    return this.nameScope(null, () => this.controlDependencies(null, () => this.placeholder(dtype, shape, name)));
  }

  override _toOutput(value: unknown, what: string): Output {
    if (value instanceof Output) {
      if (value.graph !== this && encloses(this, value.graph)) return this.capture(value);
      return super._toOutput(value, what);
    }
    const holder = resourceHandleOf(value);
    if (holder && holder.handle.graph !== this && encloses(this, holder.handle.graph)) {
      // As Python: a variable used in a body is read there, from its captured handle, when the body runs.
      const handle = this.capture(holder.handle);
      const read = this.addOperation('ReadVariableOp', { inputs: [handle], attrs: { dtype: holder.dtype } }).output(0);
      if (holder.shape) this._native.setTensorShape(read.op._native, 0, holder.shape);
      return read;
    }
    if (isOutputConvertible(value)) {
      const out = value[toOutput]();
      if (out.graph !== this && encloses(this, out.graph)) return this.capture(out);
    }
    return super._toOutput(value, what);
  }

  /**
   * The FunctionDef of this body with `inputs` (default: the arguments, then the captures) and its outputs;
   * `ops` limits the body to those operations (default: all).
   */
  toFunctionDef(inputs: Output[] = [...this.inputs, ...this.#captures.map((c) => c.inner)], ops?: Operation[]): Uint8Array {
    return this._native.toFunctionDef(
      this.name,
      ops ? ops.map((op) => op._native) : null,
      inputs.map((o) => o.op._native),
      inputs.map((o) => o.index),
      this.outputs.map((o) => o.op._native),
      this.outputs.map((o) => o.index),
      null,
      this.controlOutputs.map((op) => op._native),
      null,
    );
  }
}

/** Whether a FunctionDef's body holds a stateful op. */
export function functionDefIsStateful(functionDef: Uint8Array): boolean {
  return decode('FunctionDef', functionDef).signature?.is_stateful === true;
}

function bodyOutput(fg: FuncGraph, value: unknown, what: string): Output {
  if (value instanceof Output || isOutputConvertible(value)) return fg._toOutput(value, what);
  if (value instanceof Tensor || typeof value === 'number' || typeof value === 'boolean' || Array.isArray(value)) {
    return fg.constant(value as number);
  }
  throw invalidArgument('an Output, a Variable, a Tensor or a number', what, value);
}

/**
 * Runs `fn` on placeholders for `args` in a new FuncGraph (made the default graph meanwhile) and records its
 * outputs; returns the graph and fn's result as it was (its structure). The outer graph is not changed.
 */
export function traceFunction(
  outer: Graph,
  name: string,
  args: ArgSpec[],
  fn: (...inputs: Output[]) => unknown,
  what: string,
): { graph: FuncGraph; structure: unknown; flat: Output[] } {
  requireFunction(fn, what);
  const fg = new FuncGraph(name, outer);
  const placeholders = args.map((a, i) => fg._addInput(a, `arg${i}`));
  const structure = fg.asDefault(() => fn(...placeholders));
  const values = flattenStructure(structure);
  fg.outputs = values.map((v, i) => bodyOutput(fg, v, `output ${i} of ${what}`));
  return { graph: fg, structure, flat: fg.outputs };
}

/** The leaves of what a body returned: an Output-like value, or (nested) arrays of them; undefined/null for none. */
export function flattenStructure(structure: unknown): unknown[] {
  if (structure === undefined || structure === null) return [];
  if (Array.isArray(structure) && !structure.every((v) => typeof v === 'number' || typeof v === 'boolean')) {
    return structure.flatMap((v) => (Array.isArray(v) ? flattenStructure(v) : [v]));
  }
  return [structure];
}

/** Rebuilds `structure` (as flattenStructure walked it) with `values` as its leaves. */
export function packStructure<T>(structure: unknown, values: T[]): unknown {
  let i = 0;
  const pack = (s: unknown): unknown => {
    if (Array.isArray(s) && !s.every((v) => typeof v === 'number' || typeof v === 'boolean')) return s.map(pack);
    return values[i++];
  };
  if (structure === undefined || structure === null) return structure;
  return pack(structure);
}

/** Emits a traced body as a function (arguments, then captures, as inputs). */
export function finishFunction(fg: FuncGraph, inputs?: Output[], ops?: Operation[]): BuiltFunction {
  const functionDef = fg.toFunctionDef(inputs, ops);
  return {
    name: fg.name,
    functionDef,
    captures: fg.captures,
    outputDTypes: fg.outputs.map((o) => o.dtype),
    outputShapes: fg.outputs.map((o) => o.shape),
    isStateful: functionDefIsStateful(functionDef),
    graph: fg,
  };
}

/**
 * Builds a function from `fn` in one step (traceFunction, then finishFunction): what tf.defineFunction and the
 * loop and cond builders start from. Nothing is added to `outer`.
 */
export function buildFunction(outer: Graph, name: string, args: ArgSpec[], fn: (...inputs: Output[]) => unknown): BuiltFunction {
  return finishFunction(traceFunction(outer, name, args, fn, `the body of function '${name}'`).graph);
}

function functionName(fdef: Uint8Array): string {
  return decode('FunctionDef', fdef).signature?.name as string;
}

/**
 * Adds a built function to `g`'s library, with the functions its body calls (those of its graph's library
 * that `g` lacks). Idempotent for functions `g` already holds.
 */
export function attachFunction(g: Graph, fn: { functionDef: Uint8Array; graph?: Graph }): void {
  const have = new Set(g._native.functionDefs().map(functionName));
  if (fn.graph) {
    for (const fdef of fn.graph._native.functionDefs()) {
      if (!have.has(functionName(fdef))) {
        g._native.importFunctionDef(fdef);
        have.add(functionName(fdef));
      }
    }
  }
  if (!have.has(functionName(fn.functionDef))) g._native.importFunctionDef(fn.functionDef);
}

let uid = 0;

/** A process-unique number for function names, as Python's ops.uid() in `cond_true_12`. */
export function nextFunctionUid(): number {
  return ++uid;
}
