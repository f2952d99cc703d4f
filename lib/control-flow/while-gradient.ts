// SPDX-License-Identifier: Apache-2.0
// The gradient of While/StatelessWhile as Python's while_v2 builds it: the body's gradient becomes the body of a
// backward loop that runs as many iterations as the forward one did. What the backward body needs from each forward
// iteration is pushed to a TensorList by the forward loop and popped in reverse by the backward one; loop-invariant
// inputs are passed as they are and constants are copied. The forward While gains those accumulators as extra loop
// variables: TensorFlow cannot add inputs to an operation, so it is rebuilt beside the old one and every consumer
// moves to the rebuilt op (Python rewrites its op in place). The body is differentiated from its FunctionDef, so
// loops imported from Python (StatelessWhile of a GraphDef) take the same path as loops built by tf.whileLoop.
import { DType, FLOAT_DTYPES } from '../base/dtypes';
import { StaticShape } from '../base/shape';
import { Graph } from '../graph/graph';
import { Operation, Output } from '../graph/operation';
import { backprop } from '../gradients/backprop';
import { IndexedSlices, densify } from '../gradients/indexed-slices';
import { ancestorsOf, opsBetween } from '../gradients/paths';
import { InputGradient, registerGradient } from '../gradients/registry';
import { DecodedMessage, decode, encode } from '../proto';
import { FuncGraph, nextFunctionUid } from './func-graph';
import { importFunctionBody, libraryOf } from './while-import';

const DIFFERENTIABLE = new Set<string>([...FLOAT_DTYPES, 'complex64', 'complex128']);

/** Forward ops a gradient rebuilt (dead since their consumers moved), and what replaced them. */
const replaced = new WeakMap<Operation, Operation>();
/** Operations a rewrite added that belong to the forward computation (accumulators, rebuilt loops). */
const forwardAdditions = new WeakSet<Operation>();

/** The op that now stands for `op`'s outputs (itself unless a gradient rebuilt it). */
function current(op: Operation): Operation {
  let now = op;
  for (let next = replaced.get(now); next; next = replaced.get(now)) now = next;
  return now;
}

function currentOutput(t: Output): Output {
  const op = current(t.op);
  return op === t.op ? t : op.output(t.index);
}

function funcName(op: Operation, attr: string): string {
  return (op.attr(attr) as { name: string }).name;
}

function uniqueFunctionName(g: Graph, base: string): string {
  const names = new Set(libraryOf(g).keys());
  if (!names.has(base)) return base;
  for (let k = 1; ; k++) if (!names.has(`${base}_${k}`)) return `${base}_${k}`;
}

function uniqueOpName(g: Graph, base: string): string {
  if (!g.operation(base)) return base;
  for (let k = 1; ; k++) if (!g.operation(`${base}_${k}`)) return `${base}_${k}`;
}

function elementShape(g: Graph, shape: StaticShape | null, name: string): Output {
  if (shape === null) return g.constant(-1, { dtype: 'int32', name });
  return g.constant(shape.length === 0 ? [] : shape.map((d) => d ?? -1), { dtype: 'int32', shape: [shape.length], name });
}

function attachFunctionDef(g: Graph, fdef: Uint8Array): void {
  g._native.importFunctionDef(fdef);
}

/** The dtype of the value a resource loop variable holds, as the body reads it; undefined when it does not. */
function resourceValueDType(arg: Output): DType | undefined {
  for (const consumer of arg.consumers()) {
    try {
      const dtype = consumer.attr('dtype');
      if (typeof dtype === 'string' && DIFFERENTIABLE.has(dtype)) return dtype as DType;
    } catch {
      // an op without a dtype attr says nothing about the variable
    }
  }
  return undefined;
}

/** The dtype and shape attrs (as NodeDef AttrValues) of the variables whose handles are loop inputs of `op`. */
function variablesOf(op: Operation): Array<{ dtype: unknown; shape: unknown } | undefined> {
  return op.inputs.map((t) => {
    if (t.dtype !== 'resource' || t.op.type !== 'VarHandleOp') return undefined;
    const node = decode('NodeDef', t.op.toNodeDef());
    const attr = node.attr as Record<string, unknown>;
    return attr.dtype && attr.shape ? { dtype: attr.dtype, shape: attr.shape } : undefined;
  });
}

