// SPDX-License-Identifier: Apache-2.0
// tf.initializers: Python's tf.compat.v1 initializers (init_ops.py), building the same operations under the
// same names and drawing with the same (seed, seed2) pairs, so seeded variables start with the values
// Python's start with.
import { DType, isDType, isIntegerDType, requireDType, FLOAT_DTYPES } from '../base/dtypes';
import type { Graph } from '../graph/graph';
import type { Output } from '../graph/operation';
import { scopedOp } from '../graph/scoped-op';
import { requireConcreteShape, shapeToString } from '../base/shape';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';
import { invalidArgument, optionalObject } from '../base/validate';
import { binary, computeFans, filled, normalOp, product, randomUniformOp, scalarConst, shapeConst } from './initializer-ops';

/**
 * A function that builds a variable's initial value in `graph`: a tensor of `shape` and `dtype`. Pass one
 * as `getVariable`'s `initializer` (or a scope's default initializer).
 */
export interface Initializer {
  (shape: number[], dtype: DType | undefined, graph: Graph): Output;
  /** The initializer's kind and parameters, e.g. `{ name: 'RandomNormal', mean: 0, stddev: 1, seed: 3 }`. */
  readonly config: Readonly<Record<string, unknown>>;
}

const FACTORY = Symbol('node-libtensorflow.initializerFactory');

/** @internal Whether `value` is one of the `tf.initializers.*` factories (passed without calling it). */
export function isInitializerFactory(value: unknown): value is () => Initializer {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[FACTORY] === true;
}

function factory<A extends unknown[]>(fn: (...args: A) => Initializer): (...args: A) => Initializer {
  Object.defineProperty(fn, FACTORY, { value: true });
  return fn;
}

function initializer(
  config: Record<string, unknown>,
  build: (shape: number[], dtype: DType, g: Graph) => Output,
  defaultDType: DType,
): Initializer {
  const init = (shape: number[], dtype: DType | undefined, graph: Graph): Output => {
    const what = `the shape given to the ${String(config.name)} initializer`;
    const dims = requireConcreteShape(shape, what);
    const type = dtype ?? defaultDType;
    if (!isDType(type)) requireDType(type, `the dtype given to the ${String(config.name)} initializer`);
    if (!graph || typeof (graph as Graph).addOperation !== 'function') {
      throw invalidArgument('a Graph', `the graph given to the ${String(config.name)} initializer`, graph);
    }
    return build(dims, type, graph);
  };
  Object.defineProperty(init, 'config', { value: Object.freeze({ ...config, dtype: defaultDType }), enumerable: true });
  return init as Initializer;
}

// ---- option checks ----

export interface SeedOptions {
  /** Op-level seed; combined with the graph's `g.seed` as Python's `get_seed`. */
  seed?: number;
  /** The dtype used when the caller passes none (default float32). */
  dtype?: DType;
}

function seedOption(options: Record<string, unknown>, what: string): number | undefined {
  const seed = options.seed;
  if (seed === undefined || seed === null) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw invalidArgument('an integer', `the seed of ${what}`, seed);
  return seed;
}

function numberOption(options: Record<string, unknown>, key: string, fallback: number, what: string): number {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || Number.isNaN(v)) throw invalidArgument('a number', `${key} of ${what}`, v);
  return v;
}

function dtypeOption(options: Record<string, unknown>, what: string): DType {
  if (options.dtype === undefined) return 'float32';
  return requireDType(options.dtype, `the dtype of ${what}`);
}

function requireFloat(dtype: DType, what: string): void {
  if (!FLOAT_DTYPES.has(dtype)) throw new TypeError(`${what} needs a floating point dtype, got ${dtype}`);
}

// ---- the initializers ----

/**
 * Zeros (Python's `tf.compat.v1.zeros_initializer`).
 * @example g.getVariable('b', { shape: [10], initializer: tf.initializers.zeros() })
 */
export const zeros = factory((options: { dtype?: DType } = {}): Initializer => {
  const o = optionalObject(options, 'the options of initializers.zeros');
  return initializer({ name: 'Zeros' }, (shape, dtype, g) => filled(g, 'zeros', shape, dtype), dtypeOption(o, 'initializers.zeros'));
});

