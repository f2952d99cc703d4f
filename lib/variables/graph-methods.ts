// SPDX-License-Identifier: Apache-2.0
// The variable methods of Graph, attached here: variables sit above the graph layer, which must not import
// them (docs/ARCHITECTURE.md, "Methods attached from above").
import { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { InitialValue, Variable, VariableOptions, createVariable } from './variable';
import { GetVariableOptions, VariableScope, VariableScopeOptions, getVariable, variableScope } from './variable-scope';

declare module '../graph/graph' {
  interface Graph {
    /**
     * A new resource variable holding `initialValue` (Python's `tf.compat.v1.Variable`), named under the
     * current name scope and added to GLOBAL_VARIABLES (and TRAINABLE_VARIABLES unless `trainable: false`).
     * @throws TypeError/Error on a bad initial value, dtype, shape or name; the graph is then unchanged.
     * @example const step = g.variable(0, { name: 'step', dtype: 'int64', trainable: false });
     */
    variable(initialValue: InitialValue, options?: VariableOptions): Variable;
    /**
     * The variable `name` of the current variable scope, created unless the scope reuses variables (Python's
     * `tf.compat.v1.get_variable`).
     * @throws Error (as Python's ValueError) when it exists and the scope does not reuse, when it is missing
     *   and the scope reuses, or when shape or dtype differ from the existing variable's.
     * @example const w = g.getVariable('weights', { shape: [5, 5, 32, 32], initializer: tf.initializers.randomNormal() });
     */
    getVariable(name: string, options?: GetVariableOptions): Variable;
    /**
     * Runs `fn(scope)` in a variable scope (Python's `tf.compat.v1.variable_scope`); returns fn's result.
     * @example g.variableScope('conv1', () => g.getVariable('weights', { shape: [3, 3] })); // 'conv1/weights'
     */
    variableScope<T>(nameOrScope: string | VariableScope | null, fn: (scope: VariableScope) => T, options?: VariableScopeOptions): T;
    /** The variables of GLOBAL_VARIABLES (whose names start with `scope`, when given). */
    globalVariables(scope?: string): Variable[];
    /** The variables of TRAINABLE_VARIABLES (whose names start with `scope`, when given). */
    trainableVariables(scope?: string): Variable[];
    /** The variables of LOCAL_VARIABLES (whose names start with `scope`, when given). */
    localVariables(scope?: string): Variable[];
  }
}

Graph.prototype.variable = function variable(this: Graph, initialValue, options) {
  return createVariable(this, initialValue, options);
};
Graph.prototype.getVariable = function getVariableMethod(this: Graph, name, options) {
  return getVariable(this, name, options);
};
Graph.prototype.variableScope = function variableScopeMethod<T>(this: Graph, nameOrScope: string | VariableScope | null,
  fn: (scope: VariableScope) => T, options?: VariableScopeOptions): T {
  return variableScope(this, nameOrScope, fn, options);
};
Graph.prototype.globalVariables = function globalVariables(this: Graph, scope) {
  return this.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES, scope);
};
Graph.prototype.trainableVariables = function trainableVariables(this: Graph, scope) {
  return this.getCollection<Variable>(GraphKeys.TRAINABLE_VARIABLES, scope);
};
Graph.prototype.localVariables = function localVariables(this: Graph, scope) {
  return this.getCollection<Variable>(GraphKeys.LOCAL_VARIABLES, scope);
};
