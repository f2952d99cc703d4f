// SPDX-License-Identifier: Apache-2.0
// tf.graphUtil (Python's tf.compat.v1.graph_util): GraphDef surgery for deployment — the subgraph an output
// needs, training-only nodes removed, and variables frozen into constants. These read and write GraphDef bytes
// through the protobuf descriptors: they run once per export, where clarity beats the copy path's wire speed.
import { decode, encode } from '../proto';
import { parseTensorName } from '../base/tensor-name';
import { dtypeFromNumber, dtypeNumber } from '../base/dtypes';
import { invalidArgument } from '../base/validate';
import { Graph } from '../graph/graph';
import { Session } from '../session/session';
import type { Tensor } from '../tensor/tensor';
import { tensorToProto } from '../tensor/tensor-proto';

/** A decoded NodeDef (proto field names). */
export interface NodeDef {
  name: string;
  op: string;
  input: string[];
  device?: string;
  attr: Record<string, Record<string, unknown>>;
  [field: string]: unknown;
}

interface GraphDefMessage {
  node: NodeDef[];
  [field: string]: unknown;
}

/** A node name from an input string: `^ctrl`, `op:1` and `op` all name `op`. */
const nodeOf = (input: string): string => parseTensorName(input.startsWith('^') ? input.slice(1) : input).op;

function requireBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalidArgument('GraphDef bytes (a Uint8Array)', what, value);
  return value;
}

function requireNames(value: unknown, what: string): string[] {
  const names = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
    throw invalidArgument('a node name or a non-empty array of node names', what, value);
  }
  return names as string[];
}

function decodeGraphDef(bytes: Uint8Array, what: string): GraphDefMessage {
  try {
    return decode<GraphDefMessage>('GraphDef', bytes);
  } catch (err) {
    throw new TypeError(`${what}: the bytes are not a GraphDef (${(err as Error).message})`);
  }
}

/** The nodes `destNodes` need (data and control inputs, transitively), in the GraphDef's order. */
function subGraphNodes(graphDef: GraphDefMessage, destNodes: string[], what: string): NodeDef[] {
  const byName = new Map(graphDef.node.map((n) => [n.name, n]));
  for (const d of destNodes) if (!byName.has(d)) throw new Error(`${what}: '${d}' is not in graph`);
  const keep = new Set<string>();
  const stack = [...destNodes];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (keep.has(name)) continue;
    keep.add(name);
    for (const input of byName.get(name)?.input ?? []) stack.push(nodeOf(input));
  }
  return graphDef.node.filter((n) => keep.has(n.name));
}

/**
 * Python's `extract_sub_graph`: the GraphDef of the nodes that `destNodes` need, in the original order.
 * @throws Error when a destination is not in the graph; TypeError for bytes that are not a GraphDef.
 */
export function extractSubGraph(graphDef: Uint8Array, destNodes: string | string[]): Uint8Array {
  const what = 'graphUtil.extractSubGraph';
  const def = decodeGraphDef(requireBytes(graphDef, `${what}(graphDef)`), what);
  def.node = subGraphNodes(def, requireNames(destNodes, `${what}(graphDef, destNodes)`), what);
  return encode('GraphDef', def);
}

/**
 * Python's `remove_training_nodes`: drops CheckNumerics nodes and splices out Identity nodes (except those in
 * `protectedNodes`, those with control inputs, those used as control inputs and those others colocate with).
 */
export function removeTrainingNodes(graphDef: Uint8Array, protectedNodes: string[] = []): Uint8Array {
  const what = 'graphUtil.removeTrainingNodes';
  const def = decodeGraphDef(requireBytes(graphDef, `${what}(graphDef)`), what);
  if (!Array.isArray(protectedNodes)) throw invalidArgument('an array of node names', `${what}(graphDef, protectedNodes)`, protectedNodes);
  const isProtected = new Set(protectedNodes);

  const removed = new Set(def.node.filter((n) => n.op === 'CheckNumerics' && !isProtected.has(n.name)).map((n) => n.name));
  const afterRemoval = def.node
    .filter((n) => !removed.has(n.name))
    .map((n) => ({ ...n, input: n.input.filter((i) => !removed.has(nodeOf(i))) }));

  const controlInputs = new Set<string>();
  const withControlInputs = new Set<string>();
  const colocated = new Set<string>();
  for (const node of afterRemoval) {
    for (const input of node.input) {
      if (input.startsWith('^')) {
        controlInputs.add(input.slice(1));
        withControlInputs.add(node.name);
      }
    }
    const classes = (node.attr._class?.list as { s?: Uint8Array[] } | undefined)?.s ?? [];
    for (const c of classes) colocated.add(new TextDecoder().decode(c).replace(/^loc:@/, ''));
  }
  const splice = new Map<string, string>();
  for (const node of afterRemoval) {
    if (node.op !== 'Identity' || isProtected.has(node.name) || colocated.has(node.name)) continue;
    if (withControlInputs.has(node.name) || controlInputs.has(node.name) || node.input.length === 0) continue;
    splice.set(node.name, node.input[0]);
  }
  def.node = afterRemoval
    .filter((n) => !splice.has(n.name))
    .map((n) => ({
      ...n,
      input: n.input.map((full) => {
        let input = full;
        // A spliced node's input takes its place; a control edge stays a control edge on the new source.
        while (splice.has(nodeOf(input))) {
          const replacement = splice.get(nodeOf(input))!;
          input = input.startsWith('^') ? `^${nodeOf(replacement)}` : replacement;
        }
        return input;
      }),
    }));
  return encode('GraphDef', def);
}

