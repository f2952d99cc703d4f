// SPDX-License-Identifier: Apache-2.0
// Graph: building operations (names, scopes, devices, control dependencies), lookups, collections and
// GraphDef import/export.
import { canonicalDevice } from '../base/device';
import { DType, isDType, requireDType } from '../base/dtypes';
import { tensorNameParts } from '../base/tensor-name';
import { invalidArgument, optionalObject, requireFunction, requireString } from '../base/validate';
import { tfAddon } from '../binding/library';
import { Native } from '../binding/native';
import type { Ops } from '../ops';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';
import { ControlFrame, DeviceFunction, DeviceScope, controlInputsUnder, deviceUnderScopes } from './build-scopes';
import { Collections } from './collections';
import { checkFunctionsDefined } from './function-names';
import { constantTensor } from './constant-value';
import { ImportGraphDefOptions, ImportGraphDefResult, importIntoGraph } from './import-options';
import { NameRegistry, checkNoNul, checkScopeName } from './names';
import { attrEntries, opDefInfo } from './op-attrs';
import { resolveInputs, writeInputSpec } from './op-spec';
import { Operation, Output, OutputConvertible, isOutputConvertible, toOutput } from './operation';

export type { DeviceFunction, OpSpec } from './build-scopes';
export type { ImportGraphDefOptions, ImportGraphDefResult } from './import-options';

/** What an op input accepts: an Output, or anything that stands for one (a Variable). */
export type OutputLike = Output | OutputConvertible;

export interface AddOperationOptions {
  inputs?: Array<OutputLike | OutputLike[]>;
  attrs?: Record<string, unknown>;
  name?: string;
  device?: string;
  controlInputs?: Array<Operation | OutputLike>;
}

