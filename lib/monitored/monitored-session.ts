// SPDX-License-Identifier: Apache-2.0
// Python's MonitoredSession, flattened: its _RecoverableSession (re-create on a lost worker or ps),
// _CoordinatedSession (a Coordinator per created session) and _HookedSession (hooks around each run) are one
// class here, with the same order of calls and the same errors.
import type { Graph } from '../graph/graph';
import { getDefaultGraph } from '../graph/default-graph';
import { Output, isOutputConvertible, toOutput } from '../graph/operation';
import type { Session } from '../session/session';
import type { SessionConfig } from '../session/config';
import type { RunOptions } from '../session/config';
import type { FeedValue, Feeds, Fetches, RunResult } from '../session/types';
import { OutOfRangeError } from '../binding/errors';
import { invalidArgument } from '../base/validate';
import { Coordinator, SessionRunArgs, SessionRunContext, isPreemptionError, logging } from './hooks';
import type { SessionRunHook } from './hooks';
import { Scaffold } from './scaffold';
import { SessionManager } from './session-manager';

/** Makes the raw session a MonitoredSession wraps. */
export interface SessionCreator {
  createSession(): Promise<Session>;
}

interface CreatorOptions {
  scaffold?: Scaffold;
  master?: string;
  config?: SessionConfig;
  graph?: Graph;
  recoveryWaitSecs?: number;
}

function graphOf(options: CreatorOptions): Graph {
  return options.graph ?? options.scaffold?.graph ?? getDefaultGraph();
}

function managerFor(scaffold: Scaffold, graph: Graph, recoveryWaitSecs: number | undefined): SessionManager {
  scaffold.finalize(graph);
  return new SessionManager({
    graph,
    readyOp: scaffold.readyOp,
    readyForLocalInitOp: scaffold.readyForLocalInitOp,
    localInitOp: scaffold.localInitOp,
    recoveryWaitSecs,
  });
}

/** Python's ChiefSessionCreator: restores the latest checkpoint of `checkpointDir`, or initializes. */
export class ChiefSessionCreator implements SessionCreator {
  readonly scaffold: Scaffold;
  #o: CreatorOptions & { checkpointDir?: string | null };

  constructor(options: CreatorOptions & { checkpointDir?: string | null } = {}) {
    this.#o = options;
    this.scaffold = options.scaffold ?? new Scaffold();
  }

  async createSession(): Promise<Session> {
    const s = this.scaffold;
    const manager = managerFor(s, graphOf(this.#o), this.#o.recoveryWaitSecs);
    return manager.prepareSession(this.#o.master ?? '', {
      saver: s.saver,
      checkpointDir: this.#o.checkpointDir,
      initOp: s.initOp,
      initFeeds: s.initFeeds,
      initFn: s.initFn ? (sess) => s.initFn!(s, sess) : undefined,
      config: this.#o.config,
    });
  }
}

/** Python's WorkerSessionCreator: waits (at most `maxWaitSecs`) until the chief has made the model ready. */
export class WorkerSessionCreator implements SessionCreator {
  readonly scaffold: Scaffold;
  #o: CreatorOptions & { maxWaitSecs?: number };

  constructor(options: CreatorOptions & { maxWaitSecs?: number } = {}) {
    this.#o = options;
    this.scaffold = options.scaffold ?? new Scaffold();
  }

