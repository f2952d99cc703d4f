// SPDX-License-Identifier: Apache-2.0
// The input spec of the native addOperation (layout in native/graph.h): [output-count slot, number of input
// args, for each arg -1 and one (operation id, output index) pair or a count and that many pairs, number of
// control inputs, their operation ids]. Ids and indices travel in one Int32Array instead of JS objects.
import type { OpSignature } from '../ops/op-def-wire';
import type { Operation, Output } from './operation';

// One buffer for all graphs: it is filled right before the native call, which runs no JS, so builds nested in
// callbacks cannot interleave with it.
let specBuffer = new Int32Array(256);

/**
 * @internal Writes the spec of `resolved` inputs (one per input arg, a list for list args) and `controls`.
 * `length` is the number of slots it needs (3 + 3 per single input + 1 + 2 per list element + 1 per control).
 */
export function writeInputSpec(info: OpSignature, resolved: Array<Output | Output[]>, controls: Operation[], length: number): Int32Array {
  if (length > specBuffer.length) specBuffer = new Int32Array(Math.max(length, 2 * specBuffer.length));
  const spec = specBuffer;
  const nInputs = resolved.length;
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
