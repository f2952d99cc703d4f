// SPDX-License-Identifier: Apache-2.0
// Session: runs a graph, synchronously or on the libuv thread pool.
import { DType, dtypeNumber, dtypeOfTypedArray, TypedArray } from '../base/dtypes';
import { withAsyncStack } from '../binding/errors';
import { Graph } from '../graph/graph';
import { tfAddon } from '../binding/library';
import { Native } from '../binding/native';
import { Operation, Output, OutputConvertible, isOutputConvertible, toOutput } from '../graph/operation';
import { decode, encode } from '../proto';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';
import { RunTrace, oneTracedRunAtATime } from './trace';
import { invalidArgument, optionalObject } from '../base/validate';

export interface GPUOptions {
  /** Grow GPU memory as needed instead of mapping most of it up front. */
  allowGrowth?: boolean;
  /** Fraction (0–1] of each GPU's memory this process may use. */
  perProcessGpuMemoryFraction?: number;
  /** Comma-separated GPU ids visible to TensorFlow, e.g. '0,1'. */
  visibleDeviceList?: string;
}

export interface SessionConfig {
  intraOpParallelismThreads?: number;
  interOpParallelismThreads?: number;
  allowSoftPlacement?: boolean;
  logDevicePlacement?: boolean;
  /** Maximum number of devices of each type, e.g. `{ CPU: 2, GPU: 0 }`. */
  deviceCount?: Record<string, number>;
  gpuOptions?: GPUOptions;
}

export interface SessionOptions {
  /** 'grpc://host:port' of a tf.Server, or '' / undefined for in-process. */
  target?: string;
  config?: SessionConfig;
}

export interface RunOptions {
  /** Fail the run with DeadlineExceededError after this many milliseconds. */
  timeoutMs?: number;
  /** Collect the step's op timings (the result becomes `{ results, trace }`). */
  trace?: boolean;
  /**
   * Run every op of this step in the thread that runs it (the libuv worker for `run`, the JS thread for
   * `runSync`) instead of TensorFlow's inter-op pool: two thread switches fewer per run, which is what
   * dominates small inference graphs; big ops still use the intra-op pool. Not for graphs whose ops wait on
   * each other within one step (queues), which would block. TensorFlow's RunOptions.inter_op_thread_pool = -1.
   */
  callerThread?: boolean;
}

export type Fetchable = Output | Operation | OutputConvertible | string;
export type Fetches = Fetchable | readonly Fetches[] | { readonly [key: string]: Fetches };
export type FeedValue = Tensor | TensorLike;
export type Feeds = Map<Output | OutputConvertible | string, FeedValue> | Record<string, FeedValue>;

/** The result structure for a fetch structure: a Tensor per Output, null per Operation. */
export type RunResult<F> = F extends Operation
  ? null
  : F extends Fetchable
    ? Tensor
    : F extends readonly unknown[]
      ? { [K in keyof F]: RunResult<F[K]> }
      : F extends Record<string, unknown>
        ? { [K in keyof F]: RunResult<F[K]> }
        : never;

/** @internal Encodes a SessionConfig as a ConfigProto. */
export function encodeConfig(config: SessionConfig | undefined): Uint8Array | null {
  if (config === undefined) return null;
  const c = optionalObject(config, 'the session config') as SessionConfig;
  const proto: Record<string, unknown> = {};
  const int = (v: unknown, what: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidArgument('an integer', what, v);
    return v;
  };
  if (c.intraOpParallelismThreads !== undefined) proto.intra_op_parallelism_threads = int(c.intraOpParallelismThreads, 'intraOpParallelismThreads');
  if (c.interOpParallelismThreads !== undefined) proto.inter_op_parallelism_threads = int(c.interOpParallelismThreads, 'interOpParallelismThreads');
  if (c.allowSoftPlacement !== undefined) proto.allow_soft_placement = Boolean(c.allowSoftPlacement);
  if (c.logDevicePlacement !== undefined) proto.log_device_placement = Boolean(c.logDevicePlacement);
  if (c.deviceCount !== undefined) {
    const counts: Record<string, number> = {};
    for (const [k, v] of Object.entries(optionalObject(c.deviceCount, 'deviceCount'))) counts[k] = int(v, `deviceCount.${k}`);
    proto.device_count = counts;
  }
  if (c.gpuOptions !== undefined) {
    const g = optionalObject(c.gpuOptions, 'gpuOptions') as GPUOptions;
    const gpu: Record<string, unknown> = {};
    if (g.allowGrowth !== undefined) gpu.allow_growth = Boolean(g.allowGrowth);
    if (g.perProcessGpuMemoryFraction !== undefined) {
      const f = g.perProcessGpuMemoryFraction;
      if (typeof f !== 'number' || !(f > 0 && f <= 1)) throw new RangeError(`Expected perProcessGpuMemoryFraction in (0, 1] but received ${String(f)}`);
      gpu.per_process_gpu_memory_fraction = f;
    }
    if (g.visibleDeviceList !== undefined) {
      if (typeof g.visibleDeviceList !== 'string') throw invalidArgument('a string', 'visibleDeviceList', g.visibleDeviceList);
      gpu.visible_device_list = g.visibleDeviceList;
    }
    proto.gpu_options = gpu;
  }
  return encode('ConfigProto', proto);
}

