// SPDX-License-Identifier: Apache-2.0
// The graph the gradient of a loop builds, against Python's tf.while_loop gradient (while_v2) on the same model (an
// RNN, a ReLU recurrence, an LSTM language model): the forward loop accumulates only what the backward loop reads
// (one TensorList per tensor, as many as Python's), and the body's gradient folds static shapes as Python does
// instead of computing them every iteration.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython, tempDir } from '../helpers/python';

const T = 5;
const B = 4;
const I = 3;
const H = 6;
const V = 7;

const COUNTED = [
  'TensorListPushBack', 'TensorListPopBack', 'Shape', 'ShapeN', 'Rank', 'BroadcastGradientArgs', 'DynamicStitch', 'Sum', 'Reshape',
];

const PYTHON = String.raw`
import collections, json, sys, numpy as np, tensorflow as tf
tf.compat.v1.disable_eager_execution()
T, B, I, H, V = ${T}, ${B}, ${I}, ${H}, ${V}
COUNTED = ${JSON.stringify(COUNTED)}
gv = lambda name, shape: tf.compat.v1.get_variable(name, shape, use_resource=True)
def rnn():
  x = tf.compat.v1.placeholder(tf.float32, [T, B, I], name='x')
  wx, wh, b = gv('wx', [I, H]), gv('wh', [H, H]), gv('b', [H])
  _, h = tf.while_loop(lambda i, h: i < T, lambda i, h: (i + 1, tf.tanh(tf.matmul(tf.gather(x, i), wx) + tf.matmul(h, wh) + b)),
                       [tf.constant(0), tf.zeros([B, H])])
  return tf.reduce_mean(tf.square(h)), [wx, wh, b]
def relu():
  w, b = gv('w', [H, H]), gv('b', [H])
  _, h = tf.while_loop(lambda i, h: i < T, lambda i, h: (i + 1, tf.nn.relu(tf.matmul(h, w) + b)), [tf.constant(0), tf.ones([B, H])])
  return tf.reduce_sum(h), [w, b]
def lstm():
  ids = tf.compat.v1.placeholder(tf.int32, [T, B]); targets = tf.compat.v1.placeholder(tf.int32, [T, B])
  w = {'embedding': gv('embedding', [V, I])}
  for k in 'ifog':
    w['w' + k] = gv('w_' + k, [I + H, H]); w['b' + k] = gv('b_' + k, [H])
  w['wout'] = gv('w_out', [H, V]); w['bout'] = gv('b_out', [V])
  def body(t, h, c, total):
    xh = tf.concat([tf.nn.embedding_lookup(w['embedding'], tf.gather(ids, t)), h], 1)
    gate = lambda k, fn: fn(tf.matmul(xh, w['w' + k]) + w['b' + k])
    i, f, o, g = gate('i', tf.sigmoid), gate('f', tf.sigmoid), gate('o', tf.sigmoid), gate('g', tf.tanh)
    c = f * c + i * g
    h = o * tf.tanh(c)
    logits = tf.matmul(h, w['wout']) + w['bout']
    xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.gather(targets, t), logits=logits)
    return t + 1, h, c, total + tf.reduce_mean(xent)
  loop = tf.while_loop(lambda t, *rest: t < T, body, [tf.constant(0), tf.zeros([B, H]), tf.zeros([B, H]), tf.constant(0.0)])
  return loop[3] / T, list(w.values())
def summary(gd):
  counts = collections.Counter()
  pushed = []
  for f in gd.library.function:
    counts.update(n.op for n in f.node_def if n.op in COUNTED)
    types = {n.name: n.op for n in f.node_def}
    # What each accumulator holds: the type of the op whose output is pushed (an argument of the body: 'arg').
    pushed += [types.get(n.input[1].split(':')[0], 'arg') for n in f.node_def if n.op == 'TensorListPushBack']
  counts.update('main ' + n.op for n in gd.node if n.op in COUNTED)
  grad_loops = [n for n in gd.node if n.op in ('While', 'StatelessWhile') and n.name.endswith('while_grad')]
  return {'counts': dict(counts), 'pushed': sorted(pushed), 'backwardLoopVars': [len(n.input) for n in grad_loops]}
g = tf.Graph()
with g.as_default():
  loss, xs = {'rnn': rnn, 'relu': relu, 'lstm': lstm}[sys.argv[1]]()
  tf.gradients(loss, xs)
ours = tf.compat.v1.GraphDef()
ours.ParseFromString(open(sys.argv[2], 'rb').read())
print(json.dumps({'python': summary(g.as_graph_def()), 'ours': summary(ours)}))
`;