const VARIABLE_OPS = new Set(['VarHandleOp', 'VariableV2', 'Variable']);

export interface ConvertVariablesOptions {
  /** Only these variables are frozen (Python's `variable_names_whitelist`). */
  variableNamesAllowlist?: string[];
  /** These variables are left as variables (Python's `variable_names_blacklist`). */
  variableNamesDenylist?: string[];
}

/**
 * Python's `convert_variables_to_constants`: the subgraph that `outputNodeNames` need, with every variable in it
 * replaced by a Const holding its current value in `session` (same node name), reads of resource variables by
 * Identity and gathers from them by GatherV2 — a GraphDef that runs with no variables, checkpoints or initializers.
 * @returns Promise of the frozen GraphDef's bytes
 * @throws (rejects) Error when an output is not in the graph or a variable is used by an op that cannot be frozen;
 *   the TensorFlow error when a variable is not initialized.
 */
export async function convertVariablesToConstants(
  session: Session,
  graph: Graph,
  outputNodeNames: string | string[],
  options: ConvertVariablesOptions = {},
): Promise<Uint8Array> {
  const what = 'graphUtil.convertVariablesToConstants';
  if (!(session instanceof Session)) throw invalidArgument('a Session', `${what}(session, …)`, session);
  if (!(graph instanceof Graph)) throw invalidArgument('a Graph', `${what}(session, graph, …)`, graph);
  if (session.graph !== graph) throw new Error(`${what}: the session runs ${session.graph}, not ${graph}`);
  const outputs = requireNames(outputNodeNames, `${what}(session, graph, outputNodeNames)`);
  const def = decodeGraphDef(graph.toGraphDef(), what);
  const nodes = subGraphNodes(def, outputs, what);

  const allow = options.variableNamesAllowlist && new Set(options.variableNamesAllowlist);
  const deny = new Set(options.variableNamesDenylist ?? []);
  const variables = nodes.filter((n) => VARIABLE_OPS.has(n.op) && (!allow || allow.has(n.name)) && !deny.has(n.name));
  const frozen = new Set(variables.map((n) => n.name));

  // A variable's value: reference variables are fetched directly; resource ones through a read already in the
  // graph (Python's variables always make `<name>/Read/ReadVariableOp`), so the user's graph is not changed.
  const fetches = variables.map((v) => {
    if (v.op !== 'VarHandleOp') return `${v.name}:0`;
    const read = graph.operation(v.name)!.output(0).consumers().find((op) => op.type === 'ReadVariableOp');
    if (!read) throw new Error(`${what}: no ReadVariableOp reads the variable '${v.name}'; read it once in the graph before freezing`);
    return `${read.name}:0`;
  });
  const values = fetches.length ? ((await session.run(fetches)) as Tensor[]) : [];

  const dtypeOf = (n: NodeDef): number => Number(n.attr.dtype?.type);
  const out: NodeDef[] = [];
  const extra: NodeDef[] = [];
  for (const node of nodes) {
    const i = variables.indexOf(node);
    if (i >= 0) {
      out.push({
        name: node.name,
        op: 'Const',
        input: [],
        ...(node.device ? { device: node.device } : {}),
        attr: { dtype: { type: dtypeOf(node) }, value: { tensor: tensorToProto(values[i]) } },
      });
      continue;
    }
    const sources = node.input.filter((inp) => !inp.startsWith('^')).map(nodeOf);
    const frozenInput = sources.find((s) => frozen.has(s) && graph.operation(s)!.type === 'VarHandleOp');
    if (!frozenInput) {
      out.push(node);
      continue;
    }
    const dtype = dtypeOf(nodes.find((n) => n.name === frozenInput)!);
    if (node.op === 'ReadVariableOp' || node.op === 'Identity') {
      out.push({ ...node, op: 'Identity', attr: { ...withoutKeys(node.attr, ['dtype']), T: { type: dtype } } });
    } else if (node.op === 'ResourceGather') {
      const axisName = `${node.name}/axis`;
      const batchDims = Number(node.attr.batch_dims?.i ?? 0);
      const rest = withoutKeys(node.attr, ['dtype', 'batch_dims', 'validate_indices']);
      out.push({
        ...node,
        op: 'GatherV2',
        input: [...node.input.slice(0, 2), axisName, ...node.input.slice(2)],
        attr: {
          ...rest,
          Taxis: { type: dtypeNumber('int32') },
          Tparams: { type: dtype },
          ...(batchDims ? { batch_dims: { i: batchDims } } : {}),
        },
      });
      const axisTensor = { dtype: dtypeNumber('int32'), tensor_shape: {}, int_val: [batchDims] };
      const attr = { dtype: { type: dtypeNumber('int32') }, value: { tensor: axisTensor } };
      extra.push({ name: axisName, op: 'Const', input: [], attr });
    } else {
      throw new Error(
        `${what}: ${node.op} '${node.name}' uses the variable '${frozenInput}' (${dtypeFromNumber(dtype)}) and cannot be frozen`,
      );
    }
  }
  def.node = [...out, ...extra];
  return encode('GraphDef', def);
}

function withoutKeys<T extends Record<string, unknown>>(record: T, keys: string[]): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...record };
  for (const k of keys) delete copy[k];
  return copy;
}
