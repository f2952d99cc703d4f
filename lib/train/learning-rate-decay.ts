// SPDX-License-Identifier: Apache-2.0
// Python's tf.compat.v1.train learning-rate schedules: Outputs over the global step, built op for op as
// Python's LearningRateSchedule classes build them in graph mode (ExponentialDecay/…, PolynomialDecay/…).
import type { DType } from '../base/dtypes';
import type { Graph } from '../graph/graph';
import type { Output } from '../graph/operation';
import { switchCase } from '../control-flow/case';
import { tensor } from '../tensor/tensor';
import { NameOption, TensorInput, graphFor, isSymbolic, op1, opsMethod, toTensor, withScope } from '../math/common';

/** The global step (a Variable or an Output of an integer or float dtype). */
export type StepLike = TensorInput;

/** Python's `math_ops.cast(python_number, dtype)`: an int becomes an int32 Const 'Cast/x' and a Cast; a float a float Const. */
function castNumber(g: Graph, value: TensorInput, dtype: DType): Output {
  if (isSymbolic(value)) return castTensor(g, toTensor(g, value, 'x'), dtype);
  if (typeof value === 'number' && Number.isInteger(value)) {
    return withScope(g, 'Cast', (scope) => op1(g, 'Cast', [g.constant(tensor([value], [], 'int32'), { name: 'x' })], { DstT: dtype },
      scope));
  }
  return withScope(g, 'Cast', () => g.constant(tensor([value as number], [], dtype), { name: 'x' }));
}

function castTensor(g: Graph, x: Output, dtype: DType): Output {
  return x.dtype === dtype ? x : op1(g, 'Cast', [x], { DstT: dtype }, 'Cast');
}

function stepOf(g: Graph, globalStep: StepLike, dtype: DType): Output {
  if (globalStep === undefined || globalStep === null) throw new Error('A global step is required (tf.train.getOrCreateGlobalStep())');
  return castTensor(g, toTensor(g, globalStep, 'global_step'), dtype);
}

function lr(g: Graph, learningRate: TensorInput): Output {
  return isSymbolic(learningRate) ? toTensor(g, learningRate, 'initial_learning_rate')
    : g.constant(tensor([learningRate as number], [], 'float32'), { name: 'initial_learning_rate' });
}

/**
 * Python's `tf.compat.v1.train.exponential_decay(lr, globalStep, decaySteps, decayRate, staircase?)`:
 * lr * decayRate ^ (globalStep / decaySteps).
 * @example const lr = tf.train.exponentialDecay(0.1, tf.train.getOrCreateGlobalStep(), 1000, 0.96, { staircase: true });
 */
export function exponentialDecay(learningRate: TensorInput, globalStep: StepLike, decaySteps: TensorInput, decayRate: TensorInput,
  options: { staircase?: boolean } & NameOption = {}): Output {
  const g = graphFor('train.exponentialDecay', learningRate, globalStep, decaySteps, decayRate);
  return withScope(g, options.name ?? 'ExponentialDecay', (scope) => {
    const initial = lr(g, learningRate);
    const steps = castNumber(g, decaySteps, initial.dtype);
    const rate = castNumber(g, decayRate, initial.dtype);
    let p = op1(g, 'RealDiv', [stepOf(g, globalStep, initial.dtype), steps], {}, 'truediv');
    if (options.staircase) p = op1(g, 'Floor', [p], {}, 'Floor');
    return op1(g, 'Mul', [initial, op1(g, 'Pow', [rate, p], {}, 'Pow')], {}, scope);
  });
}

/** Python's `tf.compat.v1.train.inverse_time_decay(lr, globalStep, decaySteps, decayRate, staircase?)`: lr / (1 + rate * t). */
export function inverseTimeDecay(learningRate: TensorInput, globalStep: StepLike, decaySteps: TensorInput, decayRate: TensorInput,
  options: { staircase?: boolean } & NameOption = {}): Output {
  const g = graphFor('train.inverseTimeDecay', learningRate, globalStep, decaySteps, decayRate);
  return withScope(g, options.name ?? 'InverseTimeDecay', (scope) => {
    const initial = lr(g, learningRate);
    const steps = castNumber(g, decaySteps, initial.dtype);
    const rate = castNumber(g, decayRate, initial.dtype);
    let p = op1(g, 'RealDiv', [stepOf(g, globalStep, initial.dtype), steps], {}, 'truediv');
    if (options.staircase) p = op1(g, 'Floor', [p], {}, 'Floor');
    const one = castTensor(g, g.constant(tensor([1], [], 'int32'), { name: 'Const' }), initial.dtype);
    const denom = op1(g, 'AddV2', [one, op1(g, 'Mul', [rate, p], {}, 'Mul')], {}, 'Add');
    return op1(g, 'RealDiv', [initial, denom], {}, scope);
  });
}

/**
 * Python's `tf.compat.v1.train.polynomial_decay(lr, globalStep, decaySteps, endLearningRate = 1e-4, power = 1, cycle?)`.
 */
