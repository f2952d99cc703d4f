// SPDX-License-Identifier: Apache-2.0
// Issue 2's benchmark: µs per runSync / run of y = x + 1 on a fed float32 scalar, and the time from process
// start to the first result, for Node and for a C program on the same C API, interleaved in one run.
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');
const { median, timeSync, timeAsync, table, verdict } = require('./util');
const { runC } = require('./c/build');
const tf = require('..');

function build(config) {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [], 'x');
  const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)], name: 'y' }).output(0);
  return { session: new tf.Session(g, { config }), x, y };
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
