// SPDX-License-Identifier: Apache-2.0
// Supervised training (Python's monitored_session, session_manager, basic_session_run_hooks), exported on tf.train.
export { Coordinator, SecondOrStepTimer, SessionRunArgs, SessionRunContext, isPreemptionError } from './hooks';
export type { SessionRunHook, SessionRunValues } from './hooks';
export { Scaffold, defaultSaver } from './scaffold';
export type { ScaffoldOptions } from './scaffold';
export { SessionManager, modelReady } from './session-manager';
export type { PrepareSessionOptions, SessionManagerOptions } from './session-manager';
export {
  LoggingTensorHook, NanLossDuringTrainingError, NanTensorHook, StepCounterHook, StopAtStepHook, globalStepRead,
} from './basic-hooks';
export type { LoggingTensorHookOptions } from './basic-hooks';
export { CheckpointSaverHook, SummarySaverHook, SummaryWriterCache } from './saver-hooks';
export type { CheckpointSaverHookOptions, CheckpointSaverListener, SummarySaverHookOptions } from './saver-hooks';
export { ChiefSessionCreator, MonitoredSession, WorkerSessionCreator } from './monitored-session';
export type { MonitoredSessionOptions, SessionCreator } from './monitored-session';
export { MonitoredTrainingSession } from './training-session';
export type { MonitoredTrainingSessionOptions } from './training-session';
