// SPDX-License-Identifier: Apache-2.0
// Python's idiom `with name_scope(name) as scope: …; return op(…, name=scope)`: helper ops go under
// `name/`, and the result is the operation named `name` itself (`w/Initializer/random_uniform` is the
// AddV2 whose inputs are `w/Initializer/random_uniform/mul`, …). Graph names are made unique on use, so
// the name is chosen first, the inner ops are built under it, and the named operation comes last.
import type { Graph } from './graph';
import type { Operation } from './operation';

/**
 * Builds `inner` under the scope `name/` (made unique in the current name scope, as Python's name scopes
 * are) and then `last`, which must create one operation named by the `opName` it receives.
 */
export function scopedOp<T>(g: Graph, name: string, inner: () => T, last: (opName: string, innerResult: T) => Operation): Operation {
  const full = g.uniqueName(name, false);
  const result = g.nameScope(`${full}/`, inner);
  return g.nameScope('', () => last(full, result));
}
