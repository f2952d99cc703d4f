// SPDX-License-Identifier: Apache-2.0
// TensorFlow's C++ gradient of one operation, through the public C API only: the op is rebuilt in a scratch graph
// on placeholders, TF_AddGradients differentiates it there against placeholder output gradients, and the gradient
// nodes are kept as a template that is replayed into the real graph (g.addOperation per node, the placeholders
// and the op standing for the real inputs, output gradients and op) for each op that needs it. Templates are
// cached by the op's signature (type, attrs, input dtypes and shapes), so a model with many alike layers asks
// TensorFlow once per kind of layer. Replaying beats importing a GraphDef per op: TF_GraphImportGraphDef scans
// every node of the destination graph on each call, which made the driver quadratic in the graph's size.
import { Graph } from '../graph/graph';
import { Operation, Output, attrValueToJs } from '../graph/operation';
import { readOpSignature } from '../ops/op-def-wire';
import { decode, encode } from '../proto';
import { controlFlowProblem } from './safety';

const SCRATCH_PREFIX = 'G';
const OP_NAME = 'X.op';
const inputKey = (i: number) => `X.in${i}`;
const gradKey = (j: number) => `X.dy${j}`;

/** A tensor the template refers to: one of its own nodes' outputs, or a mapped input, output gradient, or op output. */
type Ref =
  | { kind: 'node'; node: number; index: number }
  | { kind: 'input'; index: number }
  | { kind: 'grad'; index: number }
  | { kind: 'output'; index: number };

interface TemplateNode {
  type: string;
  /** The name under the op's gradient scope, as TensorFlow named it ('MatMul_1'). */
  name: string;
  /** Per input arg of the op type: one tensor, or a list. */
  inputs: Array<Ref | Ref[]>;
  controls: Ref[];
  attrs: Record<string, unknown>;
}

interface Template {
  nodes: TemplateNode[];
  /** Per input of the op: where its gradient is, or null for none. */
  results: Array<Ref | null>;
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

function varint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let b: number;
  do {
    b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}

/**
 * The cache key of an op's gradient template: its type and attrs, read straight from the NodeDef's wire bytes
 * (the name, inputs and device do not matter, nor do '_' attrs such as colocation). Decoding the NodeDef for every
 * op of a big graph cost more than the gradients themselves. Attrs fix the input dtypes; shapes are left out, as
 * the template is built on placeholders of unknown shape.
 */
function templateKey(nodeDef: Uint8Array): string {
  const buf = Buffer.from(nodeDef.buffer, nodeDef.byteOffset, nodeDef.byteLength);
  let type = '';
  const attrs: string[] = [];
  let at = 0;
  while (at < buf.length) {
    const [tag, afterTag] = varint(buf, at);
    const field = Math.floor(tag / 8);
    if ((tag & 7) !== 2) return buf.toString('latin1'); // not a NodeDef as written by TensorFlow: no sharing
    const [length, start] = varint(buf, afterTag);
    at = start + length;
    if (field === 2) type = buf.toString('latin1', start, at);
    else if (field === 5) {
      // A map entry: field 1 is the attr's name.
      const [nameLength, nameStart] = varint(buf, start + 1);
      if (buf[nameStart] !== 0x5f) attrs.push(buf.toString('latin1', start, at)); // '_' attrs left out
      void nameLength;
    }
  }
  // TensorFlow writes the attr map in no fixed order.
  return `${type}\u0000${attrs.sort().join('\u0000')}`;
}

function nodeForScratch(nodeDef: Uint8Array, numInputs: number): NodeDefObject {
  const node = decode<NodeDefObject>('NodeDef', nodeDef);
  const attr: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node.attr ?? {})) if (!k.startsWith('_')) attr[k] = v;
  return { name: OP_NAME, op: node.op, input: Array.from({ length: numInputs }, (_, i) => `${inputKey(i)}:0`), attr };
}

function isNoGradient(err: unknown): boolean {
  return err instanceof Error && /No gradient defined for op/.test(err.message);
}

