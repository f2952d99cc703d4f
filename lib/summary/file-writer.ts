// SPDX-License-Identifier: Apache-2.0
// tf.summary.FileWriter (Python's tf.compat.v1.summary.FileWriter) over TensorFlow's own event-file writer:
// the SummaryWriter resource and its kernels run in a private graph and session, so the files are written
// (record framing, CRCs, file name, the "brain.Event:2" header, queueing and periodic flushes) exactly as
// TensorFlow writes them, and TensorBoard reads them as it reads Python's.
import { Graph } from '../graph/graph';
import type { Operation, Output } from '../graph/operation';
import { Session, type FeedValue } from '../session/session';
import { Tensor } from '../tensor/tensor';
import { RunTrace } from '../session/trace';
import { encode } from '../proto';
import { invalidArgument, requireString } from '../base/validate';
import { SESSION_STATUS, type EventPayload, type SessionLog, encodeEvent } from './event';

export interface FileWriterOptions {
  /** A graph to write at once (Python's `graph=`), as `addGraph` does. */
  graph?: Graph;
  /** Events held in memory before a write to disk (Python's `max_queue`, default 10). */
  maxQueue?: number;
  /** Seconds between periodic flushes (Python's `flush_secs`, default 120). */
  flushSecs?: number;
  /** Appended to the event file's name (Python's `filename_suffix`). */
  filenameSuffix?: string;
}

type Step = number | bigint;

const stringScalar = (bytes: Uint8Array): Tensor => Tensor._fromHost('string', [], undefined, [bytes]);

function requireStep(step: unknown, what: string): Step | undefined {
  if (step === undefined) return undefined;
  if (typeof step === 'bigint' ? step >= -(2n ** 63n) && step < 2n ** 63n : Number.isSafeInteger(step)) return step as Step;
  throw invalidArgument('an integer step (a safe integer or an int64 bigint)', what, step);
}

function summaryBytes(summary: unknown, what: string): Uint8Array {
  if (summary instanceof Uint8Array) return summary;
  if (summary instanceof Tensor && summary.dtype === 'string' && summary.shape.length === 0) return summary.bytes()[0];
  throw invalidArgument('a serialized Summary (the Uint8Array a summary op returns, or a scalar string Tensor)', what, summary);
}

/**
 * Writes summaries, graphs and run metadata to an event file in `logdir` for TensorBoard.
 * @example
 * const writer = new tf.summary.FileWriter('/tmp/logs', { graph: g });
 * writer.addSummary((await sess.run(merged)), step);
 * await writer.close();
 */
export class FileWriter {
  readonly logdir: string;
  #session: Session;
  #step: Output;
  #summary: Output;
  #event: Output;
  #write: Operation;
  #import: Operation;
  #writeGraph: Operation;
  #timer: NodeJS.Timeout;
  #flush: Operation;
  #close: Operation;
  #closed = false;

