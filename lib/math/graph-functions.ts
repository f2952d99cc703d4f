// SPDX-License-Identifier: Apache-2.0
// The graph-building functions of `tf` that Python takes from the default graph: scopes, variables,
// and the graph seed (tf.gradients lives in lib/gradients/api.ts). Each forwards to the Graph method of the default graph.
import type { DeviceFunction, Graph, OutputLike } from '../graph/graph';
import { getDefaultGraph } from '../graph/default-graph';
import type { Operation, Output } from '../graph/operation';
import * as init from '../variables/variable-init';
import type { Variable } from '../variables/variable';
import type { GetVariableOptions, VariableScope, VariableScopeOptions } from '../variables/variable-scope';
import { graphFor } from './common';

/** Python's `tf.compat.v1.get_variable`, in the default graph's current variable scope. */
export function getVariable(name: string, options?: GetVariableOptions): Variable {
  return getDefaultGraph().getVariable(name, options);
}

/** Python's `tf.compat.v1.variable_scope`, on the default graph. */
export function variableScope<T>(nameOrScope: string | VariableScope | null, fn: (scope: VariableScope) => T,
  options?: VariableScopeOptions): T {
  return getDefaultGraph().variableScope(nameOrScope, fn, options);
}

/** Python's `tf.name_scope`, on the default graph. */
export function nameScope<T>(name: string | null, fn: (scope: string) => T): T {
  return getDefaultGraph().nameScope(name, fn);
}

/** Python's `tf.device`, on the default graph. */
export function device<T>(spec: string | DeviceFunction | null, fn: () => T): T {
  return getDefaultGraph().device(spec, fn);
}

/** Python's `tf.control_dependencies`, on the graph of the control inputs (or the default graph). */
export function controlDependencies<T>(controlInputs: Array<Operation | OutputLike> | null, fn: () => T): T {
  return graphFor('controlDependencies', controlInputs ?? []).controlDependencies(controlInputs, fn);
}

/** Python's `tf.compat.v1.global_variables(scope?)` of the default graph. */
export function globalVariables(scope?: string): Variable[] {
  return getDefaultGraph().globalVariables(scope);
}

/** Python's `tf.compat.v1.trainable_variables(scope?)` of the default graph. */
export function trainableVariables(scope?: string): Variable[] {
  return getDefaultGraph().trainableVariables(scope);
}

/** Python's `tf.compat.v1.local_variables(scope?)` of the default graph. */
export function localVariables(scope?: string): Variable[] {
  return getDefaultGraph().localVariables(scope);
}

/** Python's `tf.compat.v1.get_collection(key, scope?)` of the default graph. */
export function getCollection<T = unknown>(key: string, scope?: string): T[] {
  return getDefaultGraph().getCollection<T>(key, scope);
}

/** Python's `tf.compat.v1.add_to_collection(key, value)` on the default graph. */
export function addToCollection(key: string, value: unknown): void {
  getDefaultGraph().addToCollection(key, value);
}

/** Python's `tf.compat.v1.set_random_seed`: the graph-level seed of the default graph. */
export function setRandomSeed(seed: number | null): void {
  if (seed !== null && !Number.isInteger(seed)) throw new TypeError(`Expected an integer seed but received ${String(seed)}`);
  getDefaultGraph().seed = seed ?? undefined;
}

/**
 * Python's `tf.compat.v1.global_variables_initializer()`: initializes GLOBAL_VARIABLES of `g` (default: the
 * default graph).
 */
export function globalVariablesInitializer(g?: Graph): Operation {
  return init.globalVariablesInitializer(g ?? getDefaultGraph());
}

/** Python's `tf.compat.v1.local_variables_initializer()` on `g` (default: the default graph). */
export function localVariablesInitializer(g?: Graph): Operation {
  return init.localVariablesInitializer(g ?? getDefaultGraph());
}

/** Python's `tf.compat.v1.report_uninitialized_variables(vars?)` on `g` (default: the default graph). */
export function reportUninitializedVariables(g?: Graph, vars?: Variable[]): Output {
  return init.reportUninitializedVariables(g ?? getDefaultGraph(), vars);
}
