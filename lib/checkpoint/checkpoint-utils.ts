// SPDX-License-Identifier: Apache-2.0
// Python's tf.train checkpoint_utils: loadCheckpoint, listVariables, loadVariable, initFromCheckpoint. Each
// takes a checkpoint prefix or a directory holding a state file.
import * as fs from 'fs';
import { InvalidArgumentError, NotFoundError } from '../binding/errors';
import { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { Tensor } from '../tensor/tensor';
import { shapeToString, shapesCompatible } from '../base/shape';
import { invalidArgument, optionalObject, requireString } from '../base/validate';
import { Variable } from '../variables/variable';
import { CheckpointReader } from './checkpoint-reader';
import { latestCheckpoint } from './checkpoint-state';

/**
 * The checkpoint prefix for a prefix or a directory (its latest checkpoint).
 * @throws NotFoundError for a directory without a state file or whose state names no existing checkpoint.
 */
function checkpointPrefix(ckptDirOrPrefix: string, what = 'the checkpoint'): string {
  requireString(ckptDirOrPrefix, what);
  let isDir = false;
  try {
    isDir = fs.statSync(ckptDirOrPrefix).isDirectory();
  } catch {
    // not a directory: a prefix, checked when its index is read
  }
  if (!isDir) return ckptDirOrPrefix;
  const latest = latestCheckpoint(ckptDirOrPrefix);
  if (latest === null) {
    throw new NotFoundError(`Couldn't find a 'checkpoint' state file or checkpoints in the directory ${ckptDirOrPrefix}`);
  }
  return latest;
}

/**
 * Opens a checkpoint given by prefix or directory (Python's `tf.train.load_checkpoint`).
 * @throws NotFoundError / DataLossError as CheckpointReader.
 */
export function loadCheckpoint(ckptDirOrPrefix: string): CheckpointReader {
  return new CheckpointReader(checkpointPrefix(ckptDirOrPrefix));
}

/**
 * The tensors a checkpoint holds, as `[name, shape]` pairs sorted by name.
 * @example tf.train.listVariables('/tmp/train') // [['global_step', []], ['w', [784, 10]]]
 */
export function listVariables(ckptDirOrPrefix: string): Array<[string, number[]]> {
  const reader = loadCheckpoint(ckptDirOrPrefix);
  const shapes = reader.variableToShapeMap();
  return Object.keys(shapes)
    .sort()
    .map((name) => [name, shapes[name]]);
}

/**
 * The value of one tensor of a checkpoint. A trailing ':0' is ignored, as in Python.
 * @throws NotFoundError when the checkpoint does not hold `name`; DataLossError for corrupt data.
 */
export function loadVariable(ckptDirOrPrefix: string, name: string): Tensor {
  requireString(name, 'the variable name of loadVariable');
  const reader = loadCheckpoint(ckptDirOrPrefix);
  try {
    return reader.getTensor(name.endsWith(':0') ? name.slice(0, -2) : name);
  } finally {
    void reader.close();
  }
}

/** What `initFromCheckpoint` maps a checkpoint name or scope to: a variable, its name, or a scope name. */
export type AssignmentTarget = string | Variable;

export interface InitFromCheckpointOptions {
  /** The graph whose variables string targets name (inferred when the map holds a Variable). */
  graph?: Graph;
}

/**
 * Makes variables initialize from a checkpoint (Python's `tf.compat.v1.train.init_from_checkpoint`): their
 * initializers are replaced by a RestoreV2 of the checkpoint tensor, so running them (e.g.
 * `tf.globalVariablesInitializer(g)`, built afterwards) loads the values. The assignment map takes Python's
 * forms:
 * - `'ckpt_scope/': 'scope/'`: every variable under `scope/` from the tensor of the same name under `ckpt_scope/`;
 * - `'/': 'scope/'`: every variable under `scope/` from the checkpoint's root;
 * - `'ckpt_scope/name': 'scope/var'`: one variable, by its name;
 * - `'ckpt_name': variable`: one Variable object.
 * String targets are looked up among the graph's global and local variables.
 * @throws NotFoundError when a checkpoint tensor is missing; InvalidArgumentError for a shape or dtype
 *   mismatch (naming the variable and both shapes or dtypes); Error for a scope mapped to a single name;
 *   TypeError for malformed arguments. Nothing is changed when it throws.
 * @example tf.train.initFromCheckpoint('/tmp/pretrained', { 'encoder/': 'model/encoder/' }, { graph: g });
 */
export function initFromCheckpoint(
  ckptDirOrPrefix: string,
  assignmentMap: Record<string, AssignmentTarget> | Array<[string, AssignmentTarget]>,
  options: InitFromCheckpointOptions = {},
): void {
  const prefix = checkpointPrefix(ckptDirOrPrefix, 'the checkpoint of initFromCheckpoint');
  optionalObject(options, 'the options of initFromCheckpoint');
  let pairs: Array<[string, AssignmentTarget]>;
  if (Array.isArray(assignmentMap)) pairs = assignmentMap.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2) throw invalidArgument('a [checkpointName, target] pair', `assignmentMap[${i}]`, p);
    return p;
  });
  else if (assignmentMap !== null && typeof assignmentMap === 'object') pairs = Object.entries(assignmentMap);
  else {
    const expected = 'a record or an array of [checkpointName, target] pairs';
    throw invalidArgument(expected, 'the assignment map of initFromCheckpoint', assignmentMap);
  }
  let graph = options.graph;
  if (graph !== undefined && !(graph instanceof Graph)) throw invalidArgument('a Graph', 'the graph of initFromCheckpoint', graph);
  for (const [key, target] of pairs) {
    requireString(key, 'a checkpoint name of the assignment map');
    if (target instanceof Variable) {
      graph ??= target.graph;
      if (target.graph !== graph) throw new Error(`initFromCheckpoint: ${target} belongs to ${target.graph}, not to ${graph}`);
    } else if (typeof target !== 'string') {
      throw invalidArgument('a Variable or a variable or scope name', `assignmentMap['${key}']`, target);
    }
  }
  if (!graph && pairs.length > 0) {
    throw new TypeError('initFromCheckpoint needs options.graph when its assignment map names variables only by string');
  }

  const reader = new CheckpointReader(prefix);
  const shapes = reader.variableToShapeMap();
  const dtypes = reader.variableToDtypeMap();
  void reader.close();
  const store = new Map<string, Variable>();
  if (graph) {
    for (const key of [GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES]) {
      for (const v of graph.getCollection(key)) if (v instanceof Variable && !store.has(v.name)) store.set(v.name, v);
    }
  }
  const check = (v: Variable, tensorName: string, mappedFrom: string) => {
    if (!(tensorName in shapes)) {
      throw new NotFoundError(`Tensor ${tensorName}${mappedFrom} is not found in checkpoint ${prefix} (initializing variable '${v.name}')`);
    }
    if (dtypes[tensorName] !== v.dtype) {
      throw new InvalidArgumentError(
        `Dtype of variable ${v.name} (${v.dtype}) doesn't match with dtype of tensor ${tensorName} (${dtypes[tensorName]}) ` +
          `from checkpoint ${prefix}`,
      );
    }
    if (!shapesCompatible(v.shape, shapes[tensorName])) {
      throw new InvalidArgumentError(
        `Shape of variable ${v.name} (${shapeToString(v.shape)}) doesn't match with shape of tensor ${tensorName} ` +
          `(${shapeToString(shapes[tensorName])}) from checkpoint ${prefix}`,
      );
    }
  };

  // Everything is resolved and checked before any initializer is replaced.
  const plan: Array<[Variable, string]> = [];
  for (const [tensorName, target] of [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const variable = target instanceof Variable ? target : store.get(target);
    if (variable) {
      check(variable, tensorName, '');
      plan.push([variable, tensorName]);
      continue;
    }
    const current = target as string;
    const scopes = current.includes('/') ? current.slice(0, current.lastIndexOf('/')) : '';
    if (!tensorName.endsWith('/')) {
      throw new Error(
        `Assignment map with scope only name ${scopes} should map to scope only ${tensorName}. Should be 'scope/': 'other_scope/'.`,
      );
    }
    const names = [...store.keys()].filter((n) => !scopes || n.startsWith(`${scopes}/`)).sort();
    for (const varName of names) {
      let full = varName.slice(scopes.length);
      if (current !== '/') full = full.slice(1);
      if (tensorName !== '/') full = tensorName + full;
      if (full.endsWith('/')) full = full.slice(0, -1);
      check(store.get(varName)!, full, ` (${varName.slice(scopes.length + 1)} in ${tensorName})`);
      plan.push([store.get(varName)!, full]);
    }
  }
  for (const [variable, tensorName] of plan) setCheckpointInitializer(variable, prefix, tensorName);
}

