// SPDX-License-Identifier: Apache-2.0
// Session: runs a graph, synchronously or on a runner thread (native/session_runner.h).
import { DType } from '../base/dtypes';
import { Graph } from '../graph/graph';
import { tfAddon } from '../binding/library';
import { Native } from '../binding/native';
import { Operation, Output, isOutputConvertible, toOutput } from '../graph/operation';
import { Tensor } from '../tensor/tensor';
import { RunTrace } from './trace';
import { invalidArgument, optionalObject } from '../base/validate';
import { RunOptions, SessionOptions, choosesIntraOp, choosesThreads, encodeConfig } from './config';
import { FeedSpec, feedValue, finishRun, runFailed, runNow, startRun } from './feeds';
import { Feeds, Fetches, RunResult } from './types';
import { getDefaultGraph } from '../graph/default-graph';

export type { GPUOptions, RunOptions, SessionConfig, SessionOptions } from './config';
export { encodeConfig, encodeRunOptions } from './config';
export type { FeedValue, Feeds, Fetchable, Fetches, RunResult } from './types';

// The native session `Session._wrap` hands to the constructor.
let adopting: Native.Session | undefined;

/** A fetch structure compiled into the native call's arrays and a function that rebuilds the results. */
interface Plan {
  fetchOps: Native.Operation[];
  fetchIdx: number[];
  fetchDtypes: DType[];
  targets: Native.Operation[];
  build(results: Tensor[]): unknown;
  /** The signature for the feed keys last used with this plan (plans of single Outputs and Operations). */
  prepared?: Prepared;
  cacheable: boolean;
}

/** A native run signature and the feed keys (and what their tensors accept) it was prepared for. */
interface Prepared {
  keys: unknown[];
  specs: FeedSpec[];
  signature: Native.RunSignature;
  /** Whether the step runs in the calling thread by default (its ops never wait for each other). */
  inline: boolean;
}

