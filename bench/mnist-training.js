// SPDX-License-Identifier: Apache-2.0
// Issue 17's benchmark: training steps per second of `npm start`'s model (examples/mnist/model.js: the Deep MNIST
// conv net with dropout, Adam on a decaying learning rate and moving averages of the weights), ours against Python
// tf.compat.v1 running the SAME graph: Node saves a checkpoint with its MetaGraph, and a long-lived Python process
// `import_meta_graph`s it, restores the checkpoint and runs the same train op with the same batches, batch size and
// thread settings. A second Python process builds the equivalent model itself (tf.compat.v1 ops, Python's own graph)
// and restores the same checkpoint by variable names. Rounds interleave the contenders; every round starts from the
// checkpoint; ratios are medians of per-round ratios.
//   BENCH_ROUNDS (5), BENCH_STEPS (100), BENCH_THREADS (the CPU count), BENCH_CLASSIC=1 for the 32-64-1024 sizes.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { spawn, spawnSync } = require('child_process');
const { median, table, fmt, trainingSteps } = require('./util');
const tf = require('..');
const { buildTrainGraph, loadDigits, Batches } = require('../examples/mnist/model');

const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const STEPS = Number(process.env.BENCH_STEPS || 100);
const WARMUP = 10;
const THREADS = Number(process.env.BENCH_THREADS || os.cpus().length);
const BATCHES = 16;
const CLASSIC = process.env.BENCH_CLASSIC === '1' ? { filters1: 32, filters2: 64, hidden: 1024, batch: 50 } : {};

const PYTHON = `
import json, sys, time
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
cfg = json.loads(sys.argv[1])
v1 = tf.compat.v1
B, NB = cfg['batch'], cfg['batches']
xs = np.fromfile(cfg['dir'] + '/x.bin', dtype=np.float32).reshape(NB, B, 784)
ys = np.fromfile(cfg['dir'] + '/y.bin', dtype=np.int32).reshape(NB, B)

def build():
    # The model of examples/mnist/model.js, as a tf.compat.v1 user writes it without tf.layers (gone in Keras 3).
    o = cfg['model']
    v1.set_random_seed(o['seed'])
    images = v1.placeholder(tf.float32, [None, 784], name='images')
    labels = v1.placeholder(tf.int32, [None], name='labels')
    def weight(name, shape):
        return v1.get_variable(name, shape, use_resource=True)
    def conv(name, h, filters):
        with v1.variable_scope(name):
            k = weight('kernel', [5, 5, int(h.shape[-1]), filters])
            b = v1.get_variable('bias', [filters], initializer=v1.zeros_initializer(), use_resource=True)
            return tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, k, 1, 'SAME'), b))
    def dense(name, h, units):
        with v1.variable_scope(name):
            k = weight('kernel', [int(h.shape[-1]), units])
            b = v1.get_variable('bias', [units], initializer=v1.zeros_initializer(), use_resource=True)
            return tf.nn.bias_add(tf.matmul(h, k), b)
    h = tf.reshape(images, [-1, 28, 28, 1])
    h = tf.nn.max_pool2d(conv('conv1', h, o['filters1']), 2, 2, 'VALID')
    h = tf.nn.max_pool2d(conv('conv2', h, o['filters2']), 2, 2, 'VALID')
    h = tf.reshape(h, [-1, int(np.prod(h.shape[1:]))])
    h = tf.nn.dropout(tf.nn.relu(dense('fc1', h, o['hidden'])), rate=o['dropout'])
    logits = dense('logits', h, 10)
    loss = v1.losses.sparse_softmax_cross_entropy(labels, logits)
    step = v1.train.get_or_create_global_step()
    lr = v1.train.exponential_decay(o['learningRate'], step, o['decaySteps'], o['decayRate'])
    minimize = v1.train.AdamOptimizer(lr).minimize(loss, global_step=step)
    ema = v1.train.ExponentialMovingAverage(o['emaDecay'], num_updates=step)
    with tf.control_dependencies([minimize]):
        train = ema.apply(v1.trainable_variables())
    return images, labels, loss, train, v1.train.Saver()

g = tf.Graph()
with g.as_default():
    if cfg['mode'] == 'import':
        saver = v1.train.import_meta_graph(cfg['prefix'] + '.meta')
        images, labels = g.get_tensor_by_name(cfg['images']), g.get_tensor_by_name(cfg['labels'])
        loss, train = g.get_tensor_by_name(cfg['loss']), g.get_operation_by_name(cfg['train'])
    else:
        images, labels, loss, train, saver = build()
config = v1.ConfigProto(intra_op_parallelism_threads=cfg['threads'], inter_op_parallelism_threads=cfg['threads'])
sess = v1.Session(graph=g, config=config)
feeds = [{images: xs[i], labels: ys[i]} for i in range(NB)]
print(json.dumps({'ready': True}), flush=True)
for line in sys.stdin:
    steps, warmup = map(int, line.split())
    saver.restore(sess, cfg['prefix'])
    before = float(sess.run(loss, feeds[0]))
    for i in range(-warmup, steps):
        if i == 0: t0, c0 = time.perf_counter(), time.process_time()
        sess.run(train, feeds[(i + warmup) % NB])
    sec, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = float(sess.run(loss, feeds[0]))
    print(json.dumps({'stepsPerSecond': steps / sec, 'cpuMsPerStep': cpu * 1000 / steps, 'lossBefore': before, 'lossAfter': after}),
          flush=True)
`;

