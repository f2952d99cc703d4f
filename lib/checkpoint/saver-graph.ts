// SPDX-License-Identifier: Apache-2.0
// The save and restore subgraph of a tf.train.Saver, under the names Python's tf.compat.v1.train.Saver gives
// it: SaveV2 (per device and MergeV2Checkpoints when sharded), RestoreV2 + assignments, and the lookup of an
// existing subgraph that a SaverDef names.
import { canonicalDevice, deviceToString, parseDevice } from '../base/device';
import { isFullyDefined } from '../base/shape';
import { invalidArgument } from '../base/validate';
import { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { Operation, Output } from '../graph/operation';
import { Variable } from '../variables/variable';
import { RestoreSpec, restoreSpecsFromGraph } from './restore-specs';
import { getDefaultGraph } from '../graph/default-graph';

/** One variable to save, under its checkpoint key. */
export interface Saveable {
  key: string;
  variable: Variable;
}

/** The tensors and operations a Saver runs. */
export interface SaverOps {
  /** Fed with the checkpoint prefix. */
  filename: Output;
  /** Evaluates to the prefix written, once the checkpoint is complete. */
  saveTensor: Output;
  restoreOp: Operation;
  /** What the restore reads, checked against the checkpoint before it runs (best effort for a SaverDef). */
  specs: RestoreSpec[];
}

function setCpu0(device: string): string {
  const spec = parseDevice(device);
  spec.deviceType = 'CPU';
  spec.deviceIndex = 0;
  return deviceToString(spec);
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The variables a Saver saves, in key order (the order of the data file, as Python), and their graph.
 * @throws TypeError/Error for a malformed varList, duplicate keys or variables of several graphs.
 */
export function collectSaveables(varList: unknown, graph: Graph | undefined, allowEmpty: boolean): { graph: Graph; saveables: Saveable[] } {
  let entries: Array<[string, unknown]>;
  if (varList === undefined) {
    // Python's Saver() saves the default graph's global variables.
    graph ??= getDefaultGraph();
    entries = graph.getCollection(GraphKeys.GLOBAL_VARIABLES).filter((v): v is Variable => v instanceof Variable).map((v) => [v.name, v]);
  } else if (Array.isArray(varList)) {
    entries = varList.map((v, i) => {
      if (!(v instanceof Variable)) throw invalidArgument('a Variable', `varList[${i}] of tf.train.Saver`, v);
      return [v.name, v];
    });
  } else if (varList !== null && typeof varList === 'object') {
    entries = Object.entries(varList).map(([key, v]) => {
      if (!(v instanceof Variable)) throw invalidArgument('a Variable', `varList['${key}'] of tf.train.Saver`, v);
      if (key === '') throw new TypeError('A checkpoint name in the varList of tf.train.Saver is empty');
      return [key, v];
    });
  } else {
    throw invalidArgument('an array of Variables or a record of Variables', 'the varList of tf.train.Saver', varList);
  }
  if (entries.length === 0 && !allowEmpty) throw new Error('No variables to save');
  const seen = new Map<string, Variable>();
  const saveables: Saveable[] = [];
  for (const [key, v] of entries as Array<[string, Variable]>) {
    graph ??= v.graph;
    if (v.graph !== graph) throw new Error(`tf.train.Saver: ${v} belongs to ${v.graph}, not to ${graph}`);
    const previous = seen.get(key);
    if (previous) {
      if (previous === v) continue;
      throw new Error(`At least two variables have the same name: ${key}`);
    }
    seen.set(key, v);
    saveables.push({ key, variable: v });
  }
  graph ??= getDefaultGraph();
  saveables.sort((a, b) => byName(a.key, b.key));
  return { graph, saveables };
}

/** Builds the save and restore operations of `saveables` under name scope `scopeName`. */
export function buildSaverOps(g: Graph, saveables: Saveable[], scopeName: string, defaultFilename: string, sharded: boolean): SaverOps {
  const ops = g.controlDependencies(null, () =>
    g.nameScope(scopeName, () => {
      const input = g.constant(defaultFilename, { name: 'filename/input', dtype: 'string' });
      const withDefault = (value: Output, name: string) =>
        g.addOperation('PlaceholderWithDefault', { inputs: [value], attrs: { dtype: 'string', shape: [] }, name }).output(0);
      // Python keeps the name "Const" for the fed filename, for backwards compatibility.
      const filename = withDefault(withDefault(input, 'filename'), 'Const');
      if (sharded) return { filename, ...buildSharded(g, filename, saveables) };
      const saveTensor = addSave(g, filename, saveables);
      const { assigns } = addRestores(g, [[filename, saveables, '']]);
      return { filename, saveTensor, restoreOp: g.addOperation('NoOp', { name: 'restore_all', controlInputs: assigns }) };
    }),
  );
  const specs = saveables.map(({ key, variable }) => ({ key, variable: variable.name, dtype: variable.dtype, shape: variable.shape }));
  return { ...ops, specs };
}

/** SaveV2 of the saveables to `prefix`; returns `prefix` once they are written (Python's _AddSaveOps). */
function addSave(g: Graph, prefix: Output, saveables: Saveable[]): Output {
  const tensors = saveables.map(({ variable: v }) => {
    const device = v.device || undefined;
    const attrs = { dtype: v.dtype };
    const read = g.addOperation('ReadVariableOp', { inputs: [v.handle], attrs, name: 'Read/ReadVariableOp', device }).output(0);
    // Variables on other devices are copied to the CPU of their machine before SaveV2 (CPU only) writes.
    const cpu = canonicalDevice('/device:CPU:0', v.device);
    return g.addOperation('Identity', { inputs: [read], attrs: { T: v.dtype }, device: cpu }).output(0);
  });
  const op = g.nameScope('SaveV2', (scope) => {
    const names = g.constant(saveables.map((s) => s.key), { dtype: 'string', name: 'tensor_names' });
    const slices = g.constant(saveables.map(() => ''), { dtype: 'string', name: 'shape_and_slices' });
    return g.addOperation('SaveV2', { inputs: [prefix, names, slices, tensors], name: scope });
  });
  const attrs = { T: 'string' };
  return g.addOperation('Identity', { inputs: [prefix], attrs, controlInputs: [op], name: 'control_dependency' }).output(0);
}

/**
 * RestoreV2 + assignments for each shard. Every assignment waits for every RestoreV2, so a read that fails
 * (a missing key, a corrupt file) fails before any variable changes.
 */
function addRestores(g: Graph, shards: Array<[Output, Saveable[], string]>): { assigns: Operation[]; perShard: Operation[][] } {
  const restores = shards.map(([prefix, saveables, device]) =>
    g.nameScope('RestoreV2', (scope) => {
      const names = g.constant(saveables.map((s) => s.key), { dtype: 'string', name: 'tensor_names' });
      const slices = g.constant(saveables.map(() => ''), { dtype: 'string', name: 'shape_and_slices' });
      return g.addOperation('RestoreV2', {
        inputs: [prefix, names, slices],
        attrs: { dtypes: saveables.map((s) => s.variable.dtype) },
        name: scope,
        device: device ? setCpu0(device) : '/device:CPU:0',
      });
    }),
  );
  const perShard = shards.map(([, saveables], shard) =>
    saveables.map(({ variable: v }, i) => {
      const device = v.device || undefined;
      const value = g.addOperation('Identity', { inputs: [restores[shard].output(i)], attrs: { T: v.dtype }, device }).output(0);
      return g.addOperation('AssignVariableOp', {
        inputs: [v.handle, value],
        attrs: { dtype: v.dtype, validate_shape: isFullyDefined(v.shape) },
        controlInputs: restores.filter((_, s) => s !== shard),
        device,
      });
    }),
  );
  return { assigns: perShard.flat(), perShard };
}

function buildSharded(g: Graph, filename: Output, saveables: Saveable[]): { saveTensor: Output; restoreOp: Operation } {
  const byDevice = new Map<string, Saveable[]>();
  for (const s of saveables) {
    const device = s.variable.device;
    if (!byDevice.has(device)) byDevice.set(device, []);
    byDevice.get(device)!.push(s);
  }
  const perDevice = [...byDevice.entries()].sort((a, b) => byName(a[0], b[0]));
  // Shards are written under '<prefix>_temp/part-…' and merged into '<prefix>' (Python's _AddShardedSaveOpsForV2).
  const tmpPrefix = g.device('/device:CPU:0', () => {
    const suffix = g.constant('_temp/part', { dtype: 'string' });
    return g.addOperation('StringJoin', { inputs: [[filename, suffix]], attrs: { N: 2 } }).output(0);
  });
  const numShards = g.constant(perDevice.length, { dtype: 'int32', name: 'num_shards' });
  const shardSaves: Output[] = [];
  const shardPrefixes: Output[] = [];
  let lastDevice = '';
  perDevice.forEach(([device, group], shard) => {
    lastDevice = device;
    g.device(setCpu0(device), () => {
      const name = g.addOperation('ShardedFilename', { inputs: [tmpPrefix, g.constant(shard, { dtype: 'int32' }), numShards] }).output(0);
      shardPrefixes.push(name);
      shardSaves.push(addSave(g, name, group));
    });
  });
  const saveTensor = g.device(setCpu0(lastDevice), () =>
    g.controlDependencies(shardSaves.map((s) => s.op), () => {
      const attrs = { N: shardPrefixes.length, T: 'string', axis: 0 };
      const prefixes = g.addOperation('Pack', { inputs: [shardPrefixes], attrs, name: 'MergeV2Checkpoints/checkpoint_prefixes' }).output(0);
      const merge = g.addOperation('MergeV2Checkpoints', { inputs: [prefixes, filename], attrs: { delete_old_dirs: true } });
      return g.controlDependencies([merge], () => g.addOperation('Identity', { inputs: [filename], attrs: { T: 'string' } }).output(0));
    }),
  );
  const { perShard } = addRestores(g, perDevice.map(([device, group]) => [filename, group, device]));
  const shardOps = perShard.map((assigns, shard) =>
    g.device(perDevice[shard][0] || null, () => g.addOperation('NoOp', { name: 'restore_shard', controlInputs: assigns })),
  );
  return { saveTensor, restoreOp: g.addOperation('NoOp', { name: 'restore_all', controlInputs: shardOps }) };
}

/**
 * The operations an existing SaverDef names (a Saver from a MetaGraphDef).
 * @throws Error naming what the graph lacks.
 */
export function findSaverOps(g: Graph, def: { filename_tensor_name: string; save_tensor_name: string; restore_op_name: string }): SaverOps {
  const find = (name: string, what: string): Output => {
    try {
      return g.tensor(name);
    } catch {
      throw new Error(`The SaverDef's ${what} '${name}' is not in ${g}`);
    }
  };
  const filename = find(def.filename_tensor_name, 'filename tensor');
  const saveTensor = find(def.save_tensor_name, 'save tensor');
  const restoreOp = g.operation(def.restore_op_name.replace(/:0$/, ''));
  if (!restoreOp) throw new Error(`The SaverDef's restore operation '${def.restore_op_name}' is not in ${g}`);
  return { filename, saveTensor, restoreOp, specs: restoreSpecsFromGraph(restoreOp) };
}
