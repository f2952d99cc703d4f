// SPDX-License-Identifier: Apache-2.0
// Variable: a resource variable (VarHandleOp + AssignVariableOp + ReadVariableOp), built with the node names
// Python's tf.compat.v1 gives them (`w`, `w/Initializer/…`, `w/IsInitialized/VarIsInitializedOp`, `w/Assign`,
// `w/Read/ReadVariableOp`), so checkpoints and MetaGraphDefs interoperate with Python.
import { DType } from '../base/dtypes';
import { StaticShape, isFullyDefined, shapeToString, shapesCompatible } from '../base/shape';
import { invalidArgument, optionalObject, requireString } from '../base/validate';
import type { Graph, OutputLike } from '../graph/graph';
import { buildingGraphFor } from '../graph/default-graph';
import { GraphKeys } from '../graph/graph-keys';
import { prependNameScope, stripNameScope } from '../graph/names';
import { Operation, Output, OutputConvertible, ToOutputContext, isOutputConvertible, toOutput } from '../graph/operation';
import { decode } from '../proto';
import { Session } from '../session/session';
import { Tensor, TensorLike } from '../tensor/tensor';
import { hostTensor, isHostValue } from './host-value';
import { buildNewVariable } from './variable-builder';

// Their home moved; importers of variable.ts keep finding them here.
export { checkScopeName, prependNameScope, stripNameScope } from '../graph/names';
export { hostTensor } from './host-value';
export { requireCollections } from './variable-builder';

/** What a variable's initial value may be: a graph value, a host value, or a function building one. */
export type InitialValue = OutputLike | Tensor | TensorLike | (() => OutputLike | Tensor | TensorLike);

/** Options of `g.variable(initialValue, options)`, as Python's `tf.compat.v1.Variable`. */
export interface VariableOptions {
  /** The variable's name under the current name scope (default 'Variable'), made unique like an op name. */
  name?: string;
  /** Converts a host initial value to this dtype; an Output initial value must already have it. */
  dtype?: DType;
  /** The variable's static shape (null entries for unknown dimensions); defaults to the initial value's. */
  shape?: Array<number | null> | null;
  /** Adds the variable to TRAINABLE_VARIABLES too (default true). */
  trainable?: boolean;
  /** The collections to add it to (default [GLOBAL_VARIABLES]). */
  collections?: string[];
  /** When false, assignments of other shapes are allowed at run time (default true). */
  validateShape?: boolean;
}

/** A VariableDef message as a plain object (proto field names). */
export interface VariableDefObject {
  variable_name: string;
  initial_value_name?: string;
  initializer_name: string;
  snapshot_name: string;
  is_resource?: boolean;
  trainable?: boolean;
  synchronization?: number;
  aggregation?: number;
  save_slice_info_def?: Record<string, unknown> | null;
}

export interface AssignOptions {
  /** Name of the assign operation. */
  name?: string;
  /** With false, return the assign Operation instead of a read of the new value (default true). */
  readValue?: boolean;
}

/** @internal What a Variable is made of (variable-builder.ts builds them). */
export interface VariableParts {
  graph: Graph;
  handle: Output;
  initializer: Operation;
  initialValue: Output;
  snapshot: Output;
  isInitialized?: Output;
  trainable: boolean;
  dtype: DType;
  shape: StaticShape;
  validateShape: boolean;
}

/**
 * A resource variable of a graph. Create one with `g.variable(initialValue, …)` or
 * `g.getVariable(name, …)`; pass it anywhere an Output is accepted (its value is read) and fetch it from
 * `session.run`.
 * @example
 * const w = g.getVariable('w', { shape: [2, 3] });
 * const sess = new tf.Session(g);
 * await sess.run(tf.globalVariablesInitializer(g));
 * const value = await sess.run(w);
 */
export class Variable implements OutputConvertible {
  /** The graph that holds the variable. */
  readonly graph: Graph;
  /** The resource handle (the VarHandleOp's output). */
  readonly handle: Output;
  /** Whether the variable is meant to be trained (it is in TRAINABLE_VARIABLES when created so). */
  readonly trainable: boolean;
  /** The element type. */
  readonly dtype: DType;
  /** The static shape (null entries for unknown dimensions). */
  readonly shape: StaticShape;
  #initializer: Operation;
  #initialValue: Output;
  #snapshot: Output;
  #isInitialized: Output | undefined;
  #validateShape: boolean;