interface Candidate {
  index: number;
  dtype: DType;
  shape: StaticShape | null;
  resource: boolean;
}

/** Python's _WhileGrad for a While built as while_v2 builds it: [counter, maximum iterations, vars..., captures...]. */
function whileGrad(op: Operation, ...grads: Array<Output | null>): InputGradient[] {
  const g = op.graph;
  const n = op.numInputs;
  const types = op.attr('T') as DType[];
  const shapes = op.attr('output_shapes') as Array<StaticShape | null>;
  const bodyName = funcName(op, 'body');
  const condName = funcName(op, 'cond');
  const S = new Graph();
  const fwd = importFunctionBody(g, S, bodyName, shapes.length === n ? shapes : undefined, variablesOf(op));
  if (fwd.args.length !== n || fwd.outputs.length !== n || types[0] !== 'int32' || types[1] !== 'int32' ||
      fwd.outputs[1].name !== fwd.args[1].name) {
    throw new Error(`Cannot differentiate ${op}: its loop variables do not start with the loop counter and the maximum ` +
      'iterations that tf.whileLoop and Python 2.x while_loop add; build the loop with whileLoop');
  }
  const candidates: Candidate[] = [];
  for (let i = 2; i < n; i++) {
    if (DIFFERENTIABLE.has(types[i])) candidates.push({ index: i, dtype: types[i], shape: shapes[i] ?? null, resource: false });
    else if (types[i] === 'resource') {
      const dtype = resourceValueDType(fwd.args[i]);
      if (dtype) candidates.push({ index: i, dtype, shape: null, resource: true });
    }
  }
  const result: InputGradient[] = new Array(n).fill(null);
  if (candidates.length === 0) return result;

  // The body's gradient, built in S after the forward body: every op added from here on is a gradient op (B).
  const before = new Set(S.operations());
  const dys = candidates.map((c) => S.placeholder(c.dtype, c.shape, 'Placeholder'));
  const ys = candidates.map((c) => fwd.outputs[c.index]);
  const xs = candidates.map((c) => fwd.args[c.index]);
  const between = opsBetween(xs, ancestorsOf(ys).ops);
  const bodyGrads = S.nameScope('gradients', () => {
    const raw = backprop(S, { ys, xs, gradYs: dys, stopOps: new Set(), between });
    return raw.map((d, k) => {
      if (d instanceof IndexedSlices) return densify(d);
      return d ?? S.addOperation('ZerosLike', { inputs: [dys[k]], attrs: { T: dys[k].dtype } }).output(0);
    });
  });
  S._markNamesStale();
  const isForward = (o: Operation) => (before.has(o) && !dys.some((d) => d.op === o)) || forwardAdditions.has(o);
  const gradOps = liveGradientOps(S.operations().filter((o) => !isForward(o) && !dys.some((d) => d.op === o)), bodyGrads);

  // What the gradient ops read from the forward body: constants (copied), loop invariants (passed), the rest (stacked).
  const copied = new Set<string>();
  const invariant = new Map<string, number>();
  const stacked = new Map<string, Output>();
  const argIndex = new Map(fwd.args.map((a, i) => [a.name, i]));
  const need = (t: Output) => {
    if (!isForward(t.op)) return;
    if (t.op.type === 'Const') copied.add(t.op.name);
    else if (argIndex.has(t.name) && fwd.outputs[argIndex.get(t.name)!].name === t.name) invariant.set(t.name, argIndex.get(t.name)!);
    else stacked.set(t.name, t);
  };
  for (const o of gradOps) for (const t of o.inputs) need(t);
  for (const d of bodyGrads) need(d);

  const forward = stacked.size > 0 ? rewriteForward(op, S, fwd, condName, bodyName, [...stacked.values()], isForward) : op;
  const accumulators = [...stacked.values()];
  const invariants = [...invariant.entries()];

  // The backward body in W: [counter, maximum iterations, forward iterations, dys..., invariants..., accumulators...].
  const W = new Graph();
  const wCounter = W.placeholder('int32', [], 'Placeholder');
  const wMax = W.placeholder('int32', [], 'Placeholder');
  const wTotal = W.placeholder('int32', [], 'Placeholder');
  const wDys = candidates.map((c) => W.placeholder(c.dtype, c.shape, 'Placeholder'));
  const wInv = invariants.map(([name]) => W.placeholder(S.tensor(name).dtype, S.tensor(name).shape, 'Placeholder'));
  const wAcc = accumulators.map(() => W.placeholder('variant', [], 'Placeholder'));
  const inputMap: Record<string, Output> = {};
  dys.forEach((d, k) => (inputMap[d.name] = wDys[k]));
  invariants.forEach(([name], k) => (inputMap[name] = wInv[k]));
  const popped = accumulators.map((t, k) =>
    W.nameScope(`while_grad_pop_${k}`, () => {
      const shape = elementShape(W, t.shape, 'element_shape');
      const pop = W.addOperation('TensorListPopBack', { inputs: [wAcc[k], shape], attrs: { element_dtype: t.dtype } });
      inputMap[t.name] = pop.output(1);
      return pop.output(0);
    }),
  );
  importGradientOps(S, W, gradOps, copied, inputMap);
  const resolve = (t: Output): Output => inputMap[t.name] ?? W.tensor(t.name);
  const wGrads = bodyGrads.map(resolve);
  const one = W.constant(1, { dtype: 'int32', name: 'add/y' });
  const next = W.addOperation('AddV2', { inputs: [wCounter, one], attrs: { T: 'int32' }, name: 'add' });
  const wInputs = [wCounter, wMax, wTotal, ...wDys, ...wInv, ...wAcc];
  const wOutputs = [next.output(0), wMax, wTotal, ...wGrads, ...wInv, ...popped];
  const uid = nextFunctionUid();
  const gradBodyName = uniqueFunctionName(g, `${funcName(forward, 'body')}_grad_${uid}`);
  const gradBody = W._native.toFunctionDef(gradBodyName, null, wInputs.map((t) => t.op._native), wInputs.map((t) => t.index),
    wOutputs.map((t) => t.op._native), wOutputs.map((t) => t.index), null, [], null);
  const C = new Graph();
  const cInputs = wInputs.map((t) => C.placeholder(t.dtype, t.shape, 'Placeholder'));
  const less = C.addOperation('Less', { inputs: [cInputs[0], cInputs[2]], attrs: { T: 'int32' } }).output(0);
  const gradCondName = uniqueFunctionName(g, `${funcName(forward, 'cond')}_grad_${uid}`);
  const gradCond = C._native.toFunctionDef(gradCondName, null, cInputs.map((t) => t.op._native), cInputs.map((t) => t.index),
    [less.op._native], [0], null, [], null);
  attachFunctionDef(g, gradBody);
  attachFunctionDef(g, gradCond);

  // The backward loop, under the driver's `<op>_grad` scope, as Python's `gradients/while_grad/while_grad`.
  const scope = g.currentNameScope;
  const driverScope = scope.includes('/') ? `${scope.slice(0, scope.lastIndexOf('/'))}/` : '';
  const initial = candidates.map((c) => {
    const given = grads[c.index];
    if (!c.resource && given) return given;
    if (c.resource) {
      // A variable's gradient starts from zeros of the variable's shape: Python's driver makes them (_zeros_like
      // of the loop's handle output), so they are named in its scope ('gradients/VariableShape', 'gradients/zeros').
      return g.nameScope(driverScope, () => {
        const shape = g.addOperation('VariableShape', {
          inputs: [forward.output(c.index)],
          attrs: { out_type: 'int32' },
          name: 'VariableShape',
        }).output(0);
        return g.nameScope('zeros', (zeros) => {
          const zero = g.constant(0, { dtype: c.dtype, name: 'Const' });
          return g.addOperation('Fill', { inputs: [shape, zero], attrs: { T: c.dtype, index_type: 'int32' }, name: zeros }).output(0);
        });
      });
    }
    return g.addOperation('ZerosLike', { inputs: [forward.output(c.index)], attrs: { T: c.dtype } }).output(0);
  });
  const counter0 = g.constant(0, { dtype: 'int32', name: 'grad_counter' });
  const firstAcc = n;
  const inputs = [
    counter0,
    forward.inputs[1],
    forward.output(0),
    ...initial,
    ...invariants.map(([, i]) => forward.output(i)),
    ...accumulators.map((_, k) => forward.output(firstAcc + k)),
  ];
  const stateful = decode('FunctionDef', gradBody).signature?.is_stateful === true;
  const base = op.name.slice(op.name.lastIndexOf('/') + 1);
  const back = g.addOperation(stateful ? 'While' : 'StatelessWhile', {
    inputs: [inputs],
    attrs: {
      T: inputs.map((t) => t.dtype),
      cond: gradCondName,
      body: gradBodyName,
      output_shapes: wOutputs.map((t) => t.shape),
      parallel_iterations: op.attr('parallel_iterations') as number,
      _num_original_outputs: inputs.length,
      _lower_using_switch_merge: true,
      _read_only_resource_inputs: [],
    },
    name: `${base}_grad`,
  });
  const outs = g instanceof FuncGraph
    ? back.outputs
    : back.outputs.map((o) => g.addOperation('Identity', { inputs: [o], attrs: { T: o.dtype }, name: 'Identity' }).output(0));
  candidates.forEach((c, k) => (result[c.index] = outs[3 + k]));
  // Functions of loops nested in the body (rebuilt, or their gradients) live in S's library: g needs them too.
  const have = new Set(libraryOf(g).keys());
  for (const bytes of S._native.functionDefs()) {
    const name = decode('FunctionDef', bytes).signature?.name as string;
    if (!have.has(name)) attachFunctionDef(g, bytes);
  }
  return result;
}