  /**
   * Creates `logdir` if needed and opens a new event file there.
   * @throws TypeError/RangeError for bad options; the TensorFlow error when the directory cannot be written.
   */
  constructor(logdir: string, options: FileWriterOptions = {}) {
    this.logdir = requireString(logdir, 'FileWriter(logdir)');
    if (logdir === '' || logdir.includes('\0')) throw new TypeError(`FileWriter(logdir): '${logdir}' is not a directory name`);
    const maxQueue = options.maxQueue ?? 10;
    const flushSecs = options.flushSecs ?? 120;
    const suffix = requireString(options.filenameSuffix ?? '', 'FileWriter: options.filenameSuffix');
    if (!Number.isInteger(maxQueue) || maxQueue < 0 || maxQueue > 2 ** 31 - 1) {
      throw new RangeError(`FileWriter: options.maxQueue must be an integer from 0 to 2^31-1, got ${String(maxQueue)}`);
    }
    if (typeof flushSecs !== 'number' || !(flushSecs > 0) || flushSecs * 1000 > 2 ** 31 - 1) {
      throw new RangeError(`FileWriter: options.flushSecs must be a positive number of seconds below 2^31 ms, got ${String(flushSecs)}`);
    }
    if (suffix.includes('/') || suffix.includes('\0')) {
      throw new TypeError(`FileWriter: options.filenameSuffix '${suffix}' must be a file-name suffix`);
    }
    if (options.graph !== undefined && !(options.graph instanceof Graph)) {
      throw invalidArgument('a Graph', 'FileWriter: options.graph', options.graph);
    }

    const g = new Graph();
    const c = (value: string | number, dtype: 'string' | 'int32') => g.constant(value, { dtype });
    const writer = g.addOperation('SummaryWriter', { attrs: { shared_name: 'file_writer', container: '' }, name: 'writer' }).output(0);
    const create = g.addOperation('CreateSummaryFileWriter', {
      inputs: [writer, c(logdir, 'string'), c(maxQueue, 'int32'), c(Math.round(flushSecs * 1000), 'int32'), c(suffix, 'string')],
    });
    this.#step = g.placeholder('int64', [], 'step');
    this.#summary = g.placeholder('string', [], 'summary');
    this.#event = g.placeholder('string', [], 'event');
    this.#write = g.addOperation('WriteRawProtoSummary', { inputs: [writer, this.#step, this.#summary] });
    this.#import = g.addOperation('ImportEvent', { inputs: [writer, this.#event] });
    this.#writeGraph = g.addOperation('WriteGraphSummary', { inputs: [writer, this.#step, this.#summary] });
    this.#flush = g.addOperation('FlushSummaryWriter', { inputs: [writer] });
    this.#close = g.addOperation('CloseSummaryWriter', { inputs: [writer] });
    this.#session = new Session(g);
    try {
      this.#session.runSync(create);
    } catch (err) {
      void this.#session.close();
      throw err;
    }
    // Python's writer flushes from a thread every flush_secs; TensorFlow's kernel only checks the time when the
    // next event comes, so a timer flushes an idle writer (unref'd: it never keeps the process alive).
    this.#timer = setInterval(() => {
      if (!this.#closed) this.#session.runSync(this.#flush);
    }, flushSecs * 1000).unref();
    if (options.graph) this.addGraph(options.graph);
  }

  #requireOpen(what: string): void {
    if (this.#closed) throw new Error(`FileWriter.${what}: the writer for '${this.logdir}' is closed`);
  }

  #addEvent(payload: EventPayload, step: Step | undefined): void {
    this.#session.runSync(this.#import, new Map([[this.#event, stringScalar(encodeEvent(Date.now() / 1000, step, payload))]]));
  }

  /** Adds a serialized Summary (what a summary op or `merge` returns when run) at `globalStep` (Python's `add_summary`). */
  addSummary(summary: Uint8Array | Tensor, globalStep?: Step): void {
    this.#requireOpen('addSummary');
    const bytes = summaryBytes(summary, 'FileWriter.addSummary(summary)');
    const step = requireStep(globalStep, 'FileWriter.addSummary(summary, globalStep)') ?? 0;
    this.#session.runSync(this.#write, new Map<Output, FeedValue>([[this.#step, BigInt(step)], [this.#summary, stringScalar(bytes)]]));
  }

  /** Adds a graph for TensorBoard's graph view (Python's `add_graph`). */
  addGraph(graph: Graph, globalStep?: Step): void {
    this.#requireOpen('addGraph');
    if (!(graph instanceof Graph)) throw invalidArgument('a Graph', 'FileWriter.addGraph(graph)', graph);
    const step = requireStep(globalStep, 'FileWriter.addGraph(graph, globalStep)') ?? 0;
    const feeds = new Map<Output, FeedValue>([[this.#step, BigInt(step)], [this.#summary, stringScalar(graph.toGraphDef())]]);
    this.#session.runSync(this.#writeGraph, feeds);
  }

  /** Adds a serialized MetaGraphDef (Python's `add_meta_graph`). */
  addMetaGraph(metaGraphDef: Uint8Array, globalStep?: Step): void {
    this.#requireOpen('addMetaGraph');
    if (!(metaGraphDef instanceof Uint8Array)) {
      throw invalidArgument('MetaGraphDef bytes', 'FileWriter.addMetaGraph(metaGraphDef)', metaGraphDef);
    }
    this.#addEvent({ metaGraphDef }, requireStep(globalStep, 'FileWriter.addMetaGraph(metaGraphDef, globalStep)'));
  }

  /**
   * Adds a run's RunMetadata under `tag` (Python's `add_run_metadata`): TensorBoard shows its step stats.
   * @param runMetadata the `trace` of a run made with `{ trace: true }`, or serialized RunMetadata
   */
  addRunMetadata(runMetadata: RunTrace | Uint8Array, tag: string, globalStep?: Step): void {
    this.#requireOpen('addRunMetadata');
    let bytes: Uint8Array;
    if (runMetadata instanceof RunTrace) bytes = encode('RunMetadata', runMetadata.metadata);
    else if (runMetadata instanceof Uint8Array) bytes = runMetadata;
    else throw invalidArgument('a RunTrace or RunMetadata bytes', 'FileWriter.addRunMetadata(runMetadata, tag)', runMetadata);
    requireString(tag, 'FileWriter.addRunMetadata(runMetadata, tag)');
    this.#addEvent({ taggedRunMetadata: { tag, runMetadata: bytes } }, requireStep(globalStep, 'FileWriter.addRunMetadata(…, globalStep)'));
  }

  /**
   * Adds a SessionLog (Python's `add_session_log`): START when training (re)starts at `globalStep`, from which
   * TensorBoard drops the events a crashed run wrote past that step; CHECKPOINT with its path; STOP.
   * @example writer.addSessionLog({ status: 'START' }, step)
   */
  addSessionLog(sessionLog: SessionLog, globalStep?: Step): void {
    this.#requireOpen('addSessionLog');
    const what = 'FileWriter.addSessionLog(sessionLog)';
    if (typeof sessionLog !== 'object' || sessionLog === null) {
      throw invalidArgument('a { status, checkpointPath?, msg? } object', what, sessionLog);
    }
    if (!Object.prototype.hasOwnProperty.call(SESSION_STATUS, sessionLog.status)) {
      throw invalidArgument(`a status among ${Object.keys(SESSION_STATUS).join(', ')}`, what, sessionLog.status);
    }
    const { status } = sessionLog;
    const optional = (value: unknown, name: string) => (value === undefined ? undefined : requireString(value, `${what}: ${name}`));
    const checkpointPath = optional(sessionLog.checkpointPath, 'checkpointPath');
    const msg = optional(sessionLog.msg, 'msg');
    const step = requireStep(globalStep, 'FileWriter.addSessionLog(sessionLog, globalStep)');
    this.#addEvent({ sessionLog: { status, checkpointPath, msg } }, step);
  }

  /** Writes what is queued to disk. */
  flush(): void {
    this.#requireOpen('flush');
    this.#session.runSync(this.#flush);
  }

  /** Flushes and closes the event file; later calls to the writer throw. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    try {
      this.#session.runSync(this.#close);
    } finally {
      await this.#session.close();
    }
  }
}