  /** @internal Use `g.variable`, `g.getVariable` or `Variable.fromProto`. */
  constructor(parts: VariableParts) {
    this.graph = parts.graph;
    this.handle = parts.handle;
    this.#initializer = parts.initializer;
    this.#initialValue = parts.initialValue;
    this.trainable = parts.trainable;
    this.dtype = parts.dtype;
    this.shape = parts.shape;
    this.#snapshot = parts.snapshot;
    this.#isInitialized = parts.isInitialized;
    this.#validateShape = parts.validateShape;
  }

  /** The operation that assigns the initial value. */
  get initializer(): Operation {
    return this.#initializer;
  }

  /** The value the initializer assigns. */
  get initialValue(): Output {
    return this.#initialValue;
  }

  /**
   * @internal Replaces the initializer (as Python's `init_from_checkpoint` replaces `_initializer_op`), so that
   * initializing the variable assigns `value` instead.
   */
  _setInitializer(initializer: Operation, value: Output): void {
    this.#initializer = initializer;
    this.#initialValue = value;
  }

  /** The variable's name, e.g. `'conv1/weights'` (its VarHandleOp's name; the tensor is `name + ':0'`). */
  get name(): string {
    return this.handle.op.name;
  }

  /** The VarHandleOp. */
  get op(): Operation {
    return this.handle.op;
  }

  /** The device the variable was placed on when built (`''` when unconstrained). */
  get device(): string {
    return this.handle.op.device;
  }

  /**
   * The variable's value: the read made when it was created (`name/Read/ReadVariableOp:0`). Passing the
   * Variable where an Output is expected uses this read, except inside `g.controlDependencies(…)`, where a
   * fresh read (as `readValue()`) is made so that the consumer sees the variable after the dependencies.
   */
  value(): Output {
    return this.#snapshot;
  }

  /**
   * A fresh read of the variable (`Read/ReadVariableOp` + `Identity` in the current name scope). Inside
   * `g.controlDependencies([op], …)` it reads after `op`, e.g. after an assignment.
   */
  readValue(): Output {
    const g = buildingGraphFor(this.graph); // inside a cond branch or loop body: built there
    const read = g.nameScope('Read', () =>
      g.addOperation('ReadVariableOp', { inputs: [this.handle], attrs: { dtype: this.dtype } }).output(0));
    return g.addOperation('Identity', { inputs: [read], attrs: { T: this.dtype } }).output(0);
  }

  /**
   * A bool scalar: whether the variable has been initialized (a new VarIsInitializedOp).
   */
  isInitialized(): Output {
    return this.graph.addOperation('VarIsInitializedOp', { inputs: [this.handle] }).output(0);
  }

  /**
   * The variable's value once initialized, and its initial value before that (Python's
   * `initialized_value()`): use it in another variable's initial value so that the other variable can be
   * initialized before or together with this one.
   * @example
   * const w = g.getVariable('w', { shape: [3] });
   * const twice = g.addOperation('Mul', { inputs: [w.initializedValue(), g.constant(2)], attrs: { T: 'float32' } });
   * const v = g.variable(twice.output(0), { name: 'v' }); // initializable before, after or with w
   */
  initializedValue(): Output {
    const g = this.graph;
    // As Python's init_scope: the value does not pick up control dependencies in force.
    return g.controlDependencies(null, () => {
      const pred = this.#isInitialized ?? this.isInitialized();
      return g.nameScope('cond', () => {
        // TensorFlow's v1 cond: each branch gets its input through a Switch on the predicate, and Merge
        // forwards the branch that ran (the other branch's tensors are dead).
        const predId = g.addOperation('Identity', { inputs: [pred], attrs: { T: 'bool' }, name: 'pred_id' }).output(0);
        const handleT = g.addOperation('Switch', { inputs: [this.handle, predId], attrs: { T: 'resource' }, name: 'read/Switch' })
          .output(1);
        const read = g.addOperation('ReadVariableOp', { inputs: [handleT], attrs: { dtype: this.dtype }, name: 'read' }).output(0);
        const initF = g.addOperation('Switch', { inputs: [this.initialValue, predId], attrs: { T: this.dtype }, name: 'Switch_1' })
          .output(0);
        return g.addOperation('Merge', { inputs: [[initF, read]], attrs: { T: this.dtype, N: 2 }, name: 'Merge' }).output(0);
      });
    });
  }

