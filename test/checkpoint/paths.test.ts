// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../lib';

// TensorFlow's C++ cuts a path at its first NUL: 'ckpt\0x' would save to 'ckpt'. Such paths are refused.
describe('paths with NUL are refused before TensorFlow sees them', () => {
  test('saver.save and saver.restore, savedModel.save and savedModel.load', async () => {
    const g = new tf.Graph();
    g.getVariable('w', { shape: [2], initializer: tf.initializers.zeros() });
    const saver = new tf.train.Saver({ graph: g });
    const sess = new tf.Session(g);
    await sess.run(tf.globalVariablesInitializer(g));
    await expect(saver.save(sess, '/tmp/tfn-nul\0/ckpt')).rejects.toThrow(/NUL/);
    await expect(saver.restore(sess, '/tmp/tfn-nul\0/ckpt')).rejects.toThrow(TypeError);
    await expect(tf.savedModel.save(sess, '/tmp/tfn-nul\0/sm')).rejects.toThrow(/NUL/);
    await expect(tf.savedModel.load('/tmp/tfn-nul\0/sm')).rejects.toThrow(TypeError);
    expect(() => new tf.summary.FileWriter('/tmp/tfn-nul\0/logs')).toThrow(TypeError);
    await sess.close();
  });
});
