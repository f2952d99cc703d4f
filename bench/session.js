// SPDX-License-Identifier: Apache-2.0
// Issue 2's benchmark: µs per runSync / run of y = x + 1 on a fed float32 scalar, and the time from process
// start to the first result, for Node and for a C program on the same C API, interleaved in one run.
// Issue 21: with default options, the same beside tfjs-node's eager tf.add().dataSync() (tfjs-node built from
// source against our libtensorflow by bench/peers/tfjs-node.js) and Python session.run, with the goals; `await run`
// both as it is by default (this small step completes in the JS thread) and with the hop to a runner thread.
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');
const { median, timeSync, timeAsync, table, verdict } = require('./util');
const { runC } = require('./c/build');
const { startPeers } = require('./peers/workers');
const { interleave, printSideBySide, goalLine, pairedRatio } = require('./peers/side-by-side');
const tf = require('..');

function build(config) {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [], 'x');
  const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)], name: 'y' }).output(0);
  return { session: new tf.Session(g, { config }), x, y };
}

/** Issue 21: x + 1 with default options, beside tfjs-node, Python and C, in interleaved rounds. */
async function sideBySide(rounds, iterations) {
  const peers = await startPeers();
  const skipped = {};
  for (const [key, label] of [['tfjs', 'tfjs-node'], ['python', 'Python']]) {
    if (peers[key].error) skipped[label] = peers[key].error;
    else console.log(`${label}: ${peers[key].version}`);
  }
  const { session, x, y } = build(undefined);
  const feeds = new Map([[x, 0]]);
  const once = (i) => {
    feeds.set(x, i);
    const r = session.runSync(y, feeds);
    r.data();
    r.dispose();
  };
  const onceAsync = async (i) => {
    feeds.set(x, i);
    const r = await session.run(y, feeds);
    r.data();
    r.dispose();
  };
  // The hop itself: the step always on a runner thread, its result back through the event loop.
  const hop = { smallStepsInJsThread: false };
  const onceHop = async (i) => {
    feeds.set(x, i);
    const r = await session.run(y, feeds, hop);
    r.data();
    r.dispose();
  };
  let samples;
  try {
    samples = await interleave({
      'ours: session.runSync': async () => timeSync(once, iterations),
      'ours: await session.run': async () => timeAsync(onceAsync, Math.ceil(iterations / 4)),
      'ours: await session.run, smallStepsInJsThread: false': async () => timeAsync(onceHop, Math.ceil(iterations / 4)),
      'tfjs-node: eager tf.add(x, one).dataSync()': peers.tfjs.error ? null
        : async () => (await peers.tfjs.request({ op: 'scalar', iterations })).us,
      'Python: session.run': peers.python.error ? null
        : async () => (await peers.python.request({ op: 'scalar', iterations: Math.ceil(iterations / 4) })).us,
      'C: TF_SessionRun': async () => runC('scalar_add', [iterations]).usPerRun,
    }, rounds);
  } finally {
    for (const p of Object.values(peers)) if (!p.error) p.close();
    await session.close();
  }
  const tfjs = 'tfjs-node: eager tf.add(x, one).dataSync()';
  printSideBySide(`y = x + 1 on a fresh float32 scalar, default options: µs per call, median of ${rounds} interleaved rounds ` +
    '[min–max]', samples, skipped, tfjs, 'µs');
  const r = (a, b) => pairedRatio(samples, a, b);
  console.log('\nGoals (issue 21), default options: median over rounds of the ratio within a round');
  console.log(goalLine('runSync / tfjs-node eager tf.add().dataSync()', r('ours: session.runSync', tfjs), 0.7));
  console.log(goalLine('await run / runSync', r('ours: await session.run', 'ours: session.runSync'), 5));
  console.log(goalLine('await run with the hop (smallStepsInJsThread: false) / runSync',
    r('ours: await session.run, smallStepsInJsThread: false', 'ours: session.runSync'), 5));
  console.log(goalLine('Python session.run / runSync', r('Python: session.run', 'ours: session.runSync'), 1.3, '>='));
  console.log(goalLine('Python session.run / await run', r('Python: session.run', 'ours: await session.run'), 1.3, '>='));
}

async function measureNode(config, iterations) {
  const { session, x, y } = build(config);
  const feeds = new Map([[x, 0]]);
  const sync = timeSync((i) => {
    feeds.set(x, i);
    return session.runSync(y, feeds);
  }, iterations);
  const async = await timeAsync((i) => {
    feeds.set(x, i);
    return session.run(y, feeds);
  }, Math.ceil(iterations / 4));
  await session.close();
  return { sync, async };
}

function firstResultNode(withExtraCaCerts) {
  const script = path.join(__dirname, 'first-result.js');
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' };
  if (!withExtraCaCerts) delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim()).msToFirstResult;
}

async function main() {
  const rounds = 5;
  const iterations = 20000;
  await sideBySide(7, iterations);
  if (process.argv.includes('--peers-only')) return;
  const results = { default: { c: [], sync: [], async: [] }, caller: { c: [], sync: [], async: [] } };
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['default', 'caller']) {
      const config = mode === 'caller' ? { interOpParallelismThreads: -1 } : undefined;
      results[mode].c.push(runC('scalar_add', mode === 'caller' ? [iterations, 'caller'] : [iterations]).usPerRun);
      const node = await measureNode(config, iterations);
      results[mode].sync.push(node.sync);
      results[mode].async.push(node.async);
    }
  }
  for (const mode of ['default', 'caller']) {
    const c = median(results[mode].c);
    const sync = median(results[mode].sync);
    const async = median(results[mode].async);
    const options = mode === 'caller'
      ? 'inter_op_parallelism_threads = -1 (ops run in the calling thread)'
      : 'default session options (the binding runs this step in the calling thread)';
    table(`y = x + 1, fed float32 scalar — ${options} (median of ${rounds} rounds)`, [
      ['C TF_SessionRun loop', c, 'µs'],
      ['Node session.runSync', sync, 'µs', verdict(sync / c, 1.3)],
      ['Node await session.run', async, 'µs', verdict(async / c, 3)],
      // Issue 21: what the hop off the JS thread and back costs beside the step itself.
      ['Node await session.run / session.runSync', async / sync, 'x', verdict(async / sync, 5)],
    ]);
  }
  // NODE_EXTRA_CA_CERTS (set on some machines for a registry proxy) makes Node parse a CA bundle before any
  // user code runs: about 45 ms here that neither the package nor C pays. Both figures are printed.
  const extra = Boolean(process.env.NODE_EXTRA_CA_CERTS);
  const cFirst = [];
  const nodeFirst = [];
  const nodeFirstExtra = [];
  for (let i = 0; i < 7; i++) {
    cFirst.push(runC('scalar_add', [1]).msToFirstResult);
    nodeFirst.push(firstResultNode(false));
    if (extra) nodeFirstExtra.push(firstResultNode(true));
  }
  const c = median(cFirst);
  const n = median(nodeFirst);
  const rows = [
    ['C', c, 'ms'],
    ['Node (require, build graph, session, runSync)', n, 'ms', verdict(n / c, 1.5)],
  ];
  if (extra) {
    const ne = median(nodeFirstExtra);
    rows.push(['Node, with this environment\'s NODE_EXTRA_CA_CERTS', ne, 'ms', verdict(ne / c, 1.5)]);
  }
  table('Process start to first result (median of 7 processes)', rows);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
