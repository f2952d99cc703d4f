// SPDX-License-Identifier: Apache-2.0
// Python's variable scopes (tf.compat.v1.variable_scope / get_variable): per graph, the current scope, the
// count of opened scopes (for default names) and the store of variables made by getVariable, with Python's
// naming, reuse rules and error messages.
import { DType, isDType, requireDType } from '../base/dtypes';
import type { Graph } from '../graph/graph';
import { Initializer, defaultInitializer, isInitializerFactory } from './initializers';
import { Output, isOutputConvertible, toOutput } from '../graph/operation';
import { StaticShape, isFullyDefined, requireShape, shapeToString, shapesCompatible } from '../base/shape';
import { Tensor, TensorLike } from '../tensor/tensor';
import { Variable, createVariable, hostTensor, requireCollections } from './variable';
import { invalidArgument, optionalObject, requireFunction, requireString } from '../base/validate';

/** `true` reuses variables (missing ones are an error), `'auto'` reuses or creates, `false` creates only. */
export type Reuse = boolean | 'auto';

/** A function building an initial value, a `tf.initializers.*` factory, or a constant initial value. */
export type InitializerLike =
  | Initializer
  | ((shape: number[], dtype: DType | undefined, graph: Graph) => Output)
  | (() => Initializer)
  | Output
  | Variable
  | Tensor
  | TensorLike;

/** Options of `g.getVariable(name, options)`, as Python's `tf.compat.v1.get_variable`. */
export interface GetVariableOptions {
  /** Required unless the initializer is a value (which then gives the shape; giving both is an error). */
  shape?: Array<number | null>;
  /** Default: the scope's dtype, float32 unless set. */
  dtype?: DType;
  /** Default: the scope's initializer, else glorot-uniform for floats and zeros for integers, bools and strings. */
  initializer?: InitializerLike;
  /** Default true. */
  trainable?: boolean;
  /** Default [GLOBAL_VARIABLES] (TRAINABLE_VARIABLES is added for trainable variables). */
  collections?: string[];
  /** Default true. */
  validateShape?: boolean;
}

/** Options of `g.variableScope(nameOrScope, fn, options)`. */
export interface VariableScopeOptions {
  /** Reuse for this scope and its sub-scopes (they inherit `true` and `'auto'`; `false` means inherit). */
  reuse?: Reuse;
  /** Default initializer of getVariable inside the scope. */
  initializer?: InitializerLike;
  /** Default dtype of getVariable inside the scope. */
  dtype?: DType;
  /** With `nameOrScope` null: the scope's name, made unique (`conv`, `conv_1`, …). */
  defaultName?: string;
  /** Open a name scope for the variable scope too (default true), as Python's `auxiliary_name_scope`. */
  auxiliaryNameScope?: boolean;
}

/**
 * A variable scope: the prefix of getVariable names, the reuse flag and the default initializer and dtype.
 * `fn(scope)` of `g.variableScope` receives it; pass it back to `g.variableScope` to re-enter it.
 */
export class VariableScope {
  /** The scope's name ('' at the root), e.g. `'model/conv1'`. */
  readonly name: string;
  /** The name scope opened when the scope was first entered, e.g. `'model/conv1/'` or `'model_1/conv1/'`. */
  readonly originalNameScope: string;
  /** The reuse flag; `reuseVariables()` sets it. */
  reuse: Reuse;
  /** Default initializer of getVariable in this scope. */
  initializer: InitializerLike | undefined;
  /** Default dtype of getVariable in this scope. */
  dtype: DType;

  /** @internal Scopes are made by `g.variableScope`. */
  constructor(reuse: Reuse, name = '', initializer?: InitializerLike, dtype: DType = 'float32', nameScope = '') {
    this.reuse = reuse;
    this.name = name;
    this.initializer = initializer;
    this.dtype = dtype;
    this.originalNameScope = nameScope;
  }

  /** From now on getVariable in this scope (and the sub-scopes opened after) reuses variables. */
  reuseVariables(): void {
    this.reuse = true;
  }

