// SPDX-License-Identifier: Apache-2.0
// The gradient of If/StatelessIf (Python's cond_v2._IfGrad): an If on the same predicate whose branches are the
// gradient functions of the forward branches. Python makes the forward If output the intermediates its gradient
// branches need, rewriting the op in place; the C API cannot change a built op, so here each gradient branch
// recomputes its forward branch from the forward If's inputs (the branch body is imported from its FunctionDef,
// so this works as well for Ifs imported from Python) and runs the backprop driver on it. A branch recomputed
// must give the values the forward pass gave: stateful ops other than variable reads on the gradient's path
// (assignments, random draws) are refused with an Error rather than silently run twice.
import { DType } from '../base/dtypes';
import { Graph } from '../graph/graph';
import { Operation, Output } from '../graph/operation';
import { gradients } from '../gradients/gradients';
import { densify, IndexedSlices } from '../gradients/indexed-slices';
import { InputGradient, registerGradient } from '../gradients/registry';
import { FuncGraph, attachFunction, finishFunction, nextFunctionUid } from './func-graph';
import { importFunctionBody, libraryFunctions } from './function-def-graph';
import { DecodedMessage, decode } from '../proto';

const FLOATING = new Set<DType>(['float16', 'bfloat16', 'float32', 'float64', 'complex64', 'complex128']);
/** Stateful ops a recomputed branch may run again: they read state and change nothing. */
const REREADABLE = new Set(['ReadVariableOp', 'VarHandleOp', 'VariableShape', 'VarIsInitializedOp', 'Placeholder']);

function funcName(op: Operation, attr: string): string {
  const v = op.attr(attr) as { name: string } | string;
  return typeof v === 'string' ? v : v.name;
}

/** The operations `outputs` depend on (data and control inputs), in `g`. */
function ancestors(outputs: Output[]): Operation[] {
  const seen = new Set<Operation>();
  const stack = outputs.map((o) => o.op);
  while (stack.length) {
    const op = stack.pop()!;
    if (seen.has(op)) continue;
    seen.add(op);
    for (const i of op.inputs) stack.push(i.op);
    for (const c of op.controlInputs) stack.push(c);
  }
  return [...seen];
}

interface BranchGradient {
  graph: FuncGraph;
  /** Per forward input (pred excluded): its gradient in the branch, or null. */
  grads: Array<Output | null>;
  inputs: Output[];
}

/** Imports a forward branch into a new gradient FuncGraph and differentiates it. */
function branchGradient(
  g: Graph,
  branch: string,
  library: ReturnType<typeof libraryFunctions>,
  forwardInputs: Output[],
  gradOutputs: Array<{ index: number; grad: Output }>,
): BranchGradient {
  const fdef = library.get(branch);
  if (!fdef) throw new Error(`The gradient of a cond needs its branch function '${branch}', which is not in the graph's library`);
  const fg = new FuncGraph(`${branch}_grad_${nextFunctionUid()}`, g);
  const gradArgs = gradOutputs.map(({ grad }, k) => fg._addInput({ dtype: grad.dtype, shape: grad.shape }, `grad_${k}`));
  const inputs = forwardInputs.map((x, k) => fg._addInput({ dtype: x.dtype, shape: x.dtype === 'resource' ? [] : x.shape }, `input_${k}`));
  const body = importFunctionBody(fg, fdef, inputs, 'forward', libraryFunctions(fg));
  // A branch that returns an argument as it is: tf.gradients gives a y that is also an x only its own grad_y,
  // dropping what flows into it through the other ys, so the argument is returned through an Identity.
  const argSet = new Set(inputs);
  const ys = gradOutputs.map(({ index }) => {
    const y = body.outputs[index];
    return argSet.has(y) ? fg.addOperation('Identity', { inputs: [y], attrs: { T: y.dtype } }).output(0) : y;
  });
  const raw = fg.asDefault(() => gradients(fg, ys, inputs, { gradYs: gradArgs }));
  const grads = raw.map((d) => (d instanceof IndexedSlices ? fg.asDefault(() => densify(d)) : d));
  return { graph: fg, grads, inputs };
}

/** Zeros standing for a missing gradient of `input` in a branch, of the dtype the other branch's gradient has. */
function zerosFor(fg: FuncGraph, input: Output, dtype: DType): Output {
  if (input.dtype === 'resource') {
    const read = fg.addOperation('ReadVariableOp', { inputs: [input], attrs: { dtype } }).output(0);
    return fg.addOperation('ZerosLike', { inputs: [read], attrs: { T: dtype } }).output(0);
  }
  return fg.addOperation('ZerosLike', { inputs: [input], attrs: { T: input.dtype } }).output(0);
}

const statefulTypes = new Map<string, boolean>();

function isStatefulType(g: Graph, type: string): boolean {
  let s = statefulTypes.get(type);
  if (s === undefined) {
    s = decode('OpDef', g._native.opDef(type)).is_stateful === true;
    statefulTypes.set(type, s);
  }
  return s;
}

