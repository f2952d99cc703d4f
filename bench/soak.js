// SPDX-License-Identifier: Apache-2.0
// Issue 3's soak: feed and fetch a 1 MB tensor 100,000 times, synchronously (disposing each result, as a loop
// that never yields must) and asynchronously (leaving results to the GC), printing RSS and external memory
// every 10,000 runs. Growth after warm-up (the first 10,000) must stay under 20 MB.
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
      console.log(`  ${String(i).padStart(7)} runs  rss ${fmt(last.rss, 1).padStart(8)} MB  external ${fmt(last.external, 1).padStart(8)} MB`);
    }
  }
  const growth = last.rss - base.rss;
  console.log(`  growth after warm-up: ${fmt(growth, 1)} MB (goal < 20 MB: ${growth < 20 ? 'met' : 'NOT met'})`);
  return growth;
}

async function main() {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [N], 'x');
  const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)], name: 'y' }).output(0);
  const session = new tf.Session(g);
  await soak('sync', session, x, y);
  await soak('async', session, x, y);
  await session.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
