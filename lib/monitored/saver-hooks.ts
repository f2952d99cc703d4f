// SPDX-License-Identifier: Apache-2.0
// Python's CheckpointSaverHook and SummarySaverHook, and the SummaryWriterCache that lets hooks writing to one
// directory share a FileWriter (one event file per directory and process, as Python).
import * as path from 'path';
import type { Output } from '../graph/operation';
import { getDefaultGraph } from '../graph/default-graph';
import type { Session } from '../session/session';
import { Saver } from '../checkpoint/saver';
import { FileWriter } from '../summary/file-writer';
import { writeGraphText } from './graph-text';
import { Tensor } from '../tensor/tensor';
import { invalidArgument, optionalObject, requireString } from '../base/validate';
import { SecondOrStepTimer, SessionRunArgs, logging } from './hooks';
import type { SessionRunContext, SessionRunHook, SessionRunValues } from './hooks';
import { globalStepRead, stepValue } from './basic-hooks';
import { Scaffold, defaultSaver } from './scaffold';

const writers = new Map<string, FileWriter>();

/** Python's SummaryWriterCache: one FileWriter per log directory, shared by the hooks of this process. */
export const SummaryWriterCache = {
  get(logdir: string): FileWriter {
    const key = path.resolve(requireString(logdir, 'SummaryWriterCache.get(logdir)'));
    let writer = writers.get(key);
    if (!writer) {
      writer = new FileWriter(logdir);
      writers.set(key, writer);
    }
    return writer;
  },
  /** Closes and forgets every cached writer. */
  async clear(): Promise<void> {
    const all = [...writers.values()];
    writers.clear();
    await Promise.all(all.map((w) => w.close()));
  },
};

function requireStep(what: string): Output {
  const read = globalStepRead(getDefaultGraph());
  if (read === null) throw new Error(`Global step should be created to use ${what}.`);
  return read;
}

/** Python's CheckpointSaverListener: called around each save; `afterSave` returning true stops training. */
export interface CheckpointSaverListener {
  begin?(): void;
  beforeSave?(session: Session, globalStep: number): void | Promise<void>;
  afterSave?(session: Session, globalStep: number): boolean | void | Promise<boolean | void>;
  end?(session: Session, globalStep: number): void | Promise<void>;
}

export interface CheckpointSaverHookOptions {
  saveSecs?: number;
  saveSteps?: number;
  /** The Saver to use (not with `scaffold`); default the scaffold's, else the graph's (`defaultSaver`). */
  saver?: Saver;
  scaffold?: Scaffold;
  /** The checkpoint prefix inside the directory (default 'model.ckpt'). */
  checkpointBasename?: string;
  listeners?: CheckpointSaverListener[];
  /** Write graph.pbtxt, the MetaGraphDef with every checkpoint and the graph to the event file (default true). */
  saveGraphDef?: boolean;
}

/** Python's `CheckpointSaverHook`: saves a checkpoint when the session is created, every N secs or steps, and at the end. */
export class CheckpointSaverHook implements SessionRunHook {
  readonly checkpointDir: string;
  #savePath: string;
  #timer: SecondOrStepTimer;
  #saver: Saver | undefined;
  #scaffold: Scaffold | undefined;
  #listeners: CheckpointSaverListener[];
  #saveGraphDef: boolean;
  #writer: FileWriter | null = null;
  #step: Output | null = null;

  /** @throws TypeError for both or neither of saveSecs and saveSteps, or both saver and scaffold. */
  constructor(checkpointDir: string, options: CheckpointSaverHookOptions = {}) {
    this.checkpointDir = requireString(checkpointDir, 'CheckpointSaverHook(checkpointDir)');
    optionalObject(options, 'the options of CheckpointSaverHook');
    if (options.saver !== undefined && options.scaffold !== undefined) {
      throw new TypeError('CheckpointSaverHook: you cannot provide both saver and scaffold.');
    }
    if (options.saver !== undefined && !(options.saver instanceof Saver)) {
      throw invalidArgument('a tf.train.Saver', 'CheckpointSaverHook: saver', options.saver);
    }
    if (options.scaffold !== undefined && !(options.scaffold instanceof Scaffold)) {
      throw invalidArgument('a Scaffold', 'CheckpointSaverHook: scaffold', options.scaffold);
    }
    this.#timer = new SecondOrStepTimer({ everySecs: options.saveSecs, everySteps: options.saveSteps }, 'CheckpointSaverHook');
    this.#saver = options.saver;
    this.#scaffold = options.scaffold;
    this.#listeners = [...(options.listeners ?? [])];
    this.#saveGraphDef = options.saveGraphDef ?? true;
    this.#savePath = path.join(checkpointDir, options.checkpointBasename ?? 'model.ckpt');
  }