const v = (name: string, shape: number[]) => tf.getVariable(name, { shape, initializer: tf.initializers.zeros() });

function rnn(g: tf.Graph): [tf.Output, tf.Variable[]] {
  const x = g.placeholder('float32', [T, B, I], 'x');
  const [wx, wh, b] = [v('wx', [I, H]), v('wh', [H, H]), v('b', [H])];
  const [, h] = tf.whileLoop(
    (i: tf.Output) => tf.less(i, T),
    (i: tf.Output, h: tf.Output) => [tf.add(i, 1), tf.tanh(tf.add(tf.add(tf.matmul(tf.gather(x, i), wx), tf.matmul(h, wh)), b))],
    [tf.constant(0, { dtype: 'int32' }), tf.zeros([B, H])],
  ) as tf.Output[];
  return [tf.reduceMean(tf.square(h)), [wx, wh, b]];
}

function relu(_g: tf.Graph): [tf.Output, tf.Variable[]] {
  const [w, b] = [v('w', [H, H]), v('b', [H])];
  const [, h] = tf.whileLoop(
    (i: tf.Output) => tf.less(i, T),
    (i: tf.Output, h: tf.Output) => [tf.add(i, 1), tf.nn.relu(tf.add(tf.matmul(h, w), b))],
    [tf.constant(0, { dtype: 'int32' }), tf.ones([B, H])],
  ) as tf.Output[];
  return [tf.reduceSum(h), [w, b]];
}

/** The cell of examples/lstm. */
function lstm(g: tf.Graph): [tf.Output, tf.Variable[]] {
  const ids = g.placeholder('int32', [T, B], 'ids');
  const targets = g.placeholder('int32', [T, B], 'targets');
  const w: Record<string, tf.Variable> = { embedding: v('embedding', [V, I]) };
  for (const k of 'ifog') {
    w[`w${k}`] = v(`w_${k}`, [I + H, H]);
    w[`b${k}`] = v(`b_${k}`, [H]);
  }
  w.wout = v('w_out', [H, V]);
  w.bout = v('b_out', [V]);
  const loop = tf.whileLoop(
    (t: tf.Output) => tf.less(t, T),
    (t: tf.Output, h: tf.Output, c: tf.Output, total: tf.Output) => {
      const xh = tf.concat([tf.nn.embeddingLookup(w.embedding, tf.gather(ids, t)), h], 1);
      const gate = (k: string, fn: (x: tf.Output) => tf.Output) => fn(tf.add(tf.matmul(xh, w[`w${k}`]), w[`b${k}`]));
      const [i, f, o, gg] = [gate('i', tf.sigmoid), gate('f', tf.sigmoid), gate('o', tf.sigmoid), gate('g', tf.tanh)];
      const cNext = tf.add(tf.multiply(f, c), tf.multiply(i, gg));
      const hNext = tf.multiply(o, tf.tanh(cNext));
      const logits = tf.add(tf.matmul(hNext, w.wout), w.bout);
      const xent = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.gather(targets, t), logits });
      return [tf.add(t, 1), hNext, cNext, tf.add(total, tf.reduceMean(xent))];
    },
    [tf.constant(0, { dtype: 'int32' }), tf.zeros([B, H]), tf.zeros([B, H]), tf.constant(0, { dtype: 'float32' })],
  ) as tf.Output[];
  return [tf.divide(loop[3], T), Object.values(w)];
}

describePython('the gradient graph of a loop against Python\'s while_v2', () => {
  const models = [['rnn', rnn], ['relu', relu], ['lstm', lstm]] as const;
  test.each(models)('%s: accumulators, backward loop variables and shape ops as Python\'s', (name, model) => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const [loss, xs] = model(g);
      tf.gradients(loss, xs);
    });
    const { dir, cleanup } = tempDir('tfn-whilegrad-');
    try {
      const file = path.join(dir, 'ours.pb');
      fs.writeFileSync(file, g.toGraphDef());
      const { python, ours } = JSON.parse(runPython(PYTHON, [name, file]));
      expect(python.counts.TensorListPushBack).toBeGreaterThan(0);
      expect(ours).toEqual(python);
    } finally {
      cleanup();
    }
  });
});
