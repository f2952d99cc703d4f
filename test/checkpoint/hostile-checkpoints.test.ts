// SPDX-License-Identifier: Apache-2.0
// Checkpoints crafted to crash a reader (issue 15): each is read in a child process, so that a crash fails
// the test instead of ending the suite. Their checksums are valid, so only the checks made before
// TensorFlow reads stand between them and the process.
import { spawnSync } from 'child_process';
import * as CRC32C from 'crc-32/crc32c';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { readTable } from '../../lib/checkpoint/table-reader';
import { decode, encode } from '../../lib/proto';
import { tempDir } from '../helpers/python';
import { buildTable } from '../helpers/table-writer';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs `body` (with `tf` in scope) in a child process; what it printed, and how it ended. */
function inChild(body: string): { status: number | null; signal: string | null; out: string } {
  const code = `
    const tf = require(${JSON.stringify(ROOT)});
    (async () => { ${body} })().catch((e) => console.log(e.constructor.name + ': ' + e.message));`;
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' };
  const r = spawnSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8', env, timeout: 120_000 });
  return { status: r.status, signal: r.signal, out: `${r.stdout}` };
}

/** Reads `name` of checkpoint `prefix` in a child process. */
function readInChild(prefix: string, name: string) {
  const [p, n] = [JSON.stringify(prefix), JSON.stringify(name)];
  return inChild(`const v = tf.train.loadVariable(${p}, ${n}); console.log('ok', v.shape.join(','));`);
}

function saveV2(prefix: string, tensors: Record<string, tf.Tensor>): void {
  const g = new tf.Graph();
  const names = Object.keys(tensors);
  const save = g.addOperation('SaveV2', {
    inputs: [
      g.constant(prefix),
      g.constant(names, { dtype: 'string' }),
      g.constant(names.map(() => ''), { dtype: 'string' }),
      names.map((n) => g.constant(tensors[n])),
    ],
  });
  const sess = new tf.Session(g);
  sess.runSync(save as tf.Operation);
  void sess.close();
}

/** Rewrites a checkpoint's index: `edit` changes the decoded header or entries; the table's checksums stay valid. */
function rewriteIndex(prefix: string, edit: (key: string, message: Record<string, any>) => void): void {
  const table = readTable(fs.readFileSync(`${prefix}.index`), 'index');
  const entries = table.map(({ key, value }): [Buffer, Buffer] => {
    const type = key.length === 0 ? 'BundleHeaderProto' : 'BundleEntryProto';
    const message = decode(type, value);
    edit(key.toString(), message);
    return [key, Buffer.from(encode(type, message))];
  });
  fs.writeFileSync(`${prefix}.index`, buildTable(entries));
}

function varint(n: bigint): number[] {
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}

const mask = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

describe('hostile checkpoints', () => {
  const { dir, cleanup } = tempDir('tfn-ckpt-hostile-');
  afterAll(cleanup);

  test('a header with num_shards = 2^31 - 1 is a DataLossError, not a heap exhaustion', () => {
    const p = path.join(dir, 'shards');
    saveV2(p, { a: tf.tensor([1, 2, 3]) });
    rewriteIndex(p, (key, m) => {
      if (key === '') m.num_shards = 2147483647;
    });
    expect(tf.train.listVariables(p)).toEqual([['a', [3]]]);
    const r = readInChild(p, 'a');
    expect([r.status, r.signal]).toEqual([0, null]);
    expect(r.out).toMatch(/^DataLossError: .*data file shards\.data-00000-of-2147483647 is missing/);
  });

  test('a string element declaring 2^40 bytes (valid checksums) is a DataLossError, not a SIGSEGV', () => {
    const p = path.join(dir, 'strings');
    saveV2(p, { s: tf.tensor(['one', 'two'], [2], 'string') });
    // The data file as TensorFlow writes a string tensor: varint lengths, their masked CRC-32C (over each
    // length as a uint32, or a uint64 when larger), then the bytes; only the first length is forged.
    const lengths = Buffer.alloc(12);
    lengths.writeBigUInt64LE(2n ** 40n, 0);
    lengths.writeUInt32LE(3, 8);
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32LE(mask(CRC32C.buf(lengths) >>> 0));
    const data = Buffer.concat([Buffer.from([...varint(2n ** 40n), ...varint(3n)]), checksum, Buffer.from('onetwo')]);
    fs.writeFileSync(`${p}.data-00000-of-00001`, data);
    rewriteIndex(p, (key, m) => {
      if (key === 's') m.size = data.length;
    });
    const r = readInChild(p, 's');
    expect([r.status, r.signal]).toEqual([0, null]);
    expect(r.out).toMatch(/^DataLossError: .*tensor 's' declares 1099511627779 bytes of strings/);
    // A Saver's RestoreV2 reads through the same bundle reader: checked the same way first.
    const restore = inChild(`
      const g = new tf.Graph();
      const s = g.variable(tf.tensor(['', ''], [2], 'string'), { name: 's' });
      const sess = new tf.Session(g);
      await sess.run(s.initializer);
      await new tf.train.Saver({ graph: g }).restore(sess, ${JSON.stringify(p)});
      console.log('restored');`);
    expect([restore.status, restore.signal]).toEqual([0, null]);
    expect(restore.out).toMatch(/^DataLossError: .*tensor 's' declares 1099511627779 bytes of strings/);
  });

  test('a forged shape on a fixed-size tensor is a DataLossError', () => {
    const p = path.join(dir, 'shape');
    saveV2(p, { w: tf.tensor([1, 2, 3, 4]) });
    rewriteIndex(p, (key, m) => {
      if (key === 'w') m.shape = { dim: [{ size: 2 ** 40 }, { size: 2 ** 10 }] };
    });
    const r = readInChild(p, 'w');
    expect([r.status, r.signal]).toEqual([0, null]);
    expect(r.out).toMatch(/^DataLossError: .*tensor 'w' of shape \[1099511627776, 1024\] needs \d+ bytes, but its entry holds 16/);
  });
});
