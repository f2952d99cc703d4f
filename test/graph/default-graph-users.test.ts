// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../lib';

// What Python's tf.compat.v1 takes from the default graph when given none: Saver(), Session(),
// get_or_create_global_step(), summary.merge_all().
describe('Part 1 functions default to the default graph', () => {
  test('Saver, Session, the global step and mergeAll inside g.asDefault', async () => {
    const g = new tf.Graph();
    await g.asDefault(async () => {
      const w = tf.getVariable('w', { shape: [2], initializer: tf.initializers.ones() });
      const step = tf.train.getOrCreateGlobalStep();
      expect(step.graph).toBe(g);
      expect(tf.train.getGlobalStep()).toBe(step);
      tf.summary.scalar('s', tf.reduceSum(w));
      const merged = tf.summary.mergeAll();
      expect(merged?.graph).toBe(g);
      expect(tf.summary.mergeAll('no-such-collection')).toBeNull();
      const saver = new tf.train.Saver();
      expect(saver.graph).toBe(g);
      const sess = new tf.Session();
      expect(sess.graph).toBe(g);
      await sess.run(tf.globalVariablesInitializer());
      expect(Array.from(((await sess.run(w)) as tf.Tensor).data() as Float32Array)).toEqual([1, 1]);
      await sess.close();
    });
  });
});
