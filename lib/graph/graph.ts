// SPDX-License-Identifier: Apache-2.0
// Graph: building operations (names, scopes, devices, control dependencies), lookups, collections and
// GraphDef import/export.
import { canonicalDevice } from '../base/device';
import { DType, dtypeNumber, isDType, requireDType } from '../base/dtypes';
import { checkInputMap, trialImportIfLibrary } from './graph-import';
import { GraphKeys } from './graph-keys';
import { tfAddon } from '../binding/library';
import { AttrKind, Native } from '../binding/native';
import { Operation, Output, OutputConvertible, isOutputConvertible, toOutput } from './operation';
import type { Ops } from '../ops';
import { encode } from '../proto';
import { OpSignature, readOpSignature } from '../ops/op-def-wire';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';
import { invalidArgument, optionalObject, requireFunction, requireString } from '../base/validate';
import { parseTensorName, tensorNameParts } from '../base/tensor-name';

/** What an op input accepts: an Output, or anything that stands for one (a Variable). */
export type OutputLike = Output | OutputConvertible;

/** The operation a device function sees before the operation exists. */
export interface OpSpec {
  name: string;
  type: string;
  /**
   * The device chosen so far: the op's own `device` option merged with the `g.device` scopes nested inside
   * the function's own scope (as in Python, the innermost scope decides first).
   */
  device: string;
  attrs: Record<string, unknown>;
}
export type DeviceFunction = (op: OpSpec) => string | undefined | null;

export interface AddOperationOptions {
  inputs?: Array<OutputLike | OutputLike[]>;
  attrs?: Record<string, unknown>;
  name?: string;
  device?: string;
  controlInputs?: Array<Operation | OutputLike>;
}

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

// OpDefs come from the process-wide op registry: one cache per loaded library.
const opDefCache = new Map<string, OpSignature>();

function opDefInfo(native: Native.Graph, type: string): OpSignature {
  let info = opDefCache.get(type);
  if (info) return info;
  info = readOpSignature(native.opDef(type));
  opDefCache.set(type, info);
  return info;
}

const SCALAR_KINDS: Record<string, number> = {
  string: AttrKind.string,
  int: AttrKind.int,
  float: AttrKind.float,
  bool: AttrKind.bool,
  type: AttrKind.type,
  shape: AttrKind.shape,
  tensor: AttrKind.tensor,
  func: AttrKind.func,
};

function shapeAttr(value: unknown, what: string): Array<number | null> | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) throw invalidArgument('an array of dimensions or null', what, value);
  return value.map((d) => {
    if (d === null || d === -1 || d === undefined) return null;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new RangeError(`Expected non-negative integers or null as dimensions for ${what} but received ${String(d)}`);
    }
    return d;
  });
}

function typeAttr(value: unknown, what: string): number {
  return dtypeNumber(requireDType(value, what));
}

function funcAttrProto(value: unknown, what: string): Uint8Array {
  const toNameAttrList = (v: unknown) => {
    if (typeof v === 'string') return { name: v };
    if (v && typeof v === 'object' && typeof (v as { name: unknown }).name === 'string') {
      const f = v as { name: string; attr?: Record<string, unknown> };
      return { name: f.name, attr: f.attr ?? {} };
    }
    throw invalidArgument('a function name or {name, attr}', what, v);
  };
  if (Array.isArray(value)) return encode('AttrValue', { list: { func: value.map(toNameAttrList) } });
  return encode('AttrValue', { func: toNameAttrList(value) });
}

