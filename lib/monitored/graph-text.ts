// SPDX-License-Identifier: Apache-2.0
// Python's `tf.io.write_graph(graph.as_graph_def(add_shapes=True), logdir, 'graph.pbtxt')`, which the chief's
// CheckpointSaverHook writes next to its checkpoints: the GraphDef in protobuf text format, every node with an
// `_output_shapes` attr. The writer is generic over our descriptor (fields in number order, maps by key, enums by
// name, as Python's text_format), so what it writes parses back with TensorFlow's text parser.
import * as fs from 'fs';
import * as path from 'path';
import type * as protobuf from 'protobufjs';
import type { Graph } from '../graph/graph';
import { decode, messageType, type DecodedMessage } from '../proto';
import { cEscape } from '../proto/text-escape';

type Value = unknown;

/** The shortest decimal that reads back as the same float32 (Python prints float fields so). */
function float32Text(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  for (let digits = 1; digits <= 9; digits++) {
    const text = v.toPrecision(digits);
    if (Math.fround(Number(text)) === v) return String(Number(text));
  }
  return String(v);
}

function scalarText(field: protobuf.Field, v: Value): string {
  const enumType = field.resolvedType && !('fieldsArray' in field.resolvedType) ? (field.resolvedType as protobuf.Enum) : null;
  if (enumType) return typeof v === 'number' ? (enumType.valuesById[v] ?? String(v)) : String(v);
  switch (field.type) {
    case 'string':
      return `"${cEscape(new TextEncoder().encode(String(v)))}"`;
    case 'bytes':
      return `"${cEscape(v instanceof Uint8Array ? v : new Uint8Array(0))}"`;
    case 'float':
      return float32Text(Number(v));
    case 'double':
      return Number.isFinite(v as number) ? String(v) : float32Text(Number(v));
    default:
      // bool, and ints (an int64 may be a Long: its toString is the decimal).
      return String(v);
  }
}

function messageText(type: protobuf.Type, msg: DecodedMessage, indent: string, out: string[]): void {
  const fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  for (const field of fields) {
    field.resolve();
    if (!Object.prototype.hasOwnProperty.call(msg, field.name)) continue;
    const v = msg[field.name];
    if (v === undefined || v === null) continue;
    const nested = field.resolvedType && 'fieldsArray' in field.resolvedType ? (field.resolvedType as protobuf.Type) : null;
    const one = (value: Value) => {
      if (!nested) out.push(`${indent}${field.name}: ${scalarText(field, value)}`);
      else {
        out.push(`${indent}${field.name} {`);
        messageText(nested, value as DecodedMessage, `${indent}  `, out);
        out.push(`${indent}}`);
      }
    };
    if (field.map) {
      for (const key of Object.keys(v as object).sort()) {
        out.push(`${indent}${field.name} {`);
        const stringKey = (field as unknown as protobuf.MapField).keyType === 'string';
        const keyText = stringKey ? `"${cEscape(new TextEncoder().encode(key))}"` : key;
        out.push(`${indent}  key: ${keyText}`);
        const value = (v as Record<string, Value>)[key];
        if (nested) {
          out.push(`${indent}  value {`);
          messageText(nested, value as DecodedMessage, `${indent}    `, out);
          out.push(`${indent}  }`);
        } else {
          out.push(`${indent}  value: ${scalarText(field, value)}`);
        }
        out.push(`${indent}}`);
      }
    } else if (field.repeated) {
      for (const value of v as Value[]) one(value);
    } else {
      one(v);
    }
  }
}

/** A message decoded from our descriptor, in protobuf text format. */
export function toTextFormat(typeName: string, msg: DecodedMessage): string {
  const out: string[] = [];
  messageText(messageType(typeName), msg, '', out);
  return out.length ? `${out.join('\n')}\n` : '';
}

function shapeProto(shape: Array<number | null> | null): DecodedMessage {
  if (shape === null) return { unknown_rank: true };
  return { dim: shape.map((d) => ({ size: d ?? -1 })) };
}

/** The graph's GraphDef with `_output_shapes` on every node that has outputs (Python's `add_shapes=True`). */
export function graphDefWithShapes(graph: Graph): DecodedMessage {
  const def = decode('GraphDef', graph.toGraphDef());
  for (const node of def.node ?? []) {
    const op = graph.operation(node.name);
    if (!op || op.numOutputs === 0) continue;
    const shapes = Array.from({ length: op.numOutputs }, (_, i) => shapeProto(op.output(i).shape));
    node.attr = { ...(node.attr ?? {}), _output_shapes: { list: { shape: shapes } } };
  }
  return def;
}

/** Writes `graph` as `dir/name` in text format (Python's `tf.io.write_graph(..., as_text=True)`), creating `dir`. */
export function writeGraphText(graph: Graph, dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, toTextFormat('GraphDef', graphDefWithShapes(graph)));
  return file;
}
