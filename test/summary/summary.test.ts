// SPDX-License-Identifier: Apache-2.0
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython, tempDir } from '../helpers/python';

// The same program in both languages: every kind of summary, a duplicate name, a name scope, a family, a tag
// that needs cleaning, and the merges.
function buildOurs(): { g: tf.Graph; merged: tf.Output } {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [], 'x');
  tf.summary.scalar('loss', x);
  tf.summary.scalar('loss', x);
  g.nameScope('train', () => tf.summary.scalar('lr', x));
  tf.summary.scalar('acc', x, { family: 'eval' });
  tf.summary.scalar('bad name!', x);
  tf.summary.histogram('w', g.constant([1, 2, 3, 5], { dtype: 'float32' }));
  tf.summary.image('img', g.constant(new Float32Array(48), { shape: [1, 4, 4, 3] }));
  tf.summary.text('note', g.constant('hi'));
  tf.summary.audio('snd', g.constant(new Float32Array(100), { shape: [1, 100] }), 8000);
  const merged = tf.summary.mergeAll(g)!;
  tf.summary.merge([merged]);
  return { g, merged };
}

const PYTHON_PROGRAM = `
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
g = tf.Graph()
with g.as_default():
    x = tf.placeholder(tf.float32, [], name='x')
    tf.summary.scalar('loss', x)
    tf.summary.scalar('loss', x)
    with tf.name_scope('train'):
        tf.summary.scalar('lr', x)
    tf.summary.scalar('acc', x, family='eval')
    tf.summary.scalar('bad name!', x)
    tf.summary.histogram('w', tf.constant([1, 2, 3, 5], tf.float32))
    tf.summary.image('img', tf.zeros([1, 4, 4, 3]))
    tf.summary.text('note', tf.constant('hi'))
    tf.summary.audio('snd', tf.zeros([1, 100]), 8000)
    merged = tf.summary.merge_all()
    tf.summary.merge([merged])
`;

describe('tf.summary ops', () => {
  test('summary ops join the summaries collection; merge joins none; mergeAll of nothing is null', () => {
    const { g, merged } = buildOurs();
    expect(g.getCollection(tf.GraphKeys.SUMMARIES)).toHaveLength(9);
    expect(merged.op.name).toBe('Merge/MergeSummary');
    expect(tf.summary.mergeAll(new tf.Graph())).toBeNull();
    const x = g.tensor('x:0');
    expect(tf.summary.scalar('q', x, { collections: [] }).op.name).toBe('q');
    expect(g.getCollection(tf.GraphKeys.SUMMARIES)).toHaveLength(9);
  });

  test('tags are cleaned as Python cleans them', () => {
    expect(tf.summary.cleanTag('bad name!')).toBe('bad_name_');
    expect(tf.summary.cleanTag('/a/b-c.d')).toBe('a/b-c.d');
  });

  test('bad arguments are clear errors and leave the graph as it was', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const n = g.numOperations;
    expect(() => tf.summary.scalar(3 as unknown as string, x)).toThrow(TypeError);
    expect(() => tf.summary.scalar('s', 3 as unknown as tf.Output)).toThrow(/an Output/);
    expect(() => tf.summary.image('i', x, { maxOutputs: 0 })).toThrow(RangeError);
    expect(() => tf.summary.text('t', x)).toThrow(/string tensor/);
    expect(() => tf.summary.merge([])).toThrow(TypeError);
    expect(g.numOperations).toBe(n);
  });
});