/** Converts one attr value to the native [name, kind, value] triple, using the OpDef's attr type. */
function attrEntry(opType: string, name: string, declared: string | undefined, value: unknown): Native.AttrEntry {
  const what = `attr '${name}' of ${opType}`;
  let type = declared;
  if (type === undefined) {
    // Attrs outside the OpDef are TensorFlow's internal ones ('_class', '_output_shapes', …).
    if (Array.isArray(value)) type = typeof value[0] === 'number' ? 'list(int)' : 'list(string)';
    else type = typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : 'string';
  }
  const isList = type.startsWith('list(');
  const scalar = isList ? type.slice(5, -1) : type;
  if (scalar === 'func') return [name, AttrKind.proto, funcAttrProto(value, what)];
  const kind = SCALAR_KINDS[scalar];
  if (kind === undefined) throw new TypeError(`Unsupported attr type '${type}' for ${what}`);
  const convert = (v: unknown): unknown => {
    switch (scalar) {
      case 'type': return typeAttr(v, what);
      case 'shape': return shapeAttr(v, what);
      case 'tensor': return Tensor._native(v instanceof Tensor ? v : tensor(v as TensorLike));
      case 'string':
        if (typeof v !== 'string' && !(v instanceof Uint8Array)) throw invalidArgument('a string', what, v);
        return v;
      case 'int':
        if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return v;
        throw invalidArgument('an integer', what, v);
      case 'float':
        if (typeof v !== 'number') throw invalidArgument('a number', what, v);
        return v;
      case 'bool':
        if (typeof v !== 'boolean') throw invalidArgument('a boolean', what, v);
        return v;
      default:
        return v;
    }
  };
  if (isList) {
    if (!Array.isArray(value)) throw invalidArgument(`an array (${type})`, what, value);
    return [name, kind + AttrKind.listOffset, value.map(convert)];
  }
  return [name, kind, convert(value)];
}

// Shared empties for the common case of addOperation (no attrs, no control inputs): nothing is pushed to them.
const NO_OPERATIONS = Object.freeze([]) as unknown as Operation[];
const NO_ATTRS: Record<string, unknown> = Object.freeze({});
const NO_ATTR_ENTRIES = Object.freeze([]) as unknown as Native.AttrEntry[];

// addOperation's input spec (layout in native/graph.h), one for all graphs: it is filled right before the
// native call, which runs no JS, so builds nested in callbacks cannot interleave with it.
let specBuffer = new Int32Array(256);

function specOfLength(n: number): Int32Array {
  if (n > specBuffer.length) specBuffer = new Int32Array(Math.max(n, 2 * specBuffer.length));
  return specBuffer;
}

interface ControlFrame {
  ops: Operation[] | null; // null clears the enclosing frames
  seen: Set<Operation>;
}

let nextGraphId = 1;

// V8 lets the hidden classes (maps) of Graph, Operation and Output objects die when a full GC finds no object
// using them, and with them the optimized code specialised on them: after a program drops all its graphs,
// the next graph is built by unoptimized code until the builders are optimized again (a 10,000-op build in
// bench/ops-build.js, which collects between rounds, took a third longer). One small graph kept for the life
// of the process (of each worker thread) keeps those maps alive.
let mapKeeper: Output | null | undefined;

let opsExports: typeof import('../ops') | undefined;

function opsModule(): typeof import('../ops') {
  // Required on first use: the generated op table is large, and a process that never uses g.ops (or not
  // before its first result) should not parse it at start-up. Kept, because g.ops is read for every op built.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (opsExports ??= require('../ops') as typeof import('../ops'));
}

/**
 * A TensorFlow graph.
 * @example
 * const g = new tf.Graph();
 * const x = g.placeholder('float32', []);
 * const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)] }).output(0);
 */
export class Graph {
  /** @internal */
  readonly _native: Native.Graph;
  /** A number that tells graphs apart in messages. */
  readonly id: number;
  #ops = new Map<string, Operation>();
  #namesInUse = new Map<string, number>();
  #namesStale = false;
  #nameScope = '';
  #devices: Array<string | DeviceFunction | null> = [];
  #control: ControlFrame[] = [];
  #collections = new Map<string, unknown[]>();
  #opsObject: Ops | undefined;
  /** Graph-level random seed, as Python's `tf.compat.v1.set_random_seed`. */
  seed: number | undefined;

