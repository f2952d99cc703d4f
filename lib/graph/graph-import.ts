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
import { decode, toNumber } from '../proto';
import { tensorNameParts } from '../base/tensor-name';

const LEN = 2;

/** A minimal protobuf wire reader (varints and length-delimited fields only need decoding here). */
class Wire {
  pos: number;
  constructor(readonly buf: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const b = this.buf[this.pos++];
      if (shift < 28) result |= (b & 0x7f) << shift;
      else result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new RangeError('malformed varint');
    }
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0: this.varint(); break;
      case 1: this.pos += 8; break;
      case LEN: { const n = this.varint(); this.pos += n; break; }
      case 5: this.pos += 4; break;
      default: throw new RangeError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new RangeError('truncated field');
  }

  string(): string {
    const n = this.varint();
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n).toString('utf8');
    this.pos += n;
    if (this.pos > this.end) throw new RangeError('truncated string');
    return s;
  }
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
  const r = new Wire(bytes, 0, bytes.length);
  const nodes = new Map<string, ScannedNode>();
  const functions: string[] = [];
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if ((tag & 7) !== LEN || (field !== 1 && field !== 2)) {
      r.skip(tag & 7);
      continue;
    }
    const len = r.varint();
    const start = r.pos;
    const end = start + len;
    if (end > r.end) throw new RangeError('truncated field');
    if (field === 1 && wantNodes) {
      const n = new Wire(bytes, start, end);
      const node: ScannedNode = { name: '', start, end, inputs: [] };
      while (n.pos < end) {
        const t = n.varint();
        if (t === ((1 << 3) | LEN)) node.name = n.string();
        else if (t === ((3 << 3) | LEN)) node.inputs.push(n.string());
        else n.skip(t & 7);
      }
      nodes.set(node.name, node);
    } else if (field === 2) {
      // FunctionDefLibrary.function (1) → FunctionDef.signature (1) → OpDef.name (1)
      const lib = new Wire(bytes, start, end);
      while (lib.pos < end) {
        const t = lib.varint();
        if (t !== ((1 << 3) | LEN)) {
          lib.skip(t & 7);
          continue;
        }
        const fEnd = lib.varint() + lib.pos;
        const f = new Wire(bytes, lib.pos, fEnd);
        while (f.pos < fEnd) {
          const ft = f.varint();
          if (ft !== ((1 << 3) | LEN)) {
            f.skip(ft & 7);
            continue;
          }
          const sEnd = f.varint() + f.pos;
          const s = new Wire(bytes, f.pos, sEnd);
          while (s.pos < sEnd) {
            const st = s.varint();
            if (st === ((1 << 3) | LEN)) functions.push(s.string());
            else s.skip(st & 7);
          }
          f.pos = sEnd;
        }
        lib.pos = fEnd;
      }
    }
    r.pos = end;
  }
  return { nodes, functions };
}

/** How many outputs a NodeDef has, from its op's OpDef; undefined when the op is not a registered one. */
function numOutputs(native: Native.Graph, bytes: Uint8Array, node: ScannedNode): number | undefined {
  const def = decode<{ op: string; attr?: Record<string, Record<string, any>> }>('NodeDef', bytes.subarray(node.start, node.end));
  let opDef: Record<string, any>;
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
  let functions: string[];
  try {
    functions = scanGraphDef(bytes, false).functions;
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
      scratch.addOperation(type, `__tfn_trial_import_${n++}`, '', new Int32Array([0, 0, 0]), dtype === undefined ? undefined : [['dtype', AttrKind.type, dtype]]),
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
