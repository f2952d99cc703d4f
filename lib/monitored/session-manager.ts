// SPDX-License-Identifier: Apache-2.0
// Python's tf.compat.v1.train.SessionManager: the chief's prepareSession (restore the latest checkpoint, or
// initialize) and the other workers' waitForSession (poll, bounded, until the chief made the model ready).
import type { Graph } from '../graph/graph';
import type { Operation, Output } from '../graph/operation';
import { Session } from '../session/session';
import type { SessionConfig } from '../session/config';
import type { Feeds } from '../session/types';
import type { Saver } from '../checkpoint/saver';
import { getCheckpointState } from '../checkpoint/checkpoint-state';
import { DeadlineExceededError, FailedPreconditionError } from '../binding/errors';
import { logging } from './hooks';

export interface SessionManagerOptions {
  graph: Graph;
  readyOp?: Output | null;
  readyForLocalInitOp?: Output | null;
  localInitOp?: Operation | null;
  localInitFeeds?: Feeds;
  /** Seconds between two readiness checks of a waiting worker (Python's recovery_wait_secs, default 30). */
  recoveryWaitSecs?: number;
}

export interface PrepareSessionOptions {
  saver?: Saver | null;
  checkpointDir?: string | null;
  initOp?: Operation | null;
  initFeeds?: Feeds;
  initFn?: (session: Session) => void | Promise<void>;
  config?: SessionConfig;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function closeQuietly(session: Session): Promise<void> {
  try {
    await session.close();
  } catch {
    // The session failed already; its close error would hide why.
  }
}

/**
 * Runs a ready op (Python's SessionManager._ready): [true, null] when it reports nothing (or there is no op),
 * [false, "Variables not initialized: a, b"] otherwise; an uninitialized-variable error also means "not ready".
 * @throws (rejects) other errors of the run.
 */
export async function modelReady(op: Output | null | undefined, session: Session): Promise<[boolean, string | null]> {
  if (!op) return [true, null];
  try {
    const value = await session.run(op);
    if (value.dtype !== 'string' || value.size === 0) return [true, null];
    return [false, `Variables not initialized: ${(value.data() as string[]).join(', ')}`];
  } catch (err) {
    if (err instanceof FailedPreconditionError && /uninitialized/i.test(err.message)) return [false, err.message];
    if (err instanceof FailedPreconditionError) logging.warn(`Model not ready raised: ${err.message}`);
    throw err;
  }
}

/** Python's SessionManager: creates sessions whose model is ready. */
export class SessionManager {
  readonly graph: Graph;
  #o: SessionManagerOptions;
  readonly recoveryWaitSecs: number;

  constructor(options: SessionManagerOptions) {
    this.#o = options;
    this.graph = options.graph;
    this.recoveryWaitSecs = options.recoveryWaitSecs ?? 30;
    if (!(this.recoveryWaitSecs >= 0)) throw new RangeError(`recoveryWaitSecs must be >= 0, got ${String(options.recoveryWaitSecs)}`);
  }

  #newSession(master: string, config: SessionConfig | undefined): Session {
    return new Session(this.graph, { target: master === '' ? undefined : master, config });
  }

  async #tryLocalInit(session: Session): Promise<[boolean, string | null]> {
    const op = this.#o.localInitOp;
    if (!op) return [true, null];
    const [ready, why] = await modelReady(this.#o.readyForLocalInitOp, session);
    if (!ready) return [false, why];
    await session.run(op, this.#o.localInitFeeds);
    return [true, null];
  }

  /**
   * The chief's session: restores the latest checkpoint of `checkpointDir` with `saver`, or else runs `initOp`
   * and `initFn`; then the local init op; then checks the ready op.
   * @throws Error when nothing can initialize the model or the model is not ready afterwards; the TensorFlow
   *   error of a failed restore or init (the session is closed then).
   */
  async prepareSession(master: string, options: PrepareSessionOptions = {}): Promise<Session> {
    const session = this.#newSession(master, options.config);
    try {
      let restored = false;
      if (options.checkpointDir && options.saver) {
        const state = getCheckpointState(options.checkpointDir);
        if (state?.modelCheckpointPath) {
          await options.saver.restore(session, state.modelCheckpointPath);
          options.saver.recoverLastCheckpoints(state.allModelCheckpointPaths);
          restored = true;
        }
      }
      if (!restored) {
        if (!options.initOp && !options.initFn && !this.#o.localInitOp) {
          throw new Error('Model is not initialized and no initOp or initFn or localInitOp was given');
        }
        if (options.initOp) await session.run(options.initOp, options.initFeeds);
        if (options.initFn) await options.initFn(session);
      }
      const [localOk, localWhy] = await this.#tryLocalInit(session);
      if (!localOk) {
        throw new Error(`Init operations did not make model ready for local_init. Init op: ${options.initOp?.name ?? 'none'}, ` +
          `error: ${localWhy}`);
      }
      const [ready, why] = await modelReady(this.#o.readyOp, session);
      if (!ready) {
        throw new Error(`Init operations did not make model ready. Init op: ${options.initOp?.name ?? 'none'}, ` +
          `ready op: ${this.#o.readyOp?.name ?? 'none'}, error: ${why}`);
      }
      return session;
    } catch (err) {
      await closeQuietly(session);
      throw err;
    }
  }

  /**
   * A non-chief worker's session: creates a session, runs the local init op once the model is ready for it, and
   * returns it when the ready op reports nothing; otherwise closes it, logs, waits `recoveryWaitSecs` and retries.
   * @throws DeadlineExceededError when the model is still not ready after `maxWaitSecs`.
   */
  async waitForSession(master: string, options: { config?: SessionConfig; maxWaitSecs?: number } = {}): Promise<Session> {
    const maxWaitSecs = options.maxWaitSecs ?? Infinity;
    const deadline = Date.now() + maxWaitSecs * 1000;
    for (;;) {
      const session = this.#newSession(master, options.config);
      let localWhy: string | null = null;
      let why: string | null = null;
      try {
        const [localOk, lw] = await this.#tryLocalInit(session);
        localWhy = lw;
        if (localOk) {
          const [ready, w] = await modelReady(this.#o.readyOp, session);
          why = w;
          if (ready) return session;
        }
      } catch (err) {
        await closeQuietly(session);
        throw err;
      }
      await closeQuietly(session);
      if (deadline - Date.now() - this.recoveryWaitSecs * 1000 < 0) {
        throw new DeadlineExceededError(`Session was not ready after waiting ${maxWaitSecs} secs. ` +
          `Ready for local init: ${localWhy ?? 'yes'}; ready: ${why ?? 'not checked'}`);
      }
      logging.info(`Waiting for model to be ready. Ready_for_local_init_op: ${localWhy}, ready: ${why}`);
      await sleep(this.recoveryWaitSecs * 1000);
    }
  }
}
