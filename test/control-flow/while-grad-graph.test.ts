// SPDX-License-Identifier: Apache-2.0
// The graph the gradient of an RNN loop builds, against Python's tf.while_loop gradient (while_v2) on the same model:
// the forward loop accumulates only what the backward loop reads (one TensorList per tensor, as many as Python's),
// and the body's gradient folds static shapes as Python does instead of computing them every iteration.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython, tempDir } from '../helpers/python';

const T = 5;
const B = 4;
const I = 3;
const H = 6;

const COUNTED = ['TensorListPushBack', 'TensorListPopBack', 'Shape', 'BroadcastGradientArgs', 'DynamicStitch', 'Sum', 'Reshape'];

const PYTHON = String.raw`
import collections, json, sys, numpy as np, tensorflow as tf
tf.compat.v1.disable_eager_execution()
T, B, I, H = ${T}, ${B}, ${I}, ${H}
COUNTED = ${JSON.stringify(COUNTED)}
g = tf.Graph()
with g.as_default():
  x = tf.compat.v1.placeholder(tf.float32, [T, B, I], name='x')
  wx = tf.compat.v1.get_variable('wx', [I, H], use_resource=True)
  wh = tf.compat.v1.get_variable('wh', [H, H], use_resource=True)
  b = tf.compat.v1.get_variable('b', [H], use_resource=True)
  _, h = tf.while_loop(lambda i, h: i < T, lambda i, h: (i + 1, tf.tanh(tf.matmul(tf.gather(x, i), wx) + tf.matmul(h, wh) + b)),
                       [tf.constant(0), tf.zeros([B, H])])
  loss = tf.reduce_mean(tf.square(h))
  tf.gradients(loss, [wx, wh, b])
def summary(gd):
  counts = collections.Counter()
  for f in gd.library.function:
    counts.update(n.op for n in f.node_def if n.op in COUNTED)
  counts.update('main ' + n.op for n in gd.node if n.op in COUNTED)
  grad_loops = [n for n in gd.node if n.op in ('While', 'StatelessWhile') and n.name.endswith('while_grad')]
  return {'counts': dict(counts), 'backwardLoopVars': [len(n.input) for n in grad_loops]}
ours = tf.compat.v1.GraphDef()
ours.ParseFromString(open(sys.argv[1], 'rb').read())
print(json.dumps({'python': summary(g.as_graph_def()), 'ours': summary(ours)}))
`;

describePython('the gradient graph of an RNN loop against Python\'s while_v2', () => {
  test('accumulators, backward loop variables and shape ops as Python\'s', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = g.placeholder('float32', [T, B, I], 'x');
      const v = (name: string, shape: number[]) => tf.getVariable(name, { shape, initializer: tf.initializers.zeros() });
      const [wx, wh, b] = [v('wx', [I, H]), v('wh', [H, H]), v('b', [H])];
      const [, h] = tf.whileLoop(
        (i: tf.Output) => tf.less(i, T),
        (i: tf.Output, h: tf.Output) => [tf.add(i, 1), tf.tanh(tf.add(tf.add(tf.matmul(tf.gather(x, i), wx), tf.matmul(h, wh)), b))],
        [tf.constant(0, { dtype: 'int32' }), tf.zeros([B, H])],
      ) as tf.Output[];
      tf.gradients(tf.reduceMean(tf.square(h)), [wx, wh, b]);
    });
    const { dir, cleanup } = tempDir('tfn-whilegrad-');
    try {
      const file = path.join(dir, 'ours.pb');
      fs.writeFileSync(file, g.toGraphDef());
      const { python, ours } = JSON.parse(runPython(PYTHON, [file]));
      expect(python.counts.TensorListPushBack).toBeGreaterThan(0);
      expect(ours).toEqual(python);
    } finally {
      cleanup();
    }
  });
});
