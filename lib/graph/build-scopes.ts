// SPDX-License-Identifier: Apache-2.0
// What the scopes open around a build decide for each new operation: its device (g.device) and its control
// inputs (g.controlDependencies), as Python's Graph does.
import { canonicalDevice } from '../base/device';
import { invalidArgument } from '../base/validate';
import type { Operation } from './operation';

/** The operation a device function sees before the operation exists. */
export interface OpSpec {
  name: string;
  type: string;
  /**
   * The device chosen so far: the op's own `device` option merged with the `g.device` scopes nested inside
   * the function's own scope (as in Python, the innermost scope decides first).
   */
  device: string;
  attrs: Record<string, unknown>;
}
export type DeviceFunction = (op: OpSpec) => string | undefined | null;

/** One `g.device` scope: a spec, a function, or null (ignore the enclosing scopes). */
export type DeviceScope = string | DeviceFunction | null;

/** @internal The device of `op` (whose own device is `own`) under the device scopes `stack`, outermost first. */
export function deviceUnderScopes(stack: readonly DeviceScope[], op: Omit<OpSpec, 'device'>, own: string): string {
  // Python's _apply_device_functions: innermost scope first; a string scope fills in only the fields the
  // device chosen so far leaves open; a function's answer replaces it; a null scope stops the walk.
  let device = own;
  for (let i = stack.length - 1; i >= 0; i--) {
    const entry = stack[i];
    if (entry === null) break;
    if (typeof entry === 'string') {
      if (entry !== '') device = canonicalDevice(device, entry);
    } else {
      const chosen = entry({ ...op, device });
      if (chosen !== undefined && chosen !== null) {
        if (typeof chosen !== 'string') throw invalidArgument('a device string', 'the result of a device function', chosen);
        device = chosen === '' ? '' : canonicalDevice(chosen);
      }
    }
  }
  return device;
}

/** One `g.controlDependencies` block. */
export interface ControlFrame {
  ops: Operation[] | null; // null clears the enclosing frames
  /** The operations built inside the block. */
  seen: Set<Operation>;
}

/** @internal The control inputs that the blocks `frames` (outermost first) give an op consuming `inputOps`. */
export function controlInputsUnder(frames: readonly ControlFrame[], inputOps: Operation[]): Operation[] {
  const controls: Operation[] = [];
  let start = 0;
  for (let i = frames.length - 1; i >= 0; i--) {
    if (frames[i].ops === null) {
      start = i + 1;
      break;
    }
  }
  for (let i = start; i < frames.length; i++) {
    const frame = frames[i];
    // As Python: an op that consumes something built inside the same block already runs after it.
    if (inputOps.some((op) => frame.seen.has(op))) continue;
    // Nor does one that already consumes the control input's data.
    for (const op of frame.ops!) if (!controls.includes(op) && !inputOps.includes(op)) controls.push(op);
  }
  return controls;
}
