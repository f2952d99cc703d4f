// SPDX-License-Identifier: Apache-2.0
// Inference of an MLP 784-512-10 that Python exports as a SavedModel, at batch 1 and 128, all measured in
// this run. Issue 21: latency of one request beside our peers on the same libtensorflow, in interleaved
// rounds — session.runSync, await model.run, tfjs-node (built from source against our library by
// bench/peers/tfjs-node.js) predict + dataSync, Python session.run and C TF_SessionRun, all with default
// options — with the issue's goals. Issue 9: requests per second with 1, 4 and 16 requests in flight against
// Python's loop, and where the time of one batch-1 request goes.
// `node bench/inference.js [--quick]` (needs python3 with tensorflow; tfjs-node's column needs npm and g++).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { promisify } = require('util');
const { median, fmt, table } = require('./util');
const { runC } = require('./c/build');
const { startPeers } = require('./peers/workers');
const { interleave, printSideBySide, goalLine, pairedRatio } = require('./peers/side-by-side');
const tf = require('..');

const QUICK = process.argv.includes('--quick');
const PEERS_ONLY = process.argv.includes('--peers-only'); // only issue 21's side-by-side latency
const SIDE_ROUNDS = QUICK ? 3 : 7;
const SIDE_ITERATIONS = QUICK ? { 1: 300, 128: 100 } : { 1: 2000, 128: 500 };
const WINDOW_MS = QUICK ? 400 : 1500; // each measurement counts the requests completed in this window
const ROUNDS = QUICK ? 1 : 3;
const ALTERNATIONS = QUICK ? 1 : 2; // Python and Node take turns this many times
const BATCHES = [1, 128];
const IN_FLIGHT = [1, 4, 16];
const CONFIGS = {
  default: { label: 'TensorFlow default session options', node: undefined, python: 'tf.compat.v1.ConfigProto()' },
  caller: {
    label: 'interOpParallelismThreads: -1 (ops run in the thread that runs the step)',
    node: { interOpParallelismThreads: -1 },
    python: 'tf.compat.v1.ConfigProto(inter_op_parallelism_threads=-1)',
  },
};
const PYTHON = process.env.PYTHON || 'python3';

const EXPORT = String.raw`
import sys, numpy as np, tensorflow as tf
class MLP(tf.Module):
  def __init__(self):
    rng = np.random.default_rng(0)
    self.w1 = tf.Variable(rng.standard_normal((784, 512)).astype(np.float32) * 0.05, name='w1')
    self.b1 = tf.Variable(np.zeros(512, np.float32), name='b1')
    self.w2 = tf.Variable(rng.standard_normal((512, 10)).astype(np.float32) * 0.05, name='w2')
    self.b2 = tf.Variable(np.zeros(10, np.float32), name='b2')
  @tf.function(input_signature=[tf.TensorSpec([None, 784], tf.float32, name='x')])
  def predict(self, x):
    h = tf.nn.relu(tf.matmul(x, self.w1) + self.b1)
    return {'logits': tf.matmul(h, self.w2) + self.b2}
m = MLP()
tf.saved_model.save(m, sys.argv[1], signatures={'serving_default': m.predict})
`;

// Python's loop: tf.compat.v1 session.run on the signature's tensors, for each config and batch size.
const PY_MEASURE = String.raw`
import json, sys, time, numpy as np, tensorflow as tf
tf.compat.v1.disable_eager_execution()
model_dir, window, rounds = sys.argv[1], float(sys.argv[2]) / 1000, int(sys.argv[3])
configs = json.loads(sys.argv[4])
out = {'rates': {}, 'logits': None}
for name, expr in configs.items():
  config = eval(expr)
  with tf.compat.v1.Session(graph=tf.Graph(), config=config) as s:
    sig = tf.compat.v1.saved_model.loader.load(s, ['serve'], model_dir).signature_def['serving_default']
    x, y = sig.inputs['x'].name, sig.outputs['logits'].name
    for batch in (1, 128):
      feed = np.array([((i % 784) / 784.0) for i in range(batch * 784)], np.float32).reshape(batch, 784)
      if out['logits'] is None and batch == 1: out['logits'] = s.run(y, {x: feed}).tolist()
      for _ in range(200): s.run(y, {x: feed})
      rates = []
      for _ in range(rounds):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < window:
          s.run(y, {x: feed}); n += 1
        rates.append(n / (time.perf_counter() - t0))
      out['rates'].setdefault(name, {})[str(batch)] = rates
print(json.dumps(out))
`;

