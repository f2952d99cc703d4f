// SPDX-License-Identifier: Apache-2.0
// Recovery (a run failing with UnavailableError/AbortedError re-creates the session, the chief restoring the
// latest checkpoint), non-chief workers' bounded wait, and the errors of bad arguments.
import * as tf from '../../lib';
import { tempDir } from '../helpers/python';
import { tinyModel, stepOf } from './model';

const train = tf.train;

let tmp: ReturnType<typeof tempDir>;
let info: jest.SpyInstance;
beforeEach(() => {
  tmp = tempDir('tfn-mts-');
  info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
});
afterEach(async () => {
  info.mockRestore();
  await train.SummaryWriterCache.clear();
  tmp.cleanup();
});

/** Throws `error` from beforeRun of the `at`-th run, once; records the global step of each created session. */
class FailOnce implements tf.train.SessionRunHook {
  runs = 0;
  createdAt: number[] = [];
  sessions: tf.Session[] = [];
  constructor(readonly m: ReturnType<typeof tinyModel>, readonly at: number, readonly error: Error) {}
  async afterCreateSession(session: tf.Session) {
    this.sessions.push(session);
    this.createdAt.push(await stepOf(session, this.m));
  }
  beforeRun() {
    this.runs += 1;
    if (this.runs === this.at) throw this.error;
  }
}

