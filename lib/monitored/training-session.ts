// SPDX-License-Identifier: Apache-2.0
// Python's tf.compat.v1.train.MonitoredTrainingSession: a MonitoredSession with the chief's default hooks
// (step counter, summaries, checkpoints) and the chief's or a worker's session creator.
import { Graph } from '../graph/graph';
import { getDefaultGraph } from '../graph/default-graph';
import type { SessionConfig } from '../session/config';
import { invalidArgument, optionalObject, requireBoolean, requireString } from '../base/validate';
import type { SessionRunHook } from './hooks';
import { StepCounterHook } from './basic-hooks';
import { CheckpointSaverHook, SummarySaverHook, SummaryWriterCache } from './saver-hooks';
import { Scaffold } from './scaffold';
import { ChiefSessionCreator, MonitoredSession, WorkerSessionCreator } from './monitored-session';

export interface MonitoredTrainingSessionOptions {
  /** The target: '' (default) for an in-process session, or a tf.Server's 'grpc://host:port'. */
  master?: string;
  /** Whether this worker initializes or restores the model and runs the chief-only hooks (default true). */
  isChief?: boolean;
  /** Where the chief restores from and saves checkpoints, and (unless summaryDir) writes summaries. */
  checkpointDir?: string | null;
  scaffold?: Scaffold;
  hooks?: SessionRunHook[];
  /** Hooks the chief runs (before the default ones); other workers ignore them. */
  chiefOnlyHooks?: SessionRunHook[];
  /**
   * Checkpoint every this many seconds / global steps: with neither given, every 600 s; otherwise give one
   * (null or 0 turns one off; both off: no CheckpointSaverHook).
   */
  saveCheckpointSecs?: number | null;
  saveCheckpointSteps?: number | null;
  /** Summaries every this many global steps / seconds: with neither given, every 100 steps; null turns one off. */
  saveSummariesSteps?: number | null;
  saveSummariesSecs?: number | null;
  config?: SessionConfig;
  /** Seconds close() waits for tasks registered with the coordinator (default 120). */
  stopGracePeriodSecs?: number;
  /** Log (and write) global steps/sec every this many steps (default 100; null or 0: no StepCounterHook). */
  logStepCountSteps?: number | null;
  /** How long a non-chief worker waits for the model to be ready (default 7200 s), then DeadlineExceededError. */
  maxWaitSecs?: number;
  /** Seconds between a waiting worker's readiness checks (Python's SessionManager recovery_wait_secs, default 30). */
  recoveryWaitSecs?: number;
  /** Where summaries go (default checkpointDir). */
  summaryDir?: string | null;
  /** Write the graph and MetaGraphDefs with checkpoints (default true). */
  saveGraphDef?: boolean;
  /** The model's graph (default: the scaffold's, else the default graph). */
  graph?: Graph;
}

const KNOWN = new Set([
  'master', 'isChief', 'checkpointDir', 'scaffold', 'hooks', 'chiefOnlyHooks', 'saveCheckpointSecs', 'saveCheckpointSteps',
  'saveSummariesSteps', 'saveSummariesSecs', 'config', 'stopGracePeriodSecs', 'logStepCountSteps', 'maxWaitSecs',
  'recoveryWaitSecs', 'summaryDir', 'saveGraphDef', 'graph',
]);

function period(value: unknown, what: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalidArgument('a number >= 0 or null', what, value);
  return value > 0 ? value : null;
}

/** Python's USE_DEFAULT pair: neither given → the default for the first; one given → only that one. */
function pair(a: unknown, b: unknown, whatA: string, whatB: string, defaultA: number): [number | null, number | null] {
  if (a === undefined && b === undefined) return [defaultA, null];
  return [period(a, whatA), period(b, whatB)];
}

/**
 * Creates a MonitoredSession for training, with Python's defaults: the chief initializes the model or restores
 * the latest checkpoint in `checkpointDir`, and runs `chiefOnlyHooks`, a StepCounterHook, a SummarySaverHook and a
 * CheckpointSaverHook (the last three when `checkpointDir`/`summaryDir` is given) before `hooks`; other workers
 * wait until the model is ready and run `hooks` only. A lost worker or parameter server (UnavailableError,
 * AbortedError) re-creates the session.
 * @example
 * const sess = await tf.train.MonitoredTrainingSession({ checkpointDir: '/tmp/train',
 *   hooks: [new tf.train.StopAtStepHook({ lastStep: 1000 })] });
 * try { while (!sess.shouldStop()) await sess.run(trainOp); } finally { await sess.close(); }
 * @throws TypeError/RangeError for bad options; the errors of MonitoredSession.create.
 */
