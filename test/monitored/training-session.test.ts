// SPDX-License-Identifier: Apache-2.0
// tf.train.MonitoredTrainingSession in one process: stopping, checkpoints and restoring, summaries, NaN, logging.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { tempDir } from '../helpers/python';
import { tinyModel, stepOf } from './model';
import { readScalarTags } from './events';

const train = tf.train;

async function trainUntilStop(sess: tf.train.MonitoredSession, op: tf.Operation): Promise<number> {
  let runs = 0;
  while (!sess.shouldStop()) {
    await sess.run(op);
    runs++;
  }
  return runs;
}

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('tfn-mts-');
});
afterEach(async () => {
  await train.SummaryWriterCache.clear();
  tmp.cleanup();
});

describe('MonitoredTrainingSession', () => {
  test('StopAtStepHook stops at lastStep; the model is initialized and trains', async () => {
    const m = tinyModel();
    const sess = await train.MonitoredTrainingSession({ graph: m.g, hooks: [new train.StopAtStepHook({ lastStep: 7 })] });
    const runs = await trainUntilStop(sess, m.trainOp);
    expect(runs).toBe(7);
    expect(await stepOf(sess.session!, m)).toBe(7);
    const w = Array.from((await sess.session!.run(m.w.value())).data() as Float32Array);
    // Gradient descent towards [3, -1]: w ← w − 0.2 (w − target), 7 times.
    const expected = [1, 2].map((w0, i) => [3, -1][i] + (w0 - [3, -1][i]) * 0.8 ** 7);
    expect(w[0]).toBeCloseTo(expected[0], 5);
    expect(w[1]).toBeCloseTo(expected[1], 5);
    await sess.close();
    expect(sess.shouldStop()).toBe(true);
    await expect(sess.run(m.trainOp)).rejects.toThrow(/closed/);
  });

  test('run returns the caller\'s results in the shape of its fetches and takes run options', async () => {
    const m = tinyModel();
    const sess = await train.MonitoredTrainingSession({ graph: m.g, hooks: [new train.StopAtStepHook({ lastStep: 2 })] });
    const [loss, none] = await sess.run([m.loss, m.trainOp] as const, undefined, { timeoutMs: 60_000 });
    expect(loss.item()).toBe(13);
    expect(none).toBeNull();
    const { l } = await sess.run({ l: m.loss }, new Map([[m.poison, 1]]));
    expect(l.item()).toBeCloseTo(13 * 0.64 + 1, 4);
    await expect(sess.run(m.loss, undefined, { trace: true } as object)).rejects.toThrow(/run options without trace/);
    await sess.close();
  });

  test('numSteps counts from the step the session starts at, and run after the stop is refused as in Python', async () => {
    const m = tinyModel();
    const sess = await train.MonitoredTrainingSession({ graph: m.g, hooks: [new train.StopAtStepHook({ numSteps: 3 })] });
    expect(await trainUntilStop(sess, m.trainOp)).toBe(3);
    await expect(sess.run(m.trainOp)).rejects.toThrow('Run called even after should_stop requested.');
    await sess.close();
  });

  test('checkpoints every N steps and at the end; a second session restores the latest and continues the global step', async () => {
    const m = tinyModel();
    const dir = tmp.dir;
    const sess = await train.MonitoredTrainingSession({
      graph: m.g, checkpointDir: dir, saveCheckpointSteps: 3, saveSummariesSteps: null, logStepCountSteps: null,
      hooks: [new train.StopAtStepHook({ lastStep: 7 })],
    });
    await trainUntilStop(sess, m.trainOp);
    const wAt7 = Array.from((await sess.session!.run(m.w.value())).data() as Float32Array);
    await sess.close();
    const state = train.getCheckpointState(dir)!;
    // Saved at creation (0), every 3 steps (3, 6) and at the end (7); Saver keeps 5.
    const kept = state.allModelCheckpointPaths.map((p) => path.basename(p));
    expect(kept).toEqual(['model.ckpt-0', 'model.ckpt-3', 'model.ckpt-6', 'model.ckpt-7']);
    expect(path.basename(state.modelCheckpointPath)).toBe('model.ckpt-7');
    expect(fs.existsSync(path.join(dir, 'model.ckpt-7.meta'))).toBe(true);

    // A new graph, as a restarted process would build.
    const m2 = tinyModel();
    const sess2 = await train.MonitoredTrainingSession({
      graph: m2.g, checkpointDir: dir, saveCheckpointSteps: 3, saveSummariesSteps: null, logStepCountSteps: null,
      hooks: [new train.StopAtStepHook({ numSteps: 2 })],
    });
    expect(await stepOf(sess2.session!, m2)).toBe(7);
    expect(Array.from((await sess2.session!.run(m2.w.value())).data() as Float32Array)).toEqual(wAt7);
    expect(await trainUntilStop(sess2, m2.trainOp)).toBe(2);
    await sess2.close();
    expect(path.basename(train.getCheckpointState(dir)!.modelCheckpointPath)).toBe('model.ckpt-9');
  });

  test('a CheckpointSaverHook given as a user hook saves with the graph\'s default Saver', async () => {
    const m = tinyModel();
    const saver = new train.CheckpointSaverHook(tmp.dir, { saveSteps: 2, checkpointBasename: 'user.ckpt' });
    const hooks = [saver, new train.StopAtStepHook({ lastStep: 3 })];
    const sess = await train.MonitoredTrainingSession({ graph: m.g, hooks });
    await trainUntilStop(sess, m.trainOp);
    await sess.close();
    const kept = train.getCheckpointState(tmp.dir)!.allModelCheckpointPaths.map((p) => path.basename(p));
    expect(kept).toEqual(['user.ckpt-0', 'user.ckpt-2', 'user.ckpt-3']);
    const reader = new train.CheckpointReader(path.join(tmp.dir, 'user.ckpt-3'));
    expect(Number(reader.getTensor('global_step').item())).toBe(3);
  });

  test('summaries land in an event file of checkpointDir', async () => {
    const m = tinyModel({ summaries: true });
    const sess = await train.MonitoredTrainingSession({
      graph: m.g, checkpointDir: tmp.dir, saveSummariesSteps: 2, saveCheckpointSecs: null, logStepCountSteps: 2,
      hooks: [new train.StopAtStepHook({ lastStep: 5 })],
    });
    await trainUntilStop(sess, m.trainOp);
    await sess.close();
    await train.SummaryWriterCache.clear();
    const files = fs.readdirSync(tmp.dir).filter((f) => f.startsWith('events.out.tfevents.'));
    expect(files).toHaveLength(1);
    const events = readScalarTags(fs.readFileSync(path.join(tmp.dir, files[0])));
    // Summaries at steps 1, 3, 5 (every 2, the first after the first run), and global_step/sec from the second trigger.
    expect(events.filter((e) => e.tag === 'train_loss').map((e) => e.step)).toEqual([1, 3, 5]);
    expect(events.some((e) => e.tag === 'global_step/sec')).toBe(true);
  });

  test('NanTensorHook fails with NanLossDuringTrainingError, or stops without failOnNanLoss', async () => {
    const m = tinyModel();
    const sess = await train.MonitoredTrainingSession({ graph: m.g, hooks: [new train.NanTensorHook(m.loss)] });
    await sess.run(m.trainOp);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await expect(sess.run(m.trainOp, new Map([[m.poison, NaN]]))).rejects.toThrow(new train.NanLossDuringTrainingError());
      expect(error).toHaveBeenCalledWith(expect.stringContaining('Model diverged with loss = NaN.'));
    } finally {
      error.mockRestore();
    }
    await sess.close();

    const m2 = tinyModel();
    const hooks2 = [new train.NanTensorHook(m2.loss, { failOnNanLoss: false })];
    const sess2 = await train.MonitoredTrainingSession({ graph: m2.g, hooks: hooks2 });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await sess2.run(m2.trainOp, new Map([[m2.poison, NaN]]));
    } finally {
      warn.mockRestore();
    }
    expect(sess2.shouldStop()).toBe(true);
    await sess2.close();
  });

  test('LoggingTensorHook logs every N iterations and at the end', async () => {
    const m = tinyModel();
    const lines: string[] = [];
    const info = jest.spyOn(console, 'info').mockImplementation((line: string) => void lines.push(line));
    try {
      const hook = new train.LoggingTensorHook({ step: m.globalStep.value(), loss: m.loss }, { everyNIter: 2, atEnd: true });
      const sess = await train.MonitoredTrainingSession({ graph: m.g, hooks: [hook, new train.StopAtStepHook({ lastStep: 5 })] });
      await trainUntilStop(sess, m.trainOp);
      await sess.close();
    } finally {
      info.mockRestore();
    }
    const logged = lines.filter((l) => l.includes('loss = '));
    // Iterations 0, 2, 4, and the end; tags in sorted order; the step read concurrently with the update is 0, 2, 4 or after.
    expect(logged).toHaveLength(4);
    expect(logged[0]).toMatch(/^INFO:tensorflow:loss = 13, step = [01]$/);
    expect(logged[1]).toMatch(/^INFO:tensorflow:loss = [\d.]+, step = [23] \(\d+\.\d{3} sec\)$/);
    expect(logged[3]).toMatch(/^INFO:tensorflow:loss = 1\.395864\d*, step = 5 \(\d+\.\d{3} sec\)$/);
  });
});