/** @internal Encodes run options as a RunOptions proto (null when there are none). */
export // Serving loops pass the same few options on every run: encode each combination once.
const encodedRunOptions = new Map<string, Uint8Array | null>();

/** @internal Run options as a serialized RunOptions (null when there are none); SavedModel runs use it too. */
export function encodeRunOptions(options: RunOptions | undefined): Uint8Array | null {
  if (options === undefined) return null;
  if (typeof options !== 'object' || options === null) throw invalidArgument('a run options object', 'options', options);
  const key = `${String(options.timeoutMs)}|${Boolean(options.trace)}|${Boolean(options.callerThread)}`;
  let bytes = encodedRunOptions.get(key);
  if (bytes === undefined) {
    bytes = encodeRunOptionsUncached(options);
    if (encodedRunOptions.size < 64) encodedRunOptions.set(key, bytes);
  }
  return bytes;
}

function encodeRunOptionsUncached(options: RunOptions): Uint8Array | null {
  if (options.timeoutMs === undefined && !options.trace && !options.callerThread) return null;
  const proto: Record<string, unknown> = {};
  if (options.callerThread) proto.inter_op_thread_pool = -1;
  if (options.timeoutMs !== undefined) {
    if (typeof options.timeoutMs !== 'number' || !(options.timeoutMs > 0)) {
      throw new RangeError(`Expected a positive timeoutMs but received ${String(options.timeoutMs)}`);
    }
    proto.timeout_in_ms = Math.ceil(options.timeoutMs);
  }
  if (options.trace) proto.trace_level = 3; // FULL_TRACE
  return encode('RunOptions', proto);
}

// The native session `Session._wrap` hands to the constructor.
let adopting: Native.Session | undefined;

// Dtypes a JS number is fed as directly (native/tensor.h, Tensor::FromNumber).
const SCALAR_NUMBER_DTYPES = new Set<DType>(['float32', 'float64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32']);

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

/** A native run signature and the feed keys (and their Outputs) it was prepared for. */
interface Prepared {
  keys: unknown[];
  outputs: Output[];
  signature: Native.RunSignature;
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

  constructor(graph: Graph, options: SessionOptions = {}) {
    if (!(graph instanceof Graph)) throw invalidArgument('a Graph', 'the first argument of Session', graph);
    optionalObject(options, 'the Session options');
    if (options.target !== undefined && typeof options.target !== 'string') throw invalidArgument('a string', 'target', options.target);
    this.graph = graph;
    this.#native = adopting ?? new (tfAddon().Session)(graph._native, options.target ?? null, encodeConfig(options.config));
  }

  /** @internal Wraps a native session (SavedModel loading). */
  static _wrap(graph: Graph, native: Native.Session): Session {
    // Through the constructor, so that the instance has its private fields.
    adopting = native;
    try {
      return new Session(graph);
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

  #feedValue(out: Output, value: unknown): Native.FeedValue {
    if (value instanceof Tensor) return Tensor._feedValue(value);
    const dtype: DType = out.dtype;
    if (ArrayBuffer.isView(value) && !(value instanceof DataView) && dtypeOfTypedArray(value) === dtype && dtype !== 'bool') {
      return [dtypeNumber(dtype), this.#feedShape(out, (value as TypedArray).length), value];
    }
    if (typeof value === 'number' && SCALAR_NUMBER_DTYPES.has(dtype)) return value;
    let t: Tensor;
    try {
      t = tensor(value as TensorLike, undefined, dtype);
    } catch (err) {
      throw new TypeError(`Cannot feed ${out} (${dtype}): ${(err as Error).message}`);
    }
    if (ArrayBuffer.isView(value) && t.shape.length === 1) {
      return [dtypeNumber(dtype), this.#feedShape(out, t.size), t.data() as TypedArray];
    }
    return Tensor._feedValue(t);
  }

  /** The shape for a flat array fed to `out`: its static shape when that fits, else [n]. */
  #feedShape(out: Output, n: number): number[] {
    const shape = out.shape;
    if (!shape) return [n];
    let known = 1;
    let unknown = -1;
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i];
      if (d === null) {
        if (unknown >= 0) return [n];
        unknown = i;
      } else known *= d;
    }
    if (unknown < 0) return known === n ? (shape as number[]) : [n];
    if (known === 0 || n % known !== 0) return [n];
    const dims = shape.map((d) => (d === null ? n / known : d));
    return dims;
  }

