// SPDX-License-Identifier: Apache-2.0
// Validation of tf.copy's arguments: namespaces, destination graphs, copiedVariables and inputMap entries
// (graph, dtype and shape), all checked before anything is imported.
import { Graph } from '../graph/graph';
import { Operation, Output, isOutputConvertible, toOutput } from '../graph/operation';
import { shapeToString, shapesCompatible } from '../base/shape';
import { invalidArgument, requireString } from '../base/validate';
import { Variable } from '../variables/variable';
import { tensorNameParts } from '../base/tensor-name';
import { WireGraphDef } from './node-index';

/** An element that can be copied. */
export type Copyable = Output | Operation | Variable;

/** Variables already in the destination graph that stand for source variables (Python's `copied_variables`). */
export type CopiedVariables = Variable[] | Map<Variable, Variable>;

const VALID_NAMESPACE = /^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$/;

export function requireNamespace(value: unknown): string {
  if (value === undefined || value === null) return '';
  const ns = requireString(value, 'the namespace').replace(/\/+$/, '');
  if (ns !== '' && !VALID_NAMESPACE.test(ns)) {
    throw new TypeError(`Expected a valid name scope for the namespace (letters, digits and . _ - / >, not starting with _ - ` +
      `/ >) but received '${ns}'`);
  }
  return ns;
}

export function requireGraph(value: unknown, what: string): Graph {
  if (!(value instanceof Graph)) throw invalidArgument('a Graph', what, value);
  return value;
}

export function describeNamespace(ns: string): string {
  return ns ? `namespace '${ns}'` : 'no namespace';
}

export function elementGraph(element: Copyable): Graph {
  return element.graph;
}

export function requireCopyable(value: unknown, what: string): Copyable {
  if (value instanceof Output || value instanceof Operation || value instanceof Variable) return value;
  throw invalidArgument('an Output, an Operation or a Variable', what, value);
}

/** Every Variable in the graph's collections, by the GraphDef index of its handle op. */

function checkReplacement(source: Variable, target: Variable, toGraph: Graph): void {
  if (!(target instanceof Variable)) throw invalidArgument('a Variable', `the copiedVariables entry for '${source.name}'`, target);
  if (target.graph !== toGraph) {
    throw new Error(`copiedVariables: '${target.name}' (for '${source.name}') belongs to ${target.graph}, not to the ` +
      `destination ${toGraph}`);
  }
  if (target.dtype !== source.dtype) {
    throw new TypeError(`copiedVariables: '${target.name}' has dtype ${target.dtype} but the variable it replaces, ` +
      `'${source.name}', has dtype ${source.dtype}`);
  }
  if (!shapesCompatible(target.shape, source.shape)) {
    throw new Error(`copiedVariables: '${target.name}' has shape ${shapeToString(target.shape)} but the variable it ` +
      `replaces, '${source.name}', has shape ${shapeToString(source.shape)}`);
  }
}

/** The replacement for source variable `v` given by a call's `copiedVariables`, validated, or undefined. */
export function mappedVariable(v: Variable, copied: CopiedVariables | undefined, ns: string, toGraph: Graph): Variable | undefined {
  if (!copied) return undefined;
  let target: Variable | undefined;
  if (copied instanceof Map) target = copied.get(v);
  else {
    const want = ns ? `${ns}/${v.name}` : v.name;
    target = copied.find((c) => c instanceof Variable && c.name === want && c.graph === toGraph);
  }
  if (target !== undefined) checkReplacement(v, target, toGraph);
  return target;
}

