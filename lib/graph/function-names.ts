// SPDX-License-Identifier: Apache-2.0
// A call site (PartitionedCall, If, While, …) that names a function missing from the graph's library builds
// without complaint in TensorFlow and fails only when a session runs it; addOperation checks the `func` attrs
// against the library instead. Functions are never removed from a library, so a name once seen stays valid:
// the library is re-read only when a name is not yet known.
import { Native } from '../binding/native';
import type { OpSignature } from '../ops/op-def-wire';
import { decode } from '../proto';

const known = new WeakMap<Native.Graph, Set<string>>();
const funcAttrsOf = new WeakMap<OpSignature, string[]>();

function funcAttrs(info: OpSignature): string[] {
  let names = funcAttrsOf.get(info);
  if (!names) {
    names = [...info.attrTypes].filter(([, t]) => t === 'func' || t === 'list(func)').map(([n]) => n);
    funcAttrsOf.set(info, names);
  }
  return names;
}

function namesIn(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) namesIn(v, out);
  else if (value && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string') {
    out.push((value as { name: string }).name);
  }
}

/** @internal Throws a NotFound-style Error when a `func` attr of op `type` names a function not in the library. */
export function checkFunctionsDefined(
  native: Native.Graph,
  type: string,
  info: OpSignature,
  attrs: Record<string, unknown> | undefined,
): void {
  const attrNames = funcAttrs(info);
  if (!attrNames.length || !attrs) return;
  const names: string[] = [];
  for (const a of attrNames) namesIn(attrs[a], names);
  if (!names.length) return;
  let library = known.get(native);
  for (const name of names) {
    if (library?.has(name)) continue;
    library = new Set(native.functionDefs().map((f) => decode('FunctionDef', f).signature?.name as string));
    known.set(native, library);
    if (!library.has(name)) {
      throw new Error(`${type} names function '${name}', which is not in the graph's function library ` +
        `(define it first with tf.defineFunction, or import a GraphDef that holds it)`);
    }
  }
}
