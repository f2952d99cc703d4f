// SPDX-License-Identifier: Apache-2.0
// Training moves between Python TensorFlow and us through Adam checkpoints: the same MLP, the same batches,
// 20 steps on one side, 20 more on the other, and the losses agree with Python's own continuation.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython, tempDir } from '../helpers/python';

const IN = 8;
const HIDDEN = 16;
const OUT = 3;
const BATCH = 16;
const STEPS = 20;
const LR = 0.01;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Initial weights and 2 × STEPS batches, written as JSON for Python and kept as arrays for us. */
function makeData() {
  const next = rng(99);
  const uniform = (n: number, scale: number) => Array.from({ length: n }, () => Math.fround(scale * (2 * next() - 1)));
  const init = {
    w1: uniform(IN * HIDDEN, 0.5),
    b1: uniform(HIDDEN, 0.1),
    w2: uniform(HIDDEN * OUT, 0.5),
    b2: uniform(OUT, 0.1),
  };
  // Labels follow a fixed linear rule of the inputs, so there is something to learn.
  const rule = uniform(IN * OUT, 1);
  const batches = Array.from({ length: 2 * STEPS }, () => {
    const x = uniform(BATCH * IN, 1);
    const y = new Array(BATCH * OUT).fill(0);
    for (let i = 0; i < BATCH; i++) {
      const row = x.slice(i * IN, (i + 1) * IN);
      const scores = Array.from({ length: OUT }, (_, o) => row.reduce((acc, xi, k) => acc + xi * rule[k * OUT + o], 0));
      y[i * OUT + scores.indexOf(Math.max(...scores))] = 1;
    }
    return { x, y };
  });
  return { init, batches };
}

type Data = ReturnType<typeof makeData>;

/** The model as the Python script builds it: variable scopes layer1/layer2, Adam, the global step. */
function build(data: Data) {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [null, IN], 'x');
  const labels = g.placeholder('float32', [null, OUT], 'labels');
  const op = (type: string, inputs: unknown[]) => g.addOperation(type, { inputs: inputs as tf.OutputLike[] }).output(0);
  const layer = (name: string, input: tf.Output, w: number[], b: number[], inDim: number, outDim: number) =>
    g.variableScope(name, () => {
      const weights = g.getVariable('weights', { initializer: tf.tensor(w, [inDim, outDim]) });
      const biases = g.getVariable('biases', { initializer: tf.tensor(b, [outDim]) });
      return op('AddV2', [op('MatMul', [input, weights]), biases]);
    });
  const hidden = op('Relu', [layer('layer1', x, data.init.w1, data.init.b1, IN, HIDDEN)]);
  const logits = layer('layer2', hidden, data.init.w2, data.init.b2, HIDDEN, OUT);
  const xent = op('SoftmaxCrossEntropyWithLogits', [logits, labels]);
  const loss = op('Mean', [xent, g.constant([0], { dtype: 'int32' })]);
  const globalStep = tf.train.getOrCreateGlobalStep(g);
  const train = new tf.train.AdamOptimizer(LR).minimize(loss, { globalStep });
  const saver = new tf.train.Saver({ graph: g });
  return { g, x, labels, loss, train, saver, globalStep };
}

/** Runs batches [from, from + STEPS): the loss before each step, then the step. */
async function trainSteps(model: ReturnType<typeof build>, sess: tf.Session, data: Data, from: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = from; i < from + STEPS; i++) {
    const feeds = new Map<tf.Output, tf.Tensor>([
      [model.x, tf.tensor(data.batches[i].x, [BATCH, IN])],
      [model.labels, tf.tensor(data.batches[i].y, [BATCH, OUT])],
    ]);
    losses.push(((await sess.run(model.loss, feeds)) as tf.Tensor).item() as number);
    await sess.run(model.train, feeds);
  }
  return losses;
}

