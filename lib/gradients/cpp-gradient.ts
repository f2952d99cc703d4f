// SPDX-License-Identifier: Apache-2.0
// TensorFlow's C++ gradient of one operation, through the public C API only: the op is rebuilt in a scratch graph
// on placeholders, TF_AddGradients differentiates it there against placeholder output gradients, and the gradient
// nodes are kept as a GraphDef template that is imported into the real graph with an input map for each op that
// needs it. Templates are cached by the op's signature (type, attrs, input dtypes and shapes), so a model with
// many alike layers builds each kind once.
import { dtypeNumber } from '../base/dtypes';
import { Graph } from '../graph/graph';
import type { Operation, Output } from '../graph/operation';
import type { Native } from '../binding/native';
import { decode, encode } from '../proto';
import { controlFlowProblem } from './safety';

const SCRATCH_PREFIX = 'G';
const OP_NAME = 'X.op';
const inputKey = (i: number) => `X.in${i}`;
const gradKey = (j: number) => `X.dy${j}`;

/** Where one input's gradient comes from once the template is imported. */
type ResultRef =
  | { kind: 'node'; name: string; index: number }
  | { kind: 'input'; index: number }
  | { kind: 'grad'; index: number }
  | { kind: 'output'; index: number };

interface Template {
  /** The gradient nodes, named relative to the op's gradient scope; null when there are none to import. */
  bytes: Uint8Array | null;
  /** Per input of the op: where its gradient is, or null for none. */
  results: Array<ResultRef | null>;
  usedInputs: number[];
  usedGrads: number[];
  usedOutputs: number[];
  /** Mapped nodes (inputs' placeholders, gradient placeholders, the op) that gradient nodes depend on by control. */
  controls: string[];
}

interface NodeDefObject {
  name: string;
  op: string;
  input?: string[];
  device?: string;
  attr?: Record<string, unknown>;
}

const templates = new Map<string, Template | 'none'>();
/** Op types TensorFlow's C++ registry differentiates (true), or not (false), as found on first use. */
const typeHasGradient = new Map<string, boolean>();

function signature(op: Operation): { key: string; node: NodeDefObject; inputs: Output[] } {
  const node = decode<NodeDefObject>('NodeDef', op.toNodeDef());
  const attr: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node.attr ?? {})) if (!k.startsWith('_')) attr[k] = v;
  const inputs = op.inputs;
  const clean: NodeDefObject = { name: OP_NAME, op: node.op, input: inputs.map((_, i) => `${inputKey(i)}:0`), attr };
  const key = `${node.op}|${JSON.stringify(attr)}|${inputs.map((x) => `${x.dtype}${JSON.stringify(x.shape)}`).join(',')}`;
  return { key, node: clean, inputs };
}

function isNoGradient(err: unknown): boolean {
  return err instanceof Error && /No gradient defined for op/.test(err.message);
}

function buildTemplate(op: Operation, node: NodeDefObject, inputs: Output[]): Template | 'none' {
  const scratch = new Graph();
  const placeholders = inputs.map((x, i) => scratch.placeholder(x.dtype, x.shape, inputKey(i)));
  const inputMap: Record<string, Output> = {};
  placeholders.forEach((p, i) => (inputMap[`${inputKey(i)}:0`] = p));
  const copy = scratch.importGraphDef(encode('GraphDef', { node: [node] }), { inputMap, returnElements: [OP_NAME] }).operations[0];
  const grads = copy.outputs.map((y, j) => scratch.placeholder(y.dtype, y.shape, gradKey(j)));
  let raw: Array<[string, number] | null>;
  try {
    raw = scratch._native.addGradients(
      SCRATCH_PREFIX,
      copy.outputs.map((y) => y.op._native),
      copy.outputs.map((y) => y.index),
      placeholders.map((p) => p.op._native),
      placeholders.map(() => 0),
      grads.map((d) => d.op._native),
      grads.map(() => 0),
    );
  } catch (err) {
    if (isNoGradient(err)) return 'none';
    const message = (err as Error).message;
    throw new Error(`TensorFlow's C++ gradient of operation '${op.name}' (${op.type}) failed: ${message}`);
  }
  const usedInputs = new Set<number>();
  const usedGrads = new Set<number>();
  const usedOutputs = new Set<number>();
  const controls = new Set<string>();
  // Names outside the scratch prefix are the mapped tensors: placeholders for inputs and gradients, and the op.
  const rename = (ref: string): string => {
    const control = ref.startsWith('^');
    const bare = control ? ref.slice(1) : ref;
    const [name, index = '0'] = bare.split(':');
    if (name.startsWith(`${SCRATCH_PREFIX}/`)) return ref.replace(`${SCRATCH_PREFIX}/`, '');
    const i = Number(name.slice(4));
    if (control) controls.add(name);
    else if (name === OP_NAME) usedOutputs.add(Number(index));
    else if (name.startsWith('X.in')) usedInputs.add(i);
    else if (name.startsWith('X.dy')) usedGrads.add(i);
    return ref;
  };
  const all = decode<{ node: NodeDefObject[]; versions?: unknown }>('GraphDef', scratch.toGraphDef());
  const nodes = all.node
    .filter((n) => n.name.startsWith(`${SCRATCH_PREFIX}/`))
    .map((n) => ({ ...n, name: n.name.slice(SCRATCH_PREFIX.length + 1), input: (n.input ?? []).map(rename) }));
  const results = raw.map((ref): ResultRef | null => {
    if (!ref) return null;
    const [name, index] = ref;
    if (name.startsWith(`${SCRATCH_PREFIX}/`)) return { kind: 'node', name: name.slice(SCRATCH_PREFIX.length + 1), index };
    rename(`${name}:${index}`);
    if (name === OP_NAME) return { kind: 'output', index };
    const i = Number(name.slice(4));
    return name.startsWith('X.in') ? { kind: 'input', index: i } : { kind: 'grad', index: i };
  });
  return {
    bytes: nodes.length > 0 ? encode('GraphDef', { node: nodes, versions: all.versions }) : null,
    results,
    usedInputs: [...usedInputs],
    usedGrads: [...usedGrads],
    usedOutputs: [...usedOutputs],
    controls: [...controls],
  };
}

