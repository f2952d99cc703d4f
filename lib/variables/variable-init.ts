// SPDX-License-Identifier: Apache-2.0
// Initializing variables and finding uninitialized ones: Python's global_variables_initializer,
// local_variables_initializer, variables_initializer and report_uninitialized_variables.
import { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { Operation, Output } from '../graph/operation';
import { scopedOp } from '../graph/scoped-op';
import { Variable } from './variable';
import { invalidArgument, optionalObject, optionalString } from '../base/validate';

/**
 * One operation that runs all of `ops` (Python's `tf.group`): a NoOp with them as control inputs, or, when
 * they are on several devices, one NoOp per device under `name/` and the NoOp `name` after them.
 */
export function group(g: Graph, ops: Array<Operation | Output>, name = 'group_deps'): Operation {
  const byDevice = new Map<string, Operation[]>();
  for (const item of ops) {
    const op = item instanceof Output ? item.op : item;
    if (!(op instanceof Operation)) throw invalidArgument('Operations or Outputs', `the inputs of group '${name}'`, item);
    if (op.graph !== g) throw new Error(`group '${name}': ${op} belongs to ${op.graph}, not to ${g}`);
    const list = byDevice.get(op.device);
    if (list) list.push(op);
    else byDevice.set(op.device, [op]);
  }
  const onDevice = <T>(device: string, fn: () => T): T => (device ? g.device(device, fn) : fn());
  return scopedOp(g, name, () => {
    if (byDevice.size <= 1) return undefined;
    return [...byDevice.keys()].sort().map((device) =>
      onDevice(device, () => g.addOperation('NoOp', { controlInputs: byDevice.get(device)! })));
  }, (opName, perDevice) => {
    if (perDevice) return g.addOperation('NoOp', { name: opName, controlInputs: perDevice });
    const [device, deps] = byDevice.size ? [...byDevice.entries()][0] : ['', []];
    return onDevice(device, () => g.addOperation('NoOp', { name: opName, controlInputs: deps }));
  });
}

function requireGraph(g: unknown, what: string): Graph {
  if (!(g instanceof Graph)) throw invalidArgument('a Graph', what, g);
  return g;
}

function requireVariables(vars: unknown, what: string, graph?: Graph): Variable[] {
  if (!Array.isArray(vars)) throw invalidArgument('an array of Variables', what, vars);
  for (const [i, v] of vars.entries()) {
    if (!(v instanceof Variable)) throw invalidArgument('a Variable', `${what}[${i}]`, v);
    const g = graph ?? vars[0].graph;
    if (v.graph !== g) throw new Error(`${what}: ${v} belongs to ${v.graph}, not to ${g}`);
  }
  return vars as Variable[];
}

/**
 * An operation that runs the initializers of `vars` (Python's `variables_initializer`); a NoOp when the
 * list is empty (then `options.graph` says which graph).
 * @throws TypeError for something that is not a Variable; Error for variables of several graphs.
 * @example await sess.run(tf.variablesInitializer([w, b]));
 */
export function variablesInitializer(vars: Variable[], options: { name?: string; graph?: Graph } = {}): Operation {
  optionalObject(options, 'the options of variablesInitializer');
  const name = optionalString(options.name, 'the name of variablesInitializer') ?? 'init';
  const graph = options.graph === undefined ? undefined : requireGraph(options.graph, 'the graph of variablesInitializer');
  const list = requireVariables(vars, 'the variables of variablesInitializer', graph);
  const g = graph ?? list[0]?.graph;
  if (!g) throw new TypeError('variablesInitializer([]) needs options.graph to know where to put its NoOp');
  if (list.length === 0) return g.addOperation('NoOp', { name });
  return group(g, list.map((v) => v.initializer), name);
}

/**
 * An operation that initializes every variable in GLOBAL_VARIABLES (Python's
 * `global_variables_initializer`).
 * @example await sess.run(tf.globalVariablesInitializer(g));
 */
export function globalVariablesInitializer(g: Graph): Operation {
  requireGraph(g, 'the graph of globalVariablesInitializer');
  return variablesInitializer(g.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES), { graph: g });
}

/** An operation that initializes every variable in LOCAL_VARIABLES (Python's `local_variables_initializer`). */
export function localVariablesInitializer(g: Graph): Operation {
  requireGraph(g, 'the graph of localVariablesInitializer');
  return variablesInitializer(g.getCollection<Variable>(GraphKeys.LOCAL_VARIABLES), { graph: g });
}

/**
 * A string vector of the names of the uninitialized variables among `vars` (default: the global and local
 * variables), as Python's `report_uninitialized_variables`. Its checks run on the CPU.
 * @example (await sess.run(tf.reportUninitializedVariables(g))).data() // ['w', 'b']
 */
export function reportUninitializedVariables(g: Graph, vars?: Variable[]): Output {
  requireGraph(g, 'the graph of reportUninitializedVariables');
  const list = vars === undefined
    ? [...g.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES), ...g.getCollection<Variable>(GraphKeys.LOCAL_VARIABLES)]
    : requireVariables(vars, 'the variables of reportUninitializedVariables', g);
  return g.nameScope('report_uninitialized_variables', () => {
    const inits = list.map((v) => g.addOperation('VarIsInitializedOp', { inputs: [v.handle] }).output(0));
    return g.device('/cpu:0', () => {
      if (list.length === 0) return g.constant([] as string[], { dtype: 'string', shape: [0] });
      const stacked = g.addOperation('Pack', { inputs: [inits], attrs: { T: 'bool', N: inits.length, axis: 0 }, name: 'stack' }).output(0);
      const mask = g.addOperation('LogicalNot', { inputs: [stacked] }).output(0);
      const names = g.constant(list.map((v) => v.name), { dtype: 'string' });
      return g.nameScope('boolean_mask', () => {
        const where = g.addOperation('Where', { inputs: [mask], attrs: { T: 'bool' } }).output(0);
        const indices = g.addOperation('Squeeze', { inputs: [where], attrs: { T: 'int64', squeeze_dims: [1] } }).output(0);
        const axis = g.constant(0, { dtype: 'int32', name: 'GatherV2/axis' });
        const attrs = { Tparams: 'string', Tindices: 'int64', Taxis: 'int32' };
        return g.addOperation('GatherV2', { inputs: [names, indices, axis], attrs }).output(0);
      });
    });
  });
}
