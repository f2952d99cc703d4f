// SPDX-License-Identifier: Apache-2.0
// Python's basic_session_run_hooks that need no files: StopAtStepHook, NanTensorHook, LoggingTensorHook and
// StepCounterHook, with Python's trigger rules and messages.
import type { Graph } from '../graph/graph';
import { getDefaultGraph } from '../graph/default-graph';
import { Output } from '../graph/operation';
import type { Session } from '../session/session';
import { Tensor } from '../tensor/tensor';
import { getGlobalStep } from '../train/global-step';
import { invalidArgument, optionalObject } from '../base/validate';
import { SecondOrStepTimer, SessionRunArgs, logging } from './hooks';
import type { SessionRunContext, SessionRunHook, SessionRunValues } from './hooks';
import type { FileWriter } from '../summary/file-writer';

const GLOBAL_STEP_READ_KEY = 'global_step_read_op_cache';

/**
 * The global step as a tensor the hooks fetch (Python's `_get_or_create_global_step_read`): a copy of the
 * variable's value, made once per graph; null when the graph has no global step.
 */
export function globalStepRead(g: Graph = getDefaultGraph()): Output | null {
  const cached = g.getCollection<Output>(GLOBAL_STEP_READ_KEY);
  if (cached.length > 0) return cached[0];
  const step = getGlobalStep(g);
  if (step === null) return null;
  const read = g.nameScope(null, () => g.nameScope(`${step.op.name}/`, () => {
    const value = step.readValue();
    return g.addOperation('AddV2', { inputs: [value, g.constant(0, { dtype: step.dtype })], name: 'add' }).output(0);
  }));
  g.addToCollection(GLOBAL_STEP_READ_KEY, read);
  return read;
}

/** The fetched global step as a number (an int64 Tensor holds a bigint). */
export function stepValue(value: unknown): number {
  if (value instanceof Tensor) return Number(value.item() as number | bigint);
  return Number(value);
}

function requireGlobalStep(what: string): Output {
  const read = globalStepRead(getDefaultGraph());
  if (read === null) throw new Error(`Global step should be created to use ${what}.`);
  return read;
}

/** Python's `StopAtStepHook`: requests a stop once the global step reaches `lastStep` (or `numSteps` more). */
export class StopAtStepHook implements SessionRunHook {
  #numSteps: number | null;
  #lastStep: number | null;
  #step: Output | null = null;