function templateFor(op: Operation): Template | 'none' {
  const problem = controlFlowProblem(op);
  if (problem) throw new Error(problem);
  const { key, node, inputs } = signature(op);
  let template = templates.get(key);
  if (template === undefined) {
    template = buildTemplate(op, node, inputs);
    templates.set(key, template);
    typeHasGradient.set(op.type, template !== 'none');
  }
  return template;
}

/**
 * Whether TensorFlow's C++ registry differentiates operations of `op`'s type (asked once per type, on `op`).
 * Control-flow ops answer false without asking: TF_AddGradients may crash on them.
 */
export function hasCppGradient(op: Operation): boolean {
  const known = typeHasGradient.get(op.type);
  if (known !== undefined) return known;
  if (controlFlowProblem(op)) return false;
  try {
    return templateFor(op) !== 'none';
  } catch {
    typeHasGradient.set(op.type, false);
    return false;
  }
}

/**
 * The gradients of `op`'s inputs by TensorFlow's C++ gradient function, its nodes named under `scope`
 * (e.g. 'gradients/MatMul_grad'), or 'none' when the C++ registry has no gradient for the op.
 * @param grads the gradient of each output: every output the gradient function reads must have one.
 * @param zeros makes a zero gradient for output j where `grads[j]` is null.
 */
export function cppGradient(
  op: Operation,
  grads: Array<Output | null>,
  scope: string,
  zeros: (j: number) => Output,
): Array<Output | null> | 'none' {
  const template = templateFor(op);
  if (template === 'none') return 'none';
  const g = op.graph;
  const inputs = op.inputs;
  const gradFor = (j: number) => grads[j] ?? (grads[j] = zeros(j));
  if (template.bytes) {
    const inputMap: Native.ImportOptions['inputMap'] = [];
    for (const i of template.usedInputs) inputMap.push([inputKey(i), 0, inputs[i].op._native, inputs[i].index]);
    for (const j of template.usedGrads) {
      const dy = gradFor(j);
      inputMap.push([gradKey(j), 0, dy.op._native, dy.index]);
    }
    for (const k of template.usedOutputs) inputMap.push([OP_NAME, k, op._native, k]);
    const remap = template.controls.map((name): [string, Native.Operation] => {
      const i = Number(name.slice(4));
      if (name === OP_NAME) return [name, op._native];
      return [name, name.startsWith('X.in') ? inputs[i].op._native : gradFor(i).op._native];
    });
    // Straight to the addon: the template is known to be well formed, and the scope is a fresh name, so the
    // graph's own checks and its rescan of every name (costly per op in big graphs) have nothing to find.
    g._native.importGraphDef(template.bytes, { prefix: scope, inputMap, remapControlDependencies: remap });
  }
  return template.results.map((ref) => {
    if (!ref) return null;
    switch (ref.kind) {
      case 'node': return g.operation(`${scope}/${ref.name}`)!.output(ref.index);
      case 'input': return inputs[ref.index];
      case 'grad': return gradFor(ref.index);
      default: return op.output(ref.index);
    }
  });
}
