// SPDX-License-Identifier: Apache-2.0
// One path from JS values to a native run and back, for Session.run and SavedModel.run: feed conversion,
// shape filling and checking against the fed tensor's static shape, deadlines, traces and results.
import { DType, dtypeNumber, dtypeOfTypedArray, NUMBER_DTYPES, TypedArray } from '../base/dtypes';
import { StaticShape, shapeToString, shapesCompatible } from '../base/shape';
import { withAsyncStack } from '../binding/errors';
import { Native } from '../binding/native';
import { decode } from '../proto';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';
import { RunOptions, encodeRunOptions, inCallerThread, runDeadline } from './config';
import { RunTrace, oneTracedRunAtATime } from './trace';

/** What a fed tensor accepts: its dtype and static shape, and how errors name it. */
export interface FeedSpec {
  dtype: DType;
  shape: StaticShape;
  /** e.g. `Tensor 'x:0'` or `input 'x' of signature 'serving_default'`. */
  what: string;
  /**
   * Refuse a Tensor of another dtype here (SavedModel signatures) rather than leave it to TensorFlow, whose
   * InvalidArgumentError Session.run has always given.
   */
  checkDtype: boolean;
}

const SCALAR: number[] = [];

/** `[?, 2]`, or `<unknown>` for an unknown rank. */
export function describeShape(shape: ReadonlyArray<number | null> | null): string {
  return shapeToString(shape, { spaced: true });
}

/** The shape for a flat array of `n` values fed to a tensor of static shape `shape`, or null when none fits. */
export function flatShape(n: number, shape: StaticShape): number[] | null {
  if (shape === null) return [n];
  let known = 1;
  let unknown = -1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d !== null) known *= d;
    else if (unknown >= 0) return null; // two unknown dimensions: ambiguous
    else unknown = i;
  }
  if (unknown < 0) return known === n ? (shape as number[]) : null;
  if (known === 0 || n % known !== 0) return null;
  return shape.map((d) => (d === null ? n / known : d));
}

function checkShape(spec: FeedSpec, actual: readonly number[], kind: string): void {
  // Python's Session.run raises the same (a ValueError) before running: TensorFlow itself accepts some
  // contradicting feeds, e.g. [2] for a placeholder of shape [2, 3] whose consumers do not care.
  if (!shapesCompatible(spec.shape, actual as number[])) {
    const expected = describeShape(spec.shape);
    throw new TypeError(`Expected shape ${expected} for ${spec.what} but received ${kind} of shape ${describeShape(actual)}`);
  }
}

/**
 * Converts a value to what the native run feeds: a Tensor as is, a TypedArray of the fed dtype without a
 * copy (shaped as the static shape says), a number as a scalar, anything else through `tf.tensor()`.
 * @throws TypeError for a value that does not convert, or whose shape contradicts the static shape.
 */
export function feedValue(spec: FeedSpec, value: unknown): Native.FeedValue {
  const dtype = spec.dtype;
  if (value instanceof Tensor) {
    if (spec.checkDtype && value.dtype !== dtype) {
      throw new TypeError(`Expected a ${dtype} tensor for ${spec.what} but received a tensor of dtype ${value.dtype}`);
    }
    checkShape(spec, value.shape, 'a tensor');
    return Tensor._feedValue(value);
  }
  if (typeof value === 'number' && NUMBER_DTYPES.has(dtype)) {
    if (spec.shape !== null && spec.shape.length !== 0) checkShape(spec, SCALAR, 'a number');
    return value;
  }
  const typed = ArrayBuffer.isView(value) && !(value instanceof DataView);
  if (typed && dtype !== 'bool' && dtypeOfTypedArray(value) === dtype) {
    return [dtypeNumber(dtype), flat(spec, (value as TypedArray).length), value];
  }
  let t: Tensor;
  try {
    t = tensor(value as TensorLike, undefined, dtype);
  } catch (err) {
    // Keep the class: an out-of-range integer is a RangeError here as in tf.tensor.
    const Cls = err instanceof RangeError ? RangeError : TypeError;
    throw new Cls(`Cannot feed ${spec.what} (${dtype}): ${(err as Error).message}`);
  }
  if (typed && t.shape.length === 1) return [dtypeNumber(dtype), flat(spec, t.size), t.data() as TypedArray];
  checkShape(spec, t.shape, 'values');
  return Tensor._feedValue(t);
}

function flat(spec: FeedSpec, n: number): number[] {
  const shape = flatShape(n, spec.shape);
  if (shape === null) {
    const expected = describeShape(spec.shape);
    const hint = 'pass a Tensor with its shape (tf.tensor(values, shape))';
    throw new TypeError(`Cannot shape ${n} values as ${expected} for ${spec.what}; ${hint}`);
  }
  return shape;
}

/** The prepared native call of one run. */
export interface NativeRun {
  native: Native.Session;
  signature: Native.RunSignature;
  values: Native.FeedValue[];
  /** Run the step's ops in the calling thread unless the options say otherwise (config.ts, choosesThreads). */
  inline: boolean;
}

/**
 * Starts the run off the JS thread (a runner thread, native/session_runner.h), or completes a small inline step
 * in it (RunOptions.smallStepsInJsThread); traced runs take turns (trace.ts says why).
 */
export function startRun(call: NativeRun, options: RunOptions | undefined): Promise<Native.RunOutput> {
  const runOptions = encodeRunOptions(call.inline ? inCallerThread(options) : options);
  const deadline = runDeadline(options);
  const traced = options?.trace === true;
  // Only steps the binding itself put in the calling thread: those cannot wait for another op.
  const chosen = call.inline && options?.callerThread === undefined;
  const completeNow = chosen && options?.smallStepsInJsThread !== false;
  const start = () => call.native.run(call.signature, call.values, runOptions, traced, deadline, completeNow, chosen);
  return traced ? oneTracedRunAtATime(start) : start();
}

/** Runs on the JS thread. */
export function runNow(call: NativeRun, options: RunOptions | undefined): Native.RunOutput {
  const runOptions = encodeRunOptions(call.inline ? inCallerThread(options) : options);
  const chosen = call.inline && options?.callerThread === undefined;
  return call.native.runSync(call.signature, call.values, runOptions, options?.trace === true, runDeadline(options), undefined, chosen);
}

/** The rejection of a run: V8's async stack trace from here names the code that awaits it. */
export function runFailed(err: unknown): never {
  // The error was made when the run settled, with no JS on the stack (cheaper than capturing a stack on
  // every run).
  throw withAsyncStack(err);
}

/**
 * The results of a run as Tensors of `dtypes`, passed through `build`; with `traced`, `{ results, trace }`.
 */
export function finishRun<R>(
  raw: Native.RunOutput,
  dtypes: readonly DType[],
  traced: boolean,
  build: (tensors: Tensor[]) => R,
): R | { results: R; trace: RunTrace } {
  const outputs = traced ? (raw as { outputs: Native.RunResult }).outputs : (raw as Native.RunResult);
  const tensors = new Array<Tensor>(outputs.length);
  for (let i = 0; i < outputs.length; i++) tensors[i] = Tensor._fromResult(outputs[i], dtypes[i]);
  const results = build(tensors);
  if (!traced) return results;
  return { results, trace: new RunTrace(decode('RunMetadata', (raw as { metadata: Buffer }).metadata)) };
}