  async createSession(): Promise<Session> {
    const manager = managerFor(this.scaffold, graphOf(this.#o), this.#o.recoveryWaitSecs);
    return manager.waitForSession(this.#o.master ?? '', { config: this.#o.config, maxWaitSecs: this.#o.maxWaitSecs ?? 7200 });
  }
}

export interface MonitoredSessionOptions {
  sessionCreator?: SessionCreator;
  hooks?: SessionRunHook[];
  /** Seconds close() waits for the coordinator's registered tasks (default 120). */
  stopGracePeriodSecs?: number;
  /** The model's graph: hooks' `begin` runs with it as the default graph. Default: the scaffold's, else the default graph. */
  graph?: Graph;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function requireHooks(hooks: unknown, what: string): SessionRunHook[] {
  if (hooks === undefined || hooks === null) return [];
  if (!Array.isArray(hooks)) throw invalidArgument('an array of SessionRunHooks', what, hooks);
  for (const h of hooks) {
    const methods = ['begin', 'afterCreateSession', 'beforeRun', 'afterRun', 'end'] as const;
    if (!h || typeof h !== 'object' || methods.some((m) => (h as Record<string, unknown>)[m] !== undefined && typeof h[m] !== 'function')) {
      throw invalidArgument('a SessionRunHook (an object with optional begin/afterCreateSession/beforeRun/afterRun/end methods)', what, h);
    }
  }
  return [...hooks];
}

/** A feed's tensor name, so that two feeds of one tensor are found whatever form their keys take. */
function feedName(key: unknown): string {
  if (key instanceof Output) return key.name;
  if (isOutputConvertible(key)) return key[toOutput]().name;
  return typeof key === 'string' && !key.includes(':') ? `${key}:0` : String(key);
}

function feedEntries(feeds: Feeds | null | undefined): Array<[unknown, FeedValue]> {
  if (!feeds) return [];
  return feeds instanceof Map ? [...feeds.entries()] : Object.entries(feeds);
}

/**
 * A session that runs hooks around each run, and re-creates its session when a worker or parameter server
 * is lost. Made by `tf.train.MonitoredTrainingSession`, or by `MonitoredSession.create` with a SessionCreator.
 */
export class MonitoredSession {
  readonly graph: Graph;
  #hooks: SessionRunHook[];
  #creator: SessionCreator;
  #grace: number;
  #raw: Session | null = null;
  #coord: Coordinator | null = null;
  #hookStop = false;
  #closed = false;
  #running = false;
  #failed: unknown = undefined;
  #pendingClose: Promise<void> = Promise.resolve();

  private constructor(graph: Graph, creator: SessionCreator, hooks: SessionRunHook[], grace: number) {
    this.graph = graph;
    this.#creator = creator;
    this.#hooks = hooks;
    this.#grace = grace;
  }

  /**
   * Calls every hook's `begin` (with `graph` as the default graph), then creates the session (the chief's
   * creator initializes or restores) and calls `afterCreateSession`.
   * @throws what a hook's begin throws; the session creator's error (a DeadlineExceededError for a worker
   *   whose model did not become ready in time). Lost-worker errors while creating are retried, as Python.
   */
  static async create(options: MonitoredSessionOptions = {}): Promise<MonitoredSession> {
    const hooks = requireHooks(options.hooks, 'MonitoredSession: hooks');
    const grace = options.stopGracePeriodSecs ?? 120;
    if (typeof grace !== 'number' || !(grace >= 0)) throw invalidArgument('a number of seconds >= 0', 'stopGracePeriodSecs', grace);
    const creator = options.sessionCreator ?? new ChiefSessionCreator({ graph: options.graph });
    if (typeof creator?.createSession !== 'function') {
      throw invalidArgument('a SessionCreator', 'MonitoredSession: sessionCreator', creator);
    }
    const graph = options.graph ?? (creator as { scaffold?: Scaffold }).scaffold?.graph ?? getDefaultGraph();
    graph.asDefault(() => {
      for (const h of hooks) h.begin?.();
    });
    const ms = new MonitoredSession(graph, creator, hooks, grace);
    await ms.#createRecoverable();
    return ms;
  }

  /** The current raw session (null while a lost session is being replaced, or after close). */
  get session(): Session | null {
    return this.#raw;
  }

  async #createCoordinated(): Promise<void> {
    const raw = await this.#creator.createSession();
    const coord = new Coordinator();
    try {
      for (const h of this.#hooks) await h.afterCreateSession?.(raw, coord);
    } catch (err) {
      coord.requestStop();
      await raw.close().catch(() => undefined);
      throw err;
    }
    this.#raw = raw;
    this.#coord = coord;
    this.#hookStop = false;
  }

  async #createRecoverable(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#createCoordinated();
        return;
      } catch (err) {
        if (!isPreemptionError(err)) throw err;
        logging.info('An error was raised while a session was being created. This may be due to a preemption of a connected ' +
          `worker or parameter server. A new session will be created. Error: ${(err as Error).message}`);
        // Python retries at once; a pause after the first retry keeps a dead target from being polled in a tight loop.
        if (attempt > 0) await sleep(Math.min(1000 * attempt, 10_000));
      }
    }
  }

  /**
   * Stops the coordinator, waits for its tasks and closes the session (whose own close errors are ignored, as
   * Python's). A lost worker reported by a task is logged; another task error is thrown.
   */
  async #closeCoordinated(): Promise<void> {
    const raw = this.#raw;
    const coord = this.#coord;
    this.#raw = null;
    this.#coord = null;
    if (!raw) return;
    coord?.requestStop();
    let joinError: unknown;
    try {
      await coord?.join(this.#grace);
    } catch (err) {
      joinError = err;
    }
    await raw.close().catch(() => undefined);
    if (joinError === undefined) return;
    if (!isPreemptionError(joinError)) throw joinError;
    logging.error('An error occurred when attempting to close the session. This may be due to a preemption in a connected ' +
      `worker or parameter server. Error: ${(joinError as Error).message}`);
  }

  /**
   * Runs `fetches` with the hooks' extra fetches and feeds: `beforeRun` of every hook, one session run, then
   * `afterRun` of every hook. On UnavailableError or AbortedError the session is closed, re-created (the chief
   * restores the latest checkpoint or initializes, hooks' `afterCreateSession` runs again) and the run retried.
   * @param options run options of every attempt (`timeoutMs`, `callerThread`; not `trace`)
   * @returns the results of `fetches` (as Session.run)
   * @throws Error after `shouldStop()` became true, while another run is in flight, or after close; what a hook throws
   *   (e.g. NanLossDuringTrainingError); the run's TensorFlow error; Error when two feeds give the same tensor.
   */
  run<F extends Fetches>(fetches: F, feeds?: Feeds, options?: Omit<RunOptions, 'trace'>): Promise<RunResult<F>>;
  async run(fetches: Fetches, feeds?: Feeds, options?: Omit<RunOptions, 'trace'>): Promise<unknown> {
    if (options !== undefined && (typeof options !== 'object' || options === null || 'trace' in options)) {
      throw invalidArgument('run options without trace', 'MonitoredSession.run(fetches, feeds, options)', options);
    }
    if (this.#closed) throw new Error('MonitoredSession.run: the session is closed');
    if (this.#running) throw new Error('MonitoredSession.run: another run is in flight; await it before starting the next');
    this.#running = true;
    try {
      for (;;) {
        try {
          await this.#pendingClose;
          if (!this.#raw) await this.#createRecoverable();
          return await this.#coordinatedRun(fetches, feeds, options);
        } catch (err) {
          if (!isPreemptionError(err)) throw err;
          logging.info('An error was raised. This may be due to a preemption in a connected worker or parameter server. ' +
            `The current session will be closed and a new session will be created. Error: ${(err as Error).message}`);
          await this.#closeCoordinated();
        }
      }
    } catch (err) {
      this.#failed = err;
      throw err;
    } finally {
      this.#running = false;
    }
  }

  async #coordinatedRun(fetches: Fetches, feeds: Feeds | undefined, options: RunOptions | undefined): Promise<unknown> {
    try {
      return await this.#hookedRun(fetches, feeds, options);
    } catch (err) {
      if (isPreemptionError(err)) throw err;
      // A lost worker seen by a background task (the coordinator's error) is recovered from instead of this error.
      try {
        this.#coord?.raiseRequestedException();
      } catch (requested) {
        if (isPreemptionError(requested)) throw requested;
      }
      throw err;
    }
  }

  async #hookedRun(fetches: Fetches, feeds: Feeds | undefined, options: RunOptions | undefined): Promise<unknown> {
    // Only a hook's stop request: Python's _HookedSession sees neither the coordinator nor the closed state.
    if (this.#hookStop) throw new Error('Run called even after should_stop requested.');
    const raw = this.#raw!;
    const context = new SessionRunContext(new SessionRunArgs(fetches, feeds ?? null), raw);
    const hookFetches: Record<string, Fetches> = {};
    const hookFeeds = new Map<unknown, FeedValue>();
    const hookFed = new Set<string>();
    for (const [i, h] of this.#hooks.entries()) {
      const request = await h.beforeRun?.(context);
      if (!request) continue;
      if (!(request instanceof SessionRunArgs)) {
        throw invalidArgument('a SessionRunArgs or nothing', `what beforeRun of hook ${i} returned`, request);
      }
      if (request.fetches !== null) hookFetches[`hook${i}`] = request.fetches;
      for (const [key, value] of feedEntries(request.feeds)) {
        const name = feedName(key);
        if (hookFed.has(name)) throw new Error(`Same tensor is fed by two hooks: ${name}`);
        hookFed.add(name);
        hookFeeds.set(key, value);
      }
    }
    let merged: Feeds | undefined = feeds;
    if (hookFeeds.size > 0) {
      const all = new Map(hookFeeds) as Map<string, FeedValue>;
      for (const [key, value] of feedEntries(feeds)) {
        if (hookFed.has(feedName(key))) throw new Error(`Same tensor is fed by a SessionRunHook and user: ${feedName(key)}`);
        all.set(key as string, value);
      }
      merged = all;
    }
    // Typed loosely: the result type of an arbitrary fetch structure is too deep for the compiler.
    const untyped = raw as { run(f: Fetches, d?: Feeds, o?: RunOptions): Promise<unknown> };
    const results = (await untyped.run({ caller: fetches, hooks: hookFetches }, merged, options)) as {
      caller: unknown;
      hooks: Record<string, unknown>;
    };
    for (const [i, h] of this.#hooks.entries()) {
      const key = `hook${i}`;
      await h.afterRun?.(context, { results: key in hookFetches ? results.hooks[key] : null });
    }
    this.#hookStop = this.#hookStop || context.stopRequested;
    return results.caller;
  }

  /**
   * Whether training should stop: a hook requested it, the coordinator was stopped, or the session is closed.
   * A lost worker reported to the coordinator re-creates the session at the next run instead.
   */
  shouldStop(): boolean {
    if (this.#closed) return true;
    if (!this.#raw) return false;
    try {
      this.#coord?.raiseRequestedException();
    } catch (err) {
      if (!isPreemptionError(err)) return true;
      logging.info('An error was raised while considering whether the session is complete. This may be due to a preemption ' +
        'in a connected worker or parameter server. The current session will be closed and a new session will be created. ' +
        `Error: ${(err as Error).message}`);
      this.#pendingClose = this.#closeCoordinated().catch(() => undefined);
      return false;
    }
    return this.#hookStop || (this.#coord?.shouldStop() ?? false);
  }

  /**
   * Calls every hook's `end` (unless the last run failed with an error other than OutOfRangeError, as Python's
   * `with` block), then closes the session. Idempotent.
   * @throws what a hook's end throws (the session is closed all the same); Error while a run is in flight.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#running) throw new Error('MonitoredSession.close: a run is in flight; await it first');
    this.#closed = true;
    await this.#pendingClose;
    try {
      const failed = this.#failed !== undefined && !(this.#failed instanceof OutOfRangeError);
      if (!failed && this.#raw) {
        const raw = this.#raw;
        for (const h of this.#hooks) await h.end?.(raw);
      }
    } finally {
      await this.#closeCoordinated();
    }
  }
}
