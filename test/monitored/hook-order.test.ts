// SPDX-License-Identifier: Apache-2.0
// The order in which a MonitoredTrainingSession calls its hooks, compared with Python's for the same program:
// chief-only hooks first, stop requests, a lost parameter server (an UnavailableError raised by a hook) that
// re-creates the session and retries the run.
import * as tf from '../../lib';
import { describePython, runPython } from '../helpers/python';

const PYTHON = `
import json, sys
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
log = []
class Rec(tf.train.SessionRunHook):
  def __init__(s, name, fetch=None, stop_after=None, fail_at=0):
    s.name, s.fetch, s.stop_after, s.fail_at, s.runs, s.calls = name, fetch, stop_after, fail_at, 0, 0
  def begin(s): log.append(s.name + ':begin')
  def after_create_session(s, sess, coord): log.append(s.name + ':afterCreateSession')
  def before_run(s, ctx):
    log.append(s.name + ':beforeRun')
    s.calls += 1
    if s.calls == s.fail_at:
      log.append(s.name + ':throws')
      raise tf.errors.UnavailableError(None, None, 'injected: a parameter server was lost')
    return tf.train.SessionRunArgs(s.fetch) if s.fetch is not None else None
  def after_run(s, ctx, vals):
    s.runs += 1
    log.append(s.name + ':afterRun:' + json.dumps(None if vals.results is None else vals.results.item()))
    if s.stop_after is not None and s.runs >= s.stop_after: ctx.request_stop()
  def end(s, sess): log.append(s.name + ':end')
def sequence(stop_after, fail_at, last_step):
  del log[:]
  tf.reset_default_graph()
  gs = tf.train.get_or_create_global_step()
  train = tf.assign_add(gs, 1)
  hooks = [Rec('a', fetch=tf.constant(7)), tf.train.StopAtStepHook(last_step=last_step),
           Rec('b', stop_after=stop_after, fail_at=fail_at)]
  with tf.train.MonitoredTrainingSession(hooks=hooks, chief_only_hooks=[Rec('c')]) as s:
    while not s.should_stop():
      log.append('run')
      s.run(train)
    log.append('shouldStop')
  log.append('closed')
  return list(log)
print(json.dumps([sequence(*case) for case in json.loads(sys.argv[1])]))
`;

class Rec implements tf.train.SessionRunHook {
  #runs = 0;
  #calls = 0;
  constructor(
    readonly log: string[],
    readonly name: string,
    readonly options: { fetch?: tf.Output; stopAfter?: number; failAt?: number } = {},
  ) {}
  begin() {
    this.log.push(`${this.name}:begin`);
  }
  afterCreateSession() {
    this.log.push(`${this.name}:afterCreateSession`);
  }
  beforeRun() {
    this.log.push(`${this.name}:beforeRun`);
    this.#calls += 1;
    if (this.#calls === this.options.failAt) {
      this.log.push(`${this.name}:throws`);
      throw new tf.errors.UnavailableError('injected: a parameter server was lost');
    }
    return this.options.fetch ? new tf.train.SessionRunArgs(this.options.fetch) : null;
  }
  afterRun(ctx: tf.train.SessionRunContext, values: tf.train.SessionRunValues) {
    this.#runs += 1;
    const r = values.results as tf.Tensor | null;
    this.log.push(`${this.name}:afterRun:${JSON.stringify(r === null ? null : r.item())}`);
    if (this.options.stopAfter !== undefined && this.#runs >= this.options.stopAfter) ctx.requestStop();
  }
  end() {
    this.log.push(`${this.name}:end`);
  }
}

async function nodeSequence(stopAfter: number, failAt: number, lastStep: number): Promise<string[]> {
  const log: string[] = [];
  const g = new tf.Graph();
  const { train, seven } = g.asDefault(() => {
    const gs = tf.train.getOrCreateGlobalStep(g);
    return { train: gs.assignAdd(tf.constant(1n, { dtype: 'int64' })), seven: tf.constant(7, { dtype: 'int32' }) };
  });
  const hooks = [
    new Rec(log, 'a', { fetch: seven }),
    new tf.train.StopAtStepHook({ lastStep }),
    new Rec(log, 'b', { stopAfter, failAt }),
  ];
  const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
  try {
    const s = await tf.train.MonitoredTrainingSession({ graph: g, hooks, chiefOnlyHooks: [new Rec(log, 'c')] });
    try {
      while (!s.shouldStop()) {
        log.push('run');
        await s.run(train);
      }
      log.push('shouldStop');
    } finally {
      await s.close();
    }
  } finally {
    info.mockRestore();
  }
  log.push('closed');
  return log;
}

const CASES: Array<[string, number, number, number]> = [
  ['a hook requests a stop', 2, 0, 5],
  ['StopAtStepHook stops', 9, 0, 4],
  ['a hook throws UnavailableError: the session is re-created and the run retried', 9, 2, 3],
];

describePython('MonitoredTrainingSession calls hooks in the order of Python', () => {
  let python: string[][];
  beforeAll(() => {
    // One Python process for all cases: importing TensorFlow is most of its time.
    python = JSON.parse(runPython(PYTHON, [JSON.stringify(CASES.map((c) => c.slice(1)))]).trim().split('\n').pop()!);
  });

  test.each(CASES.map((c, i) => [...c, i] as const))('%s', async (_what, stopAfter, failAt, lastStep, i) => {
    expect(await nodeSequence(stopAfter, failAt, lastStep)).toEqual(python[i]);
  });
});
