// SPDX-License-Identifier: Apache-2.0
// The base of tf.train's optimizers (Python's tf.compat.v1.train.Optimizer): gradients, slot and non-slot
// variables named as Python names them, the update ops on TensorFlow's ResourceApply* kernels, the global step.
import { type DType, FLOAT_DTYPES } from '../base/dtypes';
import type { Graph, OutputLike } from '../graph/graph';
import { gradients } from '../gradients/gradients';
import { IndexedSlices, densify } from '../gradients/indexed-slices';
import { GraphKeys } from '../graph/graph-keys';
import { Operation, Output, isOutputConvertible } from '../graph/operation';
import { Variable, createVariable } from '../variables/variable';
import { getVariableScope } from '../variables/variable-scope';
import { invalidArgument, optionalObject, optionalString, requireBoolean, requireString } from '../base/validate';
import { cast, colocateWith, deduplicate, fill_, group, lossOutput } from './optimizer-ops';

export { cast, colocateWith };

/** A learning rate or another hyperparameter: a number, a tensor, or a function returning either. */
export type Hyperparameter = number | OutputLike | (() => number | OutputLike);

/**
 * A gradient and the variable it updates; a null gradient leaves the variable alone, an IndexedSlices (the
 * gradient of a gather) updates only the rows it holds.
 */
export type GradAndVar = [grad: Output | IndexedSlices | null, variable: Variable];

/**
 * Sparse updates by optimizer class (lib/train/sparse-updates.ts fills it): Python's `_resource_apply_sparse`,
 * given the deduplicated rows, or with `duplicates` its `_resource_apply_sparse_duplicate_indices`, given them as
 * they are. Kept apart from the classes so that each optimizer's file stays about its dense kernel.
 */
export interface SparseUpdate {
  duplicates?: boolean;
  apply(optimizer: Optimizer, values: Output, indices: Output, variable: Variable): Operation;
}
export const SPARSE_UPDATES = new Map<abstract new (...args: never[]) => Optimizer, SparseUpdate>();

export interface ComputeGradientsOptions {
  /** The initial gradient of the loss (Python's `grad_loss`); default ones. */
  gradLoss?: OutputLike;
}

export interface ApplyGradientsOptions {
  /** Incremented by one after the variables are updated. */
  globalStep?: Variable;
  /** The name of the returned operation and of the scope of the update ops (default: the optimizer's name). */
  name?: string;
}

export interface MinimizeOptions extends ApplyGradientsOptions, ComputeGradientsOptions {
  /** The variables to update (default: the graph's trainable variables). */
  varList?: Variable[];
}

function requireVariable(value: unknown, what: string): Variable {
  if (!(value instanceof Variable)) throw invalidArgument('a Variable', what, value);
  return value;
}

/** @internal Checks a hyperparameter where the optimizer is constructed, so mistakes surface there. */
export function requireHyperparameter(value: unknown, what: string): Hyperparameter {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`Expected a finite number for ${what} but received ${value}`);
    return value;
  }
  if (typeof value === 'function' || value instanceof Output || isOutputConvertible(value)) return value as Hyperparameter;
  throw invalidArgument('a number, a tensor or a function returning either', what, value);
}

/**
 * The base class of the optimizers; subclasses say which slots they keep and which kernel applies a gradient.
 * Use `minimize`, or `computeGradients` then `applyGradients` to transform the gradients in between.
 */
export abstract class Optimizer {
  /** The default name of the update scope and of the slot variables' suffix (`w/Adam`). */
  readonly name: string;
  /** Whether the update kernels take the variables' locks (Python's `use_locking`). */
  readonly useLocking: boolean;
  #slots = new Map<string, Map<Variable, Variable>>();
  #hyper = new Map<string, Output>();
  #nonSlot = new Map<Graph, Map<string, Variable>>();

  protected constructor(name: string, useLocking: boolean) {
    this.name = requireString(name, 'the name of an optimizer');
    if (name === '') throw new RangeError('An optimizer needs a non-empty name');
    this.useLocking = requireBoolean(useLocking, `useLocking of ${name}`);
  }

  /**
   * Adds the operations that compute the gradients of `loss` and apply them to the variables: the training
   * step to run. Increments `globalStep` when given.
   * @throws Error when no variable has a gradient, with the variables and the loss named; TypeError for a loss
   *   or variables that are not floating point; NotFoundError when an op on the way has no gradient.
   * @example
   * const step = new tf.train.AdamOptimizer(1e-3).minimize(loss, { globalStep: tf.train.getOrCreateGlobalStep(g) });
   * await sess.run(step, feeds);
   */
  minimize(loss: OutputLike, options: MinimizeOptions = {}): Operation {
    optionalObject(options, `the options of ${this.name}.minimize`);
    // Checked before any gradient operation is added, so that a bad option leaves the graph as it was.
    this.#applyOptions(lossOutput(loss, this.name).graph, options);
    const pairs = this.computeGradients(loss, options.varList, { gradLoss: options.gradLoss });
    if (!pairs.some(([grad]) => grad !== null)) {
      throw new Error(
        `No gradients provided for any variable, check your graph for ops that do not support gradients, between variables ` +
          `[${pairs.map(([, v]) => `'${v.name}'`).join(', ')}] and loss '${lossOutput(loss, this.name).name}'.`,
      );
    }
    return this.applyGradients(pairs, { globalStep: options.globalStep, name: options.name });
  }

