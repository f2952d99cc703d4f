// SPDX-License-Identifier: Apache-2.0
// `summarize-graph`: what TensorFlow's graph_transforms/summarize_graph tool prints — likely inputs and outputs,
// parameter counts and op types of a GraphDef, and benchmark_model arguments.
import { decode, toNumber } from '../proto';
import { dtypeFromNumber } from '../base/dtypes';
import { tensorFromProto } from '../tensor/tensor-proto';
import type { NodeDef } from './graph-util';

interface ShapeProto {
  dim?: Array<{ size?: unknown }>;
  unknown_rank?: boolean;
}

function shapeDebugString(shape: ShapeProto | undefined): string {
  if (!shape) return 'None';
  if (shape.unknown_rank) return '<unknown>';
  return `[${(shape.dim ?? []).map((d) => (toNumber(d.size) < 0 ? '?' : String(toNumber(d.size)))).join(',')}]`;
}

function dtypeOf(node: NodeDef): number {
  return Number(node.attr.dtype?.type ?? 0);
}

function dataTypeString(n: number): string {
  if (n === 0) return 'invalid';
  const d = dtypeFromNumber(n);
  return { float32: 'float', float64: 'double', float16: 'half' }[d as string] ?? d;
}

/** TensorFlow's strings::HumanReadableNum. */
function humanReadableNum(value: number): string {
  if (value < 1000) return String(value);
  if (value >= 1e15) return value.toPrecision(3).toUpperCase();
  const units = 'kMBT';
  let unit = 0;
  let v = value;
  while (v >= 1e6) {
    v = Math.floor(v / 1000);
    unit++;
  }
  return `${(v / 1000).toFixed(2)}${units[unit]}`;
}

const nodeOf = (input: string): string => input.replace(/^\^/, '').replace(/:\d+$/, '');

/** The summary of GraphDef `bytes` read from `graphPath`. @throws Error for bytes that are not a GraphDef. */
export function summarizeGraph(bytes: Uint8Array, graphPath: string): string {
  let def: { node: NodeDef[]; library?: { function?: Array<{ node_def?: NodeDef[] }> } };
  try {
    def = decode('GraphDef', bytes);
  } catch (err) {
    throw new Error(`Loading graph '${graphPath}' failed with ${(err as Error).message}`);
  }
  const out: string[] = [];
  const info = (n: NodeDef) => {
    const shape = shapeDebugString(n.attr.shape?.shape as ShapeProto | undefined);
    return `(name=${n.name}, type=${dataTypeString(dtypeOf(n))}(${dtypeOf(n)}), shape=${shape}) `;
  };
  const placeholders = def.node.filter((n) => n.op === 'Placeholder');
  const variables = def.node.filter((n) => n.op === 'Variable' || n.op === 'VariableV2');
  out.push(placeholders.length ? `Found ${placeholders.length} possible inputs: ${placeholders.map(info).join('')}` : 'No inputs spotted.');
  out.push(variables.length ? `Found ${variables.length} variables: ${variables.map(info).join('')}` : 'No variables spotted.');

  const consumed = new Set(def.node.flatMap((n) => n.input.map(nodeOf)));
  const unlikely = new Set(['Const', 'Assign', 'NoOp', 'Placeholder']);
  const outputs = def.node.filter((n) => !consumed.has(n.name) && !unlikely.has(n.op));
  out.push(outputs.length
    ? `Found ${outputs.length} possible outputs: ${outputs.map((n) => `(name=${n.name}, op=${n.op}) `).join('')}`
    : 'No outputs spotted.');

  let constParams = 0;
  let varParams = 0;
  let controlEdges = 0;
  const devices = new Map<string, number>();
  for (const n of def.node) {
    controlEdges += n.input.filter((i) => i.startsWith('^')).length;
    if (n.device) devices.set(n.device, (devices.get(n.device) ?? 0) + 1);
    if ((n.op === 'Const' || n.op === 'Variable' || n.op === 'VariableV2') && n.attr.value?.tensor) {
      const count = tensorFromProto(n.attr.value.tensor as Record<string, unknown>).shape.reduce((a, b) => a * b, 1);
      if (n.op === 'Const') constParams += count;
      else varParams += count;
    }
  }
  let line = `Found ${constParams} (${humanReadableNum(constParams)}) const parameters, ` +
    `${varParams} (${humanReadableNum(varParams)}) variable parameters, and ${controlEdges} control_edges`;
  out.push(line);
  // The C++ tool ends no line after the device counts: the op types follow on the same line.
  const deviceText = [...devices].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, c]) => `${c} nodes assigned to device '${d}'`).join('');

  const names = new Set(def.node.map((n) => n.name));
  const invalid = def.node.flatMap((n) => n.input.filter((i) => !names.has(nodeOf(i))).map((i) => `Invalid input ${i} for node ${n.name}`));
  if (invalid.length) throw new Error(`${invalid.join('\n')}\nInvalid graph with inputs referring to nonexistent nodes`);

  const counts = new Map<string, number>();
  const count = (op: string) => counts.set(op, (counts.get(op) ?? 0) + 1);
  def.node.forEach((n) => count(n.op));
  for (const f of def.library?.function ?? []) (f.node_def ?? []).forEach((n) => count(n.op));
  const sorted = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  out.push(`${deviceText}Op types used: ${sorted.map(([op, c]) => `${c} ${op}`).join(', ')}`);

  const inputs = [...placeholders, ...variables];
  const shapes = inputs.map((n) => {
    const s = n.attr.shape?.shape as ShapeProto | undefined;
    if (!s || s.unknown_rank) return '';
    return (s.dim ?? []).map((d) => String(toNumber(d.size))).join(',');
  });
  out.push('To use with tensorflow/tools/benchmark:benchmark_model try these arguments:');
  line = `bazel run tensorflow/tools/benchmark:benchmark_model -- --graph=${graphPath} --show_flops`;
  line += ` --input_layer=${inputs.map((n) => n.name).join(',')}`;
  line += ` --input_layer_type=${inputs.map((n) => dataTypeString(dtypeOf(n))).join(',')}`;
  line += ` --input_layer_shape=${shapes.join(':')} --output_layer=${outputs.map((n) => n.name).join(',')}`;
  out.push(line);
  return `${out.join('\n')}\n`;
}
