// SPDX-License-Identifier: Apache-2.0
// Which ops of a function body have state: they make a cond an If rather than a StatelessIf, their outputs are
// what a gradient must take from the forward pass, and a gradient that recomputes a body must not run them again.
import { Graph } from '../graph/graph';
import { Operation, Output } from '../graph/operation';
import { DecodedMessage, decode } from '../proto';

/** Stateful ops a recomputed branch may run again: they read state and change nothing. */
export const REREADABLE = new Set(['ReadVariableOp', 'VarHandleOp', 'VariableShape', 'VarIsInitializedOp', 'Placeholder']);

const statefulTypes = new Map<string, boolean>();

export function isStatefulType(g: Graph, type: string): boolean {
  let s = statefulTypes.get(type);
  if (s === undefined) {
    s = decode('OpDef', g._native.opDef(type)).is_stateful === true;
    statefulTypes.set(type, s);
  }
  return s;
}

/** The functions a node or an op names in its attrs (If branches, While bodies, PartitionedCall's f, …). */
export function calledFunctions(attrs: Record<string, DecodedMessage>): string[] {
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
export function recomputable(g: Graph, type: string, called: string[], library: Map<string, DecodedMessage>, seen: Set<string>): boolean {
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

/**
 * The outputs of a body's stateful ops that call no function (variable reads, random draws, …), other than
 * resource handles: the values a gradient must take from the forward pass rather than compute again.
 */
export function statefulIntermediates(g: Graph, ops: Operation[]): Output[] {
  const out: Output[] = [];
  for (const op of ops) {
    if (op.type === 'Placeholder' || op.numOutputs === 0 || !isStatefulType(g, op.type)) continue;
    if (calledFunctions(decode('NodeDef', op.toNodeDef()).attr ?? {}).length) continue;
    for (const o of op.outputs) if (o.dtype !== 'resource' && o.dtype !== 'variant') out.push(o);
  }
  return out;
}
