// SPDX-License-Identifier: Apache-2.0
// Issue 7's benchmark: tf.copy.copyToGraph of a 10,000-node and a 100,000-node subgraph into a fresh graph
// under a namespace, against a plain importGraphDef (same prefix) of a GraphDef holding exactly those nodes,
// interleaved in one run. Goals: the copy within 1.5x of the import, and the 100k copy within 12x of the 10k one.
// Also printed: a second copy from the same source (its GraphDef already read), and the import plus the
// source.toGraphDef() that a copy cannot avoid; wall-clock and CPU time (the machine may be shared). And C's
// TF_GraphImportGraphDefWithResults of the same bytes (bench/c/import_graphdef.c, one process per size, its
// first import left out as our warm-up is): how TensorFlow's own import scales from 10k to 100k nodes, the
// floor under the copy's ratio. C runs after our rounds, not between them: spawning a process marks every
// page of ours copy-on-write, and the next import here then faults its way through the heap (2x its time).
// BENCH_ROUNDS multiplies the rounds (for a shared machine, with `nice`).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { median, table, verdict, fmt } = require('./util');
const { runC } = require('./c/build');
const tf = require('..');
const { encode } = require('../dist/proto');

const FLOAT = 1;

/**
 * A DAG of `n` nodes: a placeholder, 16 constants, then AddV2/Mul/Sub/Maximum nodes, each taking the previous
 * node and an earlier one (every 50th also a control input), so that the last node depends on all of them.
 * `extra` unrelated nodes (another chain) are appended for the source graph, which the copy must leave out.
 */
function graphDef(n, extra) {
  let seed = 7;
  const rand = (k) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * k);
  };
  const node = [{ name: `x`, op: 'Placeholder', attr: { dtype: { type: FLOAT }, shape: { shape: { dim: [{ size: 4 }] } } } }];
  for (let c = 0; c < 16; c++) {
    const value = { tensor: { dtype: FLOAT, tensor_shape: { dim: [{ size: 4 }] }, float_val: [c / 16, 1, 2, 3] } };
    node.push({ name: `const_${c}`, op: 'Const', attr: { dtype: { type: FLOAT }, value } });
  }
  const ops = ['AddV2', 'Mul', 'Sub', 'Maximum'];
  for (let i = node.length; i < n; i++) {
    const prev = node[i - 1].name;
    const other = node[rand(i)].name;
    const input = [prev, other];
    if (i % 50 === 0) input.push(`^${node[rand(i)].name}`);
    node.push({ name: `block_${i >> 6}/op_${i}`, op: ops[i % 4], input, attr: { T: { type: FLOAT } } });
  }
  for (let i = 0; i < extra; i++) {
    const input = [i ? `unrelated/op_${i - 1}` : `x`, `const_0`];
    node.push({ name: `unrelated/op_${i}`, op: 'AddV2', input, attr: { T: { type: FLOAT } } });
  }
  return { bytes: encode('GraphDef', { node, versions: { producer: 1700 } }), last: node[n - 1].name };
}

/** Wall-clock and CPU milliseconds of fn() (CPU time is what the copy costs when other processes compete). */
function timed(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return [{ wall, cpu: (cpu.user + cpu.system) / 1000 }, result];
}

/** A full collection, then time for its concurrent sweeping to end, so that neither side pays for the other. */
async function settle() {
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 30));
}

const SCALE = Math.max(1, Number(process.env.BENCH_ROUNDS || 1));
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-bench-copy-'));

/** C's imports of `bytes` with the copy's prefix, `reps` after a first one, in one process: [{wall, cpu}] in ms. */
function importC(bytes, n, reps) {
  const file = path.join(TMP, `sub-${n}.pb`);
  fs.writeFileSync(file, bytes);
  const r = runC('import_graphdef', [file, 'CopiedOps', reps + 1]);
  return r.wallMs.slice(1).map((wall, i) => ({ wall, cpu: r.cpuMs[i + 1] }));
}

