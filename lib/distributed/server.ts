// SPDX-License-Identifier: Apache-2.0
// tf.Server: an in-process TensorFlow gRPC server (one task of a cluster), as Python's tf.distribute.Server.
import { isMainThread } from 'worker_threads';
import { tfAddon } from '../binding/library';
import { Native } from '../binding/native';
import { encode } from '../proto';
import { invalidArgument, optionalObject, requireInteger, requireObject, requireString } from '../base/validate';

/** Job name → the addresses ('host:port') of its tasks, as a list or by task index. */
export type ClusterSpec = Record<string, string[] | Record<number, string>>;

export interface ServerOptions {
  /** Every job of the cluster and its tasks' addresses. */
  cluster: ClusterSpec;
  /** This server's job; may be omitted when the cluster has one job. */
  jobName?: string;
  /** This server's task in its job; may be omitted when the job has one task. */
  taskIndex?: number;
  /** The RPC protocol (only 'grpc' is built into libtensorflow). */
  protocol?: string;
  /** Start serving at once (default true). */
  start?: boolean;
}

// TensorFlow cannot shut a started gRPC server down (GrpcServer::Stop is unimplemented and its destructor
// CHECK-fails): native/server.cc never deletes a started server, leaving it to the process as Python does.

/** `{job: {taskIndex: address}}` from either form of a cluster spec, validated. */
function normalizeCluster(cluster: unknown): Map<string, Map<number, string>> {
  const spec = requireObject(cluster, 'the cluster of a Server');
  const jobs = new Map<string, Map<number, string>>();
  for (const [job, tasks] of Object.entries(spec)) {
    if (!/^[A-Za-z0-9_]+$/.test(job)) throw new TypeError(`Expected a job name of letters, digits and '_' in the cluster but received '${job}'`);
    const byIndex = new Map<number, string>();
    const entries: Array<[string | number, unknown]> = Array.isArray(tasks)
      ? tasks.map((t, i) => [i, t])
      : Object.entries(requireObject(tasks, `the tasks of job '${job}'`));
    for (const [index, address] of entries) {
      const i = Number(index);
      if (!Number.isInteger(i) || i < 0) throw new TypeError(`Expected non-negative task indices for job '${job}' but received '${index}'`);
      requireString(address, `the address of task ${i} of job '${job}'`);
      // The port itself is checked by checkPorts (a RangeError).
      if (!/^.+:/.test(address as string)) throw new TypeError(`Expected 'host:port' for task ${i} of job '${job}' but received '${address}'`);
      byIndex.set(i, address as string);
    }
    if (byIndex.size === 0) throw new TypeError(`Job '${job}' of the cluster has no tasks`);
    jobs.set(job, byIndex);
  }
  if (jobs.size === 0) throw new TypeError('The cluster of a Server has no jobs');
  checkPorts(jobs);
  return jobs;
}

/**
 * Refuses ports outside 1–65535 (TensorFlow took 99999 and served on a port nobody asked for). Port 0, which
 * lets the system pick (as `createLocalServer` does), stays allowed: it is how a cluster spec says "any".
 */
function checkPorts(jobs: Map<string, Map<number, string>>): void {
  for (const [job, byIndex] of jobs) {
    for (const [index, address] of byIndex) {
      const text = address.slice(address.lastIndexOf(':') + 1);
      const port = /^\d+$/.test(text) ? Number(text) : NaN;
      if (!(port >= 0 && port <= 65535)) {
        throw new RangeError(
          `Expected a port from 1 to 65535 (or 0 for one the system picks) in the address of task ${index} of job ` +
            `'${job}' but received '${address}'`,
        );
      }
    }
  }
}

/**
 * An in-process TensorFlow server: one task of a cluster, serving graphs to sessions whose target is its
 * `target`.
 * @example
 * const server = new tf.Server({ cluster: { local: ['127.0.0.1:2222'] } });
 * const sess = new tf.Session(g, { target: server.target });
 */
export class Server {
  /** The job this server is a task of. */
  readonly jobName: string;
  /** The task index of this server in its job. */
  readonly taskIndex: number;
  /** The cluster, as `{job: {taskIndex: address}}`. */
  readonly cluster: Readonly<Record<string, Readonly<Record<number, string>>>>;
  /** The serialized ServerDef the server was made from. */
  readonly serverDef: Uint8Array;
  #native: Native.Server;
  #started = false;
  #closed = false;