/**
 * Replaces a variable's initializer by an assignment of the checkpoint tensor, as Python's
 * `_set_checkpoint_initializer` does (it sets the variable's private `_initializer_op` and `_initial_value`).
 */
function setCheckpointInitializer(v: Variable, prefix: string, tensorName: string): void {
  const g = v.graph;
  const restored = g.controlDependencies(null, () =>
    g.device(v.device || null, () =>
      g.device('/cpu:0', () =>
        g.nameScope('checkpoint_initializer', (scope) => {
          const inputs = [
            g.constant(prefix, { dtype: 'string', name: 'prefix' }),
            g.constant([tensorName], { dtype: 'string', name: 'tensor_names' }),
            g.constant([''], { dtype: 'string', name: 'shape_and_slices' }),
          ];
          return g.addOperation('RestoreV2', { inputs, attrs: { dtypes: [v.dtype] }, name: scope }).output(0);
        }),
      ),
    ),
  );
  if (v.shape !== null) g._native.setTensorShape(restored.op._native, 0, v.shape);
  const { initializer, value } = g.controlDependencies(null, () =>
    g.device(v.device || null, () => {
      const value = g.addOperation('Identity', { inputs: [restored], attrs: { T: v.dtype } }).output(0);
      const initializer = g.addOperation('AssignVariableOp', { inputs: [v.handle, value], attrs: { dtype: v.dtype } });
      return { initializer, value };
    }),
  );
  v._setInitializer(initializer, value);
}
