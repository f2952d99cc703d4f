// SPDX-License-Identifier: Apache-2.0
// Tensor names ('op:index', or 'op' for output 0), parsed the way TensorFlow's importer reads a NodeDef input.

/** A parsed tensor name; `index` is null when the name has no `:index` suffix. */
export interface TensorName {
  op: string;
  index: number | null;
}

/** Splits 'op:3' into { op: 'op', index: 3 }; 'op' (or 'a:b', whose suffix is no index) has index null. */
export function parseTensorName(name: string): TensorName {
  const colon = name.lastIndexOf(':');
  if (colon > 0 && colon < name.length - 1) {
    let digits = true;
    for (let i = colon + 1; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c < 48 || c > 57) { digits = false; break; }
    }
    if (digits) return { op: name.slice(0, colon), index: Number(name.slice(colon + 1)) };
  }
  return { op: name, index: null };
}

/** `[op, index]` with a missing index read as output 0, as TensorFlow reads 'op'. */
export function tensorNameParts(name: string): [string, number] {
  const { op, index } = parseTensorName(name);
  return [op, index ?? 0];
}