  toString(): string {
    return `VariableScope '${this.name}'`;
  }
}

interface Store {
  current: VariableScope;
  /** How many times each scope name was opened (Python's variable_scopes_count). */
  counts: Map<string, number>;
  /** The variables getVariable created, by full name (Python's _VariableStore). */
  vars: Map<string, Variable>;
}

const stores = new WeakMap<Graph, Store>();

function storeOf(g: Graph): Store {
  let s = stores.get(g);
  if (!s) stores.set(g, (s = { current: new VariableScope(false), counts: new Map(), vars: new Map() }));
  return s;
}

/** The variable scope in force in `g` (the root scope outside any `g.variableScope`). */
export function getVariableScope(g: Graph): VariableScope {
  return storeOf(g).current;
}

function requireReuse(value: unknown): Reuse | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === false || value === 'auto') return value;
  throw invalidArgument("true, false or 'auto'", 'reuse', value);
}

function checkInitializerOption(value: unknown, what: string): InitializerLike | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'function' || value instanceof Output || isOutputConvertible(value) || value instanceof Tensor) {
    return value as InitializerLike;
  }
  if (ArrayBuffer.isView(value) || Array.isArray(value) || ['number', 'bigint', 'boolean', 'string'].includes(typeof value)) {
    return value as TensorLike;
  }
  throw invalidArgument('an initializer function or a value', what, value);
}

/**
 * Runs `fn(scope)` in the variable scope `nameOrScope` (Python's `tf.compat.v1.variable_scope`): a string
 * opens `current/name` (and a name scope `name`, made unique); a VariableScope re-enters that scope (with a
 * new name scope after its last component); null with `defaultName` opens a uniquely named scope.
 * @throws Error when reuse is true without a name; TypeError on malformed arguments.
 */
export function variableScope<T>(
  g: Graph,
  nameOrScope: string | VariableScope | null,
  fn: (scope: VariableScope) => T,
  options: VariableScopeOptions = {},
): T {
  requireFunction(fn, 'variableScope(nameOrScope, fn)');
  optionalObject(options, 'the options of variableScope');
  const reuse = requireReuse(options.reuse);
  const initializer = checkInitializerOption(options.initializer, 'the initializer of variableScope');
  const dtype = options.dtype === undefined ? undefined : requireDType(options.dtype, 'the dtype of variableScope');
  const aux = options.auxiliaryNameScope ?? true;
  if (typeof aux !== 'boolean') throw invalidArgument('a boolean', 'auxiliaryNameScope', aux);
  // Python treats reuse=False as "inherit" (None).
  const ownReuse: Reuse | undefined = reuse === false ? undefined : reuse;
  const store = storeOf(g);

  if (nameOrScope !== null && nameOrScope !== undefined && typeof nameOrScope !== 'string' && !(nameOrScope instanceof VariableScope)) {
    throw new TypeError(`VariableScope: nameOrScope must be a string or a VariableScope, received ${typeof nameOrScope}`);
  }
  // Without an auxiliary name scope, the current name scope is re-entered instead of a new one opened.
  const withNameScope = <R>(name: string, body: (entered: string) => R): R => {
    if (!aux) {
      const current = g.currentNameScope;
      return g.nameScope(current ? `${current}/` : '', body);
    }
    return g.nameScope(name, body);
  };

  if (nameOrScope === null || nameOrScope === undefined) {
    if (reuse === true) throw new Error('reuse=true cannot be used without a nameOrScope');
    if (options.defaultName === undefined) throw new TypeError('variableScope needs options.defaultName when nameOrScope is null');
    const defaultName = requireString(options.defaultName, 'defaultName');
    return withNameScope(defaultName, (entered) => {
      const unique = uniqueScopeName(store, defaultName);
      return pureScope(g, store, unique, fn, { reuse: ownReuse, initializer, dtype, oldNameScope: entered });
    });
  }
  if (nameOrScope instanceof VariableScope) {
    const last = nameOrScope.name.split('/').pop() ?? '';
    if (last || !aux) return withNameScope(last, () => pureScope(g, store, nameOrScope, fn, { reuse: ownReuse, initializer, dtype }));
    return pureScope(g, store, nameOrScope, fn, { reuse: ownReuse, initializer, dtype });
  }
  if (nameOrScope || !aux) {
    return withNameScope(nameOrScope, (entered) =>
      pureScope(g, store, nameOrScope, fn, { reuse: ownReuse, initializer, dtype, oldNameScope: entered }));
  }
  return pureScope(g, store, nameOrScope, fn, { reuse: ownReuse, initializer, dtype });
}

