// SPDX-License-Identifier: Apache-2.0
// What a chief's default hooks leave in checkpointDir, compared with Python's MonitoredTrainingSession for the same
// program: the checkpoints kept, and the steps at which summaries and global_step/sec are written.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython, tempDir } from '../helpers/python';
import { tinyModel } from './model';
import { readScalarTags } from './events';

const PYTHON = `
import json, os, sys
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
tf.get_logger().setLevel('ERROR')
d = sys.argv[1]
gs = tf.train.get_or_create_global_step()
w = tf.Variable([1., 2.], name='w')
loss = tf.reduce_sum(tf.square(w - tf.constant([3., -1.])))
tf.summary.scalar('train_loss', loss)
op = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
with tf.train.MonitoredTrainingSession(checkpoint_dir=d, save_checkpoint_steps=3, save_summaries_steps=2, log_step_count_steps=2,
                                       hooks=[tf.train.StopAtStepHook(last_step=7)]) as s:
  while not s.should_stop():
    s.run(op)
ckpts = [os.path.basename(p) for p in tf.train.get_checkpoint_state(d).all_model_checkpoint_paths]
ev = [f for f in os.listdir(d) if f.startswith('events')][0]
tags = [[v.tag, e.step] for e in tf.train.summary_iterator(os.path.join(d, ev)) if e.HasField('summary') for v in e.summary.value]
print(json.dumps({'ckpts': ckpts, 'tags': tags}))
`;

// The SessionLog events of the event file in a directory: [status, checkpoint file name, step].
const SESSION_LOGS = `
import json, os, sys
import tensorflow.compat.v1 as tf
d = sys.argv[1]
ev = [f for f in os.listdir(d) if f.startswith('events')][0]
logs = [[e.session_log.status, os.path.basename(e.session_log.checkpoint_path), e.step]
        for e in tf.train.summary_iterator(os.path.join(d, ev)) if e.HasField('session_log')]
print(json.dumps(logs))
`;

describePython('MonitoredTrainingSession writes what Python writes', () => {
  test('checkpoints every 3 steps and at the end, summaries and steps/sec every 2 steps', async () => {
    const py = tempDir('tfn-mts-py-');
    const node = tempDir('tfn-mts-node-');
    const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
    try {
      const python = JSON.parse(runPython(PYTHON, [py.dir]).trim().split('\n').pop()!);
      const m = tinyModel({ summaries: true });
      const sess = await tf.train.MonitoredTrainingSession({
        graph: m.g, checkpointDir: node.dir, saveCheckpointSteps: 3, saveSummariesSteps: 2, logStepCountSteps: 2,
        hooks: [new tf.train.StopAtStepHook({ lastStep: 7 })],
      });
      while (!sess.shouldStop()) await sess.run(m.trainOp);
      await sess.close();
      await tf.train.SummaryWriterCache.clear();
      const ckpts = tf.train.getCheckpointState(node.dir)!.allModelCheckpointPaths.map((p) => path.basename(p));
      const events = fs.readdirSync(node.dir).filter((f) => f.startsWith('events.out.tfevents.'));
      expect(events).toHaveLength(1);
      const tags = readScalarTags(fs.readFileSync(path.join(node.dir, events[0]))).map((e) => [e.tag, e.step]);
      expect({ ckpts, tags }).toEqual(python);
      expect(ckpts).toEqual(['model.ckpt-0', 'model.ckpt-3', 'model.ckpt-6', 'model.ckpt-7']);
      // START at the first step, then CHECKPOINT (status 3) with each save's path, as Python's hooks write them.
      const logs = (dir: string) => JSON.parse(runPython(SESSION_LOGS, [dir]).trim().split('\n').pop()!);
      const ours = logs(node.dir);
      expect(ours).toEqual(logs(py.dir));
      expect(ours).toContainEqual([1, '', 1]);
      expect(ours.filter((l: unknown[]) => l[0] === 3)).toHaveLength(4);
    } finally {
      info.mockRestore();
      py.cleanup();
      node.cleanup();
    }
  });
});
