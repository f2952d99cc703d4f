// SPDX-License-Identifier: Apache-2.0
// Session and run options, and their encoding as the ConfigProto and RunOptions protos TensorFlow reads.
import { encode } from '../proto';
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
  /** Threads of the intra-op pool, 0 (TensorFlow picks) to 1024. */
  intraOpParallelismThreads?: number;
  /** Threads of the inter-op pool, -1 (the caller's thread) or 0 (TensorFlow picks) to 1024. */
  interOpParallelismThreads?: number;
  allowSoftPlacement?: boolean;
  logDevicePlacement?: boolean;
  /** Maximum number of devices of each type (0 to 256), e.g. `{ CPU: 2, GPU: 0 }`. */
  deviceCount?: Record<string, number>;
  gpuOptions?: GPUOptions;
  /**
   * The devices the session may see, e.g. `['/job:ps', '/job:worker/task:1']` (ConfigProto.device_filters, as
   * Python's users of MonitoredTrainingSession set): a worker's session then contacts only the ps and itself, so
   * it neither waits for the other workers to be up nor fails when one of them is lost. Empty: every device.
   */
  deviceFilters?: string[];
}

export interface SessionOptions {
  /** 'grpc://host:port' of a tf.Server, or '' / undefined for in-process. */
  target?: string;
  config?: SessionConfig;
}

export interface RunOptions {
  /**
   * Fail the run with DeadlineExceededError after this many milliseconds (1 to 2^31−1). The promise settles
   * by then even when TensorFlow cannot stop the run (an op that ignores cancellation, an unreachable
   * target); such a run goes on in the background.
   */
  timeoutMs?: number;
  /** Collect the step's op timings (the result becomes `{ results, trace }`). */
  trace?: boolean;
  /**
   * Run every op of this step in the thread that runs it (a runner thread for `run`, the JS thread for
   * `runSync`) instead of TensorFlow's inter-op pool: two thread switches fewer per run, which is what
   * dominates small inference graphs; big ops still use the intra-op pool. Not for graphs whose ops wait on
   * each other within one step (queues), which would block. TensorFlow's RunOptions.inter_op_thread_pool = -1.
   * Left undefined, the binding chooses: the calling thread for steps with no op that can wait for another
   * (queues, staging areas, barriers, Send/Recv, …) when the session's config leaves interOpParallelismThreads
   * unset; `false` forces the pool.
   */
  callerThread?: boolean;
  /**
   * `run` only. Left undefined or `true`, a step that runs in the calling thread (see `callerThread`, left
   * undefined) and whose recent runs of the same feeds and fetches took at most 5 µs runs in the JS thread,
   * and the promise is returned settled: handing such a step to a runner thread and back costs the event loop
   * more time than the step itself (docs/THREADING.md). Not with `timeoutMs` or `trace`. `false`: always
   * on a runner thread.
   */
  smallStepsInJsThread?: boolean;
}

// TensorFlow trusts these counts: 2^31−1 pool threads is a SIGSEGV creating the pool and 2^31−1 CPU devices
// a bad_alloc, both aborting the process. The bounds are far above any machine's useful values.
const MAX_THREADS = 1024;
const MAX_DEVICES_PER_TYPE = 256;
/** The longest timeoutMs: setTimeout's bound, and that of the native deadline. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function boundedInt(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidArgument('an integer', what, v);
  if (v < min || v > max) throw new RangeError(`Expected ${what} between ${min} and ${max} but received ${v}`);
  return v;
}

/** @internal Encodes a SessionConfig as a ConfigProto. */
export function encodeConfig(config: SessionConfig | undefined): Uint8Array | null {
  if (config === undefined) return null;
  const c = optionalObject(config, 'the session config') as SessionConfig;
  const proto: Record<string, unknown> = {};
  if (c.intraOpParallelismThreads !== undefined) {
    proto.intra_op_parallelism_threads = boundedInt(c.intraOpParallelismThreads, 'intraOpParallelismThreads', 0, MAX_THREADS);
  }
  if (c.interOpParallelismThreads !== undefined) {
    proto.inter_op_parallelism_threads = boundedInt(c.interOpParallelismThreads, 'interOpParallelismThreads', -1, MAX_THREADS);
  }
  if (c.allowSoftPlacement !== undefined) proto.allow_soft_placement = Boolean(c.allowSoftPlacement);
  if (c.logDevicePlacement !== undefined) proto.log_device_placement = Boolean(c.logDevicePlacement);
  if (c.deviceCount !== undefined) {
    const counts: Record<string, number> = {};
    for (const [k, v] of Object.entries(optionalObject(c.deviceCount, 'deviceCount'))) {
      counts[k] = boundedInt(v, `deviceCount.${k}`, 0, MAX_DEVICES_PER_TYPE);
    }
    proto.device_count = counts;
  }
  if (c.gpuOptions !== undefined) {
    const g = optionalObject(c.gpuOptions, 'gpuOptions') as GPUOptions;
    const gpu: Record<string, unknown> = {};
    if (g.allowGrowth !== undefined) gpu.allow_growth = Boolean(g.allowGrowth);
    if (g.perProcessGpuMemoryFraction !== undefined) {
      const f = g.perProcessGpuMemoryFraction;
      if (typeof f !== 'number' || !(f > 0 && f <= 1)) {
        throw new RangeError(`Expected perProcessGpuMemoryFraction in (0, 1] but received ${String(f)}`);
      }
      gpu.per_process_gpu_memory_fraction = f;
    }
    if (g.visibleDeviceList !== undefined) {
      if (typeof g.visibleDeviceList !== 'string') throw invalidArgument('a string', 'visibleDeviceList', g.visibleDeviceList);
      gpu.visible_device_list = g.visibleDeviceList;
    }
    proto.gpu_options = gpu;
  }
  if (c.deviceFilters !== undefined) proto.device_filters = deviceFilters(c.deviceFilters);
  return encode('ConfigProto', proto);
}