function uniqueScopeName(store: Store, prefix: string): string {
  const currentName = store.current.name;
  const name = currentName ? `${currentName}/${prefix}` : prefix;
  if (!store.counts.get(name)) return prefix;
  let i = 1;
  while (store.counts.get(`${name}_${i}`)) i++;
  return `${prefix}_${i}`;
}

/** Python's _pure_variable_scope: the variable scope without a name scope. */
function pureScope<T>(
  g: Graph,
  store: Store,
  nameOrScope: string | VariableScope,
  fn: (scope: VariableScope) => T,
  o: { reuse?: Reuse; initializer?: InitializerLike; dtype?: DType; oldNameScope?: string },
): T {
  const old = store.current;
  let scope: VariableScope;
  let restore: () => void;
  if (nameOrScope instanceof VariableScope) {
    const reuse = o.reuse ? o.reuse : nameOrScope.reuse;
    const initializer = o.initializer ?? nameOrScope.initializer;
    scope = new VariableScope(reuse, nameOrScope.name, initializer, o.dtype ?? nameOrScope.dtype, nameOrScope.originalNameScope);
    store.counts.set(scope.name, (store.counts.get(scope.name) ?? 0) + 1);
    const savedCounts = new Map(store.counts);
    restore = () => {
      store.counts = savedCounts;
    };
  } else {
    const name = old.name ? `${old.name}/${nameOrScope}` : nameOrScope;
    // Reuse is inherited by sub-scopes.
    const reuse: Reuse = o.reuse || old.reuse;
    scope = new VariableScope(reuse, name, o.initializer ?? old.initializer, o.dtype ?? old.dtype, o.oldNameScope ?? nameOrScope);
    store.counts.set(name, (store.counts.get(name) ?? 0) + 1);
    restore = () => {
      const prefix = `${name}/`;
      for (const k of store.counts.keys()) if (k.startsWith(prefix)) store.counts.set(k, 0);
    };
  }
  store.current = scope;
  try {
    return fn(scope);
  } finally {
    restore();
    store.current = old;
  }
}

function isValueInitializer(init: InitializerLike | undefined): boolean {
  return init !== undefined && typeof init !== 'function';
}

function valueDType(value: InitializerLike): DType {
  if (value instanceof Output) return value.dtype;
  if (value instanceof Variable) return value.dtype;
  if (isOutputConvertible(value)) return value[toOutput]().dtype;
  if (value instanceof Tensor) return value.dtype;
  return hostTensor(value as TensorLike, undefined, 'the initializer').dtype;
}

/**
 * Gets the variable `name` of the current variable scope, or creates it (Python's
 * `tf.compat.v1.get_variable`); see `g.getVariable`.
 */