export function polynomialDecay(learningRate: TensorInput, globalStep: StepLike, decaySteps: number,
  options: { endLearningRate?: number; power?: number; cycle?: boolean } & NameOption = {}): Output {
  const g = graphFor('train.polynomialDecay', learningRate, globalStep);
  return withScope(g, options.name ?? 'PolynomialDecay', (scope) => {
    const initial = lr(g, learningRate);
    const end = castNumber(g, options.endLearningRate ?? 0.0001, initial.dtype);
    const power = castNumber(g, options.power ?? 1.0, initial.dtype);
    let step = stepOf(g, globalStep, initial.dtype);
    let steps = castNumber(g, decaySteps, initial.dtype);
    if (options.cycle) {
      // As Python: decay_steps * ceil(step / decay_steps), with a multiplier of 1 at step 0.
      const ceil = op1(g, 'Ceil', [op1(g, 'RealDiv', [step, steps], {}, 'truediv')], {}, 'Ceil');
      const isZero = opsMethod(g, 'equal')(step, tensor([0], [], initial.dtype), { name: 'Equal' });
      const multiplier = op1(g, 'Select', [isZero, g.constant(tensor([1], [], initial.dtype), { name: 'Const' }), ceil], {}, 'Select');
      steps = op1(g, 'Mul', [steps, multiplier], {}, 'Mul');
    } else {
      step = op1(g, 'Minimum', [step, steps], {}, 'Minimum');
    }
    const p = op1(g, 'RealDiv', [step, steps], {}, 'truediv');
    const diff = op1(g, 'Sub', [initial, end], {}, 'sub');
    const pow = op1(g, 'Pow', [opsMethod(g, 'sub')(tensor([1], [], initial.dtype), p, { name: 'sub' }), power], {}, 'Pow');
    return op1(g, 'AddV2', [op1(g, 'Mul', [diff, pow], {}, 'Mul'), end], {}, scope);
  });
}

/** Python's `tf.compat.v1.train.cosine_decay(lr, globalStep, decaySteps, alpha = 0)`. */
export function cosineDecay(learningRate: TensorInput, globalStep: StepLike, decaySteps: number,
  options: { alpha?: number } & NameOption = {}): Output {
  const g = graphFor('train.cosineDecay', learningRate, globalStep);
  const alpha = options.alpha ?? 0;
  return withScope(g, options.name ?? 'CosineDecay', () => {
    const initial = lr(g, learningRate);
    const dtype = initial.dtype;
    const steps = castNumber(g, decaySteps, dtype);
    const step = op1(g, 'Minimum', [stepOf(g, globalStep, dtype), steps], {}, 'Minimum');
    const fraction = op1(g, 'RealDiv', [step, steps], {}, 'truediv');
    const c = (v: number) => tensor([v], [], dtype);
    const angle = op1(g, 'Mul', [g.constant(c(Math.PI), { name: 'Const' }), fraction], {}, 'mul');
    const cosine = opsMethod(g, 'mul')(c(0.5), opsMethod(g, 'addV2')(c(1), op1(g, 'Cos', [angle], {}, 'Cos'), { name: 'add' }),
      { name: 'mul' });
    const decayed = opsMethod(g, 'addV2')(opsMethod(g, 'mul')(c(1 - alpha), cosine, { name: 'mul' }), c(alpha), { name: 'add' });
    return op1(g, 'Mul', [initial, decayed], {}, 'Mul');
  });
}

/**
 * Python's `tf.compat.v1.train.piecewise_constant(x, boundaries, values)`: values[0] while x <= boundaries[0],
 * values[i] while boundaries[i-1] < x <= boundaries[i], the last value after. Built as Python builds it: an
 * exclusive tf.case over one predicate per interval, so the result is 'PiecewiseConstant/case/cond/Identity'.
 * @throws Error when there is not one more value than boundaries.
 */
export function piecewiseConstant(x: StepLike, boundaries: number[], values: number[], options: NameOption = {}): Output {
  if (!Array.isArray(boundaries) || !Array.isArray(values) || values.length !== boundaries.length + 1) {
    throw new Error(`train.piecewiseConstant: the length of boundaries should be 1 less than the length of values (received ` +
      `${boundaries?.length} and ${values?.length})`);
  }
  const g = graphFor('train.piecewiseConstant', x);
  return withScope(g, options.name ?? 'PiecewiseConstant', () => {
    const step = toTensor(g, x, 'x');
    const bound = (b: number) => g.constant(step.dtype === 'int64' ? tensor([BigInt(b)], [], 'int64') : tensor([b], [], step.dtype),
      { name: 'Const' });
    const bounds = boundaries.map(bound);
    const levels = values.map((v) => g.constant(tensor([v], [], 'float32'), { name: 'Const' }));
    const last = bounds.length - 1;
    const pairs: Array<[Output, () => Output]> = [
      [op1(g, 'LessEqual', [step, bounds[0]], {}, 'LessEqual'), () => levels[0]],
      [op1(g, 'Greater', [step, bounds[last]], {}, 'Greater'), () => levels[last + 1]],
    ];
    for (let i = 0; i < last; i++) {
      const above = op1(g, 'Greater', [step, bounds[i]], {}, 'Greater');
      const within = op1(g, 'LessEqual', [step, bounds[i + 1]], {}, 'LessEqual');
      pairs.push([op1(g, 'LogicalAnd', [above, within], {}, 'and'), () => levels[i + 1]]);
    }
    return switchCase(pairs, { default: () => levels[0], exclusive: true }) as Output;
  });
}
