// SPDX-License-Identifier: Apache-2.0
// The input spec of the native addOperation (layout in native/graph.h): [output-count slot, number of input
// args, for each arg -1 and one (operation id, output index) pair or a count and that many pairs, number of
// control inputs, their operation ids]. Ids and indices travel in one Int32Array instead of JS objects.
import { invalidArgument } from '../base/validate';
import type { OpSignature } from '../ops/op-def-wire';
import type { Graph } from './graph';
import { Operation, Output } from './operation';

// One buffer for all graphs: it is filled right before the native call, which runs no JS, so builds nested in
// callbacks cannot interleave with it.
let specBuffer = new Int32Array(256);

/** An input's Output, with the message naming the input built only when it is not one. */
function inputOutput(g: Graph, value: unknown, arg: string, type: string, index: number): Output {
  if (value instanceof Output && value.op.graph === g) return value;
  return g._toOutput(value, `input '${arg}' of ${type}${index >= 0 ? `[${index}]` : ''}`);
}

/**
 * @internal The Outputs of `inputs` (one per input arg of op `type`, an array for list args), checked against the
 * OpDef; their operations are pushed to `inputOperations` unless it is null.
 */
export function resolveInputs(
  g: Graph,
  type: string,
  info: OpSignature,
  inputs: unknown,
  inputOperations: Operation[] | null,
): Array<Output | Output[]> {
  if (!Array.isArray(inputs)) throw invalidArgument('an array', `the inputs of ${type}`, inputs);
  const nInputs = inputs.length;
  if (nInputs !== info.inputArgs.length) {
    const names = info.inputArgs.map((a) => a.name).join(', ');
    throw new TypeError(`${type} takes ${info.inputArgs.length} inputs (${names}) but received ${nInputs}`);
  }
  const resolved: Array<Output | Output[]> = new Array(nInputs);
  for (let i = 0; i < nInputs; i++) {
    const arg = info.inputArgs[i];
    if (arg.isList) {
      const list = inputs[i];
      if (!Array.isArray(list)) throw invalidArgument('an array of Outputs', `input '${arg.name}' of ${type}`, list);
      const outs: Output[] = new Array(list.length);
      for (let j = 0; j < list.length; j++) {
        outs[j] = inputOutput(g, list[j], arg.name, type, j);
        if (inputOperations) inputOperations.push(outs[j].op);
      }
      resolved[i] = outs;
    } else {
      const out = inputOutput(g, inputs[i], arg.name, type, -1);
      resolved[i] = out;
      if (inputOperations) inputOperations.push(out.op);
    }
  }
  return resolved;
}

/** @internal Writes the spec of `resolved` inputs (as resolveInputs returns them) and `controls`. */
export function writeInputSpec(info: OpSignature, resolved: Array<Output | Output[]>, controls: Operation[]): Int32Array {
  const nInputs = resolved.length;
  // the output-count slot, the number of input args, per single input -1 and a pair, per list its count and
  // pairs, the number of control inputs and their ids
  let length = 3 + controls.length;
  for (let i = 0; i < nInputs; i++) {
    const input = resolved[i];
    length += info.inputArgs[i].isList ? 1 + 2 * (input as Output[]).length : 3;
  }
  if (length > specBuffer.length) specBuffer = new Int32Array(Math.max(length, 2 * specBuffer.length));
  const spec = specBuffer;
  let k = 0;
  spec[k++] = 0;
  spec[k++] = nInputs;
  for (let i = 0; i < nInputs; i++) {
    const input = resolved[i];
    if (info.inputArgs[i].isList) {
      const outs = input as Output[];
      spec[k++] = outs.length;
      for (let j = 0; j < outs.length; j++) {
        spec[k++] = outs[j].op._id;
        spec[k++] = outs[j].index;
      }
    } else {
      spec[k++] = -1;
      spec[k++] = (input as Output).op._id;
      spec[k++] = (input as Output).index;
    }
  }
  spec[k++] = controls.length;
  for (let i = 0; i < controls.length; i++) spec[k++] = controls[i]._id;
  return spec;
}