export function getVariable(g: Graph, name: string, options: GetVariableOptions = {}): Variable {
  requireString(name, 'the name of getVariable');
  optionalObject(options, 'the options of getVariable');
  const store = storeOf(g);
  const scope = store.current;
  const fullName = scope.name ? `${scope.name}/${name}` : name;
  let initializer = checkInitializerOption(options.initializer, `the initializer of ${fullName}`);
  if (options.dtype !== undefined && !isDType(options.dtype)) requireDType(options.dtype, `the dtype of ${fullName}`);
  if (options.dtype !== undefined && initializer !== undefined && isValueInitializer(initializer) && !isHostArray(initializer)) {
    const initDType = valueDType(initializer);
    if (initDType !== options.dtype) throw new Error(`Initializer type '${initDType}' and explicit dtype '${options.dtype}' don't match.`);
  }
  if (initializer === undefined) initializer = scope.initializer;
  const dtype = options.dtype ?? scope.dtype;
  const shape = options.shape === undefined || options.shape === null ? undefined : requireShape(options.shape, `the shape of ${fullName}`);
  if (options.trainable !== undefined && typeof options.trainable !== 'boolean') {
    throw invalidArgument('a boolean', `trainable of ${fullName}`, options.trainable);
  }
  if (options.validateShape !== undefined && typeof options.validateShape !== 'boolean') {
    throw invalidArgument('a boolean', `validateShape of ${fullName}`, options.validateShape);
  }
  const collections = requireCollections(options.collections, `the collections of ${fullName}`);
  // getVariable names are absolute: the name scope in force does not apply.
  return g.nameScope('', () => singleVariable(g, store, fullName, {
    shape,
    dtype,
    initializer,
    reuse: scope.reuse,
    trainable: options.trainable ?? true,
    collections,
    validateShape: options.validateShape ?? true,
  }));
}

function isHostArray(value: unknown): boolean {
  return Array.isArray(value) || ['number', 'bigint', 'boolean', 'string'].includes(typeof value) ||
    (ArrayBuffer.isView(value) && !(value instanceof Tensor));
}

/** Python's _VariableStore._get_single_variable. */
function singleVariable(
  g: Graph,
  store: Store,
  name: string,
  o: {
    shape?: Array<number | null>;
    dtype: DType;
    initializer?: InitializerLike;
    reuse: Reuse;
    trainable: boolean;
    collections?: string[];
    validateShape: boolean;
  },
): Variable {
  let initializer = o.initializer;
  if (isInitializerFactory(initializer)) initializer = initializer();
  const fromValue = isValueInitializer(initializer);
  if (o.shape !== undefined && fromValue) throw new Error('If initializer is a constant, do not specify shape.');

  const found = store.vars.get(name);
  if (found) {
    if (o.reuse === false) {
      throw new Error(`Variable ${name} already exists, disallowed. Did you mean to set reuse=true or reuse='auto' in VarScope?`);
    }
    if (o.shape !== undefined && !shapesCompatible(o.shape, found.shape)) {
      throw new Error(`Trying to share variable ${name}, but specified shape ${shapeToString(o.shape)} ` +
        `and found shape ${shapeToString(found.shape)}.`);
    }
    if (o.dtype !== found.dtype) {
      throw new Error(`Trying to share variable ${name}, but specified dtype ${o.dtype} and found dtype ${found.dtype}.`);
    }
    return found;
  }
  if (o.reuse === true) {
    throw new Error(`Variable ${name} does not exist, or was not created with getVariable(). ` +
      "Did you mean to set reuse='auto' in VarScope?");
  }
  if (initializer === undefined) {
    if (o.shape === undefined) throw new Error(`Variable ${name} did not get an initializer, so its \`shape\` argument must be specified.`);
    initializer = defaultInitializer(name, o.dtype);
  }
  let v: Variable;
  if (fromValue) {
    const value = initializer as Output | Variable | Tensor | TensorLike;
    v = createVariable(g, value as never, {
      name, trainable: o.trainable, collections: o.collections, validateShape: o.validateShape,
      dtype: isHostArray(value) ? o.dtype : undefined,
    });
  } else {
    const shape = o.shape as StaticShape;
    if (!isFullyDefined(shape)) {
      throw new Error(`The initializer of variable ${name} needs a fully defined shape, got ${shapeToString(shape)}.`);
    }
    const init = initializer as (shape: number[], dtype: DType, graph: Graph) => unknown;
    v = createVariable(g, () => init([...shape], o.dtype, g) as Output, {
      name, trainable: o.trainable, collections: o.collections, validateShape: o.validateShape, dtype: o.dtype, shape,
    });
  }
  store.vars.set(name, v);
  return v;
}