  /**
   * The gradients of `loss` with respect to each variable (default: the loss graph's trainable variables), as
   * `[gradient | null, variable]` pairs; null where the loss does not depend on the variable.
   */
  computeGradients(loss: OutputLike, varList?: Variable[], options: ComputeGradientsOptions = {}): GradAndVar[] {
    optionalObject(options, `the options of ${this.name}.computeGradients`);
    const y = lossOutput(loss, this.name);
    const g = y.graph;
    this.#assertValidDType(y.dtype, `the loss '${y.name}'`);
    let vars: Variable[];
    if (varList === undefined || varList === null) {
      vars = g.getCollection<Variable>(GraphKeys.TRAINABLE_VARIABLES).filter((v) => v instanceof Variable);
    } else {
      if (!Array.isArray(varList)) throw invalidArgument('an array of Variables', `varList of ${this.name}`, varList);
      vars = varList.map((v, i) => requireVariable(v, `varList[${i}] of ${this.name}`));
    }
    if (vars.length === 0) {
      throw new Error(`${this.name}: no variables to optimize (the graph has no trainable variables and no varList was given)`);
    }
    for (const v of vars) {
      if (v.graph !== g) throw new Error(`${this.name}: variable '${v.name}' belongs to ${v.graph} but the loss '${y.name}' to ${g}`);
    }
    const grads = gradients(g, y, vars, options.gradLoss === undefined ? undefined : [options.gradLoss]);
    const pairs = vars.map((v, i): GradAndVar => [grads[i], v]);
    for (const [grad, v] of pairs) if (grad !== null) this.#assertValidDType(v.dtype, `variable '${v.name}'`);
    return pairs;
  }