/** The functions a node or an op names in its attrs (If branches, While bodies, PartitionedCall's f, …). */
function calledFunctions(attrs: Record<string, DecodedMessage>): string[] {
  const names: string[] = [];
  for (const a of Object.values(attrs)) {
    if (a.func?.name) names.push(a.func.name);
    for (const f of a.list?.func ?? []) names.push(f.name);
  }
  return names;
}

/**
 * Whether running an op of `type` (with functions `called`) a second time gives what the first run gave: it is
 * stateless, or only reads state, or calls only functions of which that holds.
 */
function recomputable(g: Graph, type: string, called: string[], library: Map<string, DecodedMessage>, seen: Set<string>): boolean {
  const own = library.get(type);
  const functions = own ? [type, ...called] : called;
  if (!own && (REREADABLE.has(type) || !isStatefulType(g, type)) && !called.length) return true;
  if (!own && !called.length) return false;
  for (const name of functions) {
    if (seen.has(name)) continue;
    seen.add(name);
    const f = library.get(name);
    if (!f) return false;
    for (const n of f.node_def ?? []) {
      if (!recomputable(g, n.op, calledFunctions(n.attr ?? {}), library, seen)) return false;
    }
  }
  return true;
}

function checkRecomputable(fg: FuncGraph, ops: Operation[], forwardOp: Operation, library: Map<string, DecodedMessage>): void {
  for (const op of ops) {
    if (!op.name.startsWith('forward/')) continue;
    const called = calledFunctions(decode('NodeDef', op.toNodeDef()).attr ?? {});
    if (!recomputable(fg, op.type, called, library, new Set())) {
      throw new Error(`Cannot differentiate '${forwardOp.name}' (${forwardOp.type}): its gradient recomputes the branch, and the ` +
        `gradient depends on stateful operation '${op.name.slice('forward/'.length)}' (${op.type}), which must not run twice ` +
        '(move it out of the cond, or stop the gradient before it)');
    }
  }
}

/** Python's _IfGrad, by recomputation (see the top of this file). */
export function ifGradient(op: Operation, ...outGrads: Array<Output | null>): InputGradient[] {
  const g = op.graph;
  const pred = op.inputs[0];
  const forwardInputs = op.inputs.slice(1);
  const gradOutputs = outGrads
    .map((grad, index) => ({ index, grad }))
    .filter((e): e is { index: number; grad: Output } => e.grad !== null && FLOATING.has(op.output(e.index).dtype));
  if (!gradOutputs.length) return op.inputs.map(() => null);
  const library = libraryFunctions(g);
  const branches = [funcName(op, 'then_branch'), funcName(op, 'else_branch')].map((b) =>
    branchGradient(g, b, library, forwardInputs, gradOutputs));
  // An input gets a gradient output when either branch gives it one; the other branch then gives zeros.
  const wanted = forwardInputs.map((_, k) => branches.some((b) => b.grads[k] !== null));
  const dtypeOf = (k: number) => branches.map((b) => b.grads[k]).find((d) => d !== null)!.dtype;
  const built = branches.map((b) => {
    b.graph.outputs = forwardInputs.flatMap((_, k) => {
      if (!wanted[k]) return [];
      return [b.grads[k] ?? zerosFor(b.graph, b.inputs[k], dtypeOf(k))];
    });
    const args = [...b.graph.inputs];
    const argOps = new Set(args.map((a) => a.op));
    // The arguments' placeholders become the function's args, not ops of its body (as Python leaves them out).
    const ops = ancestors(b.graph.outputs).filter((o) => !argOps.has(o));
    checkRecomputable(b.graph, ops, op, library);
    return finishFunction(b.graph, args, ops);
  });
  if (!wanted.some((w) => w)) return op.inputs.map(() => null);
  for (const f of built) attachFunction(g, f);
  const callInputs = [...gradOutputs.map((e) => e.grad), ...forwardInputs];
  const shapes = built[0].outputShapes.map((s, i) => {
    const t = built[1].outputShapes[i];
    return s === null || t === null || s.length !== t.length ? null : s.map((d, j) => (d === t[j] ? d : null));
  });
  const gradIf = g.addOperation(built.some((f) => f.isStateful) ? 'If' : 'StatelessIf', {
    inputs: [pred, callInputs],
    attrs: {
      Tcond: pred.dtype,
      Tin: callInputs.map((x) => x.dtype),
      Tout: built[0].outputDTypes,
      then_branch: built[0].name,
      else_branch: built[1].name,
      output_shapes: shapes,
    },
    // Python's gradient If takes the forward If's intermediates, so it runs after it; a recomputing one must be
    // told to, or an optimizer's update could land before the forward pass reads a variable.
    controlInputs: [op],
  });
  let k = 0;
  const result: InputGradient[] = [null];
  for (const w of wanted) {
    if (!w) {
      result.push(null);
      continue;
    }
    const o = gradIf.output(k++);
    result.push(g.addOperation('Identity', { inputs: [o], attrs: { T: o.dtype } }).output(0));
  }
  return result;
}

registerGradient('If', ifGradient);
registerGradient('StatelessIf', ifGradient);
