// SPDX-License-Identifier: Apache-2.0
// The function library that goes with a copied subgraph: the functions its nodes call (While/If bodies,
// PartitionedCall, functions used as ops), the functions those call, and their gradient functions. A function
// whose name the destination graph already uses for a different definition (two models exported separately
// both have a `while_body_85`) is imported under a fresh name, and every reference to it is rewritten.
import type { Graph } from '../graph/graph';
import { functionDefName } from './node-scan';
import { decode, encode, messageType, type DecodedMessage } from '../proto';

/** The decoded FunctionDefLibrary of a source graph, with its functions by name. */
export interface SourceLibrary {
  library: DecodedMessage | null;
  functions: Map<string, DecodedMessage>;
}

export interface LibraryPlan {
  /** The FunctionDefLibrary to import, or null when no function is needed. */
  payload: Uint8Array | null;
  /** Source function name → the name it has in the destination (only the renamed ones). */
  renames: Map<string, string>;
  /** The names of the functions in `payload` (as imported, renames applied). */
  functions: string[];
}

type AttrValue = DecodedMessage;

function visitAttrFuncs(a: AttrValue | undefined, fn: (f: { name?: string; attr?: Record<string, AttrValue> }) => void): void {
  if (!a) return;
  const visitFunc = (f: { name?: string; attr?: Record<string, AttrValue> }) => {
    fn(f);
    for (const v of Object.values(f.attr ?? {})) visitAttrFuncs(v, fn);
  };
  if (a.func) visitFunc(a.func);
  for (const f of a.list?.func ?? []) visitFunc(f);
}

/** Functions reachable from `names` through function bodies and gradient functions. */
export function functionClosure(source: SourceLibrary, names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const stack = [...names];
  const gradients = new Map<string, string>();
  for (const g of source.library?.gradient ?? []) gradients.set(g.function_name, g.gradient_func);
  const push = (f: { name?: string }) => {
    if (f.name) stack.push(f.name);
  };
  while (stack.length) {
    const name = stack.pop()!;
    if (out.has(name)) continue;
    const fdef = source.functions.get(name);
    if (!fdef) continue;
    out.add(name);
    for (const n of fdef.node_def ?? []) {
      if (source.functions.has(n.op)) stack.push(n.op);
      for (const v of Object.values(n.attr ?? {})) visitAttrFuncs(v as AttrValue, push);
    }
    for (const v of Object.values(fdef.attr ?? {})) visitAttrFuncs(v as AttrValue, push);
    const grad = gradients.get(name);
    if (grad) stack.push(grad);
  }
  return out;
}

/** Renames function references (op types and func attrs) in a decoded NodeDef, in place. */
export function renameNodeFunctions(node: DecodedMessage, renames: Map<string, string>): void {
  const renamed = renames.get(node.op);
  if (renamed) node.op = renamed;
  for (const v of Object.values(node.attr ?? {})) {
    visitAttrFuncs(v as AttrValue, (f) => {
      const r = f.name && renames.get(f.name);
      if (r) f.name = r;
    });
  }
}

/** A FunctionDef with references renamed, as a fresh decoded message (the source's stays as it is). */
function rewritten(fdef: DecodedMessage, renames: Map<string, string>, rename: boolean): DecodedMessage {
  const copy = decode('FunctionDef', encode('FunctionDef', fdef));
  for (const n of copy.node_def ?? []) renameNodeFunctions(n, renames);
  for (const v of Object.values(copy.attr ?? {})) {
    visitAttrFuncs(v as AttrValue, (f) => {
      const r = f.name && renames.get(f.name);
      if (r) f.name = r;
    });
  }
  if (rename) {
    const r = renames.get(copy.signature?.name);
    if (r) copy.signature.name = r;
  }
  return copy;
}

/** A canonical string of a decoded message: map keys sorted, 64-bit integers and bytes as strings. */
function canonical(type: string, message: DecodedMessage): string {
  const plain = messageType(type).toObject(message as never, { longs: String, bytes: String, enums: Number });
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) o[k] = sort((v as Record<string, unknown>)[k]);
      return o;
    }
    return v;
  };
  return JSON.stringify(sort(plain));
}

/**
 * The library to import with a copy that uses `needed` functions, renaming those whose names `toGraph` already
 * gives to different definitions. `known` holds the renames of earlier copies from the same source (reused so
 * that a function is imported once) and is extended with the new ones.
 */
export function planLibrary(source: SourceLibrary, needed: Set<string>, toGraph: Graph, known: Map<string, string>): LibraryPlan {
  const renames = new Map<string, string>();
  if (needed.size === 0 || !source.library) return { payload: null, renames, functions: [] };
  const all = functionClosure(source, needed);
  if (all.size === 0) return { payload: null, renames, functions: [] };
  for (const f of all) {
    const r = known.get(f);
    if (r) renames.set(f, r);
  }
  const existing = new Map<string, Uint8Array>();
  for (const bytes of toGraph._native.functionDefs()) existing.set(functionDefName(bytes), bytes);
  const existingCanonical = new Map<string, string>();
  const canonicalOf = (name: string) => {
    let c = existingCanonical.get(name);
    if (c === undefined) existingCanonical.set(name, (c = canonical('FunctionDef', decode('FunctionDef', existing.get(name)!))));
    return c;
  };
  const used = new Set<string>([...existing.keys(), ...source.functions.keys(), ...renames.values()]);
  const fresh = (name: string) => {
    let k = 1;
    while (used.has(`${name}_${k}`)) k++;
    used.add(`${name}_${k}`);
    return `${name}_${k}`;
  };
  // Renaming one function changes the bodies that call it, which may then clash too: repeat until stable.
  for (let changed = true; changed; ) {
    changed = false;
    for (const f of all) {
      const target = renames.get(f) ?? f;
      if (!existing.has(target)) continue;
      const mine = rewritten(source.functions.get(f)!, renames, true);
      if (canonical('FunctionDef', mine) === canonicalOf(target)) continue;
      renames.set(f, fresh(f));
      changed = true;
    }
  }
  for (const [f, r] of renames) known.set(f, r);
  const lib = source.library;
  const payload = encode('FunctionDefLibrary', {
    function: [...all].map((f) => rewritten(source.functions.get(f)!, renames, true)),
    gradient: (lib.gradient ?? [])
      .filter((g: DecodedMessage) => all.has(g.function_name))
      .map((g: DecodedMessage) => ({
        function_name: renames.get(g.function_name) ?? g.function_name,
        gradient_func: renames.get(g.gradient_func) ?? g.gradient_func,
      })),
    registered_gradients: lib.registered_gradients ?? [],
  });
  return { payload, renames, functions: [...all].map((f) => renames.get(f) ?? f) };
}
