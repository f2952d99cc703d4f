// SPDX-License-Identifier: Apache-2.0
// A launcher for a TensorFlow cluster on one machine: 1+ ps and N worker tasks, each a separate process on a
// free 127.0.0.1 port (never another address). Each task gets `--job J --task I --cluster JSON` after its own
// arguments, and talks back through stdout lines `EVENT {json}`. Every wait is bounded, and `stop()` kills
// what is left: a started tf.Server cannot be shut down (TensorFlow 2.21), so a task ends by ending its process.
'use strict';
const { spawn } = require('child_process');
const net = require('net');

/** A port that was free a moment ago on 127.0.0.1 (the task binds it right after). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Distinct free ports (a port handed out twice would make two tasks fight over it). */
async function freePorts(n) {
  const ports = new Set();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

class Cluster {
  /**
   * @param {object} options
   * @param {Record<string, string>} options.scripts the program of each job, e.g. { ps: 'task.js', worker: 'task.js' }
   * @param {Record<string, number>} options.tasks the number of tasks of each job, e.g. { ps: 1, worker: 2 }
   * @param {Record<string, string[]>} [options.args] extra arguments per job, placed before --job
   * @param {(job: string, index: number) => string[] | undefined} [options.programs] the command line of a task, when
   *   not `node <scripts[job]> <args[job]>`
   * @param {object} [options.env] extra environment variables
   * @param {(task: string, line: string) => void} [options.onLine] every output line of every task
   */
  constructor(options) {
    this.options = options;
    this.spec = null;
    this.procs = new Map();
    this.events = [];
    this.exits = [];
    this.waiters = new Set();
  }

  /** Picks the ports and starts every task. */
  async start() {
    const jobs = Object.entries(this.options.tasks);
    const ports = await freePorts(jobs.reduce((n, [, count]) => n + count, 0));
    this.spec = {};
    for (const [job, count] of jobs) this.spec[job] = Array.from({ length: count }, () => `127.0.0.1:${ports.shift()}`);
    for (const [job, count] of jobs) for (let i = 0; i < count; i++) this.startTask(job, i);
    return this;
  }

  /** Starts (or restarts) one task; `extraArgs` go after the job's arguments. */
  startTask(job, index, extraArgs = []) {
    const name = `${job}:${index}`;
    const old = this.procs.get(name);
    if (old && old.exitCode === null && old.signalCode === null) throw new Error(`Task ${name} is still running`);
    const o = this.options;
    // `programs` picks a task's program by job and index (e.g. one Python worker among Node ones).
    const [command, ...program] = o.programs?.(job, index) ?? [process.execPath, o.scripts[job], ...(o.args?.[job] ?? [])];
    const args = [...program, ...extraArgs, '--job', job, '--task', String(index), '--cluster', JSON.stringify(this.spec)];
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2', ...o.env },
    });
    child.output = [];
    this.procs.set(name, child);
    const onData = (stream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop();
        for (const line of lines) this.#line(name, child, line);
      });
      stream.on('end', () => rest && this.#line(name, child, rest));
    };
    onData(child.stdout);
    onData(child.stderr);
    child.on('exit', (code, signal) => {
      this.exits.push({ task: name, code, signal, pid: child.pid });
      this.#notify();
    });
    return child;
  }

  #line(task, child, line) {
    child.output.push(line);
    if (child.output.length > 400) child.output.shift();
    this.options.onLine?.(task, line);
    if (line.startsWith('EVENT ')) {
      try {
        this.events.push({ task, pid: child.pid, ...JSON.parse(line.slice(6)) });
      } catch {
        // not one of ours
      }
    }
    // Waiters may look at output lines too (through onLine), not only at events.
    this.#notify();
  }

  #notify() {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with the first event (or exit, with `exits: true`) matching `predicate`; rejects after timeoutMs. */
  waitFor(predicate, timeoutMs, what = 'a cluster event') {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(predicate);
        if (!found) return false;
        done();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.\n${this.tail()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves when the task's current process has exited, with {code, signal}; rejects after timeoutMs. */
  waitForExit(task, timeoutMs) {
    const child = this.procs.get(task);
    if (!child) return Promise.reject(new Error(`No task ${task}`));
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${task} to exit.\n${this.tail()}`)),
        timeoutMs);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
  }

  /** Sends a signal to a task's process. */
  kill(task, signal = 'SIGTERM') {
    const child = this.procs.get(task);
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
  }

  /** The last lines of every task's output, for error messages. */
  tail(lines = 15) {
    return [...this.procs].map(([task, child]) => `--- ${task} (pid ${child.pid}):\n${child.output.slice(-lines).join('\n')}`).join('\n');
  }

  /** Ends every task still running: SIGTERM (the tasks exit cleanly on it), SIGKILL after graceMs. */
  async stop(graceMs = 3000) {
    const alive = [...this.procs.values()].filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of alive) c.kill('SIGTERM');
    await Promise.all(alive.map((c) => new Promise((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      const timer = setTimeout(() => {
        c.kill('SIGKILL');
        resolve();
      }, graceMs);
      c.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    })));
  }
}

/** `--job`, `--task` and `--cluster` as the launcher passes them (for the task programs). */
function taskArgs(argv = process.argv.slice(2)) {
  const at = (flag) => {
    const i = argv.lastIndexOf(flag);
    if (i < 0 || i + 1 >= argv.length) throw new Error(`Missing ${flag}; start tasks with examples/distributed/cluster.js`);
    return argv[i + 1];
  };
  return { job: at('--job'), task: Number(at('--task')), cluster: JSON.parse(at('--cluster')) };
}

/**
 * Resolves once every task of the cluster accepts TCP connections (bounded by timeoutMs). A master creating its
 * first session contacts every task, and a task still starting (a Python one, say) may reset the connection
 * instead of letting it wait.
 */
async function waitForTasks(cluster, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  const addresses = Object.values(cluster).flatMap((tasks) => Object.values(tasks));
  for (const address of addresses) {
    const i = address.lastIndexOf(':');
    const [host, port] = [address.slice(0, i), Number(address.slice(i + 1))];
    for (;;) {
      const open = await new Promise((resolve) => {
        const socket = net.connect({ host, port }, () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
        socket.setTimeout(1000, () => {
          socket.destroy();
          resolve(false);
        });
      });
      if (open) break;
      if (Date.now() > deadline) throw new Error(`Task ${address} did not accept connections within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * A ps task's life after its server started: report ready, then serve until SIGTERM/SIGINT end the process
 * (TensorFlow 2.21 cannot shut a started gRPC server down). The server serves from TensorFlow's threads; the
 * timer only keeps the process alive.
 */
function serveAsPs(server, task) {
  emit({ type: 'ready', job: 'ps', task, target: server.target });
  setInterval(() => {}, 1 << 30);
}

/** Ends the process cleanly on SIGTERM and SIGINT (Cluster.stop sends SIGTERM). */
function exitOnSignals() {
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
}

/** One line of a task's report to the launcher. */
function emit(event) {
  process.stdout.write(`EVENT ${JSON.stringify(event)}\n`);
}

module.exports = { Cluster, freePort, freePorts, taskArgs, emit, waitForTasks, serveAsPs, exitOnSignals };
