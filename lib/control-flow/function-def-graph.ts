// SPDX-License-Identifier: Apache-2.0
// Python's function_def_to_graph: a FunctionDef's body imported into a graph, its arguments replaced by
// tensors of that graph. Gradients of If/While need the bodies as ordinary ops to run the backprop driver on,
// for the functions we built and for those in GraphDefs exported by Python alike.
import { Graph } from '../graph/graph';
import { Output } from '../graph/operation';
import { DecodedMessage, decode, encode } from '../proto';

type NodeDef = DecodedMessage;
type FunctionDef = DecodedMessage;

interface ArgDef {
  name: string;
  number_attr?: string;
  type_list_attr?: string;
}

let versions: DecodedMessage | undefined;

/** The GraphDef versions of the loaded library (a GraphDef without them would be read as producer 0). */
function graphDefVersions(): DecodedMessage {
  return (versions ??= decode('GraphDef', new Graph().toGraphDef()).versions as DecodedMessage);
}

/** The functions of `g`'s library by name, decoded. */
export function libraryFunctions(g: Graph): Map<string, FunctionDef> {
  const out = new Map<string, FunctionDef>();
  for (const bytes of g._native.functionDefs()) {
    const f = decode('FunctionDef', bytes);
    out.set(f.signature.name as string, f);
  }
  return out;
}

function toInt(v: unknown): number {
  return typeof v === 'number' ? v : Number(v as bigint | string | { toString(): string });
}

/** Output arg sizes of a node: from its op's OpDef, or 1 per output of a library function it calls. */
function outputLayout(g: Graph, node: NodeDef, library: Map<string, FunctionDef>): Map<string, [start: number, size: number]> {
  const f = library.get(node.op);
  const args: ArgDef[] = f ? f.signature.output_arg ?? [] : decode('OpDef', g._native.opDef(node.op)).output_arg ?? [];
  const layout = new Map<string, [number, number]>();
  let start = 0;
  for (const a of args) {
    let size = 1;
    if (!f && a.number_attr) size = toInt(node.attr?.[a.number_attr]?.i ?? 0);
    else if (!f && a.type_list_attr) size = (node.attr?.[a.type_list_attr]?.list?.type ?? []).length;
    layout.set(a.name, [start, size]);
    start += size;
  }
  return layout;
}

export interface ImportedBody {
  /** The body's outputs in `g`, in the order of the signature's output args. */
  outputs: Output[];
  /** The names of the imported operations in `g`. */
  prefix: string;
}

/**
 * Imports the body of `fdef` into `g` under the name scope `prefix`, with its arguments bound to `args` (one per
 * input arg, tensors of `g`); returns its outputs. The functions the body calls must be in `g`'s library.
 * `replace` binds tensors of the body (FunctionDef references, 'node:out_arg:k') to tensors of `g` instead.
 */
export function importFunctionBody(
  g: Graph,
  fdef: FunctionDef,
  args: Output[],
  prefix: string,
  library = libraryFunctions(g),
  replace: Array<[ref: string, value: Output]> = [],
): ImportedBody {
  const sig = fdef.signature;
  const inputArgs: ArgDef[] = sig.input_arg ?? [];
  if (inputArgs.length !== args.length) {
    throw new Error(`Function '${sig.name}' takes ${inputArgs.length} arguments; ${args.length} were given`);
  }
  const argNames = new Set(inputArgs.map((a) => a.name));
  // A name no FunctionDef node has (a '.' where function builders write '_').
  const argPlaceholder = (i: number) => `arg.${i}.${inputArgs[i].name}`;
  const argIndex = new Map(inputArgs.map((a, i) => [a.name, i]));
  const nodes: NodeDef[] = fdef.node_def ?? [];
  const layouts = new Map<string, Map<string, [number, number]>>();
  for (const n of nodes) layouts.set(n.name, outputLayout(g, n, library));
  // 'node:out_arg:k' (FunctionDef) → 'node:flat index' (GraphDef); an argument's name → its placeholder.
  const tensorName = (ref: string, what: string): string => {
    if (ref.startsWith('^')) return ref;
    const parts = ref.split(':');
    if (parts.length === 1) {
      if (argNames.has(ref)) return `${argPlaceholder(argIndex.get(ref)!)}:0`;
      return `${ref}:0`;
    }
    if (parts.length !== 3) throw new Error(`Malformed tensor reference '${ref}' in ${what} of function '${sig.name}'`);
    const slot = layouts.get(parts[0])?.get(parts[1]);
    if (!slot) throw new Error(`Function '${sig.name}': ${what} names '${ref}', which its body does not define`);
    return `${parts[0]}:${slot[0] + Number(parts[2])}`;
  };
  const graphNodes: NodeDef[] = inputArgs.map((a, i) => ({
    name: argPlaceholder(i),
    op: 'Placeholder',
    attr: { dtype: { type: (a as ArgDef & { type: number }).type } },
  }));
  for (const n of nodes) {
    graphNodes.push({ ...n, input: (n.input ?? []).map((r: string) => tensorName(r, `an input of node '${n.name}'`)) });
  }
  const inputMap: Record<string, Output> = {};
  args.forEach((a, i) => (inputMap[`${argPlaceholder(i)}:0`] = a));
  const replaced = new Map<string, Output>();
  for (const [ref, value] of replace) {
    const name = tensorName(ref, 'a replaced tensor');
    inputMap[name] = value;
    replaced.set(name, value);
  }
  const rets: Record<string, string> = fdef.ret ?? {};
  const outputRefs = (sig.output_arg ?? []).map((a: ArgDef) => {
    const ref = rets[a.name];
    if (ref === undefined) throw new Error(`Function '${sig.name}' returns nothing for its output '${a.name}'`);
    return tensorName(ref, `output '${a.name}'`);
  });
  const bytes = encode('GraphDef', { node: graphNodes, versions: graphDefVersions() });
  const returnElements = outputRefs.filter((r: string) => !r.startsWith('arg.') && !replaced.has(r));
  const result = g.importGraphDef(bytes, { prefix, inputMap, returnElements });
  let k = 0;
  const outputs = outputRefs.map((r: string) => {
    if (r.startsWith('arg.')) return args[Number(r.split('.')[1])];
    if (replaced.has(r)) return replaced.get(r)!;
    return result.outputs[k++];
  });
  return { outputs, prefix };
}