function python(script, args) {
  const file = path.join(os.tmpdir(), `tfn-bench-${process.pid}-${crypto.randomBytes(4).toString('hex')}.py`);
  fs.writeFileSync(file, script);
  try {
    const r = spawnSync(PYTHON, [file, ...args], {
      encoding: 'utf8',
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`python failed:\n${r.stderr}`);
    return r.stdout.trim().split('\n').pop();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

// In TensorFlow's memory, as the README advises services to feed: a plain Float32Array would be copied on
// the JS thread at every run.
function input(batch) {
  const t = tf.Tensor.alloc('float32', [batch, 784]);
  const data = t.data();
  for (let i = 0; i < data.length; i++) data[i] = (i % 784) / 784;
  return t;
}

/** Requests per second with `inFlight` requests always outstanding, over one window. */
async function rate(model, x, inFlight) {
  let done = 0;
  const deadline = performance.now() + WINDOW_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await model.run({ x });
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

async function measureNode(models, results) {
  for (const [name, model] of Object.entries(models)) {
    for (const batch of BATCHES) {
      const x = input(batch);
      for (let i = 0; i < 200; i++) await model.run({ x });
      for (let round = 0; round < ROUNDS; round++) {
        for (const k of IN_FLIGHT) (results[name][batch][k] ??= []).push(await rate(model, x, k));
      }
    }
  }
}

/** Where one batch-1 request's time goes: TensorFlow's run on the JS thread vs the trip through the pool. */
async function breakdown(model) {
  const x = input(1);
  const sig = model.signatures.serving_default;
  const feeds = new Map([[sig.inputs.x.name, x]]);
  const pbkdf2 = promisify(crypto.pbkdf2);
  const perCall = async (fn, n) => {
    for (let i = 0; i < n / 10; i++) await fn();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    return Number(process.hrtime.bigint() - t0) / n / 1000;
  };
  const n = QUICK ? 500 : 3000;
  const samples = { sync: [], async: [], pool: [], poolWork: [] };
  for (let round = 0; round < (QUICK ? 1 : 5); round++) {
    samples.sync.push(await perCall(() => model.session.runSync(sig.outputs.logits.name, feeds), n));
    samples.async.push(await perCall(() => model.run({ x }), n));
    samples.pool.push(await perCall(() => pbkdf2('k', 's', 1, 8, 'sha1'), n));
    samples.poolWork.push(await perCall(() => crypto.pbkdf2Sync('k', 's', 1, 8, 'sha1'), n));
  }
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  return { sync: m.sync, async: m.async, roundTrip: Math.max(m.pool - m.poolWork, 0) };
}

/** Where our runs of `batch` keep their intra-op work, as the binding chose it (docs/THREADING.md). */
function intraOpChoice(model, sig, batch) {
  const { Session } = require('../dist/session/session');
  const [x, y] = [model.graph.tensor(sig.inputs.x.name), model.graph.tensor(sig.outputs.logits.name)];
  const native = Session._native(model.session);
  const step = native.prepare([x.op._native], [x.index], [y.op._native], [y.index], [], Session._choosesIntraOp(model.session));
  const decision = native.intraOpDecision(step, batch * 784 * 4);
  return { 1: 'the calling thread', 0: "TensorFlow's pool", [-1]: 'not decided yet' }[decision] ?? "TensorFlow's pool (no choice)";
}

/** The first row of a result, as a plain array, for comparing outputs across the peers. */
function firstRow(tensor) {
  return Array.from(tensor.data().subarray(0, 10));
}

/** Issue 21: one request's latency beside tfjs-node, Python and C, all on default options, interleaved. */
async function sideBySide(modelDir, model) {
  const sig = model.signatures.serving_default;
  const [inOp, inIdx] = sig.inputs.x.name.split(':');
  const [outOp, outIdx] = sig.outputs.logits.name.split(':');
  const peers = await startPeers({ load: { dir: modelDir, input: 'x', output: 'logits' } });
  const skipped = {};
  for (const [key, label] of [['tfjs', 'tfjs-node'], ['python', 'Python']]) {
    if (peers[key].error) skipped[label] = peers[key].error;
    else console.log(`${label}: ${peers[key].version}`);
  }
  const results = {};
  try {
    for (const batch of BATCHES) {
      const n = SIDE_ITERATIONS[batch];
      const x = input(batch);
      const feeds = new Map([[sig.inputs.x.name, x]]);
      const outputs = {};
      const sync = () => {
        const y = model.session.runSync(sig.outputs.logits.name, feeds);
        y.data();
        y.dispose();
      };
      const contenders = {
        'ours: session.runSync': async () => {
          for (let i = 0; i < n / 10; i++) sync();
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < n; i++) sync();
          return Number(process.hrtime.bigint() - t0) / n / 1000;
        },
        'ours: await model.run': async () => {
          const once = async () => {
            const { logits } = await model.run({ x });
            logits.data();
            logits.dispose();
          };
          for (let i = 0; i < n / 10; i++) await once();
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < n; i++) await once();
          return Number(process.hrtime.bigint() - t0) / n / 1000;
        },
        'tfjs-node: predict + dataSync': peers.tfjs.error ? null : async () => {
          const r = await peers.tfjs.request({ op: 'predict', batch, features: 784, iterations: n });
          outputs['tfjs-node'] = r.row;
          return r.us;
        },
        'Python: session.run': peers.python.error ? null : async () => {
          const r = await peers.python.request({ op: 'predict', batch, features: 784, iterations: n });
          outputs.Python = r.row;
          return r.us;
        },
        'C: TF_SessionRun': async () => {
          const r = runC('saved_model_run', [modelDir, inOp, inIdx || 0, outOp, outIdx || 0, batch, 784, n]);
          outputs.C = r.row.slice(0, 10);
          return r.usPerRun;
        },
      };
      const samples = await interleave(contenders, SIDE_ROUNDS);
      const y = model.session.runSync(sig.outputs.logits.name, feeds);
      const ours = firstRow(y);
      y.dispose();
      const diffs = Object.entries(outputs).map(([peer, row]) => {
        const d = Math.max(...row.map((v, i) => Math.abs(v - ours[i])));
        if (!(d < 1e-4)) throw new Error(`${peer} disagrees with us on the model output (max difference ${d})`);
        return `${peer} ${d === 0 ? 'identical' : `within ${d.toExponential(1)}`}`;
      });
      printSideBySide(`MLP 784-512-10 SavedModel, batch ${batch}, default options: ms per request, median of ${SIDE_ROUNDS} ` +
        `interleaved rounds of ${n} [min–max]; outputs vs ours: ${diffs.join(', ')}; our intra-op work ran in ` +
        `${intraOpChoice(model, sig, batch)}`, samples, skipped, 'tfjs-node: predict + dataSync');
      results[batch] = samples;
    }
  } finally {
    for (const p of Object.values(peers)) if (!p.error) p.close();
  }
  const r = (batch, a, b) => pairedRatio(results[batch], a, b);
  const tfjs = 'tfjs-node: predict + dataSync';
  const py = 'Python: session.run';
  console.log('\nGoals (issue 21), default options: median over rounds of the ratio within a round');
  console.log(goalLine('batch 1: runSync / tfjs-node predict', r(1, 'ours: session.runSync', tfjs), 0.6));
  console.log(goalLine('batch 1: await run / tfjs-node predict', r(1, 'ours: await model.run', tfjs), 1.0));
  console.log(goalLine('batch 128: runSync / tfjs-node predict', r(128, 'ours: session.runSync', tfjs), 1.0));
  console.log(goalLine('batch 128: await run / tfjs-node predict', r(128, 'ours: await model.run', tfjs), 1.0));
  for (const batch of BATCHES) {
    for (const ours of ['ours: session.runSync', 'ours: await model.run']) {
      console.log(goalLine(`batch ${batch}: Python session.run / ${ours.slice(6)}`, r(batch, py, ours), 1.3, '>='));
    }
    console.log(`  ${`batch ${batch}: runSync / C, await run / C (no goal)`.padEnd(66)} ` +
      `${fmt(r(batch, 'ours: session.runSync', 'C: TF_SessionRun'))}x, ${fmt(r(batch, 'ours: await model.run', 'C: TF_SessionRun'))}x`);
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-bench-inference-'));
  const modelDir = path.join(tmp, 'mlp');
  try {
    python(EXPORT, [modelDir]);
    const models = {};
    for (const [name, c] of Object.entries(CONFIGS)) models[name] = await tf.savedModel.load(modelDir, c.node ? { config: c.node } : {});
    await sideBySide(modelDir, models.default);
    if (PEERS_ONLY) {
      for (const model of Object.values(models)) await model.close();
      return;
    }
    const ours = Array.from((await models.default.run({ x: input(1) })).logits.data());

    const node = {};
    const py = {};
    for (const name of Object.keys(CONFIGS)) {
      node[name] = Object.fromEntries(BATCHES.map((b) => [b, {}]));
      py[name] = Object.fromEntries(BATCHES.map((b) => [b, []]));
    }
    const pyConfigs = JSON.stringify(Object.fromEntries(Object.entries(CONFIGS).map(([k, c]) => [k, c.python])));
    for (let turn = 0; turn < ALTERNATIONS; turn++) {
      const p = JSON.parse(python(PY_MEASURE, [modelDir, String(WINDOW_MS), String(ROUNDS), pyConfigs]));
      if (turn === 0) {
        const diff = Math.max(...p.logits[0].map((v, i) => Math.abs(v - ours[i])));
        console.log(`Outputs: Node and Python logits for the same input differ by at most ${diff.toExponential(2)}`);
        if (!(diff < 1e-4)) throw new Error('Node and Python disagree on the model output');
      }
      for (const name of Object.keys(CONFIGS)) for (const b of BATCHES) py[name][b].push(...p.rates[name][String(b)]);
      await measureNode(models, node);
    }

    console.log(`\nMLP 784-512-10 SavedModel (exported by Python TensorFlow), ${os.cpus().length} CPUs, ` +
      `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE || 4}, ` +
      `median of ${ALTERNATIONS * ROUNDS} windows of ${WINDOW_MS} ms`);
    const goals = [];
    for (const [name, c] of Object.entries(CONFIGS)) {
      for (const batch of BATCHES) {
        const pyRate = median(py[name][batch]);
        const r = Object.fromEntries(IN_FLIGHT.map((k) => [k, median(node[name][batch][k])]));
        table(`batch ${batch} — ${c.label}`, [
          ['Python tf.compat.v1 session.run loop', pyRate, 'req/s', `${fmt(1000 / pyRate, 3)} ms/req`],
          ...IN_FLIGHT.map((k) => [`Node await model.run, ${k} in flight`, r[k], 'req/s',
            `${fmt(1000 / r[k], 3)} ms/req; ${fmt(r[k] / pyRate)}x Python; ${fmt(r[k] / r[1])}x one in flight`]),
        ]);
        goals.push([`${name}, batch ${batch}: 1 in flight >= Python`, r[1] >= pyRate, `${fmt(r[1] / pyRate)}x`]);
        for (const k of IN_FLIGHT.slice(1)) {
          goals.push([`${name}, batch ${batch}: ${k} in flight >= 1.5x one in flight`, r[k] >= 1.5 * r[1], `${fmt(r[k] / r[1])}x`]);
        }
      }
    }
    for (const [name, c] of Object.entries(CONFIGS)) {
      const b = await breakdown(models[name]);
      table(`Where one batch-1 request goes, one in flight — ${c.label}`, [
        ['await model.run (async, on the libuv pool)', b.async, 'µs'],
        ['session.runSync (TF_SessionRun on the JS thread)', b.sync, 'µs'],
        ['empty libuv pool round trip (pbkdf2 of 1 iteration)', b.roundTrip, 'µs'],
        ['rest: thread hand-offs inside the run, colder caches', b.async - b.sync - b.roundTrip, 'µs'],
      ]);
    }
    console.log('\nGoals');
    for (const [label, met, figure] of goals) console.log(`  ${label.padEnd(62)} ${figure.padStart(22)}  ${met ? 'met' : 'NOT met'}`);
    for (const model of Object.values(models)) await model.close();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