describe('MonitoredTrainingSession recovery', () => {
  test.each([
    ['UnavailableError', new tf.errors.UnavailableError('injected: the parameter server is gone')],
    ['AbortedError', new tf.errors.AbortedError('injected: the step was aborted')],
  ])('a run failing with %s: the chief restores the latest checkpoint in a new session and training goes on', async (_n, error) => {
    const m = tinyModel();
    const hook = new FailOnce(m, 5, error);
    const sess = await train.MonitoredTrainingSession({
      graph: m.g, checkpointDir: tmp.dir, saveCheckpointSteps: 3, saveSummariesSteps: null, logStepCountSteps: null,
      hooks: [hook, new train.StopAtStepHook({ lastStep: 8 })],
    });
    let calls = 0;
    while (!sess.shouldStop()) {
      await sess.run(m.trainOp);
      calls += 1;
    }
    // Four runs reach step 4 (checkpoints at 0 and 3); the fifth fails, the new session restores step 3, the retried
    // run and four more reach 8.
    expect(hook.createdAt).toEqual([0, 3]);
    expect(calls).toBe(4 + 1 + 4);
    expect(hook.sessions[0].closed).toBe(true);
    expect(sess.session).toBe(hook.sessions[1]);
    expect(await stepOf(sess.session!, m)).toBe(8);
    const logged = info.mock.calls.map((c) => String(c[0]));
    expect(logged).toContainEqual(expect.stringMatching(/An error was raised\. This may be due to a preemption.*injected/));
    await sess.close();
  });

  test('other errors are not recovered from: they reach the caller and hooks end is skipped as in a failed `with` block', async () => {
    const m = tinyModel();
    const ended: string[] = [];
    const hook = new FailOnce(m, 2, new tf.errors.InvalidArgumentError('not a preemption'));
    const sess = await train.MonitoredTrainingSession({ graph: m.g, hooks: [hook, { end: () => void ended.push('end') }] });
    await sess.run(m.trainOp);
    await expect(sess.run(m.trainOp)).rejects.toThrow(tf.errors.InvalidArgumentError);
    expect(hook.createdAt).toEqual([0]);
    await sess.close();
    expect(ended).toEqual([]);
    expect(hook.sessions[0].closed).toBe(true);
  });

  test('an OutOfRangeError (end of input) still ends the hooks on close', async () => {
    const m = tinyModel();
    const ended: string[] = [];
    const sess = await train.MonitoredTrainingSession({
      graph: m.g,
      hooks: [new FailOnce(m, 1, new tf.errors.OutOfRangeError('End of sequence')), { end: () => void ended.push('end') }],
    });
    await expect(sess.run(m.trainOp)).rejects.toThrow(tf.errors.OutOfRangeError);
    await sess.close();
    expect(ended).toEqual(['end']);
  });

  test('a background task (registered with the coordinator) losing the ps re-creates the session at the next run', async () => {
    const m = tinyModel();
    let created = 0;
    const hook: tf.train.SessionRunHook = {
      afterCreateSession: (_s, coord) => {
        created += 1;
        if (created === 1) coord.register(Promise.reject(new tf.errors.UnavailableError('injected: the queue runner lost the ps')));
      },
    };
    const sess = await train.MonitoredTrainingSession({ graph: m.g, hooks: [hook] });
    await new Promise((r) => setImmediate(r));
    const first = sess.session;
    // Python's should_stop: a preemption seen by the coordinator means "go on, with a new session".
    expect(sess.shouldStop()).toBe(false);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await sess.run(m.trainOp);
    } finally {
      error.mockRestore();
    }
    expect(created).toBe(2);
    expect(first!.closed).toBe(true);
    expect(sess.shouldStop()).toBe(false);
    await sess.close();
  });

  test('another background error stops training and is thrown by close, as Python\'s coordinator join', async () => {
    const m = tinyModel();
    const hook: tf.train.SessionRunHook = {
      afterCreateSession: (_s, coord) => coord.register(Promise.reject(new Error('the input pipeline failed'))),
    };
    const sess = await train.MonitoredTrainingSession({ graph: m.g, hooks: [hook] });
    await sess.run(m.trainOp);
    expect(sess.shouldStop()).toBe(true);
    const raw = sess.session!;
    await expect(sess.close()).rejects.toThrow('the input pipeline failed');
    expect(raw.closed).toBe(true);
  });

  test('close waits for registered tasks after requesting the stop, at most stopGracePeriodSecs', async () => {
    const m = tinyModel();
    const events: string[] = [];
    const hook: tf.train.SessionRunHook = {
      afterCreateSession: (_s, coord) => {
        coord.register((async () => {
          await coord.waitForStop();
          await new Promise((r) => setTimeout(r, 50));
          events.push('task done');
        })());
        coord.register(new Promise(() => undefined)); // never settles: the grace period ends the wait
      },
    };
    const sess = await train.MonitoredTrainingSession({ graph: m.g, hooks: [hook], stopGracePeriodSecs: 0.3 });
    await sess.run(m.trainOp);
    const started = Date.now();
    await sess.close();
    events.push('closed');
    expect(events).toEqual(['task done', 'closed']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  test('a non-chief worker waits for the model, logging, and fails with DeadlineExceededError at maxWaitSecs', async () => {
    // In-process sessions share no variables, so no chief can make this worker's model ready.
    const m = tinyModel();
    const started = Date.now();
    await expect(train.MonitoredTrainingSession({ graph: m.g, isChief: false, maxWaitSecs: 0.5, recoveryWaitSecs: 0.2 }))
      .rejects.toThrow(new RegExp('^Session was not ready after waiting 0.5 secs\\. .*Variables not initialized: global_step, w'));
    expect(Date.now() - started).toBeLessThan(5000);
    const waits = info.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('Waiting for model to be ready'));
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toMatch(/Ready_for_local_init_op: Variables not initialized: global_step, w, ready: null/);
  });

  test('a worker whose model is ready (a Scaffold readyOp reporting nothing) starts at once', async () => {
    const m = tinyModel();
    const scaffold = new train.Scaffold({
      graph: m.g,
      readyOp: m.g.constant([] as string[], { dtype: 'string', shape: [0] }),
      readyForLocalInitOp: null,
      localInitOp: tf.variablesInitializer([m.w, m.globalStep], { graph: m.g }),
    });
    const sess = await train.MonitoredTrainingSession({ graph: m.g, isChief: false, scaffold, maxWaitSecs: 0 });
    expect(await stepOf(sess.session!, m)).toBe(0);
    await sess.close();
  });
});

describe('MonitoredTrainingSession bad input', () => {
  const m = tinyModel();
  test.each([
    [{ hooks: {} }, /Expected an array of SessionRunHooks for MonitoredTrainingSession: hooks/],
    [{ hooks: [{ beforeRun: 3 }] }, /Expected a SessionRunHook .* for MonitoredSession: hooks/],
    [{ master: 5 }, /Expected a string for MonitoredTrainingSession: master/],
    [{ isChief: 'yes' }, /MonitoredTrainingSession: isChief/],
    [{ checkpointDir: '' }, /checkpointDir is empty/],
    [{ saveCheckpointSteps: -1 }, /saveCheckpointSteps/],
    [{ saveCheckpointSteps: 10, saveCheckpointSecs: 60 }, /give saveCheckpointSteps or saveCheckpointSecs, not both/],
    [{ maxWaitSecs: 'long' }, /maxWaitSecs/],
    [{ savecheckpointSteps: 10 }, /unknown option 'savecheckpointSteps'/],
    [{ scaffold: {} }, /Expected a tf.train.Scaffold/],
  ])('%p', async (options, message) => {
    await expect(train.MonitoredTrainingSession({ graph: m.g, ...(options as object) })).rejects.toThrow(message);
  });

  test('hooks refuse bad arguments as Python does', () => {
    expect(() => new train.StopAtStepHook({})).toThrow('exactly one of numSteps or lastStep should be provided.');
    expect(() => new train.StopAtStepHook({ numSteps: 1, lastStep: 2 })).toThrow('exactly one of numSteps or lastStep');
    expect(() => new train.StopAtStepHook({ lastStep: -1 })).toThrow(/non-negative integer/);
    expect(() => new train.LoggingTensorHook([m.loss], {})).toThrow(/exactly one of everyNIter and everySecs/);
    expect(() => new train.LoggingTensorHook([m.loss], { everyNIter: 0 })).toThrow('invalid everyNIter=0.');
    expect(() => new train.NanTensorHook('loss' as unknown as tf.Output)).toThrow(/Expected an Output/);
    expect(() => new train.CheckpointSaverHook(tmp.dir, {})).toThrow(/either every steps or every secs/);
    expect(() => new train.SummarySaverHook({ saveSteps: 1 })).toThrow('exactly one of scaffold or summaryOp must be provided.');
  });

  test('LoggingTensorHook looks tensor names up when the session is made', async () => {
    const hook = new train.LoggingTensorHook(['no_such_tensor:0'], { everyNIter: 1 });
    await expect(train.MonitoredTrainingSession({ graph: m.g, hooks: [hook] })).rejects.toThrow(/no_such_tensor/);
    const lines: string[] = [];
    info.mockImplementation((l: string) => void lines.push(l));
    const byName = new train.LoggingTensorHook([m.loss.name], { everyNIter: 1 });
    const sess = await train.MonitoredTrainingSession({ graph: m.g, hooks: [byName] });
    await sess.run(m.trainOp);
    await sess.close();
    expect(lines).toContain(`INFO:tensorflow:${m.loss.name} = 13`);
  });

  test('a graph without a global step: StopAtStepHook says so at creation', async () => {
    const g = new tf.Graph();
    g.variable(1, { name: 'v' });
    await expect(train.MonitoredTrainingSession({ graph: g, hooks: [new train.StopAtStepHook({ lastStep: 1 })] }))
      .rejects.toThrow('Global step should be created to use StopAtStepHook.');
  });

  test('concurrent runs are refused; two hooks feeding one tensor are an error', async () => {
    const feeder = (value: number) => ({ beforeRun: () => new train.SessionRunArgs(null, new Map([[m.poison, value]])) });
    const sess = await train.MonitoredTrainingSession({ graph: m.g });
    const first = sess.run(m.trainOp);
    await expect(sess.run(m.trainOp)).rejects.toThrow(/another run is in flight/);
    await first;
    await expect(sess.close()).resolves.toBeUndefined();
    const sess2 = await train.MonitoredTrainingSession({ graph: m.g, hooks: [feeder(1), feeder(2)] });
    await expect(sess2.run(m.trainOp)).rejects.toThrow(/Same tensor is fed by two hooks: poison:0/);
    await sess2.close();
    const sess3 = await train.MonitoredTrainingSession({ graph: m.g, hooks: [feeder(1)] });
    await expect(sess3.run(m.trainOp, { poison: 3 })).rejects.toThrow(/Same tensor is fed by a SessionRunHook and user: poison:0/);
    await sess3.close();
  });
});