function buildTemplate(op: Operation, node: NodeDefObject, inputs: Output[]): Template | 'none' {
  const scratch = new Graph();
  const placeholders = inputs.map((x, i) => scratch.placeholder(x.dtype, null, inputKey(i)));
  const inputMap: Record<string, Output> = {};
  placeholders.forEach((p, i) => (inputMap[`${inputKey(i)}:0`] = p));
  const copy = scratch.importGraphDef(encode('GraphDef', { node: [node] }), { inputMap, returnElements: [OP_NAME] }).operations[0];
  const grads = copy.outputs.map((y, j) => scratch.placeholder(y.dtype, null, gradKey(j)));
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
  const all = decode<{ node: NodeDefObject[] }>('GraphDef', scratch.toGraphDef());
  const prefix = `${SCRATCH_PREFIX}/`;
  const local = new Map<string, number>();
  const refOf = (name: string, index: number): Ref => {
    if (name.startsWith(prefix)) return { kind: 'node', node: local.get(name)!, index };
    if (name === OP_NAME) return { kind: 'output', index };
    const i = Number(name.slice(4));
    return name.startsWith('X.in') ? { kind: 'input', index: i } : { kind: 'grad', index: i };
  };
  const parse = (ref: string): Ref => {
    const [name, index = '0'] = ref.replace(/^\^/, '').split(':');
    return refOf(name, Number(index));
  };
  const nodes: TemplateNode[] = [];
  // GraphDef order is creation order: every node comes after its inputs.
  for (const n of all.node) {
    if (!n.name.startsWith(prefix)) continue;
    local.set(n.name, nodes.length);
    const flat = (n.input ?? []).filter((r) => !r.startsWith('^')).map(parse);
    const controls = (n.input ?? []).filter((r) => r.startsWith('^')).map(parse);
    const scratchOp = scratch.operation(n.name)!;
    const inputs: Array<Ref | Ref[]> = [];
    let k = 0;
    for (const arg of readOpSignature(scratch._native.opDef(n.op)).inputArgs) {
      if (!arg.isList) inputs.push(flat[k++]);
      else {
        const length = scratchOp._native.inputListLength(arg.name);
        inputs.push(flat.slice(k, k + length));
        k += length;
      }
    }
    const attrs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(n.attr ?? {})) {
      if (!name.startsWith('_')) attrs[name] = attrValueToJs(value as Record<string, unknown>);
    }
    nodes.push({ type: n.op, name: n.name.slice(prefix.length), inputs, controls, attrs });
  }
  return { nodes, results: raw.map((ref) => (ref ? refOf(ref[0], ref[1]) : null)) };
}

function templateFor(op: Operation, inputs: Output[]): Template | 'none' {
  const problem = controlFlowProblem(op);
  if (problem) throw new Error(problem);
  const nodeDef = op.toNodeDef();
  const key = templateKey(nodeDef);
  let template = templates.get(key);
  if (template === undefined) {
    template = buildTemplate(op, nodeForScratch(nodeDef, inputs.length), inputs);
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
    return templateFor(op, op.inputs) !== 'none';
  } catch {
    typeHasGradient.set(op.type, false);
    return false;
  }
}

/**
 * The gradients of `op`'s inputs by TensorFlow's C++ gradient function, its nodes named under `scope`
 * (e.g. 'gradients/MatMul_grad'), or 'none' when the C++ registry has no gradient for the op.
 * @param inputs `op.inputs`, as the caller has them.
 * @param grads the gradient of each output: every output the gradient function reads must have one.
 * @param zeros makes a zero gradient for output j where `grads[j]` is null.
 */
export function cppGradient(
  op: Operation,
  inputs: Output[],
  grads: Array<Output | null>,
  scope: string,
  zeros: (j: number) => Output,
): Array<Output | null> | 'none' {
  const template = templateFor(op, inputs);
  if (template === 'none') return 'none';
  const g = op.graph;
  const gradFor = (j: number) => grads[j] ?? (grads[j] = zeros(j));
  const built: Operation[] = [];
  const resolve = (ref: Ref): Output => {
    switch (ref.kind) {
      case 'node': return built[ref.node].output(ref.index);
      case 'input': return inputs[ref.index];
      case 'grad': return gradFor(ref.index);
      default: return op.output(ref.index);
    }
  };
  g.nameScope(`${scope}/`, () => {
    for (const node of template.nodes) {
      built.push(g.addOperation(node.type, {
        inputs: node.inputs.map((input) => (Array.isArray(input) ? input.map(resolve) : resolve(input))),
        attrs: node.attrs,
        name: node.name,
        controlInputs: node.controls.length > 0 ? node.controls.map((c) => resolve(c).op) : undefined,
      }));
    }
  });
  return template.results.map((ref) => (ref ? resolve(ref) : null));
}
