// SPDX-License-Identifier: Apache-2.0
// tf.train.replicaDeviceSetter: Python's replica_device_setter, the device function of between-graph
// replication that puts variables on the parameter-server tasks (round-robin) and everything else on the
// worker.
import { DeviceSpec, deviceToString, parseDevice } from '../base/device';
import type { DeviceFunction, OpSpec } from '../graph/graph';
import { invalidArgument, optionalObject, requireInteger, requireString } from '../base/validate';

/** The op types Python places on parameter servers (STANDARD_PS_OPS). */
export const STANDARD_PS_OPS: readonly string[] = Object.freeze([
  'Variable', 'VariableV2', 'AutoReloadVariable', 'MutableHashTable', 'MutableHashTableV2',
  'MutableHashTableOfTensors', 'MutableHashTableOfTensorsV2', 'MutableDenseHashTable', 'MutableDenseHashTableV2',
  'VarHandleOp', 'BoostedTreesEnsembleResourceHandleOp', 'BoostedTreesQuantileStreamResourceHandleOp',
  'ResourceConditionalAccumulator', 'DecisionTreeResource',
]);

export interface ReplicaDeviceSetterOptions {
  /** The cluster (job → task addresses); when given, the number of ps tasks is the size of the ps job. */
  cluster?: Record<string, string[] | Record<number, string>>;
  /** The number of ps tasks, when no cluster is given. */
  psTasks?: number;
  /** The ps device (default '/job:ps'); '' puts nothing on ps tasks. */
  psDevice?: string;
  /** The worker device (default '/job:worker'). */
  workerDevice?: string;
  /** Merge into the devices set by enclosing scopes instead of keeping them (default true). */
  mergeDevices?: boolean;
  /** The op types to put on ps tasks (default STANDARD_PS_OPS). */
  psOps?: string[];
  /** Picks the ps task of an op (default: round-robin over the ps tasks). */
  psStrategy?: (op: OpSpec) => number;
}

/** Python's DeviceSpec.make_merged_spec: fields set in `inner` win, nothing else changes. */
function merged(outer: DeviceSpec, inner: DeviceSpec): DeviceSpec {
  return {
    job: inner.job ?? outer.job,
    replica: inner.replica ?? outer.replica,
    task: inner.task ?? outer.task,
    deviceType: inner.deviceType ?? outer.deviceType,
    deviceIndex: inner.deviceIndex ?? outer.deviceIndex,
  };
}

function countTasks(tasks: unknown, job: string): number {
  if (Array.isArray(tasks)) return tasks.length;
  if (tasks && typeof tasks === 'object') return Object.keys(tasks).length;
  throw invalidArgument('an array or an object of task addresses', `the tasks of job '${job}' in the cluster`, tasks);
}

/**
 * A device function for `g.device` (Python's `tf.compat.v1.train.replica_device_setter`): variables (the
 * op types in `psOps`) go to the ps tasks round-robin, other operations to the worker device, merged with
 * the devices already chosen. Returns null (no placement) when there are no ps tasks.
 * @example
 * g.device(tf.train.replicaDeviceSetter({ cluster: { ps: ['ps0:2222', 'ps1:2222'], worker: ['w0:2222'] } }), () => {
 *   const w = g.getVariable('w', { shape: [10] }); // /job:ps/task:0
 *   const b = g.getVariable('b', { shape: [10] }); // /job:ps/task:1
 * });
 */
export function replicaDeviceSetter(options: ReplicaDeviceSetterOptions = {}): DeviceFunction | null {
  const o = optionalObject(options, 'the options of replicaDeviceSetter');
  const psDevice = o.psDevice === undefined ? '/job:ps' : requireString(o.psDevice, 'psDevice');
  const workerDevice = o.workerDevice === undefined ? '/job:worker' : requireString(o.workerDevice, 'workerDevice');
  const psSpec = parseDevice(psDevice);
  const workerSpec = parseDevice(workerDevice);
  const mergeDevices = o.mergeDevices === undefined ? true : o.mergeDevices;
  if (typeof mergeDevices !== 'boolean') throw invalidArgument('a boolean', 'mergeDevices', mergeDevices);
  let psTasks = o.psTasks === undefined ? 0 : requireInteger(o.psTasks, 'psTasks', 0);
  if (o.cluster !== undefined) {
    const cluster = optionalObject(o.cluster, 'the cluster of replicaDeviceSetter');
    const psJob = psSpec.job;
    if (psJob === undefined || cluster[psJob] === undefined || cluster[psJob] === null) return null;
    psTasks = countTasks(cluster[psJob], psJob);
  }
  if (psTasks === 0) return null;
  let psOps: readonly string[] = STANDARD_PS_OPS;
  if (o.psOps !== undefined) {
    if (!Array.isArray(o.psOps)) throw invalidArgument('an array of op types', 'psOps', o.psOps);
    psOps = o.psOps.map((t, i) => requireString(t, `psOps[${i}]`));
  }
  let strategy: (op: OpSpec) => number;
  if (o.psStrategy !== undefined) {
    if (typeof o.psStrategy !== 'function') throw new TypeError('psStrategy must be callable');
    strategy = o.psStrategy as (op: OpSpec) => number;
  } else {
    let next = 0;
    strategy = () => {
      const task = next;
      next = (next + 1) % psTasks;
      return task;
    };
  }

  return (op: OpSpec): string => {
    if (!mergeDevices && op.device) return op.device;
    const current = parseDevice(op.device || '');
    if (psDevice && psOps.includes(op.type)) {
      let ps = psSpec;
      if (ps.job && (!current.job || current.job === ps.job)) {
        const task = strategy(op);
        if (!Number.isInteger(task) || task < 0) {
          throw new RangeError(`psStrategy returned ${String(task)} for '${op.name}'; expected a task index`);
        }
        ps = { ...ps, task };
      }
      return deviceToString(merged(ps, current));
    }
    return deviceToString(merged(workerSpec, current));
  };
}
