// SPDX-License-Identifier: Apache-2.0
// The global step (Python's tf.compat.v1.train.get_or_create_global_step): an int64 scalar variable named
// 'global_step', in the GLOBAL_STEP collection, that optimizers increment.
import type { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { zeros } from '../variables/initializers';
import { Variable } from '../variables/variable';
import { getVariable } from '../variables/variable-scope';
import { invalidArgument } from '../base/validate';
import { getDefaultGraph } from '../graph/default-graph';

function requireGraph(g: unknown, what: string): Graph {
  // Duck-typed on the one method used, so that this module needs no runtime import of graph.ts.
  if (!g || typeof (g as Graph).getCollection !== 'function' || typeof (g as Graph).uniqueName !== 'function') {
    throw invalidArgument('a Graph', what, g);
  }
  return g as Graph;
}

function assertGlobalStep(v: Variable): Variable {
  if ((v.dtype !== 'int64' && v.dtype !== 'int32') || (v.shape !== null && v.shape.length !== 0)) {
    throw new TypeError(
      `Existing "global_step" must be an integer scalar variable, but '${v.name}' is ${v.dtype} of shape ${JSON.stringify(v.shape)}`,
    );
  }
  return v;
}

/**
 * The graph's global step: the one variable in the GLOBAL_STEP collection, else the variable named
 * 'global_step', else null.
 * @throws Error when the collection holds several; TypeError when the step is not an integer scalar.
 */
export function getGlobalStep(g: Graph = getDefaultGraph()): Variable | null {
  requireGraph(g, 'the graph of getGlobalStep');
  const inCollection = g.getCollection(GraphKeys.GLOBAL_STEP);
  if (inCollection.length > 1) throw new Error(`Multiple tensors in the '${GraphKeys.GLOBAL_STEP}' collection of ${g}`);
  if (inCollection.length === 1) {
    const v = inCollection[0];
    if (!(v instanceof Variable)) {
      throw new TypeError(`The '${GraphKeys.GLOBAL_STEP}' collection of ${g} holds ${String(v)}, not a Variable`);
    }
    return assertGlobalStep(v);
  }
  const byName = g.getCollection(GraphKeys.GLOBAL_VARIABLES).find((v): v is Variable => v instanceof Variable && v.name === 'global_step');
  return byName ? assertGlobalStep(byName) : null;
}

/**
 * Creates the global step: int64, zero, not trainable, named 'global_step' at the root of the name scopes,
 * in GLOBAL_VARIABLES and GLOBAL_STEP.
 * @throws Error when the graph already has one.
 */
export function createGlobalStep(g: Graph = getDefaultGraph()): Variable {
  requireGraph(g, 'the graph of createGlobalStep');
  if (getGlobalStep(g) !== null) throw new Error('"global_step" already exists.');
  if (g.operation('global_step')) {
    throw new Error(`"global_step" already exists in ${g} as an operation that is not a global step variable`);
  }
  // Python: get_variable outside any name scope (the variable scope in force still applies).
  return g.nameScope('', () =>
    getVariable(g, GraphKeys.GLOBAL_STEP, {
      shape: [],
      dtype: 'int64',
      initializer: zeros(),
      trainable: false,
      collections: [GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP],
    }),
  );
}

/**
 * The graph's global step, created when it has none.
 * @example
 * const globalStep = tf.train.getOrCreateGlobalStep(g);
 * const step = optimizer.minimize(loss, { globalStep });
 */
export function getOrCreateGlobalStep(g: Graph = getDefaultGraph()): Variable {
  return getGlobalStep(g) ?? createGlobalStep(g);
}