function sameKeys(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Runs a graph.
 * @example
 * const sess = new tf.Session(g);
 * const y = await sess.run(yOutput, { 'x:0': tf.tensor(41) });
 */
export class Session {
  readonly graph: Graph;
  #native: Native.Session;
  #closed = false;
  #choosesThreads: boolean;
  #choosesIntraOp: boolean;

  /** A session on `graph`, or on the default graph (Python's `tf.Session()`). */
  constructor(graph: Graph = getDefaultGraph(), options: SessionOptions = {}) {
    if (!(graph instanceof Graph)) throw invalidArgument('a Graph', 'the first argument of Session', graph);
    optionalObject(options, 'the Session options');
    if (options.target !== undefined && typeof options.target !== 'string') throw invalidArgument('a string', 'target', options.target);
    this.graph = graph;
    this.#native = adopting ?? new (tfAddon().Session)(graph._native, options.target ?? null, encodeConfig(options.config));
    this.#choosesThreads = choosesThreads(options);
    this.#choosesIntraOp = false;
  }

  /**
   * @internal Wraps a native session (SavedModel loading) made with `options`. `inference`: the binding may also
   * choose where its steps' intra-op work runs (config.ts, choosesIntraOp).
   */
  static _wrap(graph: Graph, native: Native.Session, options: SessionOptions = {}, inference = false): Session {
    // Through the constructor, so that the instance has its private fields.
    adopting = native;
    try {
      const s = new Session(graph, options);
      s.#choosesIntraOp = inference && choosesIntraOp(options);
      return s;
    } finally {
      adopting = undefined;
    }
  }

  #requireOpen(): void {
    if (this.#closed) throw new Error(`Session on ${this.graph} is closed`);
  }

  #output(value: unknown, what: string): Output {
    if (typeof value === 'string') return this.graph.tensor(value);
    return this.graph._toOutput(value, what);
  }

  // Plans for single Outputs and Operations (immutable fetches), the common hot path of serving loops.
  #plans = new WeakMap<object, Plan>();

  #plan(fetches: Fetches): Plan {
    if (fetches instanceof Output || fetches instanceof Operation) {
      let plan = this.#plans.get(fetches);
      if (!plan) {
        plan = this.#compile(fetches);
        plan.cacheable = true;
        this.#plans.set(fetches, plan);
      }
      return plan;
    }
    return this.#compile(fetches);
  }

  #compile(fetches: Fetches): Plan {
    const fetchOps: Native.Operation[] = [];
    const fetchIdx: number[] = [];
    const fetchDtypes: DType[] = [];
    const targets: Native.Operation[] = [];
    const compile = (f: unknown): ((r: Tensor[]) => unknown) => {
      if (f instanceof Operation) {
        if (f.graph !== this.graph) throw new Error(`Cannot fetch ${f}: it belongs to ${f.graph}, not to the session's ${this.graph}`);
        targets.push(f._native);
        return () => null;
      }
      if (f instanceof Output || isOutputConvertible(f) || typeof f === 'string') {
        const out = typeof f === 'string' && !f.includes(':') && this.graph.operation(f)?.numOutputs === 0
          ? undefined
          : this.#output(f, 'a fetch');
        if (!out) {
          targets.push(this.graph.operation(f as string)!._native);
          return () => null;
        }
        const i = fetchOps.length;
        fetchOps.push(out.op._native);
        fetchIdx.push(out.index);
        fetchDtypes.push(out.dtype);
        return (r) => r[i];
      }
      if (Array.isArray(f)) {
        const parts = f.map(compile);
        return (r) => parts.map((p) => p(r));
      }
      if (f !== null && typeof f === 'object') {
        const entries = Object.entries(f).map(([k, v]) => [k, compile(v)] as const);
        return (r) => {
          const o: Record<string, unknown> = {};
          for (const [k, p] of entries) o[k] = p(r);
          return o;
        };
      }
      throw invalidArgument('an Output, Operation, Variable, tensor name, or an array or object of these', 'fetches', f);
    };
    const build = compile(fetches);
    return { fetchOps, fetchIdx, fetchDtypes, targets, build, cacheable: false };
  }

  /**
   * The native signature for `plan` and these feeds' keys, and the values to feed. Plans of single Outputs and
   * Operations keep the signature for the keys they were last run with: a serving loop checks its feeds and
   * fetches once, not on every run.
   */
  #prepare(plan: Plan, feeds: Feeds | undefined): [Prepared, Native.FeedValue[]] {
    const keys: unknown[] = [];
    const given: unknown[] = [];
    if (feeds instanceof Map) {
      for (const [k, v] of feeds) {
        keys.push(k);
        given.push(v);
      }
    } else if (feeds !== undefined && feeds !== null) {
      if (typeof feeds !== 'object') throw invalidArgument('a Map or an object of feeds', 'feeds', feeds);
      for (const k of Object.keys(feeds)) {
        keys.push(k);
        given.push((feeds as Record<string, unknown>)[k]);
      }
    }
    let prepared = plan.prepared;
    if (prepared === undefined || !sameKeys(prepared.keys, keys)) {
      const outputs = keys.map((k) => this.#output(k, 'a feed key'));
      const signature = this.#native.prepare(
        outputs.map((o) => o.op._native),
        outputs.map((o) => o.index),
        plan.fetchOps,
        plan.fetchIdx,
        plan.targets,
        this.#choosesIntraOp,
      );
      const specs = outputs.map((o): FeedSpec => ({ dtype: o.dtype, shape: o.shape, what: `Tensor '${o.name}'`, checkDtype: false }));
      const inline = Session._runsInline(this, signature);
      prepared = { keys, specs, signature, inline };
      if (plan.cacheable) plan.prepared = prepared;
    }
    const values: Native.FeedValue[] = new Array(given.length);
    for (let i = 0; i < given.length; i++) values[i] = feedValue(prepared.specs[i], given[i]);
    return [prepared, values];
  }

  /**
   * Runs the graph off the JS thread (on a runner thread) and resolves with results shaped like `fetches`.
   * A step that recently took at most 5 µs and runs in the calling thread by default runs in the JS thread
   * instead, which holds the event loop for less time than the hop would (`RunOptions.smallStepsInJsThread`,
   * docs/THREADING.md).
   * @throws (rejects) the TensorFlow error of the run (InvalidArgumentError for a wrong feed, …); Error
   *   when the session is closed or the fetches and feeds are not of its graph.
   */
  run<F extends Fetches>(fetches: F, feeds?: Feeds, options?: RunOptions & { trace?: false }): Promise<RunResult<F>>;
  run<F extends Fetches>(
    fetches: F,
    feeds: Feeds | undefined,
    options: RunOptions & { trace: true },
  ): Promise<{ results: RunResult<F>; trace: RunTrace }>;
  run<F extends Fetches>(fetches: F, feeds?: Feeds, options?: RunOptions): Promise<unknown> {
    let pending: Promise<Native.RunOutput>;
    let plan: Plan;
    try {
      this.#requireOpen();
      plan = this.#plan(fetches);
      const [{ signature, inline }, values] = this.#prepare(plan, feeds);
      pending = startRun({ native: this.#native, signature, values, inline }, options);
    } catch (err) {
      return Promise.reject(err);
    }
    const traced = options?.trace === true;
    // One reaction, not an async function's two hops: serving loops await this per request.
    return pending.then((raw) => finishRun(raw, plan.fetchDtypes, traced, plan.build), runFailed);
  }

  /** The same as `run`, blocking the JS thread until TensorFlow finishes. */
  runSync<F extends Fetches>(fetches: F, feeds?: Feeds, options?: RunOptions & { trace?: false }): RunResult<F>;
  runSync<F extends Fetches>(
    fetches: F,
    feeds: Feeds | undefined,
    options: RunOptions & { trace: true },
  ): { results: RunResult<F>; trace: RunTrace };
  runSync<F extends Fetches>(fetches: F, feeds?: Feeds, options?: RunOptions): unknown {
    this.#requireOpen();
    const plan = this.#plan(fetches);
    const [{ signature, inline }, values] = this.#prepare(plan, feeds);
    const raw = runNow({ native: this.#native, signature, values, inline }, options);
    return finishRun(raw, plan.fetchDtypes, options?.trace === true, plan.build);
  }

  /** The devices this session can place operations on. */
  listDevices(): Array<{ name: string; type: string; memoryBytes: number }> {
    this.#requireOpen();
    return this.#native.listDevices();
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Closes the session, cancelling the runs in flight as Python's `close()` does: they reject with
   * CancelledError (a run TensorFlow cannot interrupt finishes first). Resolves once they settled and the
   * session is deleted. A run that ignores cancellation (MapPeek on an empty map) keeps close() pending unless
   * it was given a timeoutMs, after which it no longer counts. Idempotent.
   * @throws (rejects) the TensorFlow error of closing or deleting the session.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#native.close();
  }

  /** @internal Whether runs of `signature` go in the calling thread unless their options say otherwise. */
  static _runsInline(s: Session, signature: Native.RunSignature): boolean {
    return s.#choosesThreads && !s.#native.stepMayBlock(signature);
  }

  /** @internal Whether `s` leaves intra-op threading to the binding: prepare()'s last argument. */
  static _choosesIntraOp(s: Session): boolean {
    return s.#choosesIntraOp;
  }

  /** @internal The native session, for modules that build on it (SavedModel, checkpoints). */
  static _native(s: Session): Native.Session {
    s.#requireOpen();
    return s.#native;
  }
}

export { toOutput };