  /**
   * Adds the operations that apply `[gradient, variable]` pairs (pairs with a null gradient are skipped), on the
   * first call creating the optimizer's slot variables. Returns the training step, which is also added to the
   * graph's TRAIN_OP collection.
   * @throws Error when no pair has a gradient; TypeError/RangeError for malformed pairs or a gradient whose
   *   dtype or shape does not fit its variable.
   */
  applyGradients(pairs: ReadonlyArray<GradAndVar>, options: ApplyGradientsOptions = {}): Operation {
    optionalObject(options, `the options of ${this.name}.applyGradients`);
    if (!Array.isArray(pairs)) throw invalidArgument('an array of [gradient, variable] pairs', `${this.name}.applyGradients`, pairs);
    if (pairs.length === 0) throw new Error(`${this.name}.applyGradients: no variables provided`);
    const checked: Array<[Output | IndexedSlices | null, Variable]> = pairs.map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw invalidArgument('a [gradient, variable] pair', `pairs[${i}] of ${this.name}.applyGradients`, pair);
      }
      const v = requireVariable(pair[1], `the variable of pairs[${i}] of ${this.name}.applyGradients`);
      if (pair[0] === null || pair[0] === undefined) return [null, v];
      if (pair[0] instanceof IndexedSlices) {
        this.#checkSlices(pair[0], v);
        return [pair[0], v];
      }
      const grad = v.graph._toOutput(pair[0], `the gradient of pairs[${i}] (variable '${v.name}') of ${this.name}.applyGradients`);
      this.#checkGradient(grad, v);
      return [grad, v];
    });
    const varList = checked.filter(([grad]) => grad !== null).map(([, v]) => v);
    if (varList.length === 0) {
      throw new Error(`No gradients provided for any variable: [${checked.map(([, v]) => `'${v.name}'`).join(', ')}].`);
    }
    const g = varList[0].graph;
    for (const v of varList) {
      if (v.graph !== g) {
        throw new Error(`${this.name}.applyGradients: variables of two graphs ('${varList[0].name}' in ${g}, '${v.name}' in ${v.graph})`);
      }
    }
    const { globalStep, name } = this.#applyOptions(g, options);

    // Python's init_scope: slots are made in the caller's name scope, outside any control dependencies.
    g.controlDependencies(null, () => this.createSlots(varList));

    // Python names the step after its scope ('Adam', with the updates under 'Adam/'): open the scope, build
    // inside it, then give the final operation the scope's own name (a name ending in '/' is taken as it is).
    const scope = g.uniqueName(name);
    const updates = g.nameScope(`${scope}/`, () => {
      this.prepare(g);
      const ops: Operation[] = [];
      for (const [grad, v] of checked) {
        if (grad === null) continue;
        ops.push(g.nameScope(`update_${v.handle.op.name}`, () => colocateWith(v, () => this.#apply(grad, v))));
      }
      return ops;
    });
    let step: Operation;
    if (globalStep === undefined) {
      step = g.nameScope(`${scope}/`, () => this.finish(g, updates, scope));
    } else {
      const finished = g.nameScope(`${scope}/`, () => this.finish(g, updates, null));
      step = g.controlDependencies([finished], () =>
        colocateWith(globalStep, () => {
          // Python 2.21's assign_add(global_step, 1) converts the 1 as 'Const'.
          const one = g.nameScope(`${scope}/`, () => g.constant(1, { dtype: globalStep.dtype, name: 'Const' }));
          return g.addOperation('AssignAddVariableOp', {
            inputs: [globalStep.handle, one],
            attrs: { dtype: globalStep.dtype },
            name: `${scope}/`,
          });
        }),
      );
    }
    const trainOps = g.getCollectionRef<Operation>(GraphKeys.TRAIN_OP);
    if (!trainOps.includes(step)) trainOps.push(step);
    return step;
  }

  /** The slot variable `slotName` ('m', 'v', 'momentum', 'rms', …) kept for `variable`, or null. */
  getSlot(variable: Variable, slotName: string): Variable | null {
    requireVariable(variable, `the variable of ${this.name}.getSlot`);
    requireString(slotName, `the slot name of ${this.name}.getSlot`);
    return this.#slots.get(slotName)?.get(variable) ?? null;
  }

  /** The names of the slots this optimizer has created, sorted. */
  getSlotNames(): string[] {
    return [...this.#slots.keys()].sort();
  }

  /** The variables the optimizer created (slots and accumulators such as Adam's beta1_power), in one graph. */
  variables(graph?: Graph): Variable[] {
    const out: Variable[] = [];
    for (const [g, vars] of this.#nonSlot) if (!graph || g === graph) out.push(...vars.values());
    for (const slots of this.#slots.values()) for (const v of slots.values()) if (!graph || v.graph === graph) out.push(v);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // ---- for subclasses ----

  /** Creates the slots for the variables about to be updated (called once per applyGradients). */
  protected createSlots(_vars: Variable[]): void {}

  /** Creates the hyperparameter tensors, inside the update scope. */
  protected abstract prepare(g: Graph): void;

  /** The operation that applies `grad` to `variable`. */
  protected abstract applyDense(grad: Output, variable: Variable): Operation;

  /**
   * Groups the updates into the operation that is the step (named `name` exactly, or 'update' in the current
   * scope when null); Adam overrides it to update its power accumulators too.
   */
  protected finish(g: Graph, updates: Operation[], name: string | null): Operation {
    return group(g, updates, name);
  }

  /**
   * A zero-initialized slot named `<variable>/<this.name>` (uniquified: `w/Adam`, `w/Adam_1`; under the variable
   * scope in force), once per variable.
   */
  protected zerosSlot(variable: Variable, slotName: string): Variable {
    return this.slotWithInitializer(variable, slotName, 0);
  }

  /** A slot whose every element starts at `fill`, once per variable. */
  protected slotWithInitializer(variable: Variable, slotName: string, fill: number): Variable {
    let slots = this.#slots.get(slotName);
    if (!slots) this.#slots.set(slotName, (slots = new Map()));
    let slot = slots.get(variable);
    if (slot) return slot;
    const g = variable.graph;
    const shape = variable.shape;
    if (!shape || shape.some((d) => d === null)) {
      throw new RangeError(
        `${this.name} needs variables of a fully defined shape, but '${variable.name}' has shape ${JSON.stringify(shape)}`,
      );
    }
    // Python: variable_scope(None, default_name='<primary>/<optimizer>') + get_variable: named under the
    // variable scope in force whatever the name scope, so checkpoints of Python's slots restore here.
    const varScope = getVariableScope(g).name;
    const name = `${varScope ? `${varScope}/` : ''}${variable.name}/${this.name}`;
    slot = g.nameScope('', () =>
      colocateWith(variable, () => createVariable(g, () => fill_(g, shape as number[], variable.dtype, fill), { name, trainable: false })),
    );
    slots.set(variable, slot);
    return slot;
  }

  /**
   * A variable the optimizer keeps once per graph, not per variable (Adam's `beta1_power`): created in the
   * current name scope and colocated with `colocate`.
   */
  protected nonSlotVariable(initialValue: number, name: string, colocate: Variable): Variable {
    const g = colocate.graph;
    let vars = this.#nonSlot.get(g);
    if (!vars) this.#nonSlot.set(g, (vars = new Map()));
    let v = vars.get(name);
    if (!v) {
      v = colocateWith(colocate, () => createVariable(g, initialValue, { name, dtype: 'float32', trainable: false }));
      vars.set(name, v);
    }
    return v;
  }

  /** @internal The non-slot variable `name` of graph `g` (for the sparse updates). */
  _nonSlotVariable(name: string, g: Graph): Variable {
    const v = this.getNonSlotVariable(name, g);
    if (!v) throw new Error(`${this.name}: the variable '${name}' was not created (applyGradients creates it)`);
    return v;
  }

  /** @internal The non-slot variable `name` of graph `g`, if created. */
  protected getNonSlotVariable(name: string, g: Graph): Variable | undefined {
    return this.#nonSlot.get(g)?.get(name);
  }

  /** A hyperparameter as a tensor, named `name` when it is a number (in the update scope). */
  protected hyperTensor(g: Graph, value: Hyperparameter, name: string): Output {
    const v = typeof value === 'function' ? (value as () => number | OutputLike)() : value;
    const t = typeof v === 'number' ? g.constant(v, { dtype: 'float32', name }) : g._toOutput(v, `${name} of ${this.name}`);
    this.#hyper.set(name, t);
    return t;
  }

  /** The hyperparameter tensor `name` made by the last applyGradients (for the sparse updates). */
  hyperparameter(name: string): Output {
    const t = this.#hyper.get(name);
    if (!t) throw new Error(`${this.name}: no hyperparameter '${name}' was prepared (applyGradients prepares them)`);
    return t;
  }

  #apply(grad: Output | IndexedSlices, v: Variable): Operation {
    if (!(grad instanceof IndexedSlices)) return this.applyDense(grad, v);
    let ctor = this.constructor as abstract new (...args: never[]) => Optimizer;
    let update = SPARSE_UPDATES.get(ctor);
    while (!update && ctor !== Optimizer) {
      ctor = Object.getPrototypeOf(ctor);
      update = SPARSE_UPDATES.get(ctor);
    }
    // Without a sparse update of its own an optimizer updates every row, as with a dense gradient.
    if (!update) return this.applyDense(densify(grad), v);
    if (update.duplicates) return update.apply(this, grad.values, grad.indices, v);
    const [values, indices] = deduplicate(v.graph, grad.values, grad.indices);
    return update.apply(this, values, indices, v);
  }

  #checkSlices(slices: IndexedSlices, v: Variable): void {
    if (slices.graph !== v.graph) {
      throw new Error(`The gradient ${slices.toString()} belongs to ${slices.graph} but variable '${v.name}' to ${v.graph}`);
    }
    if (slices.dtype !== v.dtype) {
      throw new TypeError(`The gradient ${slices.toString()} has dtype ${slices.dtype} but variable '${v.name}' has dtype ${v.dtype}`);
    }
  }

  #applyOptions(g: Graph, options: ApplyGradientsOptions): { globalStep: Variable | undefined; name: string } {
    const globalStep = options.globalStep === undefined ? undefined : requireVariable(options.globalStep, `globalStep of ${this.name}`);
    if (globalStep && globalStep.dtype !== 'int64' && globalStep.dtype !== 'int32') {
      throw new TypeError(`globalStep '${globalStep.name}' must be an integer variable but has dtype ${globalStep.dtype}`);
    }
    if (globalStep && globalStep.graph !== g) {
      throw new Error(`globalStep '${globalStep.name}' belongs to ${globalStep.graph} but the variables to ${g}`);
    }
    const name = optionalString(options.name, `the name of ${this.name}'s step`) ?? this.name;
    if (name === '' || name.endsWith('/')) {
      throw new RangeError(`Expected a non-empty operation name for ${this.name}'s step but received '${name}'`);
    }
    return { globalStep, name };
  }

  #assertValidDType(dtype: DType, what: string): void {
    // Python's Optimizer._valid_dtypes.
    if (!FLOAT_DTYPES.has(dtype)) {
      throw new TypeError(`Invalid type ${dtype} for ${what}, expected: [${[...FLOAT_DTYPES].join(', ')}].`);
    }
  }

  #checkGradient(grad: Output, v: Variable): void {
    if (grad.dtype !== v.dtype) {
      throw new TypeError(`The gradient '${grad.name}' has dtype ${grad.dtype} but variable '${v.name}' has dtype ${v.dtype}`);
    }
    const a = grad.shape;
    const b = v.shape;
    if (a && b && (a.length !== b.length || a.some((d, k) => d !== null && b[k] !== null && d !== b[k]))) {
      throw new RangeError(`The gradient '${grad.name}' has shape [${a.join(', ')}] but variable '${v.name}' has shape [${b.join(', ')}]`);
    }
  }
}
