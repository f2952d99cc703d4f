// SPDX-License-Identifier: Apache-2.0
// tf.train.QueueRunner: Python's queue_runner.QueueRunner, the loops that keep running a queue's enqueue ops.
// Python runs each loop in a thread; here each is an async loop of session.run calls, which TensorFlow runs on
// the libuv pool (4 threads by default, UV_THREADPOOL_SIZE): a loop blocked in an enqueue holds one of them.
import { CancelledError, OutOfRangeError } from '../binding/errors';
import type { Output } from '../graph/operation';
import { Operation } from '../graph/operation';
import type { Session } from '../session/session';
import { invalidArgument, optionalObject } from '../base/validate';

/** What a queue runner needs of Python's tf.train.Coordinator. */
export interface StopSignal {
  shouldStop(): boolean;
  requestStop(error?: unknown): void;
  /** Tracks a background loop (tf.train.Coordinator's), when the coordinator can. */
  register?(task: Promise<unknown>): void;
}

export interface QueueRunnerOptions {
  /** Run when the queue was closed by someone else (default: close the queue). */
  closeOp?: Operation;
  /** Run to stop the loops (default: close the queue, cancelling pending enqueues). */
  cancelOp?: Operation;
}

/** How often a loop looks at its coordinator between runs that block. */
const STOP_POLL_MS = 100;

function queueOp(queue: Output, type: string, cancel: boolean): Operation {
  const g = queue.graph;
  return g.device(queue.op.device === '' ? null : queue.op.device, () =>
    g.addOperation(type, { inputs: [queue], attrs: { cancel_pending_enqueues: cancel }, name: `${queue.op.name}_Close` }));
}

/**
 * Runs enqueue operations in loops until the queue is closed or a coordinator asks to stop, as Python's
 * QueueRunner (one loop per enqueue op instead of one thread each).
 * @example
 * const qr = new tf.train.QueueRunner(queue, [enqueue]);
 * const loops = qr.createThreads(sess, { coord });
 */
export class QueueRunner {
  readonly queue: Output;
  readonly enqueueOps: readonly Operation[];
  readonly closeOp: Operation;
  readonly cancelOp: Operation;
  /** The errors that stopped loops which had no coordinator to report them to. */
  readonly exceptionsRaised: unknown[] = [];
  #running = new Map<Session, number>();
  #stopped = new Set<Session>();

  /**
   * @param queue the queue's handle (a FIFOQueueV2 output)
   * @throws TypeError for a queue that is not an Output or enqueue ops that are not Operations
   */
  constructor(queue: Output, enqueueOps: Operation[], options: QueueRunnerOptions = {}) {
    if (!queue || typeof queue !== 'object' || !('op' in queue)) {
      throw invalidArgument('a queue handle (an Output)', 'the queue of a QueueRunner', queue);
    }
    if (!Array.isArray(enqueueOps) || enqueueOps.length === 0) {
      throw invalidArgument('a non-empty array of Operations', 'the enqueue ops of a QueueRunner', enqueueOps);
    }
    enqueueOps.forEach((op, i) => {
      if (!(op instanceof Operation)) throw invalidArgument('an Operation', `enqueueOps[${i}] of a QueueRunner`, op);
    });
    const o = optionalObject(options, 'the options of a QueueRunner') as QueueRunnerOptions;
    this.queue = queue;
    this.enqueueOps = Object.freeze([...enqueueOps]);
    const type = queue.dtype === 'resource' ? 'QueueCloseV2' : 'QueueClose';
    this.closeOp = o.closeOp ?? queueOp(queue, type, false);
    this.cancelOp = o.cancelOp ?? queueOp(queue, type, true);
  }

  /**
   * Starts one loop per enqueue op on `session` and returns their promises, which settle when the loops end;
   * they never reject: an error stops the loop and goes to `coord.requestStop(error)` (or `exceptionsRaised`).
   * A loop ends when the queue is closed, the session is closed, `coord` asks to stop or `stop(session)` is
   * called.
   */
  createThreads(session: Session, options: { coord?: StopSignal } = {}): Promise<void>[] {
    const { coord } = optionalObject(options, 'the options of createThreads') as { coord?: StopSignal };
    this.#stopped.delete(session);
    this.#running.set(session, (this.#running.get(session) ?? 0) + this.enqueueOps.length);
    const loops = this.enqueueOps.map((op) => this.#loop(session, op, coord));
    if (coord) {
      // Python's _close_on_stop thread: once the coordinator stops, cancel the pending enqueues.
      const watch = setInterval(() => {
        if (!coord.shouldStop() && (this.#running.get(session) ?? 0) > 0) return;
        clearInterval(watch);
        if ((this.#running.get(session) ?? 0) > 0) void this.stop(session);
      }, STOP_POLL_MS);
      watch.unref();
    }
    return loops;
  }

  /** Ends the loops on `session`: closes the queue, cancelling pending enqueues (Python's cancel_op). */
  async stop(session: Session): Promise<void> {
    this.#stopped.add(session);
    if (session.closed) return;
    try {
      await session.run(this.cancelOp);
    } catch {
      // The queue may be gone with its server; the loops end on their own errors then.
    }
  }

  async #loop(session: Session, op: Operation, coord: StopSignal | undefined): Promise<void> {
    try {
      while (!this.#stopped.has(session) && !session.closed && !coord?.shouldStop()) await session.run(op);
    } catch (err) {
      const ended = err instanceof OutOfRangeError || err instanceof CancelledError || session.closed || this.#stopped.has(session);
      if (!ended) {
        if (coord) coord.requestStop(err);
        else this.exceptionsRaised.push(err);
      }
    } finally {
      const left = (this.#running.get(session) ?? 1) - 1;
      this.#running.set(session, left);
      // The last loop closes the queue so that consumers see OutOfRange instead of waiting forever.
      if (left === 0 && !session.closed) await session.run(this.closeOp).catch(() => undefined);
    }
  }
}
