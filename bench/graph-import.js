// SPDX-License-Identifier: Apache-2.0
// Importing a 10,000-node GraphDef with a prefix: g.importGraphDef against a C program calling
// TF_GraphImportGraphDefWithResults on the same bytes (bench/c/import_graphdef.c) and Python's
// tf.compat.v1.import_graph_def. Goal: within 1.2x of C. Medians over several imports, each into a fresh graph,
// in wall-clock and CPU time (CPU time is what other processes on a shared machine change least). C's figure is
// the second import of its process, as ours are after the warm-up: its first pays for one-time set-up. Each
// import starts with the previous graph freed on both sides (C deletes it; here it is collected), so that
// both reuse its memory: into fresh pages, TensorFlow's import of these 10,000 nodes costs C 3–4x more
// (page faults in malloc), which once made our import look 6x slower than C's. And after each spawn of C, one
// untimed import here: spawning marks every page of this process copy-on-write, and the first import after
// it faults its way through the heap (2x its time), as C's own first import pays for its fresh pages.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { median, table, settle } = require('./util');
const { runC } = require('./c/build');
const tf = require('../dist');

const NODES = Number(process.env.BENCH_NODES || 10000);
const REPS = Number(process.env.BENCH_REPS || 7);

function makeGraphDef() {
  // x, then (Const, AddV2) pairs, then an Identity: NODES nodes.
  const g = new tf.Graph();
  let y = g.placeholder('float32', [4], 'x');
  for (let i = 0; i < (NODES - 2) / 2; i++) y = g.ops.addV2(y, [1, 2, 3, 4]);
  g.ops.identity(y, { name: 'y' });
  if (g.numOperations !== NODES) throw new Error(`built ${g.numOperations} nodes`);
  return g.toGraphDef();
}

function importNode(bytes) {
  const g = new tf.Graph();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  g.importGraphDef(bytes, { prefix: 'p' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  if (g.numOperations !== NODES) throw new Error(`imported ${g.numOperations} nodes`);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

function python(file) {
  const script = `
import sys, time, statistics, tensorflow as tf
gd = tf.compat.v1.GraphDef.FromString(open(sys.argv[1], 'rb').read())
times = []
for _ in range(${REPS}):
    g = tf.Graph()
    with g.as_default():
        t = time.perf_counter()
        tf.compat.v1.import_graph_def(gd, name='p')
        times.append((time.perf_counter() - t) * 1e3)
print(statistics.median(times))
`;
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' };
  const r = spawnSync(process.env.PYTHON || 'python3', ['-c', script, file], { encoding: 'utf8', env });
  return r.status === 0 ? Number(r.stdout.trim().split('\n').pop()) : undefined;
}

async function main() {
  const bytes = makeGraphDef();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-bench-'));
  const file = path.join(dir, 'graph.pb');
  fs.writeFileSync(file, bytes);
  try {
    importNode(bytes); // warm-up
    const c = [];
    const node = [];
    // Alternate C and Node so that a busy machine slows both alike.
    for (let r = 0; r < REPS; r++) {
      const { wallMs, cpuMs } = runC('import_graphdef', [file, 'p', 2]);
      c.push({ wall: wallMs[1], cpu: cpuMs[1] });
      await settle();
      importNode(bytes);
      await settle();
      node.push(importNode(bytes));
    }
    const py = process.env.BENCH_SKIP_PYTHON ? undefined : python(file);
    for (const key of ['wall', 'cpu']) {
      const cMs = median(c.map((t) => t[key]));
      const nodeMs = median(node.map((t) => t[key]));
      const ratio = nodeMs / cMs;
      const rows = [
        ['C TF_GraphImportGraphDefWithResults', cMs, 'ms', ''],
        [
          "g.importGraphDef(bytes, { prefix: 'p' })",
          nodeMs,
          'ms',
          `${ratio.toFixed(2)}x C (goal <= 1.2x: ${ratio <= 1.2 ? 'met' : 'NOT met'})`,
        ],
      ];
      if (py !== undefined && key === 'wall') {
        rows.push(["Python tf.compat.v1.import_graph_def(name='p')", py, 'ms', `${(py / cMs).toFixed(2)}x C`]);
      }
      const what = key === 'wall' ? 'wall-clock' : 'CPU time';
      table(`Importing a ${NODES}-node GraphDef (${(bytes.length / 1024).toFixed(0)} KiB), median of ${REPS}, ${what}`, rows);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