// A shared empty for the common case of addOperation (no control inputs): nothing is pushed to it.
const NO_OPERATIONS = Object.freeze([]) as unknown as Operation[];

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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
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
  #names: NameRegistry;
  #nameScope = '';
  #devices: DeviceScope[] = [];
  #control: ControlFrame[] = [];
  #collections = new Collections();
  #opsObject: Ops | undefined;
  /** Graph-level random seed, as Python's `tf.compat.v1.set_random_seed`. */
  seed: number | undefined;

  constructor() {
    this._native = new (tfAddon().Graph)();
    this.id = nextGraphId++;
    this.#names = new NameRegistry(() => this._native.operationNames());
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

  /** @internal The graph a function body graph captures outer tensors from; undefined for a graph of its own. */
  get _outerGraph(): Graph | undefined {
    return undefined;
  }

  // ---- names ----

  /**
   * A name not yet used in this graph, under the current name scope: `name`, then `name_1`, `name_2`, … as
   * Python's `Graph.unique_name`.
   */
  uniqueName(name: string, markAsUsed = true): string {
    return this.#names.unique(this.#nameScope ? `${this.#nameScope}/${name}` : name, markAsUsed);
  }

  /** The current name scope ('' at the root). */
  get currentNameScope(): string {
    return this.#nameScope;
  }

  /**
   * Runs `fn` with operations named under `name/`: a new scope is made unique (`name`, `name_1`, …); a
   * name ending in '/' re-enters that exact scope; '' or null returns to the root. Returns fn's result.
   * @throws TypeError for a name TensorFlow would not accept in an operation name (as Python's name_scope).
   */
  nameScope<T>(name: string | null, fn: (scope: string) => T): T {
    requireFunction(fn, 'nameScope(name, fn)');
    let scope: string;
    if (name === null || name === '') scope = '';
    else if (typeof name !== 'string') throw invalidArgument('a string or null', 'nameScope(name, fn)', name);
    else if (name.endsWith('/')) {
      scope = name.slice(0, -1);
      checkScopeName(scope, false); // an absolute scope: a prefix of operation names
    } else {
      checkScopeName(name, this.#nameScope !== '');
      scope = this.uniqueName(name);
    }
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
    if (isOutputConvertible(value)) out = value[toOutput]({ underControlDependencies: controlInputsUnder(this.#control, []).length > 0 });
    if (!(out instanceof Output)) throw invalidArgument('an Output (or a Variable)', what, value);
    if (out.graph !== this) {
      throw new Error(`${what}: ${out} belongs to ${out.graph} but is used in ${this}; ` +
        "an operation's inputs must come from its own graph (copy it with tf.copy.copyToGraph)");
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
    // Inputs are resolved before anything is written to the spec: a toOutput may build operations itself.
    const tracking = this.#control.length > 0;
    const inputOperations: Operation[] = tracking ? [] : NO_OPERATIONS;
    const resolved = resolveInputs(this, type, info, options.inputs ?? [], tracking ? inputOperations : null);
    const attrs = attrEntries(type, info, options.attrs);
    if (attrs.length) checkFunctionsDefined(this._native, type, info, options.attrs);
    const claim = this.#names.claimOpName(type, options.name, this.#nameScope);
    const name = claim.name;
    let device = options.device === undefined ? '' : canonicalDevice(requireString(options.device, `the device of ${name}`));
    if (this.#devices.length) device = deviceUnderScopes(this.#devices, { name, type, attrs: options.attrs ?? {} }, device);
    if (device !== '' && device.includes('\0')) checkNoNul(device, `The device of ${name}`); // a job name could hold one
    const controls = tracking || options.controlInputs ? controlInputsUnder(this.#control, inputOperations) : NO_OPERATIONS;
    if (options.controlInputs) {
      for (const op of this.#toOperations(options.controlInputs, `the control inputs of ${name}`)) {
        if (!controls.includes(op)) controls.push(op);
      }
    }
    // Every user callback has run: the spec is written and read without JS in between.
    const spec = writeInputSpec(info, resolved, controls);
    let id: number;
    try {
      id = this._native.addOperation(type, name, device, spec, attrs.length ? attrs : undefined);
    } catch (err) {
      this.#names.releaseOpName(claim);
      throw err;
    }
    const op = new Operation(this, id, name, type, spec[0]);
    this.#ops.set(name, op);
    if (tracking) for (const frame of this.#control) frame.seen.add(op);
    return op;
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
   * A constant. As Python's tf.constant, `shape` reshapes values of as many elements, and a single value (a
   * scalar or a list of one) fills it.
   * @throws TypeError when several values do not have `shape`'s number of elements.
   * @example g.constant([[1, 2], [3, 4]], { dtype: 'int32' }); g.constant(0.1, { shape: [32] })
   */
  constant(value: TensorLike | Tensor, options: { dtype?: DType; shape?: number[]; name?: string } = {}): Output {
    optionalObject(options, 'the options of constant');
    if (options.dtype !== undefined && !isDType(options.dtype)) requireDType(options.dtype, 'constant');
    let t = value instanceof Tensor ? value : constantTensor(value as TensorLike, options.shape, options.dtype);
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
    this.#collections.add(key, value);
  }

  /** A copy of collection `key`, in insertion order; with `scope`, only items whose name starts with it. */
  getCollection<T = unknown>(key: string, scope?: string): T[] {
    return this.#collections.get<T>(key, scope);
  }

  /** The live list behind collection `key` (created if absent). */
  getCollectionRef<T = unknown>(key: string): T[] {
    return this.#collections.ref<T>(key);
  }

  /** The keys of all non-empty collections. */
  get collectionKeys(): string[] {
    return this.#collections.keys();
  }

  /** Empties collection `key`. */
  clearCollection(key: string): void {
    this.#collections.clear(key);
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
    const { native, result } = importIntoGraph(this._native, bytes, options, {
      toOutput: (value, what) => this._toOutput(value, what),
      toOperations: (values, what) => this.#toOperations(values, what),
    });
    this.#names.markStale();
    // As Python's import_graph_def, whose prefix is a name scope: later names avoid the prefix itself too.
    if (native.prefix) this.#names.markUsed(native.prefix.replace(/\/+$/, ''));
    return {
      outputs: result.outputs.map(([name, index]) => this.operation(name)!.output(index)),
      operations: result.operations.map((name) => this.operation(name)!),
      missingUnusedInputMappings: result.missingUnusedInputMappings.map(([name, index]) => `${name}:${index}`),
    };
  }

  /** @internal Operations were added natively (a SavedModel load): names in use are re-read before the next name. */
  _markNamesStale(): void {
    this.#names.markStale();
  }

  /** A new graph holding a binary GraphDef (names kept as they are). */
  static fromGraphDef(bytes: Uint8Array, options: ImportGraphDefOptions = {}): Graph {
    const g = new Graph();
    g.importGraphDef(bytes, options);
    return g;
  }
}
