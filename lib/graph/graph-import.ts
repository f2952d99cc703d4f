// SPDX-License-Identifier: Apache-2.0
// Checks that keep Graph.importGraphDef all-or-nothing where TensorFlow alone is not:
//  - TensorFlow reports input-map keys that name nothing in the GraphDef only after importing (Python then
//    raises, leaving the graph changed); they are found here first, from the GraphDef's bytes.
//  - TensorFlow adds the GraphDef's function library before it imports the nodes and keeps it when a node
//    fails. When the library brings new functions, the import is first tried on a scratch graph that holds
//    the destination's functions and stand-ins for the tensors and operations the options refer to.
import { InvalidArgumentError } from '../binding/errors';
import { tfAddon } from '../binding/library';
import { AttrKind, Native } from '../binding/native';
import { decode, toNumber, type DecodedMessage } from '../proto';
import { tensorNameParts } from '../base/tensor-name';
import { WIRE_LEN, WireCursor, fieldTag, hasMore, nextMessage, nextString, nextTag, skipValue, wireCursor } from '../proto/wire';

// GraphDef.node (1) and .library (2), NodeDef.name (1) and .input (3).
const GRAPH_NODE_TAG = fieldTag(1, WIRE_LEN);
const GRAPH_LIBRARY_TAG = fieldTag(2, WIRE_LEN);
const NODE_NAME_TAG = fieldTag(1, WIRE_LEN);
const NODE_INPUT_TAG = fieldTag(3, WIRE_LEN);
const FIRST_FIELD_TAG = fieldTag(1, WIRE_LEN);

/**
 * What the code that assembled a GraphDef knows of it (tf.copy walks its nodes while cutting them out), so
 * that the checks here need not scan the bytes again.
 */
export interface GraphDefFacts {
  /** Whether a node of the GraphDef reads output `index` of node `name` (-1: as a control input). */
  reads(name: string, index: number): boolean;
  /** The FunctionDef names of its library. */
  functions: readonly string[];
}

const described = new WeakMap<Uint8Array, GraphDefFacts>();

/** Records what is known of `bytes` (the very object then passed to importGraphDef) for its checks. */
export function describeGraphDef(bytes: Uint8Array, facts: GraphDefFacts): void {
  described.set(bytes, facts);
}

interface ScannedNode {
  name: string;
  start: number;
  end: number;
  inputs: string[];
}

interface Scan {
  nodes: Map<string, ScannedNode>;
  /** The FunctionDef names of the library. */
  functions: string[];
}

/** Node names and inputs, and the library's function names, read from a binary GraphDef. */
function scanGraphDef(bytes: Uint8Array, wantNodes: boolean): Scan {
  const r = wireCursor(bytes);
  const nodes = new Map<string, ScannedNode>();
  const functions: string[] = [];
  while (hasMore(r)) {
    const tag = nextTag(r);
    if (tag === GRAPH_NODE_TAG && wantNodes) {
      const n = nextMessage(r);
      const node: ScannedNode = { name: '', start: n.pos, end: n.end, inputs: [] };
      while (hasMore(n)) {
        const t = nextTag(n);
        if (t === NODE_NAME_TAG) node.name = nextString(n);
        else if (t === NODE_INPUT_TAG) node.inputs.push(nextString(n));
        else skipValue(n, t & 7);
      }
      nodes.set(node.name, node);
    } else if (tag === GRAPH_LIBRARY_TAG) {
      // FunctionDefLibrary.function (1) → FunctionDef.signature (1) → OpDef.name (1)
      const lib = nextMessage(r);
      while (hasMore(lib)) {
        const t = nextTag(lib);
        if (t === FIRST_FIELD_TAG) functions.push(functionName(nextMessage(lib)));
        else skipValue(lib, t & 7);
      }
    } else {
      skipValue(r, tag & 7);
    }
  }
  return { nodes, functions };
}

/** The name of the FunctionDef at `f` (its signature's name; '' when it has none). */
function functionName(f: WireCursor): string {
  let name = '';
  while (hasMore(f)) {
    const t = nextTag(f);
    if (t !== FIRST_FIELD_TAG) {
      skipValue(f, t & 7);
      continue;
    }
    const sig = nextMessage(f);
    while (hasMore(sig)) {
      const st = nextTag(sig);
      if (st === FIRST_FIELD_TAG) name = nextString(sig);
      else skipValue(sig, st & 7);
    }
  }
  return name;
}