  /** @throws TypeError unless exactly one of numSteps and lastStep is given, as non-negative integers. */
  constructor(options: { numSteps?: number; lastStep?: number }) {
    optionalObject(options, 'the options of StopAtStepHook');
    const { numSteps, lastStep } = options ?? {};
    if ((numSteps === undefined) === (lastStep === undefined)) {
      throw new TypeError('StopAtStepHook: exactly one of numSteps or lastStep should be provided.');
    }
    for (const [k, v] of [['numSteps', numSteps], ['lastStep', lastStep]] as const) {
      if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
        throw invalidArgument('a non-negative integer', `StopAtStepHook: ${k}`, v);
      }
    }
    this.#numSteps = numSteps ?? null;
    this.#lastStep = lastStep ?? null;
  }

  begin(): void {
    this.#step = requireGlobalStep('StopAtStepHook');
  }

  async afterCreateSession(session: Session): Promise<void> {
    // numSteps counts from the step found in the first session, not from each recovered one (Python's).
    if (this.#lastStep === null) this.#lastStep = stepValue(await session.run(this.#step!)) + this.#numSteps!;
  }

  beforeRun(): SessionRunArgs {
    return new SessionRunArgs(this.#step);
  }

  async afterRun(runContext: SessionRunContext, runValues: SessionRunValues): Promise<void> {
    // The fetched step was read while this run trained; the next one is at least one more.
    if (stepValue(runValues.results) + 1 >= this.#lastStep!) {
      const step = stepValue(await runContext.session.run(this.#step!));
      if (step >= this.#lastStep!) runContext.requestStop();
    }
  }
}

/** Python's NanLossDuringTrainingError. */
export class NanLossDuringTrainingError extends Error {
  constructor() {
    super('NaN loss during training.');
    this.name = 'NanLossDuringTrainingError';
  }
}

/** Python's `NanTensorHook`: fails (or stops) when `loss` is NaN. */
export class NanTensorHook implements SessionRunHook {
  readonly loss: Output;
  readonly failOnNanLoss: boolean;

  constructor(loss: Output, options: { failOnNanLoss?: boolean } = {}) {
    if (!(loss instanceof Output)) throw invalidArgument('an Output', 'NanTensorHook(loss)', loss);
    optionalObject(options, 'the options of NanTensorHook');
    this.loss = loss;
    this.failOnNanLoss = options.failOnNanLoss ?? true;
  }

  beforeRun(): SessionRunArgs {
    return new SessionRunArgs(this.loss);
  }

  afterRun(runContext: SessionRunContext, runValues: SessionRunValues): void {
    const value = runValues.results as Tensor;
    if (!Array.from(value.data() as ArrayLike<number>).some(Number.isNaN)) return;
    const message = 'Model diverged with loss = NaN.';
    if (this.failOnNanLoss) {
      logging.error(message);
      throw new NanLossDuringTrainingError();
    }
    logging.warn(message);
    runContext.requestStop();
  }
}

/** The shortest decimal that reads back as the same float32, as numpy prints float32 values. */
function float32Text(x: number): string {
  for (let p = 1; p < 9; p++) {
    const text = String(Number(x.toPrecision(p)));
    if (Math.fround(Number(text)) === x) return text;
  }
  return String(x);
}

function formatValue(value: unknown): string {
  if (!(value instanceof Tensor)) return String(value);
  const narrow = value.dtype === 'float32' || value.dtype === 'float16' || value.dtype === 'bfloat16';
  const plain = value.shape.length === 0 ? value.item() : value.toArray();
  const scalar = (v: unknown) => (typeof v === 'number' && narrow ? float32Text(v) : String(v));
  if (typeof plain !== 'object') return scalar(plain);
  return JSON.stringify(plain, (_k, v) => {
    if (typeof v === 'bigint') return Number(v);
    return typeof v === 'number' && narrow ? Number(float32Text(v)) : v;
  });
}

export interface LoggingTensorHookOptions {
  everyNIter?: number;
  everySecs?: number;
  /** Also log the values once more when the session closes. */
  atEnd?: boolean;
  /** Makes the logged line from the values by tag (default: `tag = value, …`, and the seconds since the last). */
  formatter?: (values: Record<string, Tensor>) => string;
}

/** Python's `LoggingTensorHook`: logs tensors every N local steps or N seconds, and optionally at the end. */
export class LoggingTensorHook implements SessionRunHook {
  #tensors: Record<string, Output | string>;
  #tags: string[];
  #timer: SecondOrStepTimer | null;
  #atEnd: boolean;
  #formatter: LoggingTensorHookOptions['formatter'];
  #iter = 0;
  #trigger = false;

  /**
   * @param tensors tag → tensor (logged in sorted tag order), or a list (logged under their names, in order)
   * @throws TypeError unless atEnd and/or exactly one of everyNIter and everySecs is given
   */
  constructor(tensors: Record<string, Output | string> | Array<Output | string>, options: LoggingTensorHookOptions = {}) {
    optionalObject(options, 'the options of LoggingTensorHook');
    const { everyNIter, everySecs, atEnd = false, formatter } = options;
    if (!atEnd && (everyNIter === undefined) === (everySecs === undefined)) {
      throw new TypeError('LoggingTensorHook: either atEnd and/or exactly one of everyNIter and everySecs must be provided.');
    }
    if (everyNIter !== undefined && !(Number.isInteger(everyNIter) && everyNIter > 0)) {
      throw new RangeError(`LoggingTensorHook: invalid everyNIter=${String(everyNIter)}.`);
    }
    if (formatter !== undefined && typeof formatter !== 'function') {
      throw invalidArgument('a function', 'LoggingTensorHook: formatter', formatter);
    }
    const name = (t: Output | string) => (t instanceof Output ? t.name : t);
    if (Array.isArray(tensors)) {
      this.#tensors = Object.fromEntries(tensors.map((t) => [name(t), t]));
      this.#tags = tensors.map(name);
    } else if (tensors && typeof tensors === 'object') {
      this.#tensors = { ...tensors };
      this.#tags = Object.keys(tensors).sort();
    } else throw invalidArgument('a list or a record of tensors', 'LoggingTensorHook(tensors)', tensors);
    for (const [tag, t] of Object.entries(this.#tensors)) {
      if (!(t instanceof Output) && typeof t !== 'string') {
        throw invalidArgument('an Output or a tensor name', `LoggingTensorHook: tensor '${tag}'`, t);
      }
    }
    const onlyAtEnd = atEnd && everyNIter === undefined && everySecs === undefined;
    this.#timer = onlyAtEnd ? null : new SecondOrStepTimer({ everySteps: everyNIter, everySecs }, 'LoggingTensorHook');
    this.#atEnd = atEnd;
    this.#formatter = formatter;
  }

  begin(): void {
    this.#timer?.reset();
    this.#iter = 0;
    // Names are looked up now, as Python's _as_graph_element does, so that a wrong one fails before training.
    const g = getDefaultGraph();
    for (const [tag, t] of Object.entries(this.#tensors)) if (typeof t === 'string') this.#tensors[tag] = g.tensor(t);
  }

  beforeRun(): SessionRunArgs | null {
    this.#trigger = this.#timer?.shouldTriggerForStep(this.#iter) ?? false;
    return this.#trigger ? new SessionRunArgs(this.#tensors) : null;
  }

  #log(values: Record<string, Tensor>): void {
    const [elapsed] = this.#timer?.updateLastTriggeredStep(this.#iter) ?? [null];
    if (this.#formatter) {
      logging.info(this.#formatter(values));
      return;
    }
    const stats = this.#tags.map((tag) => `${tag} = ${formatValue(values[tag])}`).join(', ');
    logging.info(elapsed === null ? stats : `${stats} (${elapsed.toFixed(3)} sec)`);
  }

  afterRun(_runContext: SessionRunContext, runValues: SessionRunValues): void {
    if (this.#trigger) this.#log(runValues.results as Record<string, Tensor>);
    this.#iter += 1;
  }

  async end(session: Session): Promise<void> {
    if (this.#atEnd) this.#log((await session.run(this.#tensors)) as Record<string, Tensor>);
  }
}

/** Python's `StepCounterHook`: logs (and writes as a `global_step/sec` summary) the global steps per second. */
export class StepCounterHook implements SessionRunHook {
  #timer: SecondOrStepTimer;
  #writer: FileWriter | null;
  #writerFor: ((dir: string) => FileWriter) | null;
  #outputDir: string | null;
  #step: Output | null = null;
  #tag = 'global_step/sec';
  #lastStep: number | null = null;
  #warned = 0;

  constructor(options: { everyNSteps?: number; everyNSecs?: number; outputDir?: string; summaryWriter?: FileWriter } = {},
    writerFor: ((dir: string) => FileWriter) | null = null) {
    optionalObject(options, 'the options of StepCounterHook');
    const everyNSteps = options.everyNSecs === undefined ? (options.everyNSteps ?? 100) : options.everyNSteps;
    this.#timer = new SecondOrStepTimer({ everySteps: everyNSteps, everySecs: options.everyNSecs }, 'StepCounterHook');
    this.#writer = options.summaryWriter ?? null;
    this.#outputDir = options.outputDir ?? null;
    this.#writerFor = writerFor;
  }

  begin(): void {
    if (!this.#writer && this.#outputDir && this.#writerFor) this.#writer = this.#writerFor(this.#outputDir);
    this.#step = requireGlobalStep('StepCounterHook');
    this.#tag = `${getGlobalStep(getDefaultGraph())!.op.name}/sec`;
  }

  afterCreateSession(): void {
    // A recovered session starts counting afresh.
    this.#lastStep = null;
    this.#timer.reset();
  }

  beforeRun(): SessionRunArgs {
    return new SessionRunArgs(this.#step);
  }

  async afterRun(runContext: SessionRunContext, runValues: SessionRunValues): Promise<void> {
    const stale = stepValue(runValues.results);
    if (this.#timer.shouldTriggerForStep(stale + 1)) {
      const step = stepValue(await runContext.session.run(this.#step!));
      if (this.#timer.shouldTriggerForStep(step)) {
        const [secs, steps] = this.#timer.updateLastTriggeredStep(step);
        if (secs !== null && steps !== null && secs > 0) {
          const perSec = steps / secs;
          this.#writer?.addSummary(scalarSummary(this.#tag, perSec), step);
          logging.info(`${this.#tag}: ${perSec.toPrecision(6).replace(/\.?0+$/, '')}`);
        }
      }
    }
    if (stale === this.#lastStep && this.#warned < 5) {
      this.#warned += 1;
      logging.warn('It seems that global step (tf.train.get_global_step) has not been increased. Current value (could be stable): ' +
        `${stale} vs previous value: ${this.#lastStep}. You could increase the global step by passing tf.train.get_global_step() ` +
        'to Optimizer.apply_gradients or Optimizer.minimize.');
    }
    this.#lastStep = stale;
  }
}

/** A serialized Summary of one simple_value (Summary.value 1 → tag 1, simple_value 2 as float). */
export function scalarSummary(tag: string, value: number): Uint8Array {
  const tagBytes = new TextEncoder().encode(tag);
  // One-byte lengths keep the encoding short; global step names are far below the limit.
  if (tagBytes.length > 100) throw new RangeError(`The summary tag '${tag}' is too long`);
  const inner = new Uint8Array(2 + tagBytes.length + 5);
  inner[0] = 0x0a;
  inner[1] = tagBytes.length;
  inner.set(tagBytes, 2);
  inner[2 + tagBytes.length] = 0x15;
  new DataView(inner.buffer).setFloat32(3 + tagBytes.length, value, true);
  const out = new Uint8Array(2 + inner.length);
  out[0] = 0x0a;
  out[1] = inner.length;
  out.set(inner, 2);
  return out;
}
