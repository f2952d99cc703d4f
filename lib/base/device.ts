// SPDX-License-Identifier: Apache-2.0
// Device specifications ("/job:ps/replica:0/task:1/device:GPU:0"), parsed and merged as TensorFlow does.

export interface DeviceSpec {
  job?: string;
  replica?: number;
  task?: number;
  deviceType?: string;
  deviceIndex?: number | '*';
}

/**
 * Parses a device string: full form, "/cpu:0" and "/gpu:1" shorthands, and partial specs.
 * @throws TypeError on a malformed spec.
 */
export function parseDevice(spec: string): DeviceSpec {
  const out: DeviceSpec = {};
  if (spec === '') return out;
  for (const part of spec.split('/')) {
    if (part === '') continue;
    const fields = part.split(':');
    const key = fields[0].toLowerCase();
    if (key === 'job' && fields.length === 2) out.job = fields[1];
    else if (key === 'replica' && fields.length === 2) out.replica = parseIndex(fields[1], spec);
    else if (key === 'task' && fields.length === 2) out.task = parseIndex(fields[1], spec);
    else if (key === 'device' && fields.length >= 2) {
      out.deviceType = fields[1].toUpperCase();
      if (fields.length > 2) out.deviceIndex = fields[2] === '*' ? '*' : parseIndex(fields[2], spec);
    } else if (fields.length <= 2 && /^[a-z_]+$/i.test(fields[0])) {
      out.deviceType = fields[0].toUpperCase();
      if (fields.length === 2) out.deviceIndex = fields[1] === '*' ? '*' : parseIndex(fields[1], spec);
    } else {
      throw new TypeError(`Malformed device specification '${spec}' (at '${part}')`);
    }
  }
  return out;
}

function parseIndex(s: string, spec: string): number {
  if (!/^\d+$/.test(s)) throw new TypeError(`Malformed device specification '${spec}': '${s}' is not an index`);
  return Number(s);
}

/** Fields set in `inner` override those of `outer`. */
export function mergeDevices(outer: DeviceSpec, inner: DeviceSpec): DeviceSpec {
  const merged: DeviceSpec = { ...outer };
  if (inner.job !== undefined) merged.job = inner.job;
  if (inner.replica !== undefined) merged.replica = inner.replica;
  if (inner.task !== undefined) merged.task = inner.task;
  if (inner.deviceType !== undefined) {
    if (merged.deviceType !== inner.deviceType) delete merged.deviceIndex;
    merged.deviceType = inner.deviceType;
  }
  if (inner.deviceIndex !== undefined) merged.deviceIndex = inner.deviceIndex;
  return merged;
}

/** The canonical string, e.g. "/job:ps/task:0/device:CPU:0". */
export function deviceToString(spec: DeviceSpec): string {
  let s = '';
  if (spec.job !== undefined) s += `/job:${spec.job}`;
  if (spec.replica !== undefined) s += `/replica:${spec.replica}`;
  if (spec.task !== undefined) s += `/task:${spec.task}`;
  if (spec.deviceType !== undefined) s += `/device:${spec.deviceType}:${spec.deviceIndex ?? '*'}`;
  return s;
}

/** Canonicalizes a device string (merging `spec` into `current` when given). */
export function canonicalDevice(spec: string, current = ''): string {
  return deviceToString(mergeDevices(parseDevice(current), parseDevice(spec)));
}