/** Ones (Python's `tf.compat.v1.ones_initializer`). */
export const ones = factory((options: { dtype?: DType } = {}): Initializer => {
  const o = optionalObject(options, 'the options of initializers.ones');
  return initializer({ name: 'Ones' }, (shape, dtype, g) => filled(g, 'ones', shape, dtype), dtypeOption(o, 'initializers.ones'));
});

/**
 * A constant (Python's `tf.compat.v1.constant_initializer`): a scalar fills the shape; fewer values than
 * the shape holds are padded with the last value; more are an error.
 * @example tf.initializers.constant([1, 2, 3, 4])
 */
export const constant = factory((value: Tensor | TensorLike = 0, options: { dtype?: DType; verifyShape?: boolean } = {}): Initializer => {
  const o = optionalObject(options, 'the options of initializers.constant');
  const ok = value instanceof Tensor || ArrayBuffer.isView(value) || Array.isArray(value) ||
    ['number', 'bigint', 'boolean', 'string'].includes(typeof value);
  if (!ok) throw invalidArgument('a scalar, an array of values or a Tensor', 'the value of initializers.constant', value);
  const verifyShape = Boolean(o.verifyShape);
  return initializer({ name: 'Constant', value }, (shape, dtype, g) => {
    let t: Tensor;
    try {
      t = value instanceof Tensor ? tensor(value.toArray(), value.shape, dtype) : tensor(value as TensorLike, undefined, dtype);
    } catch (err) {
      throw new TypeError(`The constant initializer cannot make a ${dtype} tensor of its value: ${(err as Error).message}`);
    }
    if (verifyShape && shapeToString(t.shape) !== shapeToString(shape)) {
      throw new TypeError(`Expected Tensor's shape: ${shapeToString(shape)}, but got ${shapeToString(t.shape)}`);
    }
    const need = product(shape);
    if (t.size > need) throw new Error(`Too many elements provided. Takes at most ${need}, but got ${t.size}.`);
    return g.constant(padded(t, shape, need), { name: 'Const' });
  }, dtypeOption(o, 'initializers.constant'));
});

/** TensorFlow's TensorProto rule: missing trailing values repeat the last one (zeros when there is none). */
function padded(t: Tensor, shape: number[], need: number): Tensor {
  if (t.size === need) {
    return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tensor(t.data() as TensorLike, shape, t.dtype);
  }
  const data = t.data();
  if (Array.isArray(data)) {
    const last = data.length ? data[data.length - 1] : '';
    return tensor([...data, ...new Array(need - data.length).fill(last)], shape, t.dtype);
  }
  const source = data as unknown as ArrayLike<number | bigint> & { constructor: new (n: number) => Record<number, number | bigint> };
  const per = source.length / Math.max(t.size, 1);
  const out = new source.constructor(need * per);
  for (let i = 0; i < need; i++) {
    // Missing elements repeat the last given one; with none given they stay zero.
    const from = i < t.size ? i : t.size - 1;
    if (from < 0) break;
    for (let k = 0; k < per; k++) out[i * per + k] = source[from * per + k];
  }
  return tensor(out as unknown as TensorLike, shape, t.dtype);
}

/**
 * Uniform values in [minval, maxval) (Python's `tf.compat.v1.random_uniform_initializer`; maxval defaults
 * to 1, and is required for integer dtypes).
 */
export const randomUniform = factory((options: { minval?: number; maxval?: number } & SeedOptions = {}): Initializer => {
  const what = 'initializers.randomUniform';
  const o = optionalObject(options, `the options of ${what}`);
  const minval = numberOption(o, 'minval', 0, what);
  const maxval = o.maxval === undefined ? undefined : numberOption(o, 'maxval', 1, what);
  const seed = seedOption(o, what);
  return initializer({ name: 'RandomUniform', minval, maxval, seed }, (shape, dtype, g) => {
    if (maxval === undefined && isIntegerDType(dtype)) throw new Error(`Must specify maxval for integer dtype ${dtype}`);
    if (!FLOAT_DTYPES.has(dtype) && !isIntegerDType(dtype)) {
      throw new TypeError(`The RandomUniform initializer needs a float or integer dtype, got ${dtype}`);
    }
    return randomUniformOp(g, shape, minval, maxval ?? 1, dtype, seed);
  }, dtypeOption(o, what));
});

