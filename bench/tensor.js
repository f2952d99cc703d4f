// SPDX-License-Identifier: Apache-2.0
// Issue 3's benchmark: feed and fetch a 64 MB float32 tensor through Identity (TensorFlow copies nothing
// there). (a) a Tensor whose memory TensorFlow allocated (Tensor.alloc) vs a C zero-copy loop; (b) a plain
// Float32Array from user code (copied once on the way in, viewed on the way out) vs a C loop that copies in
// and out.
'use strict';
const { median, table, verdict, fmt } = require('./util');
const { runC } = require('./c/build');
const tf = require('..');

const BYTES = 64 << 20;
const N = BYTES / 4;
const ZERO_COPY_RUNS = 20000;

function msPerRun(fn, iterations) {
  for (let i = 0; i < 2; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iterations / 1e6;
}

async function main() {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [N], 'x');
  const y = g.addOperation('Identity', { inputs: [x], name: 'y' }).output(0);
  const session = new tf.Session(g);
  const aligned = tf.Tensor.alloc('float32', [N]);
  aligned.data().fill(1.5);
  const plain = new Float32Array(N).fill(2.5);
  let checksum = 0;
  const feedAligned = new Map([[x, aligned]]);
  const feedPlain = new Map([[x, plain]]);
  const rows = { ca: [], cb: [], a: [], b: [], busy1: [], busy2: [] };
  // (a) costs microseconds a run: enough runs that the timer and the machine's noise stay small beside it.
  for (let round = 0; round < 3; round++) {
    rows.ca.push(runC('identity', [BYTES, ZERO_COPY_RUNS, 'zerocopy']).msPerRun);
    rows.busy1.push(runC('identity', [BYTES, ZERO_COPY_RUNS, 'zerocopy', 1]).msPerRun);
    rows.busy2.push(runC('identity', [BYTES, ZERO_COPY_RUNS, 'zerocopy', 2]).msPerRun);
    rows.a.push(msPerRun(() => {
      const r = session.runSync(y, feedAligned);
      checksum += r.data()[N - 1];
      r.dispose();
    }, ZERO_COPY_RUNS));
    rows.cb.push(runC('identity', [BYTES, 10, 'copy']).msPerRun);
    rows.b.push(msPerRun(() => {
      const r = session.runSync(y, feedPlain);
      checksum += r.data()[N - 1];
      r.dispose();
    }, 10));
  }
  const ca = median(rows.ca), a = median(rows.a), cb = median(rows.cb), b = median(rows.b);
  table('64 MB float32 through Identity, per run (median of 3 rounds)', [
    ['(a) C: aligned TF_Tensor fed, result read in place', ca * 1000, 'µs'],
    ['(a) Node: Tensor.alloc fed, result viewed by data()', a * 1000, 'µs', verdict(a / ca, 1.2)],
    // What any binding's own per-run work costs here: C spinning between its runs.
    ['(a) C, spinning 1 µs between runs', median(rows.busy1) * 1000, 'µs', `ratio ${fmt(median(rows.busy1) / ca)}x`],
    ['(a) C, spinning 2 µs between runs', median(rows.busy2) * 1000, 'µs', `ratio ${fmt(median(rows.busy2) / ca)}x`],
    ['(b) C: copy user buffer in, copy result out', cb, 'ms'],
    ['(b) Node: plain Float32Array fed, result viewed', b, 'ms', verdict(b / cb, 1.2)],
  ]);
  console.log(`  (checksum ${checksum})`);
  await session.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