const PYTHON = String.raw`
import json, sys
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
data = json.load(open(sys.argv[1]))
node_ckpt, out_dir = sys.argv[2], sys.argv[3]
IN, HIDDEN, OUT, BATCH, STEPS, LR = ${IN}, ${HIDDEN}, ${OUT}, ${BATCH}, ${STEPS}, ${LR}
init = {k: np.array(v, dtype=np.float32) for k, v in data['init'].items()}

def build():
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, IN], name='x')
        labels = tf.compat.v1.placeholder(tf.float32, [None, OUT], name='labels')
        def layer(name, inp, w, b, i, o):
            with tf.compat.v1.variable_scope(name):
                weights = tf.compat.v1.get_variable('weights', initializer=init[w].reshape(i, o), use_resource=True)
                biases = tf.compat.v1.get_variable('biases', initializer=init[b].reshape(o), use_resource=True)
                return tf.matmul(inp, weights) + biases
        hidden = tf.nn.relu(layer('layer1', x, 'w1', 'b1', IN, HIDDEN))
        logits = layer('layer2', hidden, 'w2', 'b2', HIDDEN, OUT)
        loss = tf.reduce_mean(tf.compat.v1.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits), [0])
        gs = tf.compat.v1.train.get_or_create_global_step()
        train = tf.compat.v1.train.AdamOptimizer(LR).minimize(loss, global_step=gs)
        saver = tf.compat.v1.train.Saver()
        init_op = tf.compat.v1.global_variables_initializer()
    return g, x, labels, loss, train, saver, init_op, gs

def steps(sess, m, start):
    g, x, labels, loss, train, saver, init_op, gs = m
    losses = []
    for i in range(start, start + STEPS):
        b = data['batches'][i]
        feed = {x: np.array(b['x'], np.float32).reshape(BATCH, IN), labels: np.array(b['y'], np.float32).reshape(BATCH, OUT)}
        losses.append(float(sess.run(loss, feed)))
        sess.run(train, feed)
    return losses

result = {}
# Python trains 20 steps from the initial values and saves; then continues from its own checkpoint.
m = build()
with tf.compat.v1.Session(graph=m[0]) as sess:
    sess.run(m[6])
    result['first'] = steps(sess, m, 0)
    result['pyCkpt'] = m[5].save(sess, out_dir + '/py/model.ckpt', global_step=m[7])
m = build()
with tf.compat.v1.Session(graph=m[0]) as sess:
    m[5].restore(sess, result['pyCkpt'])
    result['pyContinued'] = steps(sess, m, STEPS)
    result['pyStep'] = int(sess.run(m[7]))
# Python continues from the checkpoint that we saved after our first 20 steps.
m = build()
with tf.compat.v1.Session(graph=m[0]) as sess:
    m[5].restore(sess, node_ckpt)
    result['fromNodeStep'] = int(sess.run(m[7]))
    result['fromNode'] = steps(sess, m, STEPS)
result['pyNames'] = sorted(n for n, _ in tf.train.list_variables(result['pyCkpt']))
result['nodeNames'] = sorted(n for n, _ in tf.train.list_variables(node_ckpt))
print(json.dumps(result))
`;

function expectRelClose(actual: number[], expected: number[], tol = 1e-5): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    const err = Math.abs(a - expected[i]) / Math.max(Math.abs(expected[i]), 1e-12);
    if (err > tol) throw new Error(`step ${i}: ${a} vs ${expected[i]} (relative error ${err})`);
  });
}

describePython('Adam training moves between Python and node-libtensorflow through checkpoints', () => {
  const { dir, cleanup } = tempDir('tfn-train-interop-');
  afterAll(cleanup);

  test('20 steps in Python, 20 more here from its checkpoint, equal to Python continuing; and the reverse', async () => {
    const data = makeData();
    const dataFile = path.join(dir, 'data.json');
    fs.writeFileSync(dataFile, JSON.stringify(data));

    // Our first 20 steps from the same initial values, saved for Python to continue.
    const ours = build(data);
    let sess = new tf.Session(ours.g);
    await sess.run(tf.globalVariablesInitializer(ours.g));
    const firstHere = await trainSteps(ours, sess, data, 0);
    const nodeCkpt = await ours.saver.save(sess, path.join(dir, 'node', 'model.ckpt'), { globalStep: STEPS });
    await sess.close();

    const py = JSON.parse(runPython(PYTHON, [dataFile, nodeCkpt, dir]).trim().split('\n').pop()!);

    // Same names on both sides: the variables, Adam's slots and accumulators, the global step.
    const ourNames = ours.g.globalVariables().map((v) => v.name).sort();
    expect(py.pyNames).toEqual(ourNames);
    expect(py.nodeNames).toEqual(ourNames);
    expect(ourNames).toEqual(
      expect.arrayContaining(['beta1_power', 'beta2_power', 'global_step', 'layer1/weights/Adam', 'layer1/weights/Adam_1']),
    );

    // The same 20 steps from the same start.
    expectRelClose(firstHere, py.first);

    // We continue from Python's checkpoint.
    const restored = build(data);
    sess = new tf.Session(restored.g);
    await restored.saver.restore(sess, py.pyCkpt);
    expect((await sess.run(restored.globalStep)).item()).toBe(BigInt(STEPS));
    const continuedHere = await trainSteps(restored, sess, data, STEPS);
    expect((await sess.run(restored.globalStep)).item()).toBe(BigInt(2 * STEPS));
    await sess.close();
    expect(py.pyStep).toBe(2 * STEPS);
    expectRelClose(continuedHere, py.pyContinued);

    // Python continued from our checkpoint just as from its own.
    expect(py.fromNodeStep).toBe(STEPS);
    expectRelClose(py.fromNode, py.pyContinued);
    // Training went somewhere: the losses fell.
    const mean = (xs: number[]) => xs.reduce((acc, v) => acc + v, 0) / xs.length;
    expect(mean(continuedHere.slice(-5))).toBeLessThan(mean(firstHere.slice(0, 5)));
  });
});