  constructor() {
    this._native = new (tfAddon().Graph)();
    this.id = nextGraphId++;
    if (mapKeeper === undefined) {
      mapKeeper = null; // while the keeper's own graph is made, and for good if it cannot be
      try {
        mapKeeper = new Graph().placeholder('float32', [], 'map_keeper');
      } catch {
        // Only speed depends on the keeper: this graph is made all the same.
      }
    }
  }

  toString(): string {
    return `Graph #${this.id}`;
  }

  // ---- names ----

  #syncNames(): void {
    if (!this.#namesStale) return;
    this.#namesStale = false;
    for (const name of this._native.operationNames()) {
      const key = name.toLowerCase();
      if (!this.#namesInUse.has(key)) this.#namesInUse.set(key, 1);
    }
  }

  /**
   * A name not yet used in this graph, under the current name scope: `name`, then `name_1`, `name_2`, … as
   * Python's `Graph.unique_name`.
   */
  uniqueName(name: string, markAsUsed = true): string {
    this.#syncNames();
    if (this.#nameScope) name = `${this.#nameScope}/${name}`;
    let key = name.toLowerCase();
    let i = this.#namesInUse.get(key) ?? 0;
    if (markAsUsed) this.#namesInUse.set(key, i + 1);
    if (i > 0) {
      const base = key;
      while (this.#namesInUse.has(key)) {
        key = `${base}_${i}`;
        i += 1;
      }
      if (markAsUsed) this.#namesInUse.set(key, 1);
      name = `${name}_${i - 1}`;
    }
    return name;
  }

  /** The current name scope ('' at the root). */
  get currentNameScope(): string {
    return this.#nameScope;
  }

  /**
   * Runs `fn` with operations named under `name/`: a new scope is made unique (`name`, `name_1`, …); a
   * name ending in '/' re-enters that exact scope; '' or null returns to the root. Returns fn's result.
   */
  nameScope<T>(name: string | null, fn: (scope: string) => T): T {
    requireFunction(fn, 'nameScope(name, fn)');
    let scope: string;
    if (name === null || name === '') scope = '';
    else if (typeof name !== 'string') throw invalidArgument('a string or null', 'nameScope(name, fn)', name);
    else if (name.endsWith('/')) scope = name.slice(0, -1);
    else scope = this.uniqueName(name);
    const saved = this.#nameScope;
    this.#nameScope = scope;
    try {
      return fn(scope ? `${scope}/` : '');
    } finally {
      this.#nameScope = saved;
    }
  }

  // ---- devices ----

  /**
   * Runs `fn` with operations placed on `spec` (merged into enclosing specs, as Python's `with g.device`),
   * or as a device function decides for each operation; null ignores the enclosing scopes and '' changes
   * nothing, as Python's `g.device(None)` and `g.device('')`. Returns fn's result.
   */
  device<T>(spec: string | DeviceFunction | null, fn: () => T): T {
    requireFunction(fn, 'device(spec, fn)');
    if (spec !== null && typeof spec !== 'string' && typeof spec !== 'function') {
      throw invalidArgument('a device string, a device function or null', 'device(spec, fn)', spec);
    }
    if (typeof spec === 'string') canonicalDevice(spec); // throws on a malformed spec, before fn runs
    this.#devices.push(spec);
    try {
      return fn();
    } finally {
      this.#devices.pop();
    }
  }

  #deviceFor(op: Omit<OpSpec, 'device'>, own: string): string {
    // Python's _apply_device_functions: innermost scope first; a string scope fills in only the fields the
    // device chosen so far leaves open; a function's answer replaces it; a null scope stops the walk.
    let device = own;
    for (let i = this.#devices.length - 1; i >= 0; i--) {
      const entry = this.#devices[i];
      if (entry === null) break;
      if (typeof entry === 'string') {
        if (entry !== '') device = canonicalDevice(device, entry);
      } else {
        const chosen = entry({ ...op, device });
        if (chosen !== undefined && chosen !== null) {
          if (typeof chosen !== 'string') throw invalidArgument('a device string', 'the result of a device function', chosen);
          device = chosen === '' ? '' : canonicalDevice(chosen);
        }
      }
    }
    return device;
  }

  // ---- control dependencies ----

  /**
   * Runs `fn` with every new operation depending on `controlInputs` (null clears the enclosing ones).
   * Returns fn's result.
   */
  controlDependencies<T>(controlInputs: Array<Operation | OutputLike> | null, fn: () => T): T {
    requireFunction(fn, 'controlDependencies(ops, fn)');
    const ops = controlInputs === null ? null : this.#toOperations(controlInputs, 'controlDependencies');
    this.#control.push({ ops, seen: new Set() });
    try {
      return fn();
    } finally {
      this.#control.pop();
    }
  }

  #toOperations(values: unknown, what: string): Operation[] {
    if (!Array.isArray(values)) throw invalidArgument('an array of operations or tensors', what, values);
    return values.map((v) => {
      const op = v instanceof Operation ? v : this._toOutput(v, what).op;
      if (op.graph !== this) {
        throw new Error(`${what}: ${op} belongs to ${op.graph}, not to ${this}`);
      }
      return op;
    });
  }