/** A normal-distribution initializer factory: the two differ only in the op that draws the values. */
function normalFactory(name: 'RandomNormal' | 'TruncatedNormal', op: 'random_normal' | 'truncated_normal', what: string) {
  return factory((options: { mean?: number; stddev?: number } & SeedOptions = {}): Initializer => {
    const o = optionalObject(options, `the options of ${what}`);
    const mean = numberOption(o, 'mean', 0, what);
    const stddev = numberOption(o, 'stddev', 1, what);
    const seed = seedOption(o, what);
    const dtype = dtypeOption(o, what);
    requireFloat(dtype, `The ${name} initializer`);
    return initializer({ name, mean, stddev, seed }, (shape, type, g) => {
      requireFloat(type, `The ${name} initializer`);
      return normalOp(g, op, shape, mean, stddev, type, seed);
    }, dtype);
  });
}

/** Normal values (Python's `tf.compat.v1.random_normal_initializer`; mean 0, stddev 1 by default). */
export const randomNormal = normalFactory('RandomNormal', 'random_normal', 'initializers.randomNormal');

/**
 * Normal values redrawn beyond two standard deviations (Python's
 * `tf.compat.v1.truncated_normal_initializer`).
 */
export const truncatedNormal = normalFactory('TruncatedNormal', 'truncated_normal', 'initializers.truncatedNormal');

export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
export type Distribution = 'truncated_normal' | 'normal' | 'untruncated_normal' | 'uniform';

/**
 * Python's `tf.compat.v1.variance_scaling_initializer`: scale / fan (by `mode`), drawn from `distribution`.
 */
type VarianceScalingOptions = { scale?: number; mode?: FanMode; distribution?: Distribution } & SeedOptions;
export const varianceScaling = factory((options: VarianceScalingOptions = {}): Initializer => {
  const what = 'initializers.varianceScaling';
  const o = optionalObject(options, `the options of ${what}`);
  const scale = numberOption(o, 'scale', 1, what);
  if (!(scale > 0)) throw new RangeError(`Expected a positive scale for ${what} but received ${scale}`);
  const mode = (o.mode ?? 'fan_in') as FanMode;
  if (!['fan_in', 'fan_out', 'fan_avg'].includes(mode)) {
    throw invalidArgument("'fan_in', 'fan_out' or 'fan_avg'", `the mode of ${what}`, mode);
  }
  const distribution = (o.distribution ?? 'truncated_normal') as Distribution;
  if (!['truncated_normal', 'normal', 'untruncated_normal', 'uniform'].includes(distribution)) {
    throw invalidArgument("'truncated_normal', 'untruncated_normal' or 'uniform'", `the distribution of ${what}`, distribution);
  }
  return varianceScalingInit({ name: 'VarianceScaling', scale, mode, distribution, seed: seedOption(o, what) }, dtypeOption(o, what));
});

function varianceScalingInit(
  config: { name: string; scale: number; mode: FanMode; distribution: Distribution; seed?: number },
  dtype: DType,
): Initializer {
  requireFloat(dtype, `The ${config.name} initializer`);
  return initializer(config, (shape, type, g) => {
    requireFloat(type, `The ${config.name} initializer`);
    const [fanIn, fanOut] = computeFans(shape);
    let scale = config.scale;
    if (config.mode === 'fan_in') scale /= Math.max(1, fanIn);
    else if (config.mode === 'fan_out') scale /= Math.max(1, fanOut);
    else scale /= Math.max(1, (fanIn + fanOut) / 2);
    if (config.distribution === 'normal' || config.distribution === 'truncated_normal') {
      // The standard deviation of a unit normal truncated to [-2, 2] (scipy.stats.truncnorm.std(-2, 2)).
      return normalOp(g, 'truncated_normal', shape, 0, Math.sqrt(scale) / 0.87962566103423978, type, config.seed);
    }
    if (config.distribution === 'untruncated_normal') return normalOp(g, 'random_normal', shape, 0, Math.sqrt(scale), type, config.seed);
    const limit = Math.sqrt(3 * scale);
    return randomUniformOp(g, shape, -limit, limit, type, config.seed);
  }, dtype);
}

