// SPDX-License-Identifier: Apache-2.0
// The operations of a new resource variable, named as Python's tf.compat.v1.Variable names them: the initial value
// under `w/Initializer/`, then `w` (VarHandleOp), `w/IsInitialized/VarIsInitializedOp`, `w/Assign` and
// `w/Read/ReadVariableOp`. It returns the parts; variable.ts wraps them in a Variable (this module imports
// variable.ts for its types only, so that variable.ts can offer createVariable without an import circle).
import { DType, isDType, requireDType } from '../base/dtypes';
import { StaticShape, requireShape, shapeToString, shapesCompatible } from '../base/shape';
import { invalidArgument, optionalObject, requireString } from '../base/validate';
import type { Graph } from '../graph/graph';
import { checkScopeName } from '../graph/names';
import { Output, isOutputConvertible } from '../graph/operation';
import { hostTensor, isHostValue } from './host-value';
import type { InitialValue, VariableOptions, VariableParts } from './variable';

/** @internal Validates a `collections` option. */
export function requireCollections(value: unknown, what: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalidArgument('an array of collection names', what, value);
  return value.map((k, i) => requireString(k, `${what}[${i}]`));
}

/** The initial-value Output for `initialValue`, built under the current (Initializer) scope. */
function initialValueOutput(g: Graph, value: unknown, dtype: DType | undefined, what: string): Output {
  if (value instanceof Output || isOutputConvertible(value)) {
    const out = g._toOutput(value, what);
    if (dtype !== undefined && out.dtype !== dtype) {
      throw new TypeError(`${what}: requested dtype ${dtype} for ${out} of dtype ${out.dtype}`);
    }
    return out;
  }
  if (!isHostValue(value)) throw invalidArgument('an Output, a Variable, a Tensor, an array of values or a function', what, value);
  return g.constant(hostTensor(value, dtype, what), { name: 'initial_value' });
}

function incompatibleInitialShape(initial: StaticShape, shape: StaticShape): Error {
  return new Error(`The initial value's shape ${shapeToString(initial)} is not compatible with the explicitly supplied shape ` +
    shapeToString(shape));
}

/** @internal What createVariable builds: the Variable's parts and the collections to add it to. */
export interface BuiltVariable {
  parts: VariableParts;
  collections: string[] | undefined;
}

/**
 * @internal Python's `tf.compat.v1.Variable(initial_value, …)` with resource variables (see `g.variable`): checks
 * everything it can first, so that bad input leaves the graph as it was, then builds the operations.
 */
export function buildNewVariable(g: Graph, initialValue: InitialValue, options: VariableOptions = {}): BuiltVariable {
  optionalObject(options, 'the options of g.variable');
  const what = 'the initial value of g.variable';
  if (initialValue === undefined || initialValue === null) {
    throw new TypeError('g.variable needs an initial value (an Output, a Tensor, an array of values or a function)');
  }
  const baseName = options.name === undefined ? 'Variable' : requireString(options.name, 'the name of g.variable');
  checkScopeName(baseName, g.currentNameScope !== '');
  if (options.dtype !== undefined && !isDType(options.dtype)) requireDType(options.dtype, 'the dtype of g.variable');
  const dtype = options.dtype;
  const shape = options.shape === undefined || options.shape === null ? undefined : requireShape(options.shape, 'the shape of g.variable');
  if (options.trainable !== undefined && typeof options.trainable !== 'boolean') {
    throw invalidArgument('a boolean', 'trainable', options.trainable);
  }
  if (options.validateShape !== undefined && typeof options.validateShape !== 'boolean') {
    throw invalidArgument('a boolean', 'validateShape', options.validateShape);
  }
  const collections = requireCollections(options.collections, 'collections');
  const trainable = options.trainable ?? true;

  let prepared: (() => Output) | undefined;
  if (typeof initialValue !== 'function') {
    if (initialValue instanceof Output || isOutputConvertible(initialValue)) {
      const out = initialValueOutput(g, initialValue, dtype, what);
      prepared = () => out;
    } else {
      if (!isHostValue(initialValue)) {
        throw invalidArgument('an Output, a Variable, a Tensor, an array of values or a function', what, initialValue);
      }
      const t = hostTensor(initialValue, dtype, what);
      if (shape && !shapesCompatible(t.shape, shape)) throw incompatibleInitialShape(t.shape, shape);
      prepared = () => g.constant(t, { name: 'initial_value' });
    }
  }

  // As Python's init_scope: variables never pick up the control dependencies in force.
  const parts = g.controlDependencies(null, () => {
    const scopeName = g.uniqueName(baseName, false);
    const init = g.nameScope(`${scopeName}/`, () =>
      g.nameScope('Initializer', () =>
        g.device(null, () => (prepared ? prepared() : initialValueOutput(g, (initialValue as () => unknown)(), dtype, what)))));
    if (shape && !shapesCompatible(init.shape, shape)) throw incompatibleInitialShape(init.shape, shape);
    return buildVariableOps(g, scopeName, init, { shape: shape ?? init.shape, trainable, validateShape: options.validateShape ?? true });
  });
  return { parts, collections };
}

/**
 * Builds the handle, IsInitialized, Assign and Read operations of a variable named `name` (an absolute name)
 * whose initial value `init` is already built under `name/Initializer/`.
 */
function buildVariableOps(
  g: Graph,
  name: string,
  init: Output,
  options: { shape: StaticShape; trainable: boolean; validateShape: boolean },
): VariableParts {
  const dtype = init.dtype;
  // shared_name is the variable's name, as Python's graph mode sets it: the session's resource manager keeps
  // the variable under it, and TensorFlow's errors name the variable by it.
  const handleAttrs = { dtype, shape: options.shape, shared_name: name, debug_name: `${name}/`, container: '' };
  const handleOp = g.nameScope('', () => g.addOperation('VarHandleOp', { name, attrs: handleAttrs }));
  const handle = handleOp.output(0);
  const onHandleDevice = <T>(fn: () => T): T => (handleOp.device ? g.device(handleOp.device, fn) : fn());
  return g.nameScope(`${handleOp.name}/`, () => {
    const isInitialized = g.nameScope('IsInitialized', () => g.addOperation('VarIsInitializedOp', { inputs: [handle] }).output(0));
    const initializer = onHandleDevice(() =>
      g.addOperation('AssignVariableOp', { inputs: [handle, init], attrs: { dtype }, name: 'Assign' }));
    const snapshot = g.nameScope('Read', () =>
      onHandleDevice(() => g.addOperation('ReadVariableOp', { inputs: [handle], attrs: { dtype } }).output(0)));
    return { graph: g, handle, initializer, initialValue: init, snapshot, isInitialized, dtype, ...options };
  });
}
