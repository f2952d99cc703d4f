// SPDX-License-Identifier: Apache-2.0
// Issue 6's benchmark: saving and restoring 256 MiB held in four float32 variables (64 MiB each) with
// tf.train.Saver, in GB/s (10^9 bytes per second), against Python's tf.compat.v1.train.Saver on the same
// data sizes in the same directory when Python TensorFlow is installed. Rounds alternate between the two (the
// Python process waits for a line per round), in ABBA order, so that disk and page-cache drift hits both
// alike. The files go to /dev/shm unless BENCH_DIR names another directory (see benchDir). Neither side
// writes .meta or the state file here: this is the tensor data path (SaveV2 / RestoreV2) plus each binding's
// overhead around it, which the bare-run rows isolate.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { median, table, fmt } = require('./util');
const tf = require('..');

const VARIABLES = 4;
const ELEMENTS = 16 * 1024 * 1024; // 64 MiB of float32 per variable
const BYTES = VARIABLES * ELEMENTS * 4;
const ROUNDS = Number(process.env.BENCH_ROUNDS || 10);
const ROOT = fs.mkdtempSync(path.join(process.env.BENCH_DIR || benchDir(), 'tfn-bench-ckpt-'));

/**
 * Where the checkpoints go: /dev/shm when it has room, so that the figures measure the two bindings and not
 * the disk's write-back, which varies by tens of percent from one save to the next; BENCH_DIR=<dir> measures
 * a real disk instead.
 */
function benchDir() {
  try {
    const s = fs.statfsSync('/dev/shm');
    if (s.bavail * s.bsize > 4 * BYTES) return '/dev/shm';
  } catch {
    // no /dev/shm (or no statfs): the temporary directory
  }
  return os.tmpdir();
}

function goal(ratio) {
  if (ratio >= 1) return 'met';
  return ratio >= 0.95 ? 'not met, but within the 5% run-to-run noise' : 'NOT met';
}

function gbps(seconds) {
  return BYTES / seconds / 1e9;
}