  /** @internal An Output of this graph for an OutputLike, or a clear error. */
  _toOutput(value: unknown, what: string): Output {
    let out: unknown = value;
    if (isOutputConvertible(value)) out = value[toOutput]({ underControlDependencies: this.#controlInputsFor([]).length > 0 });
    if (!(out instanceof Output)) throw invalidArgument('an Output (or a Variable)', what, value);
    if (out.graph !== this) {
      throw new Error(`${what}: ${out} belongs to ${out.graph} but is used in ${this}; an operation's inputs must come from its own graph (copy it with tf.copy.copyToGraph)`);
    }
    return out;
  }

  // ---- building ----

  /**
   * Adds an operation of any registered type (the untyped form of `g.ops.*`).
   * @throws TypeError/RangeError on malformed arguments or inputs of another graph; NotFoundError for an
   *   unknown op type; InvalidArgumentError when TensorFlow rejects the inputs or attrs. The graph is
   *   unchanged after a failure.
   * @example g.addOperation('MatMul', { inputs: [a, b], attrs: { transpose_a: true } })
   */
  addOperation(type: string, options: AddOperationOptions = {}): Operation {
    // The hot path of every builder (g.ops, layers, optimizers): messages are built only on failure.
    requireString(type, 'the op type of addOperation');
    optionalObject(options, 'the options of addOperation');
    const info = opDefInfo(this._native, type);
    const inputs = options.inputs ?? [];
    if (!Array.isArray(inputs)) throw invalidArgument('an array', `the inputs of ${type}`, inputs);
    const nInputs = inputs.length;
    if (nInputs !== info.inputArgs.length) {
      throw new TypeError(`${type} takes ${info.inputArgs.length} inputs (${info.inputArgs.map((a) => a.name).join(', ')}) but received ${nInputs}`);
    }
    // Inputs are resolved before anything is written to the spec: a toOutput may build operations itself.
    const resolved: Array<Output | Output[]> = new Array(nInputs);
    let specLength = 3; // the output-count slot, the number of input args, the number of control inputs
    const tracking = this.#control.length > 0;
    const inputOperations: Operation[] = tracking ? [] : NO_OPERATIONS;
    for (let i = 0; i < nInputs; i++) {
      const arg = info.inputArgs[i];
      if (arg.isList) {
        const list = inputs[i];
        if (!Array.isArray(list)) throw invalidArgument('an array of Outputs', `input '${arg.name}' of ${type}`, list);
        const outs: Output[] = new Array(list.length);
        for (let j = 0; j < list.length; j++) {
          outs[j] = this.#inputOutput(list[j], arg.name, type, j);
          if (tracking) inputOperations.push(outs[j].op);
        }
        resolved[i] = outs;
        specLength += 1 + 2 * outs.length;
      } else {
        const out = this.#inputOutput(inputs[i], arg.name, type, -1);
        resolved[i] = out;
        specLength += 3;
        if (tracking) inputOperations.push(out.op);
      }
    }
    const given = options.attrs ?? NO_ATTRS;
    const attrs: Native.AttrEntry[] = given === NO_ATTRS ? NO_ATTR_ENTRIES : [];
    for (const name in given) {
      const value = given[name];
      if (value === undefined) continue;
      const declared = info.attrTypes.get(name);
      if (declared === undefined && !name.startsWith('_')) {
        throw new TypeError(`${type} has no attr '${name}'; its attrs are: ${[...info.attrTypes.keys()].join(', ') || 'none'}`);
      }
      attrs.push(attrEntry(type, name, declared, value));
    }
    let name: string;
    let exact = false;
    if (options.name === undefined) name = this.uniqueName(type);
    else {
      requireString(options.name, `the name of a ${type}`);
      // As Python's create_op: a name ending in '/' (a name scope's name) is used as it is, not uniquified.
      exact = options.name.length > 1 && options.name.endsWith('/');
      name = exact ? options.name.slice(0, -1) : this.uniqueName(options.name);
      if (exact) this.#markUsed(name);
    }
    let device = options.device === undefined ? '' : canonicalDevice(requireString(options.device, `the device of ${name}`));
    if (this.#devices.length) device = this.#deviceFor({ name, type, attrs: given }, device);
    const controls = tracking || options.controlInputs ? this.#controlInputsFor(inputOperations) : NO_OPERATIONS;
    if (options.controlInputs) {
      for (const op of this.#toOperations(options.controlInputs, `the control inputs of ${name}`)) {
        if (!controls.includes(op)) controls.push(op);
      }
    }
    // Every user callback has run: the spec is written and read without JS in between.
    const spec = specOfLength(specLength + controls.length);
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
    let id: number;
    try {
      id = this._native.addOperation(type, name, device, spec, attrs.length ? attrs : undefined);
    } catch (err) {
      if (!exact) this.#releaseName(name);
      throw err;
    }
    const op = new Operation(this, id, name, type, spec[0]);
    this.#ops.set(name, op);
    if (tracking) for (const frame of this.#control) frame.seen.add(op);
    return op;
  }

  /** An input's Output, with the message naming the input built only when it is not one. */
  #inputOutput(value: unknown, arg: string, type: string, index: number): Output {
    if (value instanceof Output && value.op.graph === this) return value;
    return this._toOutput(value, `input '${arg}' of ${type}${index >= 0 ? `[${index}]` : ''}`);
  }

  #markUsed(name: string): void {
    // No need to sync first: syncing only adds names that are absent, as this does.
    const key = name.toLowerCase();
    if (!this.#namesInUse.has(key)) this.#namesInUse.set(key, 1);
  }

  #releaseName(name: string): void {
    // A failed build leaves no operation: its name may be used again, as in Python.
    const key = name.toLowerCase();
    const n = this.#namesInUse.get(key);
    if (n === 1) this.#namesInUse.delete(key);
    else if (n !== undefined) this.#namesInUse.set(key, n - 1);
  }

  #controlInputsFor(inputOps: Operation[]): Operation[] {
    const controls: Operation[] = [];
    let start = 0;
    for (let i = this.#control.length - 1; i >= 0; i--) {
      if (this.#control[i].ops === null) {
        start = i + 1;
        break;
      }
    }
    for (let i = start; i < this.#control.length; i++) {
      const frame = this.#control[i];
      // As Python: an op that consumes something built inside the same block already runs after it.
      if (inputOps.some((op) => frame.seen.has(op))) continue;
      // Nor does one that already consumes the control input's data.
      for (const op of frame.ops!) if (!controls.includes(op) && !inputOps.includes(op)) controls.push(op);
    }
    return controls;
  }

  /**
   * Typed builders for every op of the loaded library's registry (lib/ops): `g.ops.matMul(a, b, {transposeA: true})`.
   * Inputs are positional in OpDef order; values where an input is expected become constants.
   */
  get ops(): Ops {
    return (this.#opsObject ??= opsModule().opsFor(this));
  }

  /**
   * A placeholder to feed.
   * @param shape static shape; null entries are unknown dimensions; omitted: unknown rank.
   */
  placeholder(dtype: DType, shape?: Array<number | null> | null, name?: string): Output {
    requireDType(dtype, 'placeholder');
    const attrs: Record<string, unknown> = { dtype };
    if (shape !== undefined && shape !== null) attrs.shape = shape;
    return this.addOperation('Placeholder', { attrs, name: name ?? 'Placeholder' }).output(0);
  }

  /**
   * A constant.
   * @example g.constant([[1, 2], [3, 4]], { dtype: 'int32' })
   */
  constant(value: TensorLike | Tensor, options: { dtype?: DType; shape?: number[]; name?: string } = {}): Output {
    optionalObject(options, 'the options of constant');
    if (options.dtype !== undefined && !isDType(options.dtype)) requireDType(options.dtype, 'constant');
    let t = value instanceof Tensor ? value : tensor(value as TensorLike, options.shape, options.dtype);
    if (value instanceof Tensor && options.dtype !== undefined && options.dtype !== value.dtype) {
      t = tensor(value.toArray(), value.shape, options.dtype);
    }
    return this.addOperation('Const', { attrs: { dtype: t.dtype, value: t }, name: options.name ?? 'Const' }).output(0);
  }

  // ---- lookups ----

  /** The operation named `name`, or undefined. */
  operation(name: string): Operation | undefined {
    requireString(name, 'operation(name)');
    let op = this.#ops.get(name);
    if (op) return op;
    const id = this._native.operationId(name);
    if (id < 0) return undefined;
    op = new Operation(this, id, name);
    this.#ops.set(name, op);
    return op;
  }

  /**
   * The tensor named 'op:index' (or 'op', meaning output 0).
   * @throws Error when there is no such operation or output.
   */
  tensor(name: string): Output {
    requireString(name, 'tensor(name)');
    const [opName, index] = tensorNameParts(name);
    const op = this.operation(opName);
    if (!op) throw new Error(`${this} has no operation '${opName}' (looking up tensor '${name}')`);
    return op.output(index);
  }

  /** The operations, in creation order. */
  operations(): Operation[] {
    return this._native.operationNames().map((n) => this.operation(n)!);
  }

  get numOperations(): number {
    return this._native.numOperations();
  }

  // ---- collections ----

  /** Adds `value` to the collection `key` (e.g. tf.GraphKeys.TRAIN_OP). */
  addToCollection(key: string, value: unknown): void {
    requireString(key, 'the collection key');
    let list = this.#collections.get(key);
    if (!list) this.#collections.set(key, (list = []));
    list.push(value);
  }

  /** A copy of collection `key`, in insertion order; with `scope`, only items whose name starts with it. */
  getCollection<T = unknown>(key: string, scope?: string): T[] {
    requireString(key, 'the collection key');
    const list = (this.#collections.get(key) ?? []) as T[];
    if (scope === undefined) return [...list];
    return list.filter((item) => {
      const name = (item as { name?: unknown })?.name;
      return typeof name === 'string' && name.startsWith(scope);
    });
  }

  /** The live list behind collection `key` (created if absent). */
  getCollectionRef<T = unknown>(key: string): T[] {
    requireString(key, 'the collection key');
    let list = this.#collections.get(key);
    if (!list) this.#collections.set(key, (list = []));
    return list as T[];
  }

  /** The keys of all non-empty collections. */
  get collectionKeys(): string[] {
    return [...this.#collections.keys()].filter((k) => this.#collections.get(k)!.length > 0);
  }

  /** Empties collection `key`. */
  clearCollection(key: string): void {
    this.#collections.delete(key);
  }

  // ---- serialization ----

  /** The binary GraphDef, including the function library. */
  toGraphDef(): Uint8Array {
    return this._native.toGraphDef();
  }

  /**
   * Imports a binary GraphDef (with its function library) into this graph. The graph, its names in use and
   * its function library are unchanged when it throws.
   * @throws InvalidArgumentError for malformed bytes, bad attrs, name collisions (without a prefix or
   *   uniquifyNames) or input-map keys that name nothing in the GraphDef; NotFoundError for unknown ops;
   *   TypeError for malformed options; Error for tensors or operations of another graph.
   * @example g.importGraphDef(bytes, { prefix: 'imported', inputMap: { 'x:0': myInput }, returnElements: ['y:0'] })
   */
  importGraphDef(bytes: Uint8Array, options: ImportGraphDefOptions = {}): ImportGraphDefResult {
    if (!(bytes instanceof Uint8Array)) throw invalidArgument('a Uint8Array', 'the GraphDef', bytes);
    optionalObject(options, 'the options of importGraphDef');
    const native: Native.ImportOptions = {};
    if (options.prefix !== undefined) native.prefix = requireString(options.prefix, 'prefix');
    if (options.defaultDevice !== undefined) native.defaultDevice = requireString(options.defaultDevice, 'defaultDevice');
    native.uniquifyNames = Boolean(options.uniquifyNames);
    native.uniquifyPrefix = Boolean(options.uniquifyPrefix);
    if (options.validateColocationConstraints !== undefined) native.validateColocationConstraints = Boolean(options.validateColocationConstraints);
    native.inputMap = [];
    native.remapControlDependencies = [];
    for (const [key, value] of Object.entries(options.inputMap ?? {})) {
      if (key.startsWith('^')) {
        if (!(value instanceof Operation)) throw invalidArgument('an Operation', `inputMap['${key}']`, value);
        native.remapControlDependencies.push([key.slice(1), this.#toOperations([value], `inputMap['${key}']`)[0]._native]);
        continue;
      }
      const [opName, index] = tensorNameParts(key);
      const out = this._toOutput(value, `inputMap['${key}']`);
      native.inputMap.push([opName, index, out.op._native, out.index]);
    }
    for (const [key, value] of Object.entries(options.remapControlDependencies ?? {})) {
      native.remapControlDependencies.push([key, this.#toOperations([value], `remapControlDependencies['${key}']`)[0]._native]);
    }
    if (options.controlDependencies) {
      native.controlDependencies = this.#toOperations(options.controlDependencies, 'controlDependencies').map((o) => o._native);
    }
    const returnElements = options.returnElements ?? [];
    if (!Array.isArray(returnElements)) throw invalidArgument('an array of names', 'returnElements', returnElements);
    native.returnOutputs = [];
    native.returnOperations = [];
    for (const element of returnElements) {
      requireString(element, 'a returnElements entry');
      const { op, index } = parseTensorName(element);
      if (index !== null) {
        native.returnOutputs.push([op, index]);
      } else {
        native.returnOperations.push(element);
      }
    }
    // Keep a failed import from changing the graph (lib/graph-import.ts says where TensorFlow alone would).
    checkInputMap(this._native, bytes, [
      ...native.inputMap.map(([name, index]): [string, number] => [name, index]),
      ...native.remapControlDependencies.map(([name]): [string, number] => [name, -1]),
    ]);
    trialImportIfLibrary(this._native, bytes, native);
    const result = this._native.importGraphDef(bytes, native);
    this.#namesStale = true;
    // As Python's import_graph_def, whose prefix is a name scope: later names avoid the prefix itself too.
    if (native.prefix) this.#markUsed(native.prefix.replace(/\/+$/, ''));
    return {
      outputs: result.outputs.map(([name, index]) => this.operation(name)!.output(index)),
      operations: result.operations.map((name) => this.operation(name)!),
      missingUnusedInputMappings: result.missingUnusedInputMappings.map(([name, index]) => `${name}:${index}`),
    };
  }

  /** @internal Operations were added natively (a SavedModel load): names in use are re-read before the next name. */
  _markNamesStale(): void {
    this.#namesStale = true;
  }

  /** A new graph holding a binary GraphDef (names kept as they are). */
  static fromGraphDef(bytes: Uint8Array, options: ImportGraphDefOptions = {}): Graph {
    const g = new Graph();
    g.importGraphDef(bytes, options);
    return g;
  }
}
