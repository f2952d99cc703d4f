// SPDX-License-Identifier: Apache-2.0
// Issue 15, items 1 and 2: no ArrayBuffer that JS can move elsewhere (a transfer list, ArrayBuffer.prototype
// .transfer) ever aliases memory that dispose() or GC frees. Result views and Tensor.alloc views are marked
// untransferable (a transfer copies them on Node 20 and throws on Node 21+) and keyed against detaching; fed
// plain TypedArrays are copied, so a run never reads a caller's ArrayBuffer that may be transferred away.
// Each case runs in a child process (requiring dist/): before the fix they read freed memory or died of SIGSEGV.
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

// Every way of moving a buffer that Node offers: structuredClone, a MessageChannel and, where it exists,
// ArrayBuffer.prototype.transfer. Each either throws or gives an independent copy.
const SCRIPT = `
  const tf = require('./dist');
  const { MessageChannel, receiveMessageOnPort } = require('worker_threads');
  const N = 1 << 18; // 1 MiB of float32: over the 4 KiB view threshold and the 128 KiB mmap threshold
  const g = new tf.Graph();
  const x = g.placeholder('float32', [N], 'x');
  const y = g.ops.neg(x);
  const id = g.addOperation('Identity', { inputs: [x], name: 'id' }).output(0);
  const s = new tf.Session(g);
  const run = (v) => s.runSync(y, new Map([[x, new Float32Array(N).fill(v)]]));
  const ways = {
    structuredClone: (b) => structuredClone(b, { transfer: [b] }),
    messageChannel: (b) => {
      const { port1, port2 } = new MessageChannel();
      port1.postMessage(b, [b]);
      const got = receiveMessageOnPort(port2).message;
      port1.close();
      return got;
    },
    transferMethod: (b) => (typeof b.transfer === 'function' ? b.transfer() : 'absent'),
  };
  const out = {};
  // (gc is the global that --expose-gc defines)
  for (const [way, move] of Object.entries(ways)) {
    for (const source of ['result', 'alloc']) {
      let owner;
      if (source === 'result') owner = run(1);
      else { owner = tf.Tensor.alloc('float32', [N]); owner.data().fill(-1); }
      const buffer = owner.data().buffer;
      let moved, threw;
      try { moved = move(buffer); } catch (e) { threw = e.name; }
      const row = { threw: threw ?? null, originalLength: buffer.byteLength };
      owner.dispose();
      gc();
      // New results take the freed memory if it was freed under the moved buffer.
      const others = [run(2), run(3)];
      if (moved === 'absent') row.absent = true;
      else if (moved) {
        const m = new Float32Array(moved);
        row.movedLength = m.length;
        row.movedIntact = m.every((v) => v === -1);
        m.fill(9); // a write through an alias would land in the results below (or fault, under mmap)
      }
      row.othersIntact = others[0].data().every((v) => v === -2) && others[1].data().every((v) => v === -3);
      for (const o of others) o.dispose();
      out[way + ':' + source] = row;
    }
  }
  // Item 2: a fed plain array, moved away and collected after the run, is not what the result reads.
  const fedRows = [];
  for (let k = 0; k < 16; k++) {
    const input = new Float32Array(new ArrayBuffer(N * 4 + 64), 4 * k, N).fill(k);
    const r = s.runSync(id, new Map([[x, input]]));
    structuredClone(input.buffer, { transfer: [input.buffer] });
    gc();
    const filler = run(7);
    fedRows.push(r.data().every((v) => v === k));
    r.dispose();
    filler.dispose();
  }
  out.fedIntact = fedRows.every(Boolean);
  console.log('RESULT ' + JSON.stringify(out));
`;

function runChild(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', SCRIPT], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env },
    timeout: 120_000,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  return { status: r.status, signal: r.signal, stderr: r.stderr, result: line ? JSON.parse(line.slice(7)) : undefined };
}

function check(env: Record<string, string>): void {
  const r = runChild(env);
  expect({ status: r.status, signal: r.signal, stderr: r.result ? '' : r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  const result = r.result as Record<string, Record<string, unknown>> & { fedIntact: boolean };
  expect(result.fedIntact).toBe(true);
  for (const [name, row] of Object.entries(result)) {
    if (name === 'fedIntact') continue;
    expect([name, row.othersIntact]).toEqual([name, true]);
    if (row.absent) continue;
    if (row.threw !== null) {
      // Refused: the original is untouched until dispose().
      expect([name, row.originalLength]).toEqual([name, 4 << 18]);
    } else {
      // Copied: a full, independent copy, and the original still ours.
      expect([name, row.movedLength, row.movedIntact, row.originalLength]).toEqual([name, 1 << 18, true, 4 << 18]);
    }
  }
}

describe('transferring buffers over TensorFlow memory', () => {
  test('result and Tensor.alloc views: a transfer copies or throws, never aliases memory that dispose() frees', () => {
    check({});
  });

  test('the same with NODE_LIBTENSORFLOW_MMAP_THRESHOLD=131072 (freed memory is unmapped): no SIGSEGV', () => {
    check({ NODE_LIBTENSORFLOW_MMAP_THRESHOLD: '131072' });
  });
});