/** A Python process that runs one round per request and answers with one JSON line. */
class PythonContender {
  constructor(cfg) {
    this.child = spawn(process.env.PYTHON || 'python3', ['-c', PYTHON, JSON.stringify(cfg)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
    });
    this.stderr = '';
    this.child.stderr.on('data', (d) => { this.stderr += d; });
    this.lines = readline.createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async next() {
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`Python exited (${this.child.exitCode}):\n${this.stderr}`);
    return JSON.parse(value);
  }

  ready() {
    return this.next();
  }

  round(steps, warmup) {
    this.child.stdin.write(`${steps} ${warmup}\n`);
    return this.next();
  }

  close() {
    this.child.stdin.end();
  }
}

function pythonAvailable() {
  const probe = "import importlib.util,sys; sys.exit(0 if importlib.util.find_spec('tensorflow') else 1)";
  return spawnSync(process.env.PYTHON || 'python3', ['-c', probe]).status === 0;
}

/** Node's contender: one session over the example's graph, restored from the checkpoint at each round. */
async function nodeContender(model, prefix, batches, mode) {
  const session = new tf.Session(model.g, { config: { intraOpParallelismThreads: THREADS, interOpParallelismThreads: THREADS } });
  return async (steps, warmup) => {
    await model.saver.restore(session, prefix);
    return trainingSteps(session, { loss: model.loss, train: model.train, batches }, steps, warmup, mode);
  };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-bench-mnist-'));
  try {
    const model = buildTrainGraph(CLASSIC);
    const { batch } = model.options;
    const data = loadDigits();
    const source = new Batches(data.train, batch);
    const batches = [];
    const xs = [];
    const ys = [];
    for (let b = 0; b < BATCHES; b++) {
      const [x, y] = source.at(b);
      batches.push(new Map([[model.images, x], [model.labels, y]]));
      xs.push(Buffer.from(x.data().buffer, x.data().byteOffset, x.data().byteLength));
      ys.push(Buffer.from(y.data().buffer, y.data().byteOffset, y.data().byteLength));
    }
    fs.writeFileSync(path.join(dir, 'x.bin'), Buffer.concat(xs));
    fs.writeFileSync(path.join(dir, 'y.bin'), Buffer.concat(ys));

    // The starting point of every round, and (its .meta) the graph that Python imports.
    const init = new tf.Session(model.g);
    await init.run(model.init);
    const prefix = await model.saver.save(init, path.join(dir, 'model.ckpt'));
    await init.close();

    const contenders = {
      sync: await nodeContender(model, prefix, batches, 'sync'),
      async: await nodeContender(model, prefix, batches, 'async'),
    };
    const python = {};
    if (pythonAvailable()) {
      const cfg = { dir, prefix, batch, batches: BATCHES, threads: THREADS, model: model.options, images: model.images.name,
        labels: model.labels.name, loss: model.loss.name, train: model.train.name };
      python.imported = new PythonContender({ ...cfg, mode: 'import' });
      python.built = new PythonContender({ ...cfg, mode: 'build' });
      await Promise.all(Object.values(python).map((p) => p.ready()));
    }
    for (const [name, p] of Object.entries(python)) contenders[name] = (steps, warmup) => p.round(steps, warmup);
    const runs = { sync: [], async: [], imported: [], built: [] };
    const order = Object.keys(contenders);
    // Each round starts with another contender, so that a fixed place in the round favours none of them.
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < order.length; k++) {
        const name = order[(round + k) % order.length];
        runs[name].push(await contenders[name](STEPS, WARMUP));
      }
    }
    Object.values(python).forEach((p) => p.close());
    report(runs, model.options, Boolean(python.imported));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function report(runs, options, withPython) {
  const rate = (list) => median(list.map((r) => r.stepsPerSecond));
  const ratio = (list, base) => median(list.map((r, i) => r.stepsPerSecond / base[i].stepsPerSecond));
  const goal = (r, what) => `${fmt(r)}x ${what} (goal >= 1.0x: ${r >= 1 ? 'met' : 'NOT met'})`;
  const rows = [['Node session.runSync', rate(runs.sync), 'steps/s'], ['Node await session.run', rate(runs.async), 'steps/s']];
  if (withPython) {
    rows[0].push(goal(ratio(runs.sync, runs.imported), 'Python, same graph'));
    rows[1].push(goal(ratio(runs.async, runs.imported), 'Python, same graph'));
    rows.push(['Python sess.run, our graph (import_meta_graph)', rate(runs.imported), 'steps/s']);
    rows.push(['Python sess.run, its own graph (tf.compat.v1)', rate(runs.built), 'steps/s',
      `Node runSync is ${fmt(ratio(runs.sync, runs.built))}x, await run ${fmt(ratio(runs.async, runs.built))}x`]);
  } else {
    rows.push(['Python tf.compat.v1', NaN, '', 'skipped: Python TensorFlow is not installed']);
  }
  const { filters1, filters2, hidden, batch } = options;
  table(`MNIST conv net ${filters1}-${filters2}-${hidden}, batch ${batch}, Adam + EMA, ${THREADS} threads: training steps per second ` +
    `(median of ${ROUNDS} rounds of ${STEPS} steps)`, rows);
  // CPU time is less sensitive than wall time to other work on a shared machine.
  const cpu = (list) => median(list.map((r) => r.cpuMsPerStep));
  const cpuRatio = (list) => (withPython ? `${fmt(median(list.map((r, i) => r.cpuMsPerStep / runs.imported[i].cpuMsPerStep)))}x ` +
    'Python on the same graph' : '');
  table('CPU time per step, all threads (median)', [
    ['Node session.runSync', cpu(runs.sync), 'ms', cpuRatio(runs.sync)],
    ['Node await session.run', cpu(runs.async), 'ms', cpuRatio(runs.async)],
    ...(withPython ? [['Python, our graph', cpu(runs.imported), 'ms'], ['Python, its own graph', cpu(runs.built), 'ms']] : []),
  ]);
  // The same weights, batches and dropout seeds went into the same graph: the losses must agree. Python's own graph
  // draws other dropout masks (its ops' seeds differ), so it agrees only roughly.
  console.log(`\n  loss on batch 0 before -> after ${STEPS + WARMUP} steps (round 1):`);
  const who = { sync: 'Node sync', async: 'Node async', imported: 'Python, our graph', built: 'Python, own graph' };
  for (const [key, list] of Object.entries(runs)) {
    if (list.length) console.log(`    ${who[key].padEnd(18)} ${list[0].lossBefore.toFixed(6)} -> ${list[0].lossAfter.toFixed(6)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
