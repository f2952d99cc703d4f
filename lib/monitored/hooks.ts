// SPDX-License-Identifier: Apache-2.0
// Python's session_run_hook and coordinator: what a SessionRunHook sees of a MonitoredSession, and the timers
// the built-in hooks trigger on. JS has no threads, so the Coordinator tracks promises (background loops such as
// a queue runner's) instead of threads.
import type { Session } from '../session/session';
import type { Feeds, Fetches } from '../session/types';
import { AbortedError, TFError, UnavailableError } from '../binding/errors';
import { invalidArgument, requireNumber } from '../base/validate';

/** What a hook's `beforeRun` adds to a run: more fetches (their results come back in `afterRun`) and feeds. */
export class SessionRunArgs {
  constructor(
    readonly fetches: Fetches | null = null,
    readonly feeds: Feeds | null = null,
  ) {}
}

/** The run a hook is called for: the caller's fetches and feeds, the raw session, and a way to stop the loop. */
export class SessionRunContext {
  #stopRequested = false;
  constructor(
    readonly originalArgs: SessionRunArgs,
    readonly session: Session,
  ) {}

  /** Asks the MonitoredSession to stop: `shouldStop()` is true once this run returns. */
  requestStop(): void {
    this.#stopRequested = true;
  }

  get stopRequested(): boolean {
    return this.#stopRequested;
  }
}

/** What `afterRun` gets: the results of the fetches the hook's `beforeRun` asked for (null when none). */
export interface SessionRunValues {
  results: unknown;
}

/**
 * A hook of a MonitoredSession (Python's SessionRunHook). Every method is optional and may return a promise,
 * which the session awaits. Order: `begin` (graph may still change), then per created session
 * `afterCreateSession`, then per run `beforeRun`/`afterRun`, and `end` when the session is closed normally.
 */
export interface SessionRunHook {
  begin?(): void;
  afterCreateSession?(session: Session, coord: Coordinator): void | Promise<void>;
  beforeRun?(runContext: SessionRunContext): SessionRunArgs | null | undefined | void | Promise<SessionRunArgs | null | undefined | void>;
  afterRun?(runContext: SessionRunContext, runValues: SessionRunValues): void | Promise<void>;
  end?(session: Session): void | Promise<void>;
}

/** The errors after which a MonitoredSession re-creates its session: a lost worker or parameter server. */
export function isPreemptionError(err: unknown): boolean {
  return err instanceof UnavailableError || err instanceof AbortedError ||
    (err instanceof TFError && (err.code === 'UNAVAILABLE' || err.code === 'ABORTED'));
}

/**
 * Python's tf.train.Coordinator for promise-based background work: `requestStop(err?)` records the first
 * error, which the MonitoredSession re-throws from its next `run`; `register` adds a background promise that
 * `join` waits for (bounded) when the session closes.
 */
export class Coordinator {
  #stop = false;
  #error: unknown = undefined;
  #pending = new Set<Promise<unknown>>();
  #waiters: Array<() => void> = [];

  /** Asks everything using this coordinator to stop; the first error given is kept and re-thrown later. */
  requestStop(err?: unknown): void {
    if (err !== undefined && this.#error === undefined) this.#error = err;
    if (this.#stop) return;
    this.#stop = true;
    for (const w of this.#waiters.splice(0)) w();
  }

  shouldStop(): boolean {
    return this.#stop;
  }

  /** Throws the error given to `requestStop`, if any. */
  raiseRequestedException(): void {
    if (this.#error !== undefined) throw this.#error;
  }

  /** Resolves when a stop is requested, or with false after `timeoutMs`. */
  waitForStop(timeoutMs?: number): Promise<boolean> {
    if (this.#stop) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => resolve(this.#stop), timeoutMs);
      this.#waiters.push(() => {
        if (timer) clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Tracks a background task (Python's registered thread): a rejection requests a stop with its error. */
  register(task: Promise<unknown>): void {
    if (!(task instanceof Promise)) throw invalidArgument('a Promise', 'Coordinator.register(task)', task);
    this.#pending.add(task);
    task.then(() => this.#pending.delete(task), (err) => {
      this.#pending.delete(task);
      this.requestStop(err);
    });
  }

  /**
   * Waits for the registered tasks, at most `gracePeriodSecs` after a stop was requested (Python's `join` with
   * ignore_live_threads): tasks still running then are left to finish on their own. Then throws the error given to
   * `requestStop` (or a task's rejection), if any, as Python's join re-raises it.
   */
  async join(gracePeriodSecs = 120): Promise<void> {
    if (this.#pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, gracePeriodSecs * 1000);
      });
      try {
        await Promise.race([Promise.allSettled([...this.#pending]), grace]);
      } finally {
        clearTimeout(timer);
      }
      // A rejection's handler (which records the error) runs after allSettled's.
      await Promise.resolve();
    }
    this.raiseRequestedException();
  }
}

/** Python's SecondOrStepTimer: triggers every `everySecs` seconds or every `everySteps` steps (exactly one). */
export class SecondOrStepTimer {
  readonly everySecs: number | null;
  readonly everySteps: number | null;
  #lastTime: number | null = null;
  #lastStep: number | null = null;

  constructor(options: { everySecs?: number | null; everySteps?: number | null }, what = 'the timer') {
    const secs = options.everySecs ?? null;
    const steps = options.everySteps ?? null;
    if (secs === null && steps === null) throw new TypeError(`${what}: either every steps or every secs should be provided`);
    if (secs !== null && steps !== null) throw new TypeError(`${what}: can not provide both every steps and every secs`);
    if (secs !== null && !(requireNumber(secs, `${what}: secs`) >= 0)) throw new RangeError(`${what}: secs must be >= 0, got ${secs}`);
    if (steps !== null && !(Number.isInteger(steps) && steps > 0)) {
      throw new RangeError(`${what}: steps must be a positive integer, got ${String(steps)}`);
    }
    this.everySecs = secs;
    this.everySteps = steps;
  }

  reset(): void {
    this.#lastTime = null;
    this.#lastStep = null;
  }

  get lastTriggeredStep(): number | null {
    return this.#lastStep;
  }

  shouldTriggerForStep(step: number): boolean {
    if (this.#lastStep === null) return true;
    if (this.#lastStep === step) return false;
    if (this.everySecs !== null && Date.now() / 1000 >= this.#lastTime! + this.everySecs) return true;
    if (this.everySteps !== null && step >= this.#lastStep + this.everySteps) return true;
    return false;
  }

  /** Records a trigger at `step`; returns the seconds and steps since the previous one (null the first time). */
  updateLastTriggeredStep(step: number): [number | null, number | null] {
    const now = Date.now() / 1000;
    const elapsed: [number | null, number | null] = this.#lastTime === null ? [null, null] : [now - this.#lastTime, step - this.#lastStep!];
    this.#lastTime = now;
    this.#lastStep = step;
    return elapsed;
  }
}

/** Python's tf.compat.v1.logging for the supervision code: INFO and WARNING to the console, as Python's stderr lines. */
export const logging = {
  info: (msg: string): void => console.info(`INFO:tensorflow:${msg}`),
  warn: (msg: string): void => console.warn(`WARNING:tensorflow:${msg}`),
  error: (msg: string): void => console.error(`ERROR:tensorflow:${msg}`),
};
