// SPDX-License-Identifier: Apache-2.0
// A function body as a graph (Python's function_def_to_graph): the While gradient differentiates a loop body from
// its FunctionDef, so loops imported from Python and loops built here take one path. Arguments become
// placeholders named as the FunctionDef's input args; node inputs ('node:out_arg:i') become GraphDef tensor names.
import { Graph } from '../graph/graph';
import type { Operation, Output } from '../graph/operation';
import { DecodedMessage, decode, encode, toNumber } from '../proto';

/** A function body imported into a graph. */
export interface ImportedBody {
  /** The placeholders standing for the function's arguments, in order. */
  args: Output[];
  /** The tensors the function returns, in output-arg order. */
  outputs: Output[];
  /** The names of the operations the body imported (placeholders included). */
  opNames: Set<string>;
  /** Operations that run although no output depends on them (the FunctionDef's control outputs). */
  controlOutputs: Operation[];
  isStateful: boolean;
}

type Counts = Array<{ name: string; count: number }>;

function outputArgCounts(g: Graph, node: DecodedMessage, library: Map<string, DecodedMessage>): Counts {
  const fn = library.get(node.op as string);
  if (fn) return ((fn.signature?.output_arg ?? []) as DecodedMessage[]).map((a) => ({ name: a.name as string, count: 1 }));
  const opDef = decode('OpDef', g._native.opDef(node.op as string));
  const attr = (node.attr ?? {}) as Record<string, DecodedMessage>;
  return ((opDef.output_arg ?? []) as DecodedMessage[]).map((a) => {
    let count = 1;
    if (a.number_attr) count = toNumber(attr[a.number_attr as string]?.i ?? 0);
    else if (a.type_list_attr) count = ((attr[a.type_list_attr as string]?.list?.type ?? []) as unknown[]).length;
    return { name: a.name as string, count };
  });
}

/** Maps a FunctionDef tensor reference ('arg', 'node:out:i' or '^node') to a GraphDef one ('node:k'). */
function graphRef(ref: string, args: Set<string>, flat: (node: string, outArg: string, i: number) => number): string {
  if (ref.startsWith('^')) return ref;
  const parts = ref.split(':');
  if (parts.length === 1) return args.has(ref) ? `${ref}:0` : ref;
  if (parts.length === 2) return ref; // already 'node:k' (as a GraphDef writes it)
  return `${parts[0]}:${flat(parts[0], parts[1], Number(parts[2]))}`;
}

/** The FunctionDef named `name` in `g`'s library (decoded), and the library by name. */
export function libraryOf(g: Graph): Map<string, DecodedMessage> {
  const out = new Map<string, DecodedMessage>();
  for (const bytes of g._native.functionDefs()) {
    const f = decode('FunctionDef', bytes);
    out.set(f.signature?.name as string, f);
  }
  return out;
}

/**
 * Imports the body of function `name` (found in `source`'s library) into `target`, an empty graph, with the
 * library copied; `shapes` gives the arguments' static shapes where the call site knows them.
 */
export function importFunctionBody(
  source: Graph,
  target: Graph,
  name: string,
  shapes?: Array<Array<number | null> | null>,
  variables?: Array<{ dtype: unknown; shape: unknown } | undefined>,
): ImportedBody {
  const library = libraryOf(source);
  const fdef = library.get(name);
  if (!fdef) throw new Error(`${source} has no function '${name}' in its library`);
  for (const bytes of source._native.functionDefs()) target._native.importFunctionDef(bytes);
  const inputArgs = (fdef.signature?.input_arg ?? []) as DecodedMessage[];
  const argNames = new Set(inputArgs.map((a) => a.name as string));
  const nodes = (fdef.node_def ?? []) as DecodedMessage[];
  const byName = new Map(nodes.map((n) => [n.name as string, n]));
  const countsCache = new Map<string, Counts>();
  const flat = (node: string, outArg: string, i: number): number => {
    let counts = countsCache.get(node);
    if (!counts) {
      const n = byName.get(node);
      if (!n) throw new Error(`Function '${name}' refers to '${node}', which it does not define`);
      counts = outputArgCounts(target, n, library);
      countsCache.set(node, counts);
    }
    let k = 0;
    for (const c of counts) {
      if (c.name === outArg) return k + i;
      k += c.count;
    }
    throw new Error(`Function '${name}': operation '${node}' has no output '${outArg}'`);
  };
  const graphNodes: Array<Record<string, unknown>> = inputArgs.map((a, i) => {
    const variable = variables?.[i];
    if (variable) {
      // A variable's handle stands for itself (a VarHandleOp of its dtype and shape), so that its reads in the body
      // have static shapes, as Python's handle data gives them: gradients then build with static shapes too.
      const attr = { dtype: variable.dtype, shape: variable.shape, shared_name: { s: Buffer.from(a.name as string) } };
      return { name: a.name, op: 'VarHandleOp', attr };
    }
    const attr: Record<string, unknown> = { dtype: { type: a.type } };
    const shape = shapes?.[i];
    attr.shape = shape ? { shape: { dim: shape.map((d) => ({ size: d ?? -1 })) } } : { shape: { unknown_rank: true } };
    return { name: a.name, op: 'Placeholder', attr };
  });
  for (const n of nodes) {
    graphNodes.push({
      ...n,
      input: ((n.input ?? []) as string[]).map((r) => graphRef(r, argNames, flat)),
    });
  }
  target.importGraphDef(encode('GraphDef', { node: graphNodes, versions: graphDefVersions() }));
  const args = inputArgs.map((a) => target.tensor(`${a.name}:0`));
  const ret = (fdef.ret ?? {}) as Record<string, string>;
  const outputs = ((fdef.signature?.output_arg ?? []) as DecodedMessage[]).map((a) =>
    target.tensor(graphRef(ret[a.name as string], argNames, flat)),
  );
  const opNames = new Set<string>([...argNames, ...nodes.map((n) => n.name as string)]);
  const controlOutputs = Object.values((fdef.control_ret ?? {}) as Record<string, string>).map((n) => target.operation(n)!);
  return { args, outputs, opNames, controlOutputs, isStateful: fdef.signature?.is_stateful === true };
}

let versions: unknown;

/** The GraphDef versions this library writes (a GraphDef without them would be read as a very old one). */
function graphDefVersions(): unknown {
  return (versions ??= decode('GraphDef', new Graph().toGraphDef()).versions);
}
