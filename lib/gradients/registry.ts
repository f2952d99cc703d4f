// SPDX-License-Identifier: Apache-2.0
// The TypeScript gradient registry (Python's ops.RegisterGradient / NotDifferentiable): gradient functions by op
// type, consulted by the backprop driver before TensorFlow's C++ registry.
import type { Operation, Output } from '../graph/operation';
import { requireFunction, requireString } from '../base/validate';
import type { IndexedSlices } from './indexed-slices';

/** What a gradient function returns per input of the op: a dense or sparse gradient, or null for none. */
export type InputGradient = Output | IndexedSlices | null;

/**
 * A gradient function, as Python's: called with the forward op and the gradient of each of its outputs (null
 * where no gradient flows into that output), returns one gradient per input of the op, in input order.
 * It builds its ops in the graph of `op`, inside the name scope the driver opened for it.
 */
export type GradientFunction = (op: Operation, ...grads: Array<Output | null>) => InputGradient[];

/** Marks an op type as having no gradient (Python's `ops.NotDifferentiable`): its inputs get null. */
const NO_GRADIENT = Symbol('no gradient');

const registry = new Map<string, GradientFunction | typeof NO_GRADIENT>();

/**
 * Registers `fn` as the gradient of op type `opType` (Python's `tf.RegisterGradient`), or under a name that
 * `g.gradientOverrideMap` maps op types to. A later registration under the same name replaces the earlier one.
 * @example tf.registerGradient('MySquare', (op, grad) => [tf.multiply(grad, tf.multiply(2, op.inputs[0]))]);
 */
export function registerGradient(opType: string, fn: GradientFunction): void {
  requireString(opType, 'the op type of registerGradient');
  requireFunction(fn, `the gradient function of '${opType}'`);
  registry.set(opType, fn);
}

// Gradients registered here that TensorFlow's C++ registry also has, right for every dtype: ours differ only in
// the graph they build (static shapes, Python's names), so the one-call C++ fast path may keep the C++ ones.
const cppEquivalent = new Map<string, GradientFunction>();

/** Registers a built-in gradient of an op whose C++ gradient gives the same values (see isCppEquivalent). */
export function registerCppEquivalentGradient(opType: string, fn: GradientFunction): void {
  registerGradient(opType, fn);
  cppEquivalent.set(opType, fn);
}

/** Whether the gradient registered for `opType` is a built-in one that the C++ registry's may stand in for. */
export function isCppEquivalent(opType: string): boolean {
  const fn = cppEquivalent.get(opType);
  return fn !== undefined && registry.get(opType) === fn;
}

/** Declares `opType` not differentiable (Python's `tf.no_gradient`): gradients stop there, giving null. */
export function noGradient(opType: string): void {
  requireString(opType, 'the op type of noGradient');
  registry.set(opType, NO_GRADIENT);
}

/**
 * What the registry holds for `name`: a gradient function, 'none' for a declared non-differentiable op, or
 * undefined when nothing is registered (the driver then tries TensorFlow's C++ registry).
 */
export function lookupGradient(name: string): GradientFunction | 'none' | undefined {
  const entry = registry.get(name);
  if (entry === NO_GRADIENT) return 'none';
  return entry;
}

/** The op types registered here (for tests and diagnostics). */
export function registeredGradients(): string[] {
  return [...registry.keys()];
}

/**
 * Op types registered in ./ops for which TensorFlow's C++ registry also has a gradient: a driver that keeps the C++
 * fast path may leave them to C++ (equal values in float32) and use these where C++ cannot (other dtypes,
 * second derivatives).
 */
export const CPP_ALSO: ReadonlySet<string> = new Set([
  'SoftmaxCrossEntropyWithLogits',
  'ConcatV2',
  'FusedBatchNormV3',
  'Conv2DBackpropInput',
]);

// Zeros the driver made for outputs that no gradient reached (Python marks them `_is_zeros_tensor`): gradient
// functions skip work on them, e.g. the second-order term of the softmax cross-entropies.
const zerosGradients = new WeakSet<Output>();

/** Marks `zeros` as the driver's stand-in for an output with no gradient. */
export function markZerosGradient(zeros: Output): Output {
  zerosGradients.add(zeros);
  return zeros;
}

/** Whether `grad` is null or the driver's zeros for an output no gradient reached. */
export function isZerosGradient(grad: Output | null): boolean {
  return grad === null || zerosGradients.has(grad);
}
