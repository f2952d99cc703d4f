// SPDX-License-Identifier: Apache-2.0
// What a Saver's restore reads, checked against the checkpoint before anything runs, so that a missing key
// or a dtype or shape mismatch names the variable and changes nothing.
import { DType } from '../base/dtypes';
import { StaticShape, shapeToString, shapesCompatible } from '../base/shape';
import { InvalidArgumentError, NotFoundError } from '../binding/errors';
import { Operation } from '../graph/operation';
import { decode } from '../proto';
import { Tensor } from '../tensor/tensor';
import { CheckpointReader } from './checkpoint-reader';

/** What is restored into one variable: the checkpoint key and the target's dtype and static shape. */
export interface RestoreSpec {
  key: string;
  variable: string;
  dtype: DType;
  shape: StaticShape;
}

/** The key of a TF2 object-based checkpoint's object graph (a serialized TrackableObjectGraph). */
export const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

const OBJECT_BASED_HINT =
  'This is an object-based (tf.train.Checkpoint) checkpoint: map its keys to variables with a varList record, ' +
  "e.g. { 'model/w/.ATTRIBUTES/VARIABLE_VALUE': w }.";

/** Checks what a restore needs against the checkpoint; one error listing every problem. */
export function checkRestoreSpecs(reader: CheckpointReader, specs: RestoreSpec[]): void {
  const shapes = reader.variableToShapeMap();
  const dtypes = reader.variableToDtypeMap();
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const spec of specs) {
    const target = `variable '${spec.variable}'${spec.key === spec.variable ? '' : ` (checkpoint key '${spec.key}')`}`;
    if (!(spec.key in shapes)) {
      missing.push(`Key ${spec.key} not found in checkpoint (restoring ${target})`);
    } else if (dtypes[spec.key] !== spec.dtype) {
      mismatched.push(`${target}: dtype ${dtypes[spec.key]} in the checkpoint but ${spec.dtype} in the graph`);
    } else if (!shapesCompatible(shapes[spec.key], spec.shape)) {
      const [stored, wanted] = [shapeToString(shapes[spec.key]), shapeToString(spec.shape)];
      mismatched.push(`${target}: shape ${stored} in the checkpoint but ${wanted} in the graph`);
    }
  }
  if (missing.length === 0 && mismatched.length === 0) return;
  const hint = missing.length > 0 && OBJECT_GRAPH_KEY in shapes ? ` ${OBJECT_BASED_HINT}` : '';
  const problems = [...mismatched, ...missing].join('; ');
  const message = `Restoring from checkpoint ${reader.prefix} failed (no variable was changed): ${problems}.${hint}`;
  throw mismatched.length > 0 ? new InvalidArgumentError(message) : new NotFoundError(message);
}

/**
 * For an object-based checkpoint read by variable names (as Python's Saver does it): the checkpoint key of
 * each of `names` (the variables' names when it was saved, its object graph's `full_name`s).
 * @throws InvalidArgumentError listing the names the checkpoint does not know.
 */
export async function objectBasedKeys(reader: CheckpointReader, names: string[]): Promise<Map<string, string>> {
  const [bytes] = await reader.getTensorsAsync([OBJECT_GRAPH_KEY]);
  type ObjectGraph = { nodes?: Array<{ attributes?: Array<{ full_name: string; checkpoint_key: string }> }> };
  const graph = decode<ObjectGraph>('TrackableObjectGraph', bytes.bytes()[0]);
  const namesToKeys = new Map<string, string>();
  for (const node of graph.nodes ?? []) {
    for (const a of node.attributes ?? []) namesToKeys.set(a.full_name, a.checkpoint_key);
  }
  const missing = names.filter((n) => !namesToKeys.has(n));
  if (missing.length > 0) {
    const extra = [...namesToKeys.keys()].filter((n) => !names.includes(n));
    throw new InvalidArgumentError(
      `Restoring from checkpoint ${reader.prefix} failed (no variable was changed). ` +
        `Existing variables not in the checkpoint: ${missing.join(', ')}. ` +
        `Variable names when this checkpoint was written which don't exist now: ${extra.join(', ') || 'none'}. ` +
        `(${names.length - missing.length} variable name(s) did match.) ` +
        'This is an object-based (tf.train.Checkpoint) checkpoint read by variable names; map its keys to variables with a ' +
        "varList record instead, e.g. { 'model/w/.ATTRIBUTES/VARIABLE_VALUE': w }.",
    );
  }
  return namesToKeys;
}

/**
 * The restore specs behind an existing restore operation (a Saver from a MetaGraphDef): RestoreV2 outputs
 * flowing (through Identity / Reshape) into AssignVariableOp or Assign of a variable. Best effort: parts of
 * other shapes are left to TensorFlow's run-time checks.
 */
export function restoreSpecsFromGraph(restoreOp: Operation): RestoreSpec[] {
  const specs: RestoreSpec[] = [];
  const seen = new Set<Operation>();
  const queue: Operation[] = [restoreOp];
  while (queue.length > 0) {
    const op = queue.pop()!;
    if (seen.has(op)) continue;
    seen.add(op);
    if (op.type === 'AssignVariableOp' || op.type === 'Assign') {
      let value = op.inputs[1];
      while (value.op.type === 'Identity' || value.op.type === 'Reshape') value = value.op.inputs[0];
      const target = op.inputs[0].op;
      if (value.op.type === 'RestoreV2' && ['VarHandleOp', 'VariableV2', 'Variable'].includes(target.type)) {
        const names = value.op.inputs[1].op;
        const slices = value.op.inputs[2].op;
        if (names.type === 'Const' && slices.type === 'Const') {
          try {
            const key = ((names.attr('value') as Tensor).data() as string[])[value.index];
            const slice = ((slices.attr('value') as Tensor).data() as string[])[value.index];
            if (slice === '' && typeof key === 'string') {
              specs.push({ key, variable: target.name, dtype: target.attr('dtype') as DType, shape: target.attr('shape') as StaticShape });
            }
          } catch {
            // an attr this build cannot read: TensorFlow checks this one at run time
          }
        }
      }
      continue;
    }
    for (const c of op.controlInputs) queue.push(c);
    for (const i of op.inputs) queue.push(i.op);
  }
  return specs;
}