async function measure(n, rounds, discard = 1, withC = true) {
  const sub = graphDef(n, 0);
  const whole = graphDef(n, Math.round(n / 10));
  const runs = { copy: [], warm: [], imported: [], serialized: [], c: [] };
  for (let r = 0; r < rounds + discard; r++) {
    // A fresh source each round: the copy pays for reading the source's GraphDef every time.
    const source = tf.Graph.fromGraphDef(whole.bytes);
    const root = source.tensor(`${sub.last}:0`);
    await settle();
    // What serializing the source costs (the copy must read it; a plain import starts from bytes it has).
    const [tSerialize] = timed(() => source.toGraphDef());
    await settle();
    const [tImport, result] = timed(() => new tf.Graph().importGraphDef(sub.bytes, { prefix: 'CopiedOps' }));
    if (result.missingUnusedInputMappings.length) throw new Error('unexpected import result');
    await settle();
    const dest = new tf.Graph();
    const [tCopy, out] = timed(() => tf.copy.copyToGraph(root, dest, { namespace: 'CopiedOps' }));
    if (dest.numOperations !== n || out.name !== `CopiedOps/${sub.last}:0`) {
      throw new Error(`copied ${dest.numOperations} operations, expected ${n}`);
    }
    await settle();
    // Copying the same source again (into another graph) reuses the source's indexed GraphDef.
    const [tWarm] = timed(() => tf.copy.copyToGraph(root, new tf.Graph(), { namespace: 'CopiedOps' }));
    if (r < discard) continue; // the first round runs before the JIT has compiled the copy's loops
    runs.copy.push(tCopy);
    runs.warm.push(tWarm);
    runs.imported.push(tImport);
    runs.serialized.push({ wall: tImport.wall + tSerialize.wall, cpu: tImport.cpu + tSerialize.cpu });
  }
  if (withC) runs.c = importC(sub.bytes, n, rounds);
  const med = (list, key) => median(list.map((t) => t[key]));
  const out = {};
  for (const key of ['wall', 'cpu']) {
    out[key] = {
      copy: med(runs.copy, key),
      warm: med(runs.warm, key),
      imported: med(runs.imported, key),
      serialized: med(runs.serialized, key),
      c: runs.c.length ? med(runs.c, key) : NaN,
    };
  }
  return out;
}

async function main() {
  // Warm up the import path, protobufjs and the copy's code.
  await measure(2000, 3, 1, false);
  const small = await measure(10000, 9 * SCALE);
  const large = await measure(100000, 3 * SCALE);
  for (const [key, label] of [['wall', 'wall-clock'], ['cpu', 'CPU time (what other processes on the machine do not change)']]) {
    const s = small[key];
    const l = large[key];
    const what = 'copyToGraph of a subgraph (its source has 10% more, unrelated nodes) vs importGraphDef of the same nodes';
    table(`${what} — median ms of ${9 * SCALE} and ${3 * SCALE} rounds, ${label}`, [
      ['C TF_GraphImportGraphDefWithResults, 10,000 nodes', s.c, 'ms'],
      ['importGraphDef, 10,000 nodes', s.imported, 'ms', `ratio ${fmt(s.imported / s.c)}x C`],
      ['copyToGraph, 10,000 nodes', s.copy, 'ms', verdict(s.copy / s.imported, 1.5)],
      ['copyToGraph again from the same source, 10,000 nodes', s.warm, 'ms', `ratio ${fmt(s.warm / s.imported)}x`],
      ['source.toGraphDef() + importGraphDef, 10,000 nodes', s.serialized, 'ms', `copy / this: ${fmt(s.copy / s.serialized)}x`],
      ['C TF_GraphImportGraphDefWithResults, 100,000 nodes', l.c, 'ms'],
      ['importGraphDef, 100,000 nodes', l.imported, 'ms', `ratio ${fmt(l.imported / l.c)}x C`],
      ['copyToGraph, 100,000 nodes', l.copy, 'ms', verdict(l.copy / l.imported, 1.5)],
      ['copyToGraph again from the same source, 100,000 nodes', l.warm, 'ms', `ratio ${fmt(l.warm / l.imported)}x`],
      ['source.toGraphDef() + importGraphDef, 100,000 nodes', l.serialized, 'ms', `copy / this: ${fmt(l.copy / l.serialized)}x`],
      ['copyToGraph 100,000 / 10,000 nodes', l.copy / s.copy, 'x', verdict(l.copy / s.copy, 12)],
      ['importGraphDef 100,000 / 10,000 nodes (for reference)', l.imported / s.imported, 'x'],
      ['C import 100,000 / 10,000 nodes (TF\'s own scaling)', l.c / s.c, 'x'],
      ['copyToGraph\'s scaling / C import\'s scaling', l.copy / s.copy / (l.c / s.c), 'x'],
    ]);
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(TMP, { recursive: true, force: true }));