function seeded(name: string, scale: number, mode: FanMode, distribution: Distribution) {
  return factory((options: SeedOptions = {}): Initializer => {
    const what = `initializers.${name}`;
    const o = optionalObject(options, `the options of ${what}`);
    const config = { name: name[0].toUpperCase() + name.slice(1), scale, mode, distribution, seed: seedOption(o, what) };
    return varianceScalingInit(config, dtypeOption(o, what));
  });
}

/** Glorot (Xavier) uniform: the default initializer of `getVariable` for float variables. */
export const glorotUniform = seeded('glorotUniform', 1, 'fan_avg', 'uniform');
/** Glorot (Xavier) normal, truncated. */
export const glorotNormal = seeded('glorotNormal', 1, 'fan_avg', 'truncated_normal');
/** He normal (truncated), scale 2 over fan-in. */
export const heNormal = seeded('heNormal', 2, 'fan_in', 'truncated_normal');
/** He uniform, scale 2 over fan-in. */
export const heUniform = seeded('heUniform', 2, 'fan_in', 'uniform');
/** LeCun normal (truncated), scale 1 over fan-in. */
export const lecunNormal = seeded('lecunNormal', 1, 'fan_in', 'truncated_normal');
/** LeCun uniform, scale 1 over fan-in. */
export const lecunUniform = seeded('lecunUniform', 1, 'fan_in', 'uniform');

/**
 * An orthogonal matrix (Python's `tf.compat.v1.orthogonal_initializer`): QR of a normal matrix, reshaped
 * to a shape of at least two dimensions, times `gain`.
 */
export const orthogonal = factory((options: { gain?: number } & SeedOptions = {}): Initializer => {
  const what = 'initializers.orthogonal';
  const o = optionalObject(options, `the options of ${what}`);
  const gain = numberOption(o, 'gain', 1, what);
  const seed = seedOption(o, what);
  const dtype = dtypeOption(o, what);
  requireFloat(dtype, 'The Orthogonal initializer');
  return initializer({ name: 'Orthogonal', gain, seed }, (shape, type, g) => {
    requireFloat(type, 'The Orthogonal initializer');
    if (shape.length < 2) {
      throw new Error('The tensor to initialize, specified by argument `shape` must be at least two-dimensional. ' +
        `Received shape=${shapeToString(shape)}`);
    }
    const rows = product(shape.slice(0, -1));
    const cols = shape[shape.length - 1];
    const flat = rows < cols ? [cols, rows] : [rows, cols];
    const a = normalOp(g, 'random_normal', flat, 0, 1, type, seed);
    const qr = g.addOperation('Qr', { inputs: [a], attrs: { full_matrices: false, T: type }, name: 'Qr' });
    const d = g.addOperation('DiagPart', { inputs: [qr.output(1)], attrs: { T: type }, name: 'DiagPart' }).output(0);
    const sign = g.addOperation('Sign', { inputs: [d], attrs: { T: type }, name: 'Sign' }).output(0);
    let q = binary(g, 'Mul', qr.output(0), sign, 'mul');
    if (rows < cols) {
      q = g.nameScope('matrix_transpose', () =>
        scopedOp(g, 'transpose', () => g.constant(Int32Array.from([1, 0]), { dtype: 'int32', name: 'perm' }),
          (name, perm) => g.addOperation('Transpose', { inputs: [q, perm], attrs: { T: type, Tperm: 'int32' }, name })).output(0));
    }
    const reshaped = scopedOp(g, 'Reshape', () => shapeConst(g, shape, 'shape'),
      (name, s) => g.addOperation('Reshape', { inputs: [q, s], attrs: { T: type, Tshape: s.dtype }, name })).output(0);
    return scopedOp(g, 'mul', () => scalarConst(g, gain, type, 'x'),
      (name, x) => g.addOperation('Mul', { inputs: [x, reshaped], attrs: { T: type }, name })).output(0);
  }, dtype);
});

/** @internal Python's default initializer for `get_variable`: glorot-uniform for floats, zeros for integers, bools and strings. */
export function defaultInitializer(name: string, dtype: DType): Initializer {
  if (FLOAT_DTYPES.has(dtype)) return glorotUniform();
  if (isIntegerDType(dtype) || dtype === 'bool' || dtype === 'string') return zeros();
  throw new Error(`An initializer for variable ${name} of ${dtype} is required`);
}