  /**
   * @throws TypeError for a malformed cluster, an unknown job or task; Error for a job or task that must be
   *   named; the TensorFlow error when the server cannot be created (an address in use: UnknownError).
   */
  constructor(options: ServerOptions) {
    const o = requireObject(options, 'the options of Server') as unknown as ServerOptions;
    const jobs = normalizeCluster(o.cluster);
    let jobName = o.jobName;
    if (jobName === undefined) {
      if (jobs.size !== 1) throw new Error(`A Server of a cluster with several jobs (${[...jobs.keys()].join(', ')}) needs a jobName`);
      jobName = [...jobs.keys()][0];
    }
    requireString(jobName, 'the jobName of a Server');
    const tasks = jobs.get(jobName);
    if (!tasks) throw new TypeError(`The cluster has no job '${jobName}'; its jobs are ${[...jobs.keys()].join(', ')}`);
    let taskIndex = o.taskIndex;
    if (taskIndex === undefined) {
      if (tasks.size !== 1) throw new Error(`A Server of job '${jobName}', which has ${tasks.size} tasks, needs a taskIndex`);
      taskIndex = [...tasks.keys()][0];
    }
    requireInteger(taskIndex, 'the taskIndex of a Server', 0);
    if (!tasks.has(taskIndex)) {
      throw new RangeError(`Job '${jobName}' has no task ${taskIndex}; its tasks are ${[...tasks.keys()].join(', ')}`);
    }
    const protocol = o.protocol ?? 'grpc';
    requireString(protocol, 'the protocol of a Server');
    if (o.start !== undefined && typeof o.start !== 'boolean') throw invalidArgument('a boolean', 'the start option of a Server', o.start);

    this.jobName = jobName;
    this.taskIndex = taskIndex;
    const cluster: Record<string, Record<number, string>> = {};
    for (const [job, byIndex] of jobs) cluster[job] = Object.freeze(Object.fromEntries(byIndex));
    this.cluster = Object.freeze(cluster);
    this.serverDef = encode('ServerDef', {
      cluster: { job: [...jobs].map(([name, byIndex]) => ({ name, tasks: Object.fromEntries(byIndex) })) },
      job_name: jobName,
      task_index: taskIndex,
      protocol,
    });
    this.#native = new (tfAddon().Server)(this.serverDef);
    if (o.start ?? true) this.start();
  }

  /**
   * A server for a one-task cluster on localhost with a port the system picks (Python's
   * `Server.create_local_server`).
   */
  static createLocalServer(options: { start?: boolean } = {}): Server {
    optionalObject(options, 'the options of createLocalServer');
    return new Server({ cluster: { localhost: ['localhost:0'] }, jobName: 'localhost', taskIndex: 0, start: options.start });
  }

  #requireOpen(): void {
    if (this.#closed) throw new Error(`Server ${this.jobName}:${this.taskIndex} is closed`);
  }

  /** The session target of this server, `'grpc://host:port'` (the bound port once started). */
  get target(): string {
    this.#requireOpen();
    return this.#native.target();
  }

  /** Whether `start()` was called. */
  get started(): boolean {
    return this.#started;
  }

  /**
   * Starts serving. Idempotent. A started server lives until the process exits: TensorFlow cannot shut
   * a gRPC server down.
   * @throws Error in a worker thread (the server would outlive the worker, bound to its port, until the
   *   process exits);
   *   the TensorFlow error when the server cannot start.
   */
  start(): void {
    this.#requireOpen();
    if (this.#started) return;
    if (!isMainThread) {
      throw new Error(
        'tf.Server cannot be started in a worker thread: TensorFlow cannot shut a started gRPC server down, ' +
          'so it would outlive the worker. Start it on the main thread.',
      );
    }
    this.#native.start();
    this.#started = true;
  }

  /**
   * Stops a server that was not started, so that it never starts and `join()` resolves.
   * @throws tf.errors.UnimplementedError for a started server (TensorFlow's gRPC server cannot shut down,
   *   as in Python).
   */
  stop(): void {
    this.#requireOpen();
    this.#native.stop();
  }

  /**
   * Resolves when the server has stopped: for a started server, never (a task process awaits it to serve
   * forever). It waits on a thread of the libuv pool, which it keeps.
   */
  join(): Promise<void> {
    try {
      this.#requireOpen();
      return this.#native.join();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Frees a server that was never started. A started one keeps serving until the process exits (see
   * `start`); either way the object is unusable afterwards. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close();
  }

  toString(): string {
    return `Server /job:${this.jobName}/task:${this.taskIndex}`;
  }
}
