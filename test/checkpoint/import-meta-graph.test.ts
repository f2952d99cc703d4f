// SPDX-License-Identifier: Apache-2.0
import * as path from 'path';
import * as tf from '../../lib';
import { tempDir } from '../helpers/python';
import { files, initialized, model, values } from './saver-model';

describe('meta graphs: save writes .meta, importMetaGraph returns a Saver', () => {
  const { dir, cleanup } = tempDir('tfn-saver-meta-');
  afterAll(cleanup);

  test('a .meta written by save imports into a fresh graph (optionally scoped) whose Saver restores', async () => {
    const m = await initialized(model({ w: [[4, 3], [2, 1]] }));
    const saver = new tf.train.Saver({ graph: m.g, maxToKeep: 3 });
    const prefix = await saver.save(m.sess, path.join(dir, 'model'), { globalStep: 5 });
    expect(files(dir)).toEqual(['checkpoint', 'model-5.data-00000-of-00001', 'model-5.index', 'model-5.meta']);

    for (const importScope of [undefined, 'imported']) {
      const g = new tf.Graph();
      const restorer = tf.train.importMetaGraph(g, `${prefix}.meta`, { importScope })!;
      expect(restorer).toBeInstanceOf(tf.train.Saver);
      expect(restorer.asSaverDef().restore_op_name).toBe(importScope ? 'imported/save/restore_all' : 'save/restore_all');
      expect(restorer.asSaverDef().max_to_keep).toBe(3);
      const sess = new tf.Session(g);
      await restorer.restore(sess, prefix);
      const byName = Object.fromEntries(g.globalVariables().map((v) => [v.name, v]));
      const p = importScope ? 'imported/' : '';
      const restored = await values(sess, [byName[`${p}w`], byName[`${p}layer/b`], byName[`${p}s`]]);
      expect(restored).toEqual([[[4, 3], [2, 1]], [5n, 6n], ['x', 'y']]);
      // The imported Saver saves too, and checks restores against the checkpoint like a built one.
      const again = await restorer.save(sess, path.join(dir, `resaved${importScope ?? ''}`), { writeMetaGraph: false, writeState: false });
      expect(tf.train.loadVariable(again, 'w').toArray()).toEqual([[4, 3], [2, 1]]);
      await sess.close();
    }
    await m.sess.close();
  });

  test('imported Savers check keys, dtypes and shapes before restoring', async () => {
    const m = await initialized(model());
    const prefix = await new tf.train.Saver({ graph: m.g }).save(m.sess, path.join(dir, 'checked'), { writeState: false });
    const other = await initialized(model({ w: [[1, 2, 3], [4, 5, 6]] as never }));
    const otherPrefix = await new tf.train.Saver({ graph: other.g })
      .save(other.sess, path.join(dir, 'other-shape'), { writeState: false, writeMetaGraph: false });
    const g = new tf.Graph();
    const restorer = tf.train.importMetaGraph(g, `${prefix}.meta`)!;
    const sess = new tf.Session(g);
    const err = await restorer.restore(sess, otherPrefix).catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(err.message).toMatch(/variable 'w': shape \[2,3\] in the checkpoint but \[2,2\] in the graph/);
    await Promise.all([m.sess.close(), other.sess.close(), sess.close()]);
  });

  test('without a saver_def: a Saver of the global variables, or null without variables; bad input', () => {
    const m = model();
    const g = new tf.Graph();
    const saver = tf.train.importMetaGraph(g, m.g.exportMetaGraph())!;
    expect(saver).toBeInstanceOf(tf.train.Saver);
    expect(saver.asSaverDef().restore_op_name).toBe('save/restore_all');
    const empty = new tf.Graph();
    empty.constant(1, { name: 'c' });
    expect(tf.train.importMetaGraph(new tf.Graph(), empty.exportMetaGraph())).toBeNull();
    expect(() => tf.train.importMetaGraph(new tf.Graph(), path.join(dir, 'missing.meta'))).toThrow(tf.errors.NotFoundError);
    expect(() => tf.train.importMetaGraph(new tf.Graph(), new Uint8Array([0xff, 0xff, 0xff]))).toThrow(TypeError);
    expect(() => tf.train.importMetaGraph({} as never, m.g.exportMetaGraph())).toThrow(TypeError);
    expect(() => tf.train.importMetaGraph(new tf.Graph(), 42 as never)).toThrow(TypeError);
    const def = saver.asSaverDef();
    expect(() => new tf.train.Saver({ graph: g, saverDef: { ...def, version: 1 } })).toThrow(/V1 checkpoint saver; only V2/);
    expect(() => new tf.train.Saver({ graph: g, saverDef: { ...def, restore_op_name: 'nope' } })).toThrow(/restore operation 'nope' is not in Graph/);
    expect(() => new tf.train.Saver({ saverDef: def })).toThrow(/needs the graph/);
    expect(new tf.train.Saver({ graph: g, saverDef: def }).asSaverDef()).toEqual(def);
  });
});
