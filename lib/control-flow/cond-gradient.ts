// SPDX-License-Identifier: Apache-2.0
// The gradient of If/StatelessIf (Python's cond_v2._IfGrad): an If on the same predicate whose branches are the
// gradient functions of the forward branches. Python makes the forward If output the intermediates its gradient
// branches need, rewriting the op in place once a gradient asks; the C API cannot change a built op. Here each
// gradient branch recomputes its forward branch from the forward If's inputs (the body is imported from its
// FunctionDef, so this also serves Ifs imported from Python) and runs the backprop driver on it, except for the
// values of stateful ops (variable reads, random draws): an If built by tf.cond outputs those from the start
// (cond.ts), and the gradient takes them from there. Where a stateful op would still have to run again (an
// imported If, a nested cond that draws random numbers), the gradient refuses with an Error rather than differ
// silently from the forward pass.
import { DType, dtypeFromNumber } from '../base/dtypes';
import { INTERMEDIATES_ATTR, commonShape } from './cond';
import { Graph } from '../graph/graph';
import { Operation, Output } from '../graph/operation';
import { gradients } from '../gradients/gradients';
import { densify, IndexedSlices } from '../gradients/indexed-slices';
import { InputGradient, registerGradient } from '../gradients/registry';
import { FuncGraph, attachFunction, finishFunction, nextFunctionUid } from './func-graph';
import { importFunctionBody, libraryFunctions } from './function-def-graph';
import { DecodedMessage, decode } from '../proto';
import { calledFunctions, recomputable } from './stateful-ops';

const FLOATING = new Set<DType>(['float16', 'bfloat16', 'float32', 'float64', 'complex64', 'complex128']);

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
  intermediates: { first: number; count: number },
): BranchGradient {
  const fdef = library.get(branch);
  if (!fdef) throw new Error(`The gradient of a cond needs its branch function '${branch}', which is not in the graph's library`);
  const fg = new FuncGraph(`${branch}_grad_${nextFunctionUid()}`, g);
  const gradArgs = gradOutputs.map(({ grad }, k) => fg._addInput({ dtype: grad.dtype, shape: grad.shape }, `grad_${k}`));
  const inputs = forwardInputs.map((x, k) => fg._addInput({ dtype: x.dtype, shape: x.dtype === 'resource' ? [] : x.shape }, `input_${k}`));
  const replace = intermediateValues(fg, fdef, intermediates, inputs);
  const body = importFunctionBody(fg, fdef, inputs, 'forward', libraryFunctions(fg), replace);
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

/**
 * Arguments of the gradient function for the forward If's intermediate outputs (lib/control-flow/cond.ts), and the
 * values they carry bound to the body tensors they were made from: what the forward pass read or drew.
 */
function intermediateValues(
  fg: FuncGraph,
  fdef: DecodedMessage,
  { first, count }: { first: number; count: number },
  inputs: Output[],
): Array<[string, Output]> {
  const argIndex = new Map<string, number>((fdef.signature.input_arg ?? []).map((a: { name: string }, i: number) => [a.name, i]));
  const replace: Array<[string, Output]> = [];
  const outputArgs: Array<{ name: string }> = fdef.signature.output_arg ?? [];
  const nodes = new Map<string, DecodedMessage>((fdef.node_def ?? []).map((n: DecodedMessage) => [n.name, n]));
  for (let j = 0; j < count; j++) {
    const arg = fg._addInput({ dtype: 'variant', shape: [] }, `intermediate_${j}`);
    const ref: string | undefined = fdef.ret?.[outputArgs[first + j]?.name];
    const node = ref === undefined ? undefined : nodes.get(ref.split(':')[0]);
    if (node?.op !== 'OptionalFromValue') continue; // the other branch's value
    const dtype = dtypeFromNumber(node.attr.Toutput_types.list.type[0]);
    const dims = node.attr._value_shape ? (node.attr._value_shape.list?.i ?? []).map((d: unknown) => Number(d)) : null;
    const shape = dims === null ? null : dims.map((d: number) => (d < 0 ? null : d));
    const value = fg.addOperation('OptionalGetValue', {
      inputs: [arg],
      attrs: { output_types: [dtype], output_shapes: [shape] },
    }).output(0);
    replace.push([node.input[0], readOfHandle(fg, value, nodes.get(node.input[0].split(':')[0]), inputs, argIndex)]);
  }
  return replace;
}

const FORWARD_READ_GRADIENT = 'NodeLibtensorflowForwardRead';

/**
 * The forward value of a variable read of the body, still on the gradient's path to the variable's handle (an
 * argument of the branch): an IdentityN of the value and the handle whose gradient goes to the handle, as the
 * read's own gradient would.
 */
function readOfHandle(
  fg: FuncGraph,
  value: Output,
  read: DecodedMessage | undefined,
  inputs: Output[],
  argIndex: Map<string, number>,
): Output {
  const source: string | undefined = read?.op === 'ReadVariableOp' ? read.input?.[0] : undefined;
  const k = source === undefined ? undefined : argIndex.get(source);
  if (k === undefined) return value;
  return fg.gradientOverrideMap({ IdentityN: FORWARD_READ_GRADIENT }, () =>
    fg.addOperation('IdentityN', { inputs: [[value, inputs[k]]], attrs: { T: [value.dtype, 'resource'] } }).output(0));
}

registerGradient(FORWARD_READ_GRADIENT, (_op, grad) => [null, grad]);

/** Zeros standing for a missing gradient of `input` in a branch, of the dtype the other branch's gradient has. */
function zerosFor(fg: FuncGraph, input: Output, dtype: DType): Output {
  if (input.dtype === 'resource') {
    const read = fg.addOperation('ReadVariableOp', { inputs: [input], attrs: { dtype } }).output(0);
    return fg.addOperation('ZerosLike', { inputs: [read], attrs: { T: dtype } }).output(0);
  }
  return fg.addOperation('ZerosLike', { inputs: [input], attrs: { T: input.dtype } }).output(0);
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

/** Python's _IfGrad: recomputes the branches, with the forward pass's stateful values (see the top of this file). */
export function ifGradient(op: Operation, ...outGrads: Array<Output | null>): InputGradient[] {
  const g = op.graph;
  const pred = op.inputs[0];
  const forwardInputs = op.inputs.slice(1);
  const numIntermediates = Number(decode('NodeDef', op.toNodeDef()).attr?.[INTERMEDIATES_ATTR]?.i ?? 0);
  const intermediates = { first: op.outputs.length - numIntermediates, count: numIntermediates };
  const gradOutputs = outGrads
    .map((grad, index) => ({ index, grad }))
    .filter((e): e is { index: number; grad: Output } =>
      e.grad !== null && e.index < intermediates.first && FLOATING.has(op.output(e.index).dtype));
  if (!gradOutputs.length) return op.inputs.map(() => null);
  const library = libraryFunctions(g);
  const branches = [funcName(op, 'then_branch'), funcName(op, 'else_branch')].map((b) =>
    branchGradient(g, b, library, forwardInputs, gradOutputs, intermediates));
  // An input gets a gradient output when either branch gives it one; the other branch then gives zeros.
  const wanted = forwardInputs.map((_, k) => branches.some((b) => b.grads[k] !== null));
  if (!wanted.some((w) => w)) return op.inputs.map(() => null);
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
  for (const f of built) attachFunction(g, f);
  const callInputs = [...gradOutputs.map((e) => e.grad), ...forwardInputs, ...op.outputs.slice(intermediates.first)];
  const shapes = built[0].outputShapes.map((s, i) => commonShape(s, built[1].outputShapes[i]));
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
