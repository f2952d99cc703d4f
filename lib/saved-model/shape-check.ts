// SPDX-License-Identifier: Apache-2.0
// Shapes that TensorFlow's SavedModel loader CHECK-fails on, refused before it reads them.
import * as fs from 'fs';
import * as path from 'path';
import { InvalidArgumentError } from '../binding/errors';
import { decode } from '../proto';

// tensorflow/core/framework/tensor_shape.h: TensorShape::MaxDimensions() and the int64 element count.
const MAX_RANK = 254;
const MAX_ELEMENTS = (1n << 63n) - 1n;

// A decoded protobuf message: protobufjs gives untyped objects (fields by their proto names).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Message = Record<string, any>;

/** Why a TensorShapeProto would abort TensorFlow, or null. `complete`: a tensor's shape, no -1 allowed. */
function shapeProblem(shape: Message | undefined | null, complete: boolean): string | null {
  if (!shape || shape.unknown_rank) return null;
  const dims: Message[] = shape.dim ?? [];
  if (dims.length > MAX_RANK) return `has ${dims.length} dimensions, more than TensorFlow's ${MAX_RANK}`;
  let elements = 1n;
  for (const d of dims) {
    // int64 fields arrive as Long objects (or numbers): their decimal string is exact either way.
    const size = BigInt(String(d.size ?? 0));
    if (size < (complete ? 0n : -1n)) return `has a dimension of ${size}`;
    if (size >= 0n) elements *= size;
  }
  if (elements > MAX_ELEMENTS) return `has ${elements} elements, more than a 64-bit count holds`;
  return null;
}

function describe(shape: Message): string {
  return `[${(shape.dim ?? []).map((d: Message) => String(d.size ?? 0)).join(', ')}]`;
}

function checkAttr(value: Message, where: string): void {
  const problems: Array<[Message | undefined, boolean, string]> = [];
  if (value.shape) problems.push([value.shape, false, 'shape']);
  if (value.tensor) problems.push([value.tensor.tensor_shape, true, 'tensor']);
  for (const s of value.list?.shape ?? []) problems.push([s, false, 'shape']);
  for (const t of value.list?.tensor ?? []) problems.push([t.tensor_shape, true, 'tensor']);
  for (const [shape, complete, kind] of problems) {
    const problem = shapeProblem(shape, complete);
    if (problem !== null) {
      throw new InvalidArgumentError(`The SavedModel cannot be loaded: the ${kind} ${describe(shape!)} of ${where} ${problem}`);
    }
  }
}

function checkNodes(nodes: Message[] | undefined, where: string): void {
  for (const node of nodes ?? []) {
    for (const [attr, value] of Object.entries((node.attr ?? {}) as Record<string, Message>)) {
      checkAttr(value, `attr '${attr}' of node '${node.name}'${where}`);
    }
  }
}

/**
 * Refuses a SavedModel whose graphs hold shapes TensorFlow's loader aborts the process on (a Const of
 * shape [2^31, 2^31, 8] is a CHECK failure in TensorShape, where Python's v1 loader raises ValueError).
 * A model saved as text (saved_model.pbtxt) is left to TensorFlow.
 * @throws InvalidArgumentError naming the node, the attr and the shape.
 */
export function checkSavedModelShapes(exportDir: string): void {
  const file = path.join(exportDir, 'saved_model.pb');
  if (!fs.existsSync(file)) return;
  let model: Message;
  try {
    model = decode('SavedModel', fs.readFileSync(file));
  } catch {
    return; // TensorFlow reports a corrupt file with its own, clear error.
  }
  for (const meta of (model.meta_graphs ?? []) as Message[]) {
    const graph = meta.graph_def ?? {};
    checkNodes(graph.node, '');
    for (const fn of (graph.library?.function ?? []) as Message[]) checkNodes(fn.node_def, ` in function '${fn.signature?.name}'`);
  }
}