/**
 * The gradient ops the body's gradients depend on. A gradient function may build ops nobody reads (a shape it ends
 * up not needing): each forward tensor such an op reads would cost an accumulator, pushed every iteration.
 */
function liveGradientOps(gradOps: Operation[], bodyGrads: Output[]): Operation[] {
  const all = new Set(gradOps);
  const live = new Set<Operation>();
  const stack = bodyGrads.map((d) => d.op).filter((o) => all.has(o));
  for (let o = stack.pop(); o; o = stack.pop()) {
    if (live.has(o)) continue;
    live.add(o);
    for (const t of o.inputs) if (all.has(t.op)) stack.push(t.op);
    for (const c of o.controlInputs) if (all.has(c)) stack.push(c);
  }
  return gradOps.filter((o) => live.has(o));
}

/** Copies the gradient ops (and the forward constants they read) from S into W, reading mapped tensors instead. */
function importGradientOps(S: Graph, W: Graph, gradOps: Operation[], copied: Set<string>, inputMap: Record<string, Output>): void {
  const keep = new Set([...gradOps.map((o) => o.name), ...copied]);
  const graphDef = decode('GraphDef', S.toGraphDef());
  const nodes = ((graphDef.node ?? []) as DecodedMessage[]).filter((node) => keep.has(node.name as string));
  for (const node of nodes) {
    node.input = ((node.input ?? []) as string[]).filter((ref) => !ref.startsWith('^') || keep.has(ref.slice(1)));
  }
  const usedMap: Record<string, Output> = {};
  for (const node of nodes) {
    for (const ref of node.input as string[]) {
      const name = ref.includes(':') ? ref : `${ref}:0`;
      if (inputMap[name]) usedMap[name] = inputMap[name];
    }
  }
  W.importGraphDef(encode('GraphDef', { node: nodes, versions: graphDef.versions, library: graphDef.library }), { inputMap: usedMap });
}