  /**
   * The native signature for `plan` and these feeds' keys, and the values to feed. Plans of single Outputs and
   * Operations keep the signature for the keys they were last run with: a serving loop checks its feeds and
   * fetches once, not on every run.
   */
  #prepare(plan: Plan, feeds: Feeds | undefined): [Native.RunSignature, Native.FeedValue[]] {
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
      );
      prepared = { keys, outputs, signature };
      if (plan.cacheable) plan.prepared = prepared;
    }
    const values: Native.FeedValue[] = new Array(given.length);
    for (let i = 0; i < given.length; i++) values[i] = this.#feedValue(prepared.outputs[i], given[i]);
    return [prepared.signature, values];
  }

  #finish<F>(plan: Plan, raw: Native.RunResult | { outputs: Native.RunResult; metadata: Buffer }, traced: boolean): unknown {
    const outputs = traced ? (raw as { outputs: Native.RunResult }).outputs : (raw as Native.RunResult);
    const tensors = new Array<Tensor>(outputs.length);
    for (let i = 0; i < outputs.length; i++) tensors[i] = Tensor._fromResult(outputs[i], plan.fetchDtypes[i]);
    const results = plan.build(tensors) as RunResult<F>;
    if (!traced) return results;
    return { results, trace: new RunTrace(decode('RunMetadata', (raw as { metadata: Buffer }).metadata)) };
  }

  /**
   * Runs the graph off the JS thread (on the libuv pool) and resolves with results shaped like `fetches`.
   * @throws (rejects) the TensorFlow error of the run (InvalidArgumentError for a wrong feed, …); Error
   *   when the session is closed or the fetches and feeds are not of its graph.
   */
  run<F extends Fetches>(fetches: F, feeds?: Feeds, options?: RunOptions & { trace?: false }): Promise<RunResult<F>>;
  run<F extends Fetches>(fetches: F, feeds: Feeds | undefined, options: RunOptions & { trace: true }): Promise<{ results: RunResult<F>; trace: RunTrace }>;
  run<F extends Fetches>(fetches: F, feeds?: Feeds, options?: RunOptions): Promise<unknown> {
    let pending: Promise<Native.RunOutput>;
    let plan: Plan;
    let traced: boolean;
    try {
      this.#requireOpen();
      plan = this.#plan(fetches);
      const [signature, values] = this.#prepare(plan, feeds);
      const runOptions = encodeRunOptions(options);
      traced = Boolean(options?.trace);
      const start = () => this.#native.run(signature, values, runOptions, traced);
      pending = traced ? oneTracedRunAtATime(start) : start();
    } catch (err) {
      return Promise.reject(err);
    }
    // One reaction, not an async function's two hops: serving loops await this per request.
    return pending.then(
      (raw) => this.#finish(plan, raw, traced),
      (err) => {
        // The error was made when the run settled, with no JS on the stack; V8's async stack trace from here
        // names the code that awaits this run (cheaper than capturing a stack on every run).
        throw withAsyncStack(err);
      },
    );
  }

  /** The same as `run`, blocking the JS thread until TensorFlow finishes. */
  runSync<F extends Fetches>(fetches: F, feeds?: Feeds, options?: RunOptions & { trace?: false }): RunResult<F>;
  runSync<F extends Fetches>(fetches: F, feeds: Feeds | undefined, options: RunOptions & { trace: true }): { results: RunResult<F>; trace: RunTrace };
  runSync<F extends Fetches>(fetches: F, feeds?: Feeds, options?: RunOptions): unknown {
    this.#requireOpen();
    const plan = this.#plan(fetches);
    const [signature, values] = this.#prepare(plan, feeds);
    const traced = Boolean(options?.trace);
    const raw = this.#native.runSync(signature, values, encodeRunOptions(options), traced);
    return this.#finish(plan, raw, traced);
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

  /** Closes the session after the runs in flight finish. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#native.close();
  }

  /** @internal The native session, for modules that build on it (SavedModel, checkpoints). */
  static _native(s: Session): Native.Session {
    s.#requireOpen();
    return s.#native;
  }
}

export { toOutput };