export async function MonitoredTrainingSession(options: MonitoredTrainingSessionOptions = {}): Promise<MonitoredSession> {
  optionalObject(options, 'the options of tf.train.MonitoredTrainingSession');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`tf.train.MonitoredTrainingSession: unknown option '${key}'`);
  }
  const master = options.master === undefined ? '' : requireString(options.master, 'MonitoredTrainingSession: master');
  const isChief = options.isChief === undefined ? true : requireBoolean(options.isChief, 'MonitoredTrainingSession: isChief');
  const dirOption = (v: unknown, what: string) =>
    v === undefined || v === null ? null : requireString(v, `MonitoredTrainingSession: ${what}`);
  const checkpointDir = dirOption(options.checkpointDir, 'checkpointDir');
  if (checkpointDir === '') throw new TypeError('MonitoredTrainingSession: checkpointDir is empty (give null for none)');
  const summaryDir = dirOption(options.summaryDir, 'summaryDir') || checkpointDir;
  if (options.scaffold !== undefined && !(options.scaffold instanceof Scaffold)) {
    throw invalidArgument('a tf.train.Scaffold', 'MonitoredTrainingSession: scaffold', options.scaffold);
  }
  if (options.graph !== undefined && !(options.graph instanceof Graph)) {
    throw invalidArgument('a Graph', 'MonitoredTrainingSession: graph', options.graph);
  }
  const o = options;
  const [summarySteps, summarySecs] = pair(o.saveSummariesSteps, o.saveSummariesSecs, 'saveSummariesSteps', 'saveSummariesSecs', 100);
  const [ckptSecs, ckptSteps] = pair(o.saveCheckpointSecs, o.saveCheckpointSteps, 'saveCheckpointSecs', 'saveCheckpointSteps', 600);
  // Python's hooks refuse both (its SecondOrStepTimer); say which options collide.
  if (summarySteps !== null && summarySecs !== null) {
    throw new TypeError('MonitoredTrainingSession: give saveSummariesSteps or saveSummariesSecs, not both');
  }
  if (ckptSteps !== null && ckptSecs !== null) {
    throw new TypeError('MonitoredTrainingSession: give saveCheckpointSteps or saveCheckpointSecs, not both');
  }
  const logSteps = options.logStepCountSteps === undefined ? 100 : period(options.logStepCountSteps, 'logStepCountSteps');
  for (const k of ['maxWaitSecs', 'recoveryWaitSecs'] as const) {
    const v = options[k];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0))) {
      throw invalidArgument('a number of seconds >= 0', `MonitoredTrainingSession: ${k}`, v);
    }
  }
  if (!Array.isArray(options.hooks ?? []) || !Array.isArray(options.chiefOnlyHooks ?? [])) {
    const bad = Array.isArray(options.hooks ?? []) ? options.chiefOnlyHooks : options.hooks;
    throw invalidArgument('an array of SessionRunHooks', 'MonitoredTrainingSession: hooks / chiefOnlyHooks', bad);
  }
  const scaffold = options.scaffold ?? new Scaffold({ graph: options.graph });
  const graph = options.graph ?? scaffold.graph ?? getDefaultGraph();
  const common = { scaffold, master, config: options.config, graph, recoveryWaitSecs: options.recoveryWaitSecs };

  if (!isChief) {
    return MonitoredSession.create({
      sessionCreator: new WorkerSessionCreator({ ...common, maxWaitSecs: options.maxWaitSecs }),
      hooks: options.hooks ?? [],
      stopGracePeriodSecs: options.stopGracePeriodSecs,
      graph,
    });
  }
  const hooks: SessionRunHook[] = [...(options.chiefOnlyHooks ?? [])];
  if (summaryDir) {
    if (logSteps !== null) hooks.push(new StepCounterHook({ outputDir: summaryDir, everyNSteps: logSteps }, SummaryWriterCache.get));
    if (summarySteps !== null || summarySecs !== null) {
      const every = { saveSteps: summarySteps ?? undefined, saveSecs: summarySecs ?? undefined };
      hooks.push(new SummarySaverHook({ scaffold, outputDir: summaryDir, ...every }));
    }
  }
  if (checkpointDir && (ckptSecs !== null || ckptSteps !== null)) {
    hooks.push(new CheckpointSaverHook(checkpointDir, {
      scaffold, saveGraphDef: options.saveGraphDef ?? true, saveSecs: ckptSecs ?? undefined, saveSteps: ckptSteps ?? undefined,
    }));
  }
  hooks.push(...(options.hooks ?? []));
  return MonitoredSession.create({
    sessionCreator: new ChiefSessionCreator({ ...common, checkpointDir }),
    hooks,
    stopGracePeriodSecs: options.stopGracePeriodSecs,
    graph,
  });
}