  begin(): void {
    this.#writer = SummaryWriterCache.get(this.checkpointDir);
    this.#step = requireStep('CheckpointSaverHook');
    for (const l of this.#listeners) l.begin?.();
  }

  async afterCreateSession(session: Session): Promise<void> {
    const step = stepValue(await session.run(this.#step!));
    if (this.#saveGraphDef) {
      const saver = this.#getSaver(session);
      // Written here, not in begin: other hooks' begin may still add to the graph (Python's reason too).
      writeGraphText(session.graph, this.checkpointDir, 'graph.pbtxt');
      this.#writer!.addGraph(session.graph);
      this.#writer!.addMetaGraph(saver.exportMetaGraph());
    }
    // The checkpoint written here is the state at `step`: a recovered session starts from a fresh one.
    await this.#save(session, step);
    this.#timer.updateLastTriggeredStep(step);
  }

  beforeRun(): SessionRunArgs {
    return new SessionRunArgs(this.#step);
  }

  async afterRun(runContext: SessionRunContext, runValues: SessionRunValues): Promise<void> {
    const stale = stepValue(runValues.results);
    if (!this.#timer.shouldTriggerForStep(stale + 1)) return;
    const step = stepValue(await runContext.session.run(this.#step!));
    if (this.#timer.shouldTriggerForStep(step)) {
      this.#timer.updateLastTriggeredStep(step);
      if (await this.#save(runContext.session, step)) runContext.requestStop();
    }
  }

  async end(session: Session): Promise<void> {
    const last = stepValue(await session.run(this.#step!));
    if (last !== this.#timer.lastTriggeredStep) await this.#save(session, last);
    for (const l of this.#listeners) await l.end?.(session, last);
  }

  #getSaver(session: Session): Saver {
    return this.#saver ?? this.#scaffold?.saver ?? defaultSaver(session.graph);
  }

  async #save(session: Session, step: number): Promise<boolean> {
    logging.info(`Calling checkpoint listeners before saving checkpoint ${step}...`);
    for (const l of this.#listeners) await l.beforeSave?.(session, step);
    logging.info(`Saving checkpoints for ${step} into ${this.#savePath}.`);
    await this.#getSaver(session).save(session, this.#savePath, { globalStep: step, writeMetaGraph: this.#saveGraphDef });
    this.#writer?.addSessionLog({ status: 'CHECKPOINT', checkpointPath: this.#savePath }, step);
    logging.info(`Calling checkpoint listeners after saving checkpoint ${step}...`);
    let stop = false;
    for (const l of this.#listeners) if (await l.afterSave?.(session, step)) stop = true;
    return stop;
  }
}

export interface SummarySaverHookOptions {
  saveSteps?: number;
  saveSecs?: number;
  /** The directory of the event file (a cached FileWriter), unless `summaryWriter` is given. */
  outputDir?: string;
  summaryWriter?: FileWriter;
  /** Exactly one of scaffold (its summaryOp) and summaryOp. */
  scaffold?: Scaffold;
  summaryOp?: Output | Output[];
}

/** Python's `SummarySaverHook`: runs the summary op every N steps or secs and writes its result. */
export class SummarySaverHook implements SessionRunHook {
  #timer: SecondOrStepTimer;
  #outputDir: string | undefined;
  #writer: FileWriter | null;
  #scaffold: Scaffold | undefined;
  #summaryOp: Output[] | undefined;
  #step: Output | null = null;
  #nextStep: number | null = null;
  #request = false;

  /** @throws TypeError unless exactly one of scaffold and summaryOp, and one of saveSteps and saveSecs, is given. */
  constructor(options: SummarySaverHookOptions) {
    optionalObject(options, 'the options of SummarySaverHook');
    if ((options.scaffold === undefined) === (options.summaryOp === undefined)) {
      throw new TypeError('SummarySaverHook: exactly one of scaffold or summaryOp must be provided.');
    }
    this.#timer = new SecondOrStepTimer({ everySteps: options.saveSteps, everySecs: options.saveSecs }, 'SummarySaverHook');
    this.#outputDir = options.outputDir === undefined ? undefined : requireString(options.outputDir, 'SummarySaverHook: outputDir');
    if (options.summaryWriter !== undefined && !(options.summaryWriter instanceof FileWriter)) {
      throw invalidArgument('a tf.summary.FileWriter', 'SummarySaverHook: summaryWriter', options.summaryWriter);
    }
    this.#writer = options.summaryWriter ?? null;
    this.#scaffold = options.scaffold;
    const op = options.summaryOp;
    this.#summaryOp = op === undefined ? undefined : Array.isArray(op) ? op : [op];
  }

  begin(): void {
    if (!this.#writer && this.#outputDir) this.#writer = SummaryWriterCache.get(this.#outputDir);
    this.#nextStep = null;
    this.#step = requireStep('SummarySaverHook');
  }

  #ops(): Output[] | null {
    if (this.#summaryOp) return this.#summaryOp;
    const op = this.#scaffold?.summaryOp;
    return op ? [op] : null;
  }

  beforeRun(): SessionRunArgs {
    this.#request = this.#nextStep === null || this.#timer.shouldTriggerForStep(this.#nextStep);
    const ops = this.#request ? this.#ops() : null;
    return new SessionRunArgs(ops ? { globalStep: this.#step!, summary: ops } : { globalStep: this.#step! });
  }

  async afterRun(runContext: SessionRunContext, runValues: SessionRunValues): Promise<void> {
    if (!this.#writer) return;
    const results = runValues.results as { globalStep: Tensor; summary?: Tensor[] };
    let step = stepValue(results.globalStep) + 1;
    if (this.#nextStep === null || this.#request) step = stepValue(await runContext.session.run(this.#step!));
    if (this.#nextStep === null) this.#writer.addSessionLog({ status: 'START' }, step);
    if (this.#request) {
      this.#timer.updateLastTriggeredStep(step);
      for (const summary of results.summary ?? []) this.#writer.addSummary(summary, step);
    }
    this.#nextStep = step + 1;
  }

  end(): void {
    this.#writer?.flush();
  }
}
