// SPDX-License-Identifier: Apache-2.0
// tf.train.SyncReplicasOptimizer in one process: two concurrent runs of the training step stand for two workers
// (a direct session runs them side by side, as the gRPC runtime does for two worker processes; the multi-process
// cluster is test/distributed/cluster.test.ts). Values are checked against hand-computed means.
import * as tf from '../../lib';

interface Model {
  g: tf.Graph;
  w: tf.Variable;
  x: tf.Output;
  loss: tf.Output;
  globalStep: tf.Variable;
}

/** loss = (w·x)², so a worker feeding x sends the gradient 2·w·x². */
function model(): Model {
  const g = new tf.Graph();
  const w = g.variable(1, { name: 'w', dtype: 'float32' });
  const x = g.placeholder('float32', [], 'x');
  const loss = g.addOperation('Square', { inputs: [g.addOperation('Mul', { inputs: [w, x] }).output(0)] }).output(0);
  return { g, w, x, loss, globalStep: tf.train.getOrCreateGlobalStep(g) };
}

async function chiefSession(m: Model, opt: tf.train.SyncReplicasOptimizer): Promise<[tf.Session, tf.train.SyncReplicasHook]> {
  const hook = opt.makeSessionRunHook(true);
  hook.begin();
  const sess = new tf.Session(m.g);
  await sess.run(tf.globalVariablesInitializer(m.g));
  await sess.run(tf.localVariablesInitializer(m.g));
  hook.afterCreateSession(sess);
  return [sess, hook];
}