export function requireCopiedVariables(value: unknown, source: Graph, toGraph: Graph): CopiedVariables | undefined {
  if (value === undefined || value === null) return undefined;
  const inDestination = (v: Variable, what: string) => {
    if (v.graph !== toGraph) throw new Error(`${what}: '${v.name}' belongs to ${v.graph}, not to the destination ${toGraph}`);
  };
  if (value instanceof Map) {
    for (const [k, v] of value) {
      if (!(k instanceof Variable)) throw invalidArgument('a Variable as key', 'copiedVariables', k);
      if (!(v instanceof Variable)) throw invalidArgument('a Variable', `copiedVariables.get('${k.name}')`, v);
      if (k.graph !== source) throw new Error(`copiedVariables: the key '${k.name}' belongs to ${k.graph}, not to the source ${source}`);
      inDestination(v, `copiedVariables.get('${k.name}')`);
    }
    return value as Map<Variable, Variable>;
  }
  if (!Array.isArray(value)) throw invalidArgument('an array of Variables or a Map from Variable to Variable', 'copiedVariables', value);
  value.forEach((v, i) => {
    if (!(v instanceof Variable)) throw invalidArgument('a Variable', `copiedVariables[${i}]`, v);
    inDestination(v, `copiedVariables[${i}]`);
  });
  return value as Variable[];
}

export interface UserMap {
  outputs: Map<number, Map<number, Output>>;
  controls: Map<number, Operation>;
  /** Source tensors replaced by constants imported with the copy (name before the namespace). */
  constants: Map<number, Map<number, string>>;
}

export function requireInputMap(value: unknown, source: Graph, toGraph: Graph, def: WireGraphDef): UserMap {
  const map: UserMap = { outputs: new Map(), controls: new Map(), constants: new Map() };
  if (value === undefined || value === null) return map;
  let entries: Array<[unknown, unknown]>;
  if (value instanceof Map) entries = [...value.entries()];
  else if (typeof value === 'object' && !Array.isArray(value)) entries = Object.entries(value as object);
  else throw invalidArgument('an object or a Map from source tensors to destination tensors', 'inputMap', value);
  for (const [key, target] of entries) {
    let opName: string;
    let index: number;
    let keyName: string;
    if (key instanceof Output) {
      if (key.graph !== source) throw new Error(`inputMap: the key ${key} belongs to ${key.graph}, not to the source ${source}`);
      opName = key.op.name;
      index = key.index;
      keyName = key.name;
    } else if (typeof key === 'string') {
      keyName = key;
      if (key.startsWith('^')) [opName, index] = [key.slice(1), -1];
      else [opName, index] = tensorNameParts(key);
    } else {
      throw invalidArgument('an Output or a tensor name as key', 'inputMap', key);
    }
    const op = source.operation(opName);
    const i = def.indexOf(opName);
    if (!op || i < 0) throw new Error(`inputMap: ${source} has no operation '${opName}' (key '${keyName}')`);
    if (index < 0) {
      if (!(target instanceof Operation)) throw invalidArgument('an Operation', `inputMap['${keyName}']`, target);
      if (target.graph !== toGraph) throw new Error(`inputMap['${keyName}']: ${target} belongs to ${target.graph}, not to ` +
        `the destination ${toGraph}`);
      map.controls.set(i, target);
      continue;
    }
    if (index >= op.numOutputs) throw new RangeError(`inputMap: '${opName}' has ${op.numOutputs} outputs; there is no output ` +
      `${index} (key '${keyName}')`);
    let out: unknown = target;
    if (isOutputConvertible(target)) out = target[toOutput]();
    if (!(out instanceof Output)) throw invalidArgument('an Output or a Variable', `inputMap['${keyName}']`, target);
    if (out.graph !== toGraph) {
      throw new Error(`inputMap['${keyName}']: ${out} belongs to ${out.graph}, not to the destination ${toGraph}`);
    }
    const src = op.output(index);
    if (out.dtype !== src.dtype) {
      throw new TypeError(`inputMap['${keyName}']: ${out} has dtype ${out.dtype} but ${src} has dtype ${src.dtype}`);
    }
    if (!shapesCompatible(out.shape, src.shape)) {
      throw new Error(`inputMap['${keyName}']: ${out} has shape ${shapeToString(out.shape)}, incompatible with the shape ` +
        `${shapeToString(src.shape)} of ${src}`);
    }
    let byIndex = map.outputs.get(i);
    if (!byIndex) map.outputs.set(i, (byIndex = new Map()));
    byIndex.set(index, out);
  }
  return map;
}
