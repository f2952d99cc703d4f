// SPDX-License-Identifier: Apache-2.0
// Issue 3's soak: feed and fetch a 1 MB tensor 100,000 times, printing RSS and external memory every 10,000
// runs; growth after warm-up (the first 10,000) must stay under 20 MB. Asynchronously, results are left to the
// garbage collector. Synchronously (a loop that never yields), each result is disposed; that loop runs in a
// child process of its own, with the default malloc settings, so that the two measurements do not share a heap.
'use strict';
const { fmt } = require('./util');
const tf = require('..');

const RUNS = Number(process.env.SOAK_RUNS || 100000);
const N = (1 << 20) / 4;
const MB = 1 << 20;

function snapshot() {
  const m = process.memoryUsage();
  return { rss: m.rss / MB, external: (m.external + m.arrayBuffers) / MB };
}

async function soak(mode, session, x, y) {
  const input = new Float32Array(N).fill(1);
  const feeds = new Map([[x, input]]);
  let base;
  let last;
  console.log(`\n${mode}: ${RUNS} runs of a 1 MB tensor`);
  for (let i = 1; i <= RUNS; i++) {
    input[0] = i;
    const r = mode === 'sync' ? session.runSync(y, feeds) : await session.run(y, feeds);
    if (r.data()[0] !== i + 1) throw new Error(`wrong result at run ${i}`);
    // A loop that never yields disposes its large results (README, "Tensors and memory"); the async loop
    // leaves every result to the garbage collector.
    if (mode === 'sync') r.dispose();
    if (i % 10000 === 0) {
      last = snapshot();
      if (!base) base = last;
      const rss = fmt(last.rss, 1).padStart(8);
      console.log(`  ${String(i).padStart(7)} runs  rss ${rss} MB  external ${fmt(last.external, 1).padStart(8)} MB`);
    }
  }
  const growth = last.rss - base.rss;
  console.log(`  growth after warm-up: ${fmt(growth, 1)} MB (goal < 20 MB: ${growth < 20 ? 'met' : 'NOT met'})`);
  return growth;
}

async function main() {
  const mode = process.argv[2];
  if (mode === undefined) {
    const r = require('child_process').spawnSync(process.execPath, [__filename, 'sync'], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  const g = new tf.Graph();
  const x = g.placeholder('float32', [N], 'x');
  const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)], name: 'y' }).output(0);
  const session = new tf.Session(g);
  await soak(mode === 'sync' ? 'sync' : 'async', session, x, y);
  await session.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