  /** @internal The value to assign, validated against the variable's dtype and shape before any op is built. */
  #assignedValue(value: unknown, what: string): Output {
    const g = buildingGraphFor(this.graph); // inside a cond branch or loop body: built there
    if (value instanceof Output || isOutputConvertible(value)) {
      const out = g._toOutput(value, what);
      if (out.dtype !== this.dtype) {
        throw new TypeError(`Cannot use ${out} of dtype ${out.dtype} as ${what}: ${this} has dtype ${this.dtype}`);
      }
      this.#checkShape(out.shape, what);
      return out;
    }
    if (!isHostValue(value)) throw invalidArgument('an Output, a Variable, a Tensor or an array of values', what, value);
    const t = hostTensor(value, this.dtype, what);
    this.#checkShape(t.shape, what);
    return g.constant(t);
  }

  #checkShape(shape: StaticShape, what: string): void {
    if (!shapesCompatible(this.shape, shape)) {
      throw new Error(`Cannot assign to variable '${this.name}': shape mismatch. The variable shape ${shapeToString(this.shape)} ` +
        `and the shape ${shapeToString(shape)} of ${what} are incompatible`);
    }
  }

  /**
   * Assigns `value` (AssignVariableOp). Returns a read of the variable that runs after the assignment, or
   * with `{readValue: false}` the assign Operation.
   * @throws TypeError for a value of another dtype; Error for an incompatible shape or a value of another
   *   graph. The graph is unchanged after a throw.
   * @example await sess.run(w.assign([[1, 2, 3], [4, 5, 6]]));
   */
  assign(value: OutputLike | Tensor | TensorLike, options?: AssignOptions & { readValue?: true }): Output;
  assign(value: OutputLike | Tensor | TensorLike, options: AssignOptions & { readValue: false }): Operation;
  assign(value: OutputLike | Tensor | TensorLike, options: AssignOptions = {}): Output | Operation {
    return this.#update('AssignVariableOp', value, options, 'assign');
  }

  /** Adds `value` to the variable (AssignAddVariableOp); returns a read after the update, as `assign`. */
  assignAdd(value: OutputLike | Tensor | TensorLike, options?: AssignOptions & { readValue?: true }): Output;
  assignAdd(value: OutputLike | Tensor | TensorLike, options: AssignOptions & { readValue: false }): Operation;
  assignAdd(value: OutputLike | Tensor | TensorLike, options: AssignOptions = {}): Output | Operation {
    return this.#update('AssignAddVariableOp', value, options, 'assignAdd');
  }

  /** Subtracts `value` from the variable (AssignSubVariableOp); returns a read after the update, as `assign`. */
  assignSub(value: OutputLike | Tensor | TensorLike, options?: AssignOptions & { readValue?: true }): Output;
  assignSub(value: OutputLike | Tensor | TensorLike, options: AssignOptions & { readValue: false }): Operation;
  assignSub(value: OutputLike | Tensor | TensorLike, options: AssignOptions = {}): Output | Operation {
    return this.#update('AssignSubVariableOp', value, options, 'assignSub');
  }

  #update(type: string, value: unknown, options: AssignOptions, method: string): Output | Operation {
    optionalObject(options, `the options of ${method}`);
    if (options.name !== undefined) requireString(options.name, `the name of ${method}`);
    const g = buildingGraphFor(this.graph); // inside a cond branch or loop body: built there
    const v = this.#assignedValue(value, `the value of ${this.name}.${method}()`);
    const attrs: Record<string, unknown> = { dtype: this.dtype };
    if (type === 'AssignVariableOp') attrs.validate_shape = this.#validateShape && isFullyDefined(this.shape);
    const op = g.addOperation(type, { inputs: [this.handle, v], attrs, name: options.name });
    if (options.readValue === false) return op;
    return g.addOperation('ReadVariableOp', { inputs: [this.handle], attrs: { dtype: this.dtype }, controlInputs: [op] }).output(0);
  }

  /**
   * Sets the variable's value in `session` by running its initializer with `value` fed as the initial
   * value (Python's `Variable.load`).
   * @throws (rejects) TypeError/Error for a session of another graph or a value of the wrong dtype or shape.
   * @example await w.load(sess, [[1, 2], [3, 4]]);
   */
  async load(session: Session, value: Tensor | TensorLike): Promise<void> {
    if (!(session instanceof Session)) throw invalidArgument('a Session', `the session of ${this.name}.load()`, session);
    if (session.graph !== this.graph) {
      throw new Error(`${this.name}.load(): the session runs ${session.graph}, but the variable belongs to ${this.graph}`);
    }
    const what = `the value of ${this.name}.load()`;
    if (!isHostValue(value)) throw invalidArgument('a Tensor or an array of values', what, value);
    const t = hostTensor(value, this.dtype, what);
    this.#checkShape(t.shape, what);
    const fed = this.initializer.inputs[1];
    await session.run(this.initializer, new Map([[fed, t]]));
  }

  /**
   * The VariableDef of this variable (Python's `to_proto`), with names relative to `exportScope`; null when
   * the variable is outside that scope.
   */
  toProto(exportScope?: string): VariableDefObject | null {
    if (exportScope && !this.handle.name.startsWith(exportScope)) return null;
    return {
      variable_name: stripNameScope(this.handle.name, exportScope),
      initial_value_name: stripNameScope(this.initialValue.name, exportScope),
      initializer_name: stripNameScope(this.initializer.name, exportScope),
      snapshot_name: stripNameScope(this.#snapshot.name, exportScope),
      is_resource: true,
      trainable: this.trainable,
    };
  }

  /**
   * The Variable that a VariableDef describes in `graph` (Python's `Variable.from_proto`), with names under
   * `importScope`. Only resource variables (`is_resource`) are supported.
   * @throws Error when the graph lacks one of the named operations or the def is not a resource variable's.
   */
  static fromProto(graph: Graph, def: Uint8Array | VariableDefObject, importScope?: string): Variable {
    const d: VariableDefObject = def instanceof Uint8Array ? decode<VariableDefObject>('VariableDef', def) : def;
    if (!d || typeof d.variable_name !== 'string' || !d.variable_name) throw invalidArgument('a VariableDef', 'Variable.fromProto', def);
    const name = (n: string) => prependNameScope(n, importScope);
    const tensorOf = (n: string, what: string): Output => {
      try {
        return graph.tensor(name(n));
      } catch {
        throw new Error(`VariableDef of '${d.variable_name}': ${graph} has no ${what} '${name(n)}'`);
      }
    };
    const handle = tensorOf(d.variable_name, 'variable handle');
    if (!d.is_resource || handle.op.type !== 'VarHandleOp') {
      throw new Error(`VariableDef of '${d.variable_name}' describes a reference variable (${handle.op.type}); ` +
        'only resource variables are supported');
    }
    const initializer = graph.operation(name(d.initializer_name));
    if (!initializer) throw new Error(`VariableDef of '${d.variable_name}': ${graph} has no initializer '${name(d.initializer_name)}'`);
    const snapshot = tensorOf(d.snapshot_name, 'snapshot');
    const initialValue = d.initial_value_name ? tensorOf(d.initial_value_name, 'initial value') : initializer.inputs[1];
    const dtype = handle.op.attr('dtype') as DType;
    return new Variable({
      graph,
      handle,
      initializer,
      initialValue,
      snapshot,
      trainable: d.trainable ?? true,
      dtype,
      shape: handle.op.attr('shape') as StaticShape,
      validateShape: true,
    });
  }

  [toOutput](context?: ToOutputContext): Output {
    // As Python reads a resource variable afresh for each use: an op built under control dependencies must
    // see the variable after them (e.g. after an assignment), which the snapshot read cannot promise.
    return context?.underControlDependencies ? this.readValue() : this.#snapshot;
  }

  toString(): string {
    return `Variable '${this.name}' (${this.dtype} ${shapeToString(this.shape)})`;
  }
}

/** @internal Adds a created variable to its collections, as Python does (trainable → TRAINABLE_VARIABLES). */
export function addToVariableCollections(v: Variable, collections: string[] | undefined): void {
  const keys = collections ? [...collections] : [GraphKeys.GLOBAL_VARIABLES];
  if (v.trainable && !keys.includes(GraphKeys.TRAINABLE_VARIABLES)) keys.push(GraphKeys.TRAINABLE_VARIABLES);
  for (const key of new Set(keys)) v.graph.addToCollection(key, v);
}

/**
 * @internal Python's `tf.compat.v1.Variable(initial_value, …)` with resource variables: see `g.variable`.
 */
export function createVariable(g: Graph, initialValue: InitialValue, options: VariableOptions = {}): Variable {
  const { parts, collections } = buildNewVariable(g, initialValue, options);
  const v = new Variable(parts);
  addToVariableCollections(v, collections);
  return v;
}
