// SPDX-License-Identifier: Apache-2.0
// Python's default graph: `with g.as_default():` made a stack of graphs, and a process-wide graph under it.
// Functions that take no graph argument (tf.constant, tf.placeholder, …) build into the innermost one;
// functions that do take Outputs build into their graph, which must then be the default one if one was made.
import { Graph } from './graph';
import { Operation, Output, isOutputConvertible } from './operation';
import { requireFunction } from '../base/validate';

declare module './graph' {
  interface Graph {
    /**
     * Runs `fn` with this graph as the default graph (Python's `with g.as_default():`); nests.
     * @returns fn's result.
     * @example const y = g.asDefault(() => tf.add(tf.constant(1), 2));
     */
    asDefault<T>(fn: () => T): T;
  }
}

const stack: Graph[] = [];
let globalGraph: Graph | undefined;

Graph.prototype.asDefault = function asDefault<T>(this: Graph, fn: () => T): T {
  requireFunction(fn, 'asDefault(fn)');
  stack.push(this);
  try {
    return fn();
  } finally {
    stack.pop();
  }
};

/**
 * The innermost graph made default with `g.asDefault`, else one process-wide graph (Python's
 * `tf.compat.v1.get_default_graph`).
 */
export function getDefaultGraph(): Graph {
  if (stack.length) return stack[stack.length - 1];
  return (globalGraph ??= new Graph());
}

/**
 * Replaces the process-wide default graph by a new, empty one (Python's `tf.compat.v1.reset_default_graph`).
 * @throws Error inside `g.asDefault`, as Python's AssertionError ("Do not use tf.reset_default_graph() to clear
 *   nested graphs").
 */
export function resetDefaultGraph(): void {
  if (stack.length) {
    throw new Error('resetDefaultGraph() was called inside g.asDefault(); it only replaces the process-wide default graph');
  }
  globalGraph = new Graph();
}

/** @internal Whether `inner` is `outer` or a function body graph built (at any depth) inside it. */
export function encloses(inner: Graph, outer: Graph): boolean {
  for (let g: Graph | undefined = inner; g; g = g._outerGraph) if (g === outer) return true;
  return false;
}

/**
 * @internal The graph to build ops on `g`'s objects in (a variable's reads and assignments): the default graph
 * when it is a function body inside `g` (a cond branch, a loop body), which captures what it needs, else `g`.
 */
export function buildingGraphFor(g: Graph): Graph {
  const top = stack.length ? stack[stack.length - 1] : undefined;
  return top !== undefined && top !== g && encloses(top, g) ? top : g;
}

/** Whether a graph was made default with `asDefault` (Python's "explicit" default graph). */
export function hasExplicitDefault(): boolean {
  return stack.length > 0;
}

function graphOfValue(value: unknown): { graph: Graph; what: string } | undefined {
  if (value instanceof Output) return { graph: value.graph, what: value.name };
  if (value instanceof Operation) return { graph: value.graph, what: value.name };
  if (isOutputConvertible(value)) {
    const v = value as unknown as { graph?: unknown; name?: unknown };
    if (v.graph instanceof Graph) return { graph: v.graph, what: String(v.name) };
  }
  return undefined;
}

/**
 * The graph that a function of `tf.*` builds into: the one its Output/Variable/Operation arguments (searched in
 * arrays too) belong to, else the default graph (Python's `ops._get_graph_from_inputs`).
 * @throws Error naming both graphs and their elements when the arguments come from two graphs, or from a
 *   graph other than the one made default with `asDefault`.
 */
export function graphOf(args: unknown[], fnName: string): Graph {
  let found: { graph: Graph; what: string } | undefined;
  const visit = (value: unknown, depth: number): void => {
    if (Array.isArray(value)) {
      if (depth < 4) for (const v of value) visit(v, depth + 1);
      return;
    }
    const g = graphOfValue(value);
    if (!g) return;
    if (!found) found = g;
    else if (found.graph !== g.graph) {
      // A function body captures the tensors of the graphs it is built in: the innermost graph builds.
      if (encloses(g.graph, found.graph)) found = g;
      if (encloses(found.graph, g.graph)) return;
      throw new Error(`${fnName}: '${g.what}' belongs to ${g.graph} but '${found.what}' belongs to ${found.graph}; all arguments must ` +
        `come from one graph`);
    }
  };
  for (const a of args) visit(a, 0);
  if (!found) return getDefaultGraph();
  if (stack.length && found.graph !== stack[stack.length - 1]) {
    if (encloses(stack[stack.length - 1], found.graph)) return stack[stack.length - 1];
    const def = stack[stack.length - 1];
    throw new Error(`${fnName}: '${found.what}' belongs to ${found.graph}, which is not the default graph (${def}, made default with ` +
      `asDefault)`);
  }
  return found.graph;
}
