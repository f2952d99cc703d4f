// SPDX-License-Identifier: Apache-2.0
// Graph.importGraphDef: its options, checked and converted to the native TF_ImportGraphDefOptions fields, and
// the import itself, all-or-nothing.
import { parseTensorName, tensorNameParts } from '../base/tensor-name';
import { invalidArgument, requireString } from '../base/validate';
import { Native } from '../binding/native';
import { checkInputMap, trialImportIfLibrary } from './graph-import';
import { checkNoNul } from './names';
import { Operation, Output } from './operation';
import type { OutputLike } from './graph';

export interface ImportGraphDefOptions {
  /** Prepended to every imported name (Python's default is 'import'; here the default is none). */
  prefix?: string;
  /** Imported tensors ('name:index' or 'name') replaced by tensors of this graph; '^name' keys remap control inputs. */
  inputMap?: Record<string, OutputLike | Operation>;
  /** 'op:0' names return Outputs, 'op' names return Operations. */
  returnElements?: string[];
  /** Operations every imported root operation will depend on. */
  controlDependencies?: Operation[];
  /** Device for imported operations that name none. */
  defaultDevice?: string;
  /** Rename imported operations that collide with existing names instead of failing. */
  uniquifyNames?: boolean;
  /** Make the prefix itself unique. */
  uniquifyPrefix?: boolean;
  /** Imported control inputs ('name', without '^') replaced by operations of this graph. */
  remapControlDependencies?: Record<string, Operation>;
  /**
   * Check that every colocation target ('loc:@x' in a `_class` attr) is among the imported nodes (default
   * true); false lets imported nodes stay colocated with operations the graph already has.
   */
  validateColocationConstraints?: boolean;
}

export interface ImportGraphDefResult {
  outputs: Output[];
  operations: Operation[];
  missingUnusedInputMappings: string[];
}

/** How the graph importing turns option values into its own Outputs and Operations (or a clear error). */
export interface ImportResolver {
  toOutput(value: unknown, what: string): Output;
  toOperations(values: unknown, what: string): Operation[];
}

// The C API takes these names as C strings: a NUL would cut them short, mapping or returning another name.
function cString(value: unknown, what: string): string {
  requireString(value, what);
  checkNoNul(value as string, what);
  return value as string;
}

/** The native options, with the lists that nativeImportOptions always fills. */
export type FilledImportOptions = Native.ImportOptions &
  Required<Pick<Native.ImportOptions, 'inputMap' | 'remapControlDependencies' | 'returnOutputs' | 'returnOperations'>>;

/** @internal The native import options for `options`, every name and value checked. */
export function nativeImportOptions(options: ImportGraphDefOptions, graph: ImportResolver): FilledImportOptions {
  const native: FilledImportOptions = { inputMap: [], remapControlDependencies: [], returnOutputs: [], returnOperations: [] };
  if (options.prefix !== undefined) native.prefix = cString(options.prefix, 'prefix');
  if (options.defaultDevice !== undefined) native.defaultDevice = cString(options.defaultDevice, 'defaultDevice');
  native.uniquifyNames = Boolean(options.uniquifyNames);
  native.uniquifyPrefix = Boolean(options.uniquifyPrefix);
  if (options.validateColocationConstraints !== undefined) {
    native.validateColocationConstraints = Boolean(options.validateColocationConstraints);
  }
  for (const [key, value] of Object.entries(options.inputMap ?? {})) {
    checkNoNul(key, 'An inputMap key');
    if (key.startsWith('^')) {
      if (!(value instanceof Operation)) throw invalidArgument('an Operation', `inputMap['${key}']`, value);
      native.remapControlDependencies.push([key.slice(1), graph.toOperations([value], `inputMap['${key}']`)[0]._native]);
      continue;
    }
    const [opName, index] = tensorNameParts(key);
    const out = graph.toOutput(value, `inputMap['${key}']`);
    native.inputMap.push([opName, index, out.op._native, out.index]);
  }
  for (const [key, value] of Object.entries(options.remapControlDependencies ?? {})) {
    checkNoNul(key, 'A remapControlDependencies key');
    native.remapControlDependencies.push([key, graph.toOperations([value], `remapControlDependencies['${key}']`)[0]._native]);
  }
  if (options.controlDependencies) {
    native.controlDependencies = graph.toOperations(options.controlDependencies, 'controlDependencies').map((o) => o._native);
  }
  const returnElements = options.returnElements ?? [];
  if (!Array.isArray(returnElements)) throw invalidArgument('an array of names', 'returnElements', returnElements);
  for (const element of returnElements) {
    cString(element, 'a returnElements entry');
    const { op, index } = parseTensorName(element as string);
    if (index !== null) native.returnOutputs.push([op, index]);
    else native.returnOperations.push(element as string);
  }
  return native;
}

/**
 * @internal Imports `bytes` into the native graph, leaving it unchanged when this throws (graph-import.ts says
 * where TensorFlow alone would not). The caller maps the result to its Operations and Outputs.
 */
export function importIntoGraph(
  graph: Native.Graph,
  bytes: Uint8Array,
  options: ImportGraphDefOptions,
  resolver: ImportResolver,
): { native: FilledImportOptions; result: Native.ImportResult } {
  const native = nativeImportOptions(options, resolver);
  checkInputMap(graph, bytes, [
    ...native.inputMap.map(([name, index]): [string, number] => [name, index]),
    ...native.remapControlDependencies.map(([name]): [string, number] => [name, -1]),
  ]);
  trialImportIfLibrary(graph, bytes, native);
  return { native, result: graph.importGraphDef(bytes, native) };
}
