// SPDX-License-Identifier: Apache-2.0
// `inspect-checkpoint`: what Python's `python -m tensorflow.python.tools.inspect_checkpoint` prints.
import { CheckpointReader } from '../checkpoint/checkpoint-reader';
import { dtypeNumber, type DType } from '../base/dtypes';
import { protoRoot } from '../proto';
import { formatTensor } from './numpy-format';

/** TensorFlow's DataType enum name for a dtype (DT_FLOAT for float32), as TensorFlow's debug strings show it. */
export function dataTypeName(dtype: DType): string {
  return protoRoot().lookupEnum('tensorflow.DataType').valuesById[dtypeNumber(dtype)] ?? `DT_${dtype.toUpperCase()}`;
}

export interface InspectOptions {
  /** Print this tensor's value (Python's `--tensor_name`). */
  tensor?: string;
  /** Print every tensor's value (Python's `--all_tensors`). */
  all?: boolean;
  /** Called after each tensor read with `--all` (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The listing of a checkpoint, or the values of one or all of its tensors, followed by the parameter count.
 * @throws the reader's errors (NotFoundError for a missing checkpoint or tensor, DataLossError for a corrupt one)
 */
export async function inspectCheckpoint(prefix: string, options: InspectOptions = {}): Promise<string> {
  const reader = new CheckpointReader(prefix);
  try {
    const shapes = reader.variableToShapeMap();
    const dtypes = reader.variableToDtypeMap() as Record<string, DType>;
    const names = Object.keys(shapes).sort();
    const lines: string[] = [];
    const header = (name: string) => `tensor: ${name} (${dtypes[name]}) [${shapes[name].join(', ')}]`;
    if (options.tensor !== undefined) {
      if (!reader.hasTensor(options.tensor)) {
        throw new Error(`Key ${options.tensor} not found in checkpoint`);
      }
      lines.push(header(options.tensor), formatTensor(reader.getTensor(options.tensor)));
    } else if (options.all) {
      names.forEach((name, i) => {
        lines.push(header(name), formatTensor(reader.getTensor(name)));
        options.onProgress?.(i + 1, names.length);
      });
    } else {
      for (const name of names) lines.push(`${name} (${dataTypeName(dtypes[name])}) [${shapes[name].join(',')}]`);
      lines.push('');
    }
    const total = names.reduce((n, name) => n + shapes[name].reduce((a, b) => a * b, 1), 0);
    lines.push(`# Total number of params: ${total}`);
    return `${lines.join('\n')}\n`;
  } finally {
    await reader.close();
  }
}