/** How many outputs a NodeDef has, from its op's OpDef; undefined when the op is not a registered one. */
function numOutputs(native: Native.Graph, bytes: Uint8Array, node: ScannedNode): number | undefined {
  const def = decode<{ op: string; attr?: Record<string, DecodedMessage> }>('NodeDef', bytes.subarray(node.start, node.end));
  let opDef: DecodedMessage;
  try {
    opDef = decode('OpDef', native.opDef(def.op));
  } catch {
    return undefined; // a function of the GraphDef's library, or an unknown op TensorFlow will report
  }
  const attr = (name: string) => def.attr?.[name] ?? (opDef.attr ?? []).find((a: { name: string }) => a.name === name)?.default_value;
  let n = 0;
  for (const arg of opDef.output_arg ?? []) {
    if (arg.number_attr) n += toNumber(attr(arg.number_attr)?.i);
    else if (arg.type_list_attr) n += attr(arg.type_list_attr)?.list?.type?.length ?? 0;
    else n += 1;
  }
  return n;
}

/**
 * `keys`: [name, index] of each input-map key, index -1 for control ('^name') keys.
 * Throws, before anything is imported, when an input-map key names neither a node of the GraphDef nor an
 * input that one of its nodes reads (Python's "Attempted to map inputs that were not found in graph_def").
 */
export function checkInputMap(native: Native.Graph, bytes: Uint8Array, keys: Array<[string, number]>): void {
  if (keys.length === 0) return;
  const facts = described.get(bytes);
  if (facts) {
    const unread = keys
      .filter(([name, index]) => !facts.reads(name, index))
      .map(([name, index]) => (index < 0 ? `'^${name}'` : `'${name}:${index}'`));
    if (unread.length) {
      throw new InvalidArgumentError(`importGraphDef: inputMap keys that no node of the GraphDef reads: ` +
        `${unread.join(', ')}; nothing was imported`);
    }
    return;
  }
  let scan: Scan;
  try {
    scan = scanGraphDef(bytes, true);
  } catch {
    return; // malformed bytes: TensorFlow's own parse error says so
  }
  const used = new Set<string>();
  for (const node of scan.nodes.values()) {
    for (const input of node.inputs) {
      if (input.startsWith('^')) used.add(`${input.slice(1)}:-1`);
      else {
        const [op, index] = tensorNameParts(input);
        used.add(`${op}:${index}`);
      }
    }
  }
  const bad: string[] = [];
  for (const [name, index] of keys) {
    if (used.has(`${name}:${index}`)) continue;
    const label = index < 0 ? `^${name}` : `${name}:${index}`;
    const node = scan.nodes.get(name);
    if (!node) {
      bad.push(`'${label}' (the GraphDef has no node '${name}')`);
      continue;
    }
    if (index >= 0) {
      const n = numOutputs(native, bytes, node);
      if (n !== undefined && index >= n) bad.push(`'${label}' (node '${name}' has ${n} output${n === 1 ? '' : 's'})`);
    }
  }
  if (bad.length) {
    throw new InvalidArgumentError(`importGraphDef: inputMap keys not found in the GraphDef: ${bad.join(', ')}; nothing was imported`);
  }
}

/**
 * Tries the import on a scratch graph first when the GraphDef's library brings functions the destination
 * does not have, so that a failure leaves the destination's library as it was. Throws what TensorFlow
 * reports.
 */
export function trialImportIfLibrary(
  destination: Native.Graph,
  bytes: Uint8Array,
  options: Native.ImportOptions,
): void {
  let functions = described.get(bytes)?.functions;
  try {
    functions ??= scanGraphDef(bytes, false).functions;
  } catch {
    return; // malformed bytes: TensorFlow rejects them before touching the graph
  }
  if (functions.length === 0) return;
  const existing = destination.functionDefs();
  const existingNames = new Set(existing.map((f) => decode<{ signature?: { name: string } }>('FunctionDef', f).signature?.name));
  if (functions.every((f) => existingNames.has(f))) return;
  const scratch = new (tfAddon().Graph)();
  for (const f of existing) scratch.importFunctionDef(f);
  let n = 0;
  const standIn = (type: 'Placeholder' | 'NoOp', dtype?: number): Native.Operation =>
    scratch.operation(
      // No inputs, no control inputs (native/graph.h has the spec's layout).
      scratch.addOperation(
        type,
        `__tfn_trial_import_${n++}`,
        '',
        new Int32Array([0, 0, 0]),
        dtype === undefined ? undefined : [['dtype', AttrKind.type, dtype]],
      ),
    );
  const noOp = (): Native.Operation => standIn('NoOp');
  const trial: Native.ImportOptions = {
    ...options,
    inputMap: (options.inputMap ?? []).map(([name, index, op, i]) => [name, index, standIn('Placeholder', baseType(op.outputType(i))), 0]),
    remapControlDependencies: (options.remapControlDependencies ?? []).map(([name]) => [name, noOp()]),
    controlDependencies: (options.controlDependencies ?? []).map(() => noOp()),
  };
  scratch.importGraphDef(bytes, trial);
}

/** A reference type's base type (a Placeholder cannot be of a reference type). */
function baseType(dtype: number): number {
  return dtype > 100 ? dtype - 100 : dtype;
}
