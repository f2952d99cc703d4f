// SPDX-License-Identifier: Apache-2.0
// An RNN (a tanh cell over time steps by whileLoop, sparse softmax cross-entropy, Adam) restored from the checkpoint
// of the same model built in Python with tf.while_loop: three training steps' losses equal Python's.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython, tempDir } from '../helpers/python';

const T = 6;
const B = 4;
const I = 3;
const H = 8;
const C = 5;

const PYTHON = String.raw`
import json, sys, numpy as np, tensorflow as tf
tf.compat.v1.disable_eager_execution()
T, B, I, H, C = ${T}, ${B}, ${I}, ${H}, ${C}
rng = np.random.RandomState(0)
X = rng.randn(T, B, I).astype(np.float32)
Y = rng.randint(0, C, B).astype(np.int32)
g = tf.Graph()
with g.as_default():
    x = tf.compat.v1.placeholder(tf.float32, [T, B, I], name='x')
    y = tf.compat.v1.placeholder(tf.int32, [B], name='y')
    glorot = tf.compat.v1.glorot_uniform_initializer
    with tf.compat.v1.variable_scope('rnn'):
        wx = tf.compat.v1.get_variable('wx', [I, H], initializer=glorot(seed=1), use_resource=True)
        wh = tf.compat.v1.get_variable('wh', [H, H], initializer=glorot(seed=2), use_resource=True)
        b = tf.compat.v1.get_variable('b', [H], initializer=tf.compat.v1.constant_initializer(0.1), use_resource=True)
        wo = tf.compat.v1.get_variable('wo', [H, C], initializer=glorot(seed=3), use_resource=True)
        bo = tf.compat.v1.get_variable('bo', [C], initializer=tf.compat.v1.zeros_initializer(), use_resource=True)
    def body(i, h):
        return i + 1, tf.tanh(tf.matmul(tf.gather(x, i), wx) + tf.matmul(h, wh) + b)
    _, h = tf.while_loop(lambda i, h: i < T, body, [tf.constant(0), tf.zeros([B, H])])
    logits = tf.matmul(h, wo) + bo
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    saver = tf.compat.v1.train.Saver([wx, wh, b, wo, bo])
    train = tf.compat.v1.train.AdamOptimizer(0.05).minimize(loss)
    with tf.compat.v1.Session(graph=g) as s:
        s.run(tf.compat.v1.global_variables_initializer())
        saver.save(s, sys.argv[1])
        feeds = {x: X, y: Y}
        losses = []
        for _ in range(3):
            losses.append(float(s.run(loss, feeds)))
            s.run(train, feeds)
print(json.dumps({'x': X.ravel().tolist(), 'y': Y.tolist(), 'losses': losses}))
`;

describePython('an RNN by whileLoop trained with Adam from a Python checkpoint', () => {
  test('three training steps: losses equal Python\'s to 1e-5 relative', async () => {
    const { dir, cleanup } = tempDir('tfn-rnn-');
    try {
      const prefix = path.join(dir, 'rnn');
      const py = JSON.parse(runPython(PYTHON, [prefix])) as { x: number[]; y: number[]; losses: number[] };
      expect(fs.existsSync(`${prefix}.index`)).toBe(true);
      const g = new tf.Graph();
      const m = g.asDefault(() => {
        const x = g.placeholder('float32', [T, B, I], 'x');
        const y = g.placeholder('int32', [B], 'y');
        const v = (name: string, shape: number[]) => tf.getVariable(name, { shape, initializer: tf.initializers.zeros() });
        const [wx, wh, b, wo, bo] = tf.variableScope('rnn', () =>
          [v('wx', [I, H]), v('wh', [H, H]), v('b', [H]), v('wo', [H, C]), v('bo', [C])]);
        const [, h] = tf.whileLoop(
          (i: tf.Output) => tf.less(i, T),
          (i: tf.Output, h: tf.Output) => [
            tf.add(i, 1),
            tf.tanh(tf.add(tf.add(tf.matmul(tf.gather(x, i), wx), tf.matmul(h, wh)), b)),
          ],
          [tf.constant(0, { dtype: 'int32' }), tf.zeros([B, H])],
        ) as tf.Output[];
        const logits = tf.add(tf.matmul(h, wo), bo);
        const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: y, logits }));
        const saver = new tf.train.Saver({ graph: g, varList: [wx, wh, b, wo, bo] });
        const train = new tf.train.AdamOptimizer(0.05).minimize(loss);
        return { x, y, loss, saver, train };
      });
      const sess = new tf.Session(g);
      await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
      await m.saver.restore(sess, prefix);
      const feeds = new Map<tf.Output, tf.Tensor>([
        [m.x, tf.tensor(py.x, [T, B, I], 'float32')],
        [m.y, tf.tensor(py.y, [B], 'int32')],
      ]);
      const losses: number[] = [];
      for (let k = 0; k < 3; k++) {
        losses.push(((await sess.run(m.loss, feeds)) as tf.Tensor).item() as number);
        await sess.run(m.train, feeds);
      }
      await sess.close();
      losses.forEach((l, k) => expect(Math.abs(l - py.losses[k]) / Math.abs(py.losses[k])).toBeLessThan(1e-5));
      expect(losses[2]).toBeLessThan(losses[0]);
    } finally {
      cleanup();
    }
  });
});