describe('tf.train.SyncReplicasOptimizer', () => {
  test("builds Python's variables and ops: the local step, accumulators per variable, the token queue", () => {
    const m = model();
    const opt = new tf.train.SyncReplicasOptimizer(new tf.train.GradientDescentOptimizer(0.1), { replicasToAggregate: 2 });
    expect(opt).toBeInstanceOf(tf.train.Optimizer);
    expect(opt.totalNumReplicas).toBe(2);
    expect(() => opt.getInitTokensOp()).toThrow(/after applyGradients/);
    expect(() => opt.getChiefQueueRunner()).toThrow(/after apply_gradients/);
    const step = opt.minimize(m.loss, { globalStep: m.globalStep });
    expect(step).toBeInstanceOf(tf.Operation);
    expect(m.g.localVariables().map((v) => v.name)).toEqual(['sync_rep_local_step']);
    expect(opt.localStep?.dtype).toBe('int64');
    const accum = m.g.operations().filter((o) => o.type === 'ConditionalAccumulator');
    expect(accum.map((o) => [o.name, o.attr('shared_name')])).toEqual([['sync_replicas/conditional_accumulator', 'w:0/grad_accum']]);
    const queue = m.g.operation('sync_token_q') as tf.Operation;
    expect([queue.type, queue.attr('shared_name')]).toEqual(['FIFOQueueV2', 'sync_token_q']);
    expect(opt.getChiefQueueRunner().queue.op).toBe(queue);
    expect(() => opt.minimize(m.loss, { globalStep: m.globalStep })).toThrow(/called already/);
    expect(opt.getInitTokensOp(0).type).toBe('NoOp');
    expect(opt.getInitTokensOp().type).toBe('QueueEnqueueManyV2');
  });

  test('each global step applies the mean of replicasToAggregate gradients; stale ones are dropped', async () => {
    const m = model();
    const opt = new tf.train.SyncReplicasOptimizer(new tf.train.GradientDescentOptimizer(0.1), { replicasToAggregate: 2 });
    const step = opt.minimize(m.loss, { globalStep: m.globalStep });
    const [sess, hook] = await chiefSession(m, opt);
    try {
    const round = () => Promise.all([sess.run(step, { x: 1 }, { timeoutMs: 30_000 }), sess.run(step, { x: 2 }, { timeoutMs: 30_000 })]);
    const read = async () => [(await sess.run(m.w)).item(), Number((await sess.run(m.globalStep)).item())];
    // Round 1: gradients 2·1·1 = 2 and 2·1·4 = 8, mean 5: w = 1 − 0.1·5. One gradient would give 0.8 or 0.2.
    await round();
    expect(await read()).toEqual([0.5, 1]);
    // A gradient computed at local step 0 is stale now that the global step is 1: dropped. (The two runs of a
    // round share one local step here, unlike two workers, so a stale round is set up explicitly: concurrent
    // runs could otherwise see the step a faster run's token has just set.)
    const local = opt.localStep as tf.Variable;
    await sess.run(local.assign(tf.tensor(0n, [], 'int64'), { readValue: false }));
    await sess.run(step, { x: 1 }, { timeoutMs: 30_000 });
    expect(await read()).toEqual([0.5, 1]);
    expect(Number((await sess.run(local.value())).item())).toBe(1); // its token carried the new global step
    // The next round, both at local step 1: gradients 1 and 4, mean 2.5: w = 0.5 − 0.25.
    await round();
    expect(await read()).toEqual([0.25, 2]);
    } finally {
      hook.end(sess);
      await sess.close();
    }
  });

  test('IndexedSlices gradients go through sparse accumulators', async () => {
    const g = new tf.Graph();
    const table = g.variable([[1, 1], [1, 1], [1, 1]], { name: 'table', dtype: 'float32' });
    const ids = g.placeholder('int32', [1], 'ids');
    const rows = tf.nn.embeddingLookup(table, ids);
    const loss = g.addOperation('Sum', { inputs: [rows, g.constant([0, 1], { dtype: 'int32' })] }).output(0);
    const globalStep = tf.train.getOrCreateGlobalStep(g);
    const opt = new tf.train.SyncReplicasOptimizer(new tf.train.GradientDescentOptimizer(1), { replicasToAggregate: 2 });
    const step = opt.minimize(loss, { globalStep });
    expect(g.operations().some((o) => o.type === 'SparseConditionalAccumulator')).toBe(true);
    const m = { g, w: table, x: ids, loss, globalStep };
    const [sess, hook] = await chiefSession(m, opt);
    try {
      await Promise.all([sess.run(step, { ids: [0] }, { timeoutMs: 30_000 }), sess.run(step, { ids: [2] }, { timeoutMs: 30_000 })]);
      // The runs return once they hold their tokens, which the initial tokens give before the chief's queue
      // runner has applied the mean: wait for the global step it increments.
      for (let i = 0; i < 300 && Number((await sess.run(globalStep)).item()) < 1; i++) await new Promise((r) => setTimeout(r, 10));
      // Each worker's gradient is 1 on its row. TensorFlow's sparse accumulator averages each row over the
      // gradients that hold it (one each here), so rows 0 and 2 move by 1 and row 1, in neither, stays.
      expect((await sess.run(table)).toArray()).toEqual([[0, 0], [1, 1], [0, 0]]);
    } finally {
      hook.end(sess);
      await sess.close();
    }
  });

  test('the init tokens, and bad arguments', () => {
    const m = model();
    expect(() => new tf.train.SyncReplicasOptimizer({} as tf.train.Optimizer, { replicasToAggregate: 2 })).toThrow(TypeError);
    const inner = new tf.train.GradientDescentOptimizer(0.1);
    expect(() => new tf.train.SyncReplicasOptimizer(inner, { replicasToAggregate: 0 })).toThrow(RangeError);
    expect(() => new tf.train.SyncReplicasOptimizer(inner, {} as tf.train.SyncReplicasOptions)).toThrow(/replicasToAggregate/);
    const opt = new tf.train.SyncReplicasOptimizer(inner, { replicasToAggregate: 3, totalNumReplicas: 1 });
    expect(() => opt.minimize(m.loss)).toThrow(/Global step is required/);
    expect(() => opt.makeSessionRunHook(true).begin()).toThrow(/applyGradients should be called/);
    opt.minimize(m.loss, { globalStep: m.globalStep });
    // Spare tokens: 3 to aggregate from 1 worker needs 2 tokens before the first step.
    expect(() => opt.getInitTokensOp(1)).toThrow(/Too few tokens/);
    expect(opt.getInitTokensOp(2).type).toBe('QueueEnqueueManyV2');
  });
});