describePython('tf.summary against Python', () => {
  test("node names, op types and tags are Python's", async () => {
    const { g } = buildOurs();
    const py = JSON.parse(runPython(`${PYTHON_PROGRAM}
import json
ops = [(op.name, op.type) for op in g.get_operations()
       if op.type != 'Const' or op.name.endswith(('tag', 'tags', 'sample_rate', 'metadata'))]
with tf.Session(graph=g) as s:
    tags = {op.name: s.run(op.outputs[0]).decode('latin1') for op in g.get_operations() if op.name.endswith(('/tag', '/tags', 'metadata'))}
print(json.dumps({'ops': ops, 'tags': tags}))
`)) as { ops: Array<[string, string]>; tags: Record<string, string> };
    const ours = g.operations().map((op) => [op.name, op.type] as [string, string]);
    for (const [name, type] of py.ops) expect(ours).toContainEqual([name, type]);
    const s = new tf.Session(g);
    for (const [name, value] of Object.entries(py.tags)) {
      const t = (await s.run(g.tensor(`${name}:0`))) as tf.Tensor;
      expect([name, Buffer.from(t.bytes()[0]).toString('latin1')]).toEqual([name, value]);
    }
    await s.close();
  });

  test('FileWriter writes event files that TensorBoard reads: scalars, histograms, images, text, graph, run metadata', async () => {
    const { dir, cleanup } = tempDir('tfn-summary-');
    try {
      const { g, merged } = buildOurs();
      const s = new tf.Session(g);
      const writer = new tf.summary.FileWriter(dir, { graph: g, filenameSuffix: '.ours' });
      for (let step = 0; step < 3; step++) writer.addSummary((await s.run(merged, { x: step * 1.5 })) as tf.Tensor, step);
      const traced = await s.run(merged, { x: 9 }, { trace: true });
      writer.addSummary(traced.results as tf.Tensor, 3);
      writer.addRunMetadata(traced.trace, 'step_3', 3);
      // (A START would make TensorBoard drop the events written before it at later steps, as after a crash.)
      writer.addSessionLog({ status: 'CHECKPOINT', checkpointPath: path.join(dir, 'model.ckpt') }, 3);
      expect(() => writer.addSessionLog({ status: 'BEGIN' as tf.summary.SessionStatus }, 0)).toThrow(/a status among STATUS_UNSPECIFIED, START/);
      expect(() => writer.addSessionLog({ status: 'STOP', msg: 7 as unknown as string })).toThrow(/msg/);
      await writer.close();
      await s.close();
      expect(() => writer.flush()).toThrow(/closed/);
      const files = fs.readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^events\.out\.tfevents\.\d{10}\..+\.ours$/);

      const read = JSON.parse(runPython(`
import json, sys
from tensorboard.backend.event_processing import event_accumulator as ea
acc = ea.EventAccumulator(sys.argv[1], size_guidance={'scalars': 0, 'histograms': 0, 'images': 0, 'tensors': 0})
acc.Reload()
tags = acc.Tags()
print(json.dumps({
  'loss': [[e.step, e.value] for e in acc.Scalars('loss')],
  'acc': [e.value for e in acc.Scalars('eval/eval/acc')],
  'hist': [acc.Histograms('w')[0].histogram_value.num, acc.Histograms('w')[0].histogram_value.sum],
  'images': tags['images'], 'audio': tags['audio'], 'tensors': tags['tensors'],
  'graph': tags['graph'], 'run_metadata': tags['run_metadata'],
  'nodes': len(acc.Graph().node),
}))
`, [dir])) as Record<string, unknown>;
      expect(read.loss).toEqual([[0, 0], [1, 1.5], [2, 3], [3, 9]]);
      expect(read.acc).toEqual([0, 1.5, 3, 9]);
      expect(read.hist).toEqual([4, 11]);
      expect(read.images).toEqual(['img/image/0']);
      expect(read.audio).toEqual(['snd/audio/0']);
      expect(read.tensors).toEqual(['note']);
      expect(read.graph).toBe(true);
      expect(read.run_metadata).toEqual(['step_3']);
      expect(read.nodes).toBe(g.numOperations);
    } finally {
      cleanup();
    }
  });
});

describe('FileWriter flushing', () => {
  test('an idle writer flushes on its timer, before close()', async () => {
    const { dir, cleanup } = tempDir('tfn-summary-');
    try {
      const g = new tf.Graph();
      const s = new tf.Session(g);
      const summary = (await s.run(tf.summary.scalar('v', g.constant(2.5)))) as tf.Tensor;
      const writer = new tf.summary.FileWriter(dir, { flushSecs: 0.2, maxQueue: 100 });
      const file = path.join(dir, fs.readdirSync(dir)[0]);
      const before = fs.statSync(file).size;
      writer.addSummary(summary, 1);
      await new Promise((r) => setTimeout(r, 1000));
      expect(fs.statSync(file).size).toBeGreaterThan(before);
      await writer.close();
      await s.close();
    } finally {
      cleanup();
    }
  });
});

describe('FileWriter errors', () => {
  test('an unwritable logdir, bad options and bad summaries are clear errors', async () => {
    const { dir, cleanup } = tempDir('tfn-summary-');
    try {
      const file = path.join(dir, 'a-file');
      fs.writeFileSync(file, 'x');
      expect(() => new tf.summary.FileWriter(path.join(file, 'logs'))).toThrow(tf.errors.TFError);
      expect(() => new tf.summary.FileWriter(dir, { maxQueue: -1 })).toThrow(RangeError);
      expect(() => new tf.summary.FileWriter(dir, { flushSecs: 0 })).toThrow(RangeError);
      expect(() => new tf.summary.FileWriter(dir, { filenameSuffix: 'a/b' })).toThrow(TypeError);
      const writer = new tf.summary.FileWriter(dir);
      expect(() => writer.addSummary('nope' as unknown as Uint8Array)).toThrow(TypeError);
      expect(() => writer.addSummary(new Uint8Array([1, 2, 3]), 1.5)).toThrow(TypeError);
      // Garbage that is not a Summary proto: TensorFlow refuses it and the writer stays usable.
      expect(() => writer.addSummary(new Uint8Array([0xff, 0xff, 0xff]), 1)).toThrow(tf.errors.TFError);
      writer.flush();
      await writer.close();
      await writer.close();
    } finally {
      cleanup();
    }
  });
});