/**
 * Rebuilds the forward While `op` with one TensorList accumulator per tensor in `stacked` (pushed by the body each
 * iteration), moves every consumer of `op` to the new While, and returns it.
 */
function rewriteForward(
  op: Operation,
  S: Graph,
  fwd: ReturnType<typeof importFunctionBody>,
  condName: string,
  bodyName: string,
  stacked: Output[],
  isForward: (o: Operation) => boolean,
): Operation {
  const g = op.graph;
  const n = op.numInputs;
  // The body with pushes, from the forward part of S (a loop nested in it may itself have been rebuilt).
  const accs = stacked.map(() => S.placeholder('variant', [], 'accumulator'));
  const pushes = stacked.map((t, k) =>
    S.addOperation('TensorListPushBack', { inputs: [accs[k], t], attrs: { element_dtype: t.dtype }, name: 'TensorListPushBack' }).output(0),
  );
  const argOps = new Set(fwd.args.map((a) => a.op));
  const bodyOps = S.operations().filter((o) => (isForward(o) && !argOps.has(o) && !replaced.has(o)) || pushes.some((p) => p.op === o));
  const inputs = [...fwd.args, ...accs];
  const outputs = [...fwd.outputs.map(currentOutput), ...pushes];
  const newBodyName = uniqueFunctionName(g, `${bodyName}_rewritten`);
  const newBody = S._native.toFunctionDef(newBodyName, bodyOps.map((o) => o._native), inputs.map((t) => t.op._native),
    inputs.map((t) => t.index), outputs.map((t) => t.op._native), outputs.map((t) => t.index), null,
    fwd.controlOutputs.map((o) => current(o)._native), null);
  const C = new Graph();
  const cond = importFunctionBody(g, C, condName);
  const cAccs = stacked.map(() => C.placeholder('variant', [], 'accumulator'));
  const cInputs = [...cond.args, ...cAccs];
  const newCondName = uniqueFunctionName(g, `${condName}_rewritten`);
  const newCond = C._native.toFunctionDef(newCondName, null, cInputs.map((t) => t.op._native), cInputs.map((t) => t.index),
    cond.outputs.map((t) => t.op._native), cond.outputs.map((t) => t.index), null,
    cond.controlOutputs.map((o) => o._native), null);
  attachFunctionDef(g, newBody);
  attachFunctionDef(g, newCond);

  const maxIter = op.inputs[1];
  // Named after the tensor each accumulates, as Python's _build_accumulator_name ('Tanh_0/accumulator').
  const lists = stacked.map((t) =>
    g.nameScope(`${t.name.replace(':', '_')}/accumulator`, (scope) => {
      const shape = elementShape(g, t.shape, 'element_shape');
      const list = g.addOperation('EmptyTensorList', {
        inputs: [shape, maxIter],
        attrs: { element_dtype: t.dtype, shape_type: 'int32' },
        name: scope,
      }).output(0);
      forwardAdditions.add(list.op);
      forwardAdditions.add(shape.op);
      return list;
    }),
  );
  const inputsNow = [...op.inputs, ...lists];
  const attrs: Record<string, unknown> = {
    T: inputsNow.map((t) => t.dtype),
    cond: newCondName,
    body: newBodyName,
    output_shapes: [...(op.attr('output_shapes') as Array<StaticShape | null>), ...lists.map(() => [])],
    parallel_iterations: op.attr('parallel_iterations') as number,
    _num_original_outputs: inputsNow.length,
    _lower_using_switch_merge: true,
  };
  const rebuilt = g.addOperation(op.type, {
    inputs: [inputsNow],
    attrs,
    name: `${uniqueOpName(g, `${op.name}_rewritten`)}/`,
    device: op.device || undefined,
    controlInputs: op.controlInputs,
  });
  forwardAdditions.add(rebuilt);
  for (let k = 0; k < n; k++) {
    const out = op.output(k);
    for (const consumer of out.consumers()) {
      consumer.inputs.forEach((input, j) => {
        if (input.name === out.name) g._native.updateEdge(rebuilt._native, k, consumer._native, j);
      });
    }
  }
  replaced.set(op, rebuilt);
  return rebuilt;
}

let registered = false;

/** Registers the While/StatelessWhile gradient (idempotent; a user's own registration made later wins). */
export function registerWhileGradients(): void {
  if (registered) return;
  registered = true;
  registerGradient('While', whileGrad);
  registerGradient('StatelessWhile', whileGrad);
}

registerWhileGradients();
