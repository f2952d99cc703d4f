// SPDX-License-Identifier: Apache-2.0
// A graph's TensorFlow memory is reported to V8 (native/graph.cc), so that abandoned big graphs, imported or
// copied, are collected instead of every new one faulting in fresh memory.
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

test('abandoned big graphs are collected without an explicit gc', () => {
  // The JS side of each graph is a few small objects: only the reported TensorFlow memory (20,000 operations,
  // about 60 MB a graph) makes V8 collect them.
  const script = `
    const tf = require('./dist');
    const source = new tf.Graph();
    let last = source.placeholder('float32', [2], 'x');
    for (let i = 0; i < 20000; i++) last = source.addOperation('Neg', { inputs: [last] }).output(0);
    const bytes = source.toGraphDef();
    let collected = 0;
    const registry = new FinalizationRegistry(() => collected++);
    (async () => {
      for (let i = 0; i < 12; i++) {
        const g = new tf.Graph();
        g.importGraphDef(bytes, { prefix: 'imported' });
        registry.register(g, i);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      console.log(JSON.stringify({ collected }));
    })();
  `;
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  expect(r.status).toBe(0);
  const { collected } = JSON.parse(r.stdout.trim()) as { collected: number };
  expect(collected).toBeGreaterThanOrEqual(6);
}, 120_000);