function deviceFilters(filters: unknown): string[] {
  if (!Array.isArray(filters) || filters.some((f) => typeof f !== 'string')) {
    throw invalidArgument('an array of device name strings', 'deviceFilters', filters);
  }
  return [...(filters as string[])];
}

/**
 * @internal Whether the binding chooses, per run, between the calling thread and TensorFlow's inter-op pool
 * (docs/THREADING.md): only when nobody configured inter-op threading, neither the
 * session's config nor TF_NUM_INTEROP_THREADS, and the session is in-process (a remote master does not run
 * steps in the caller's thread).
 */
export function choosesThreads(options: SessionOptions | undefined): boolean {
  return (
    options?.config?.interOpParallelismThreads === undefined &&
    !options?.target &&
    process.env.TF_NUM_INTEROP_THREADS === undefined
  );
}

/**
 * @internal Whether the binding also chooses, per run, where the ops' intra-op work runs (TensorFlow's intra-op
 * pool or the thread running the step; docs/THREADING.md) for the steps it runs in the calling thread: when the
 * session's config leaves intra-op threading unset too, and TF_NUM_INTRAOP_THREADS is not set. Inference
 * sessions (savedModel.load) only: one thread rounds some reductions differently from several, which a
 * training loop would carry from step to step (Python parity tests of conv nets drift to 6e-5).
 */
export function choosesIntraOp(options: SessionOptions | undefined): boolean {
  return (
    choosesThreads(options) &&
    options?.config?.intraOpParallelismThreads === undefined &&
    process.env.TF_NUM_INTRAOP_THREADS === undefined
  );
}

const CALLER_THREAD: RunOptions = Object.freeze({ callerThread: true });

/** @internal The options of a run chosen to run in the calling thread; an explicit callerThread wins. */
export function inCallerThread(options: RunOptions | undefined): RunOptions | undefined {
  if (options === undefined) return CALLER_THREAD;
  // Left as given for encodeRunOptions to refuse.
  if (typeof options !== 'object' || options === null || options.callerThread !== undefined) return options;
  return { ...options, callerThread: true };
}

// Serving loops pass the same few options on every run: encode each combination once.
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

/** @internal The validated timeoutMs of run options (a whole number of ms), or undefined. */
export function runDeadline(options: RunOptions | undefined): number | undefined {
  const ms = options?.timeoutMs;
  if (ms === undefined) return undefined;
  if (typeof ms !== 'number' || !(ms > 0) || Math.ceil(ms) > MAX_TIMEOUT_MS) {
    throw new RangeError(`Expected timeoutMs between 1 and ${MAX_TIMEOUT_MS} but received ${String(ms)}`);
  }
  return Math.ceil(ms);
}

function encodeRunOptionsUncached(options: RunOptions): Uint8Array | null {
  if (options.timeoutMs === undefined && !options.trace && !options.callerThread) return null;
  const proto: Record<string, unknown> = {};
  if (options.callerThread) proto.inter_op_thread_pool = -1;
  const timeout = runDeadline(options);
  if (timeout !== undefined) proto.timeout_in_ms = timeout;
  if (options.trace) proto.trace_level = 3; // FULL_TRACE
  return encode('RunOptions', proto);
}
