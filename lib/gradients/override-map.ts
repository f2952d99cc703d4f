// SPDX-License-Identifier: Apache-2.0
// `g.gradientOverrideMap(map, fn)` (Python's Graph.gradient_override_map), attached from this layer as
// lib/gradients/graph-methods.ts attaches g.gradients. Python records the override as a `_gradient_op_type`
// attr on each op built inside; the C API cannot set attrs after an op is built, so the override is kept here,
// per graph, for the ops built inside `fn`.
import { Graph } from '../graph/graph';
import type { Operation } from '../graph/operation';
import { invalidArgument, requireFunction } from '../base/validate';

const overrides = new WeakMap<Graph, Map<string, string>>();

declare module '../graph/graph' {
  interface Graph {
    /**
     * Runs `fn`; operations of the types in `map` built inside it take their gradient from the gradient
     * registered under the mapped name (tf.registerGradient), as Python's `gradient_override_map`.
     * @example g.gradientOverrideMap({ Identity: 'ClipGrad' }, () => g.ops.identity(x))
     */
    gradientOverrideMap<T>(map: Record<string, string>, fn: () => T): T;
  }
}

Graph.prototype.gradientOverrideMap = function gradientOverrideMap<T>(this: Graph, map: Record<string, string>, fn: () => T): T {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw invalidArgument('an object mapping op types to gradient names', 'the map of gradientOverrideMap(map, fn)', map);
  }
  for (const [type, name] of Object.entries(map)) {
    if (typeof name !== 'string') throw invalidArgument('a string', `gradientOverrideMap map['${type}']`, name);
  }
  requireFunction(fn, 'gradientOverrideMap(map, fn)');
  const before = this.numOperations;
  try {
    return fn();
  } finally {
    // Operations are listed in creation order: those after `before` are the ones fn built.
    const names = this._native.operationNames();
    let table = overrides.get(this);
    for (let i = before; i < names.length; i++) {
      const op = this.operation(names[i])!;
      const name = map[op.type];
      if (name === undefined) continue;
      if (!table) overrides.set(this, (table = new Map()));
      // An inner gradientOverrideMap has already decided for its ops, as Python's innermost map does.
      if (!table.has(op.name)) table.set(op.name, name);
    }
  }
};

/** The gradient name an override gives `op`, or undefined. */
export function gradientOverrideFor(op: Operation): string | undefined {
  return overrides.get(op.graph)?.get(op.name);
}

/** Whether any override was recorded in `g` (the C++ fast path then looks op by op). */
export function hasOverrides(g: Graph): boolean {
  return (overrides.get(g)?.size ?? 0) > 0;
}