/** The Node side: one graph and Saver; each round saves then restores, timed separately. */
async function nodeSide() {
  const g = new tf.Graph();
  for (let i = 0; i < VARIABLES; i++) {
    const shape = g.constant([ELEMENTS], { dtype: 'int32' });
    const init = g.addOperation('RandomUniform', { inputs: [shape], attrs: { dtype: 'float32', seed: 1, seed2: i } }).output(0);
    g.variable(init, { name: `v${i}` });
  }
  const sess = new tf.Session(g);
  await sess.run(tf.globalVariablesInitializer(g));
  const saver = new tf.train.Saver({ graph: g });
  const prefix = path.join(ROOT, 'node', 'model');
  // The same ops run bare, by the names in the SaverDef: what the Saver adds on top (argument checks, the
  // index read and key/shape checks before a restore, the state bookkeeping) is the difference.
  const def = saver.asSaverDef();
  const feed = () => new Map([[g.tensor(def.filename_tensor_name), tf.tensor(prefix)]]);
  const time = async (fn) => {
    const t0 = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  return {
    async round() {
      const save = await time(() => saver.save(sess, prefix, { writeMetaGraph: false, writeState: false }));
      const restore = await time(() => saver.restore(sess, prefix));
      const bareSave = await time(() => sess.run(def.save_tensor_name, feed()));
      const bareRestore = await time(() => sess.run(g.operation(def.restore_op_name), feed()));
      return { save, restore, bareSave, bareRestore };
    },
    check() {
      const dir = path.dirname(prefix);
      const size = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
      if (size < BYTES) throw new Error(`the checkpoint holds ${size} bytes, expected at least ${BYTES}`);
    },
    close: () => sess.close(),
  };
}

// The Python side runs one round per line read on stdin, so that its rounds interleave with Node's.
const PYTHON = String.raw`
import json, os, sys, time
import tensorflow as tf
variables, elements, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with tf.Graph().as_default():
    vs = [tf.compat.v1.Variable(tf.random.uniform([elements], seed=1), name='v%d' % i) for i in range(variables)]
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        print('ready', flush=True)
        for line in sys.stdin:
            t0 = time.perf_counter()
            saver.save(sess, prefix, write_meta_graph=False, write_state=False)
            s = time.perf_counter() - t0
            t0 = time.perf_counter()
            saver.restore(sess, prefix)
            l = time.perf_counter() - t0
            print(json.dumps({'save': s, 'restore': l}), flush=True)
`;

/** The Python side, or null when Python TensorFlow is not installed. */
async function pythonSide() {
  const script = path.join(ROOT, 'bench.py');
  fs.writeFileSync(script, PYTHON);
  const child = spawn(process.env.PYTHON || 'python3', [script, String(VARIABLES), String(ELEMENTS), path.join(ROOT, 'python', 'model')], {
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`Python exited (${code}):\n${stderr}`));
  });
  const next = () => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  try {
    await next(); // 'ready'
  } catch (err) {
    if (/No module named 'tensorflow'/.test(stderr)) return null;
    throw err;
  }
  return {
    async round() {
      const line = next();
      child.stdin.write('round\n');
      return JSON.parse(await line);
    },
    async close() {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

(async () => {
  try {
    fs.mkdirSync(path.join(ROOT, 'node'));
    fs.mkdirSync(path.join(ROOT, 'python'));
    const node = await nodeSide();
    const py = await pythonSide();
    // A warm-up round each, then alternating rounds, so that drift in the disk and page cache hits both.
    await node.round();
    if (py) await py.round();
    const n = { save: [], restore: [], bareSave: [], bareRestore: [] };
    const p = { save: [], restore: [] };
    // ABBA order (node first on even rounds, Python first on odd ones) cancels what one side's files do to
    // the next writer (dirty pages being flushed).
    const nodeRound = async () => {
      const a = await node.round();
      for (const k of Object.keys(n)) n[k].push(a[k]);
    };
    const pythonRound = async () => {
      if (!py) return;
      const b = await py.round();
      p.save.push(b.save);
      p.restore.push(b.restore);
    };
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) {
        await nodeRound();
        await pythonRound();
      } else {
        await pythonRound();
        await nodeRound();
      }
    }
    node.check();
    await node.close();
    if (py) await py.close();
    if (process.env.BENCH_VERBOSE) {
      console.log(JSON.stringify({ node: n, python: p }, (k, v) => (typeof v === 'number' ? Number(v.toFixed(3)) : v)));
    }
    const best = (xs) => Math.min(...xs);
    const rows = [
      [`node Saver save, median of ${ROUNDS} (best)`, gbps(median(n.save)), 'GB/s', `(${fmt(gbps(best(n.save)))})`],
      [`node Saver restore, median of ${ROUNDS} (best)`, gbps(median(n.restore)), 'GB/s', `(${fmt(gbps(best(n.restore)))})`],
    ];
    for (const what of ['save', 'restore']) {
      const bare = `bare${what[0].toUpperCase()}${what.slice(1)}`;
      const ratio = median(n[bare]) / median(n[what]);
      rows.push([`${what}: Saver / bare run of its ops, throughput`, ratio, 'x', `(${fmt(best(n[bare]) / best(n[what]))})`]);
    }
    if (py) {
      rows.push(
        [`Python Saver save, median of ${ROUNDS} (best)`, gbps(median(p.save)), 'GB/s', `(${fmt(gbps(best(p.save)))})`],
        [`Python Saver restore, median of ${ROUNDS} (best)`, gbps(median(p.restore)), 'GB/s', `(${fmt(gbps(best(p.restore)))})`],
      );
      for (const what of ['save', 'restore']) {
        const ratio = median(p[what]) / median(n[what]);
        rows.push([`${what}: node / Python, throughput`, ratio, 'x', `(${fmt(best(p[what]) / best(n[what]))}) goal >= 1: ${goal(ratio)}`]);
      }
    } else {
      rows.push(['Python TensorFlow not installed: no baseline', NaN, '']);
    }
    console.log('(ratios: of medians, then of bests in parentheses)');
    const title = `Checkpoint save/restore of ${fmt(BYTES / 2 ** 20, 0)} MiB in ${VARIABLES} float32 variables, rounds interleaved`;
    table(`${title} (${ROOT})`, rows);
  } finally {
    fs.rmSync(ROOT, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
