// SPDX-License-Identifier: Apache-2.0
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { maskedCrc32c } from '../../lib/checkpoint/table-reader';

import { readTable } from '../../lib/checkpoint/table-reader';
import { tempDir } from '../helpers/python';
import { buildTable } from '../helpers/table-writer';

/** Writes a checkpoint with TensorFlow's SaveV2, independent of Variables and Savers. */
function saveV2(prefix: string, tensors: Record<string, tf.Tensor> | Array<[string, string, tf.Tensor]>): void {
  const g = new tf.Graph();
  const entries = Array.isArray(tensors) ? tensors : Object.entries(tensors).map(([n, t]) => [n, '', t] as [string, string, tf.Tensor]);
  const save = g.addOperation('SaveV2', {
    inputs: [
      g.constant(prefix),
      g.constant(entries.map((e) => e[0]), { dtype: 'string' }),
      g.constant(entries.map((e) => e[1]), { dtype: 'string' }),
      entries.map((e) => g.constant(e[2])),
    ],
  });
  const sess = new tf.Session(g);
  sess.runSync(save as tf.Operation);
  void sess.close();
}

const ALL_DTYPES: Record<string, tf.Tensor> = {
  f16: tf.tensor([1.5, -2, 65504, 0.000061035], [2, 2], 'float16'),
  bf16: tf.tensor([1.5, -2, 3.0e38], [3], 'bfloat16'),
  f32: tf.tensor([[1.25, -2.5, 3], [4, 5, Math.PI]], undefined, 'float32'),
  f64: tf.tensor([Math.E, -1e300], [2], 'float64'),
  i8: tf.tensor([-128, 127], [2], 'int8'),
  i16: tf.tensor([-32768, 32767], [2], 'int16'),
  i32: tf.tensor([-(2 ** 31), 2 ** 31 - 1], [2], 'int32'),
  i64: tf.tensor([-(2n ** 63n), 2n ** 63n - 1n], [2], 'int64'),
  u8: tf.tensor([0, 255], [2], 'uint8'),
  u16: tf.tensor([0, 65535], [2], 'uint16'),
  u32: tf.tensor([0, 2 ** 32 - 1], [2], 'uint32'),
  u64: tf.tensor([0n, 2n ** 64n - 1n], [2], 'uint64'),
  b: tf.tensor([true, false, true], [3], 'bool'),
  s: tf.tensor(['', 'héllo', 'a\u0000b', 'x'.repeat(300)], [2, 2], 'string'),
  c64: tf.tensor(new Float32Array([1, -1, 2.5, 0]), [2], 'complex64'),
  c128: tf.tensor(new Float64Array([1e100, -1, 0, 3]), [2], 'complex128'),
  scalar: tf.tensor(7, [], 'int32'),
  empty: tf.tensor(new Float32Array(0), [0, 3], 'float32'),
  'scope/nested/w': tf.tensor([1, 2, 3]),
};

describe('CheckpointReader', () => {
  const { dir, cleanup } = tempDir('tfn-ckpt-reader-');
  const prefix = path.join(dir, 'all');
  beforeAll(() => saveV2(prefix, ALL_DTYPES));
  afterAll(cleanup);

  test('lists names, shapes and dtypes from the index', () => {
    const reader = new tf.train.CheckpointReader(prefix);
    const shapes = reader.variableToShapeMap();
    const dtypes = reader.variableToDtypeMap();
    expect(Object.keys(shapes).sort()).toEqual(Object.keys(ALL_DTYPES).sort());
    for (const [name, t] of Object.entries(ALL_DTYPES)) {
      expect(shapes[name]).toEqual(t.shape);
      expect(dtypes[name]).toBe(t.dtype);
      expect(reader.hasTensor(name)).toBe(true);
    }
    expect(reader.hasTensor('nope')).toBe(false);
    expect(reader.debugString()).toContain('f32 (float32) [2,3]\n');
  });

  test('reads every dtype back bit for bit', () => {
    const reader = new tf.train.CheckpointReader(prefix);
    for (const [name, t] of Object.entries(ALL_DTYPES)) {
      const back = reader.getTensor(name);
      expect([name, back.dtype, back.shape]).toEqual([name, t.dtype, t.shape]);
      const hex = (x: tf.Tensor) => x.bytes().map((b) => Buffer.from(b).toString('hex'));
      if (t.dtype === 'string') expect(hex(back)).toEqual(hex(t));
      else expect(Array.from(back.data() as ArrayLike<number>)).toEqual(Array.from(t.data() as ArrayLike<number>));
    }
    const [a, b] = reader.getTensors(['i64', 's']);
    expect(a.toArray()).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
    expect(b.toArray()).toEqual([['', 'héllo'], ['a\u0000b', 'x'.repeat(300)]]);
    return reader.close();
  });

  test('getTensorsAsync reads off the JS thread', async () => {
    const reader = new tf.train.CheckpointReader(prefix);
    const [f, u] = await reader.getTensorsAsync(['f64', 'u64']);
    expect(f.toArray()).toEqual([Math.E, -1e300]);
    expect(u.toArray()).toEqual([0n, 2n ** 64n - 1n]);
    await reader.close();
    await reader.close();
    expect(() => reader.getTensor('f64')).toThrow(/closed/);
  });

  test('listVariables and loadVariable take a prefix or a directory with a state file', () => {
    expect(tf.train.listVariables(prefix).map(([n]) => n)).toEqual(Object.keys(ALL_DTYPES).sort());
    expect(tf.train.listVariables(prefix).find(([n]) => n === 'f32')).toEqual(['f32', [2, 3]]);
    expect(tf.train.loadVariable(prefix, 'scope/nested/w:0').toArray()).toEqual([1, 2, 3]);
    const { dir: d2, cleanup: c2 } = tempDir();
    try {
      expect(() => tf.train.listVariables(d2)).toThrow(tf.errors.NotFoundError);
      expect(() => tf.train.listVariables(d2)).toThrow(/Couldn't find a 'checkpoint' state file/);
      saveV2(path.join(d2, 'model-1'), { v: tf.tensor([1]) });
      saveV2(path.join(d2, 'model-2'), { v: tf.tensor([2]) });
      tf.train.updateCheckpointState(d2, path.join(d2, 'model-2'), { allModelCheckpointPaths: [path.join(d2, 'model-1')] });
      expect(tf.train.latestCheckpoint(d2)).toBe(path.join(d2, 'model-2'));
      expect(tf.train.loadVariable(d2, 'v').toArray()).toEqual([2]);
    } finally {
      c2();
    }
  });

  test('a missing key is a NotFoundError naming it', () => {
    const reader = new tf.train.CheckpointReader(prefix);
    expect(() => reader.getTensor('missing/var')).toThrow(tf.errors.NotFoundError);
    expect(() => reader.getTensor('missing/var')).toThrow(/Key missing\/var not found in checkpoint/);
    expect(() => tf.train.loadVariable(prefix, 'nope')).toThrow(tf.errors.NotFoundError);
  });

  test('a path that is not a checkpoint is a NotFoundError that says why', () => {
    expect(() => new tf.train.CheckpointReader(path.join(dir, 'nothing'))).toThrow(tf.errors.NotFoundError);
    expect(() => new tf.train.CheckpointReader(`${prefix}.index`)).toThrow(/pass the checkpoint prefix '.*all', not one of its files/);
    expect(() => new tf.train.CheckpointReader(dir)).toThrow(/is a directory/);
    expect(() => new tf.train.CheckpointReader(path.join(prefix + '.index', 'x'))).toThrow(tf.errors.NotFoundError);
  });

  test('wrong argument types are TypeErrors', () => {
    expect(() => new tf.train.CheckpointReader(42 as never)).toThrow(TypeError);
    const reader = new tf.train.CheckpointReader(prefix);
    expect(() => reader.getTensor(undefined as never)).toThrow(TypeError);
    expect(() => reader.getTensors('f32' as never)).toThrow(TypeError);
    expect(() => tf.train.listVariables(null as never)).toThrow(TypeError);
    expect(() => tf.train.loadVariable(prefix, 3 as never)).toThrow(TypeError);
  });
});

describe('corrupt and truncated checkpoints', () => {
  const { dir, cleanup } = tempDir('tfn-ckpt-corrupt-');
  const good = path.join(dir, 'good');
  let index: Buffer;
  let data: Buffer;
  beforeAll(() => {
    saveV2(good, { a: tf.tensor(new Float32Array(256).map((_, i) => i)), b: tf.tensor(['one', 'two']), c: tf.tensor([1n, 2n]) });
    index = fs.readFileSync(`${good}.index`);
    data = fs.readFileSync(`${good}.data-00000-of-00001`);
  });
  afterAll(cleanup);

  function withFiles(indexBytes: Buffer, dataBytes: Buffer | null): string {
    const p = path.join(dir, `c${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(`${p}.index`, indexBytes);
    if (dataBytes) fs.writeFileSync(`${p}.data-00000-of-00001`, dataBytes);
    return p;
  }

  test('every single-byte corruption of the index is a DataLossError or harmless, never a crash', () => {
    // Bytes TensorFlow's reader ignores too: the (empty) metaindex block, its handle and the footer's padding.
    const footer = index.length - 48;
    const metaOffset = index[footer];
    const metaEnd = metaOffset + index[footer + 1] + 5;
    const undetected: number[] = [];
    for (let i = 0; i < index.length; i++) {
      const bad = Buffer.from(index);
      bad[i] ^= 0x5a;
      const p = withFiles(bad, data);
      try {
        const reader = new tf.train.CheckpointReader(p);
        // Undetected flips can only be in the footer's padding: the entries must be intact.
        expect(reader.variableToShapeMap()).toEqual({ a: [256], b: [2], c: [2] });
        expect(reader.getTensor('c').toArray()).toEqual([1n, 2n]);
        undetected.push(i);
      } catch (err) {
        expect(err).toBeInstanceOf(tf.errors.DataLossError);
        expect((err as Error).message).toContain(p);
      }
      fs.rmSync(`${p}.index`);
      fs.rmSync(`${p}.data-00000-of-00001`);
    }
    // Every handle here is two one-byte varints: footer = [meta offset, meta size, index offset, index size, padding…, magic].
    const harmless = (i: number) =>
      (i >= metaOffset && i < metaEnd) || i === footer || i === footer + 1 || (i >= footer + 4 && i < footer + 40);
    expect(undetected.filter((i) => !harmless(i))).toEqual([]);
    expect(undetected.length).toBeGreaterThan(0);
  });

  test('every truncation of the index is a DataLossError', () => {
    for (let n = 0; n < index.length; n++) {
      const p = withFiles(index.subarray(0, n), data);
      expect(() => new tf.train.CheckpointReader(p)).toThrow(tf.errors.DataLossError);
      fs.rmSync(`${p}.index`);
      fs.rmSync(`${p}.data-00000-of-00001`);
    }
  });

  test('a file that is not an index is a DataLossError', () => {
    const p = withFiles(Buffer.from('model_checkpoint_path: "x"\n'.repeat(4)), data);
    expect(() => tf.train.listVariables(p)).toThrow(tf.errors.DataLossError);
    expect(() => tf.train.listVariables(p)).toThrow(/not an sstable/);
  });

  test('corrupt data is a DataLossError from TensorFlow\'s checksum', () => {
    const bad = Buffer.from(data);
    bad[100] ^= 1;
    const p = withFiles(index, bad);
    const reader = new tf.train.CheckpointReader(p);
    expect(() => reader.getTensor('a')).toThrow(tf.errors.DataLossError);
    expect(() => reader.getTensor('a')).toThrow(/Checksum does not match/);
    expect(reader.getTensor('c').toArray()).toEqual([1n, 2n]); // other tensors stay readable
    const strings = Buffer.from(data);
    strings[1024 + 3] ^= 1; // 'b' follows 'a' (1024 bytes): 2 length varints, then their checksum
    const q = withFiles(index, strings);
    expect(() => new tf.train.CheckpointReader(q).getTensor('b')).toThrow(tf.errors.DataLossError);
  });

  test('a tensor saved in slices (a partitioned variable) reads whole; truncated slices are DataLossErrors', () => {
    const p = path.join(dir, 'sliced');
    saveV2(p, [
      ['pv', '4 2 0,2:-', tf.tensor([[1, 2], [3, 4]])],
      ['pv', '4 2 2,2:-', tf.tensor([[5, 6], [7, 8]])],
      ['other', '', tf.tensor([9])],
    ]);
    expect(tf.train.listVariables(p)).toEqual([['other', [1]], ['pv', [4, 2]]]);
    expect(tf.train.loadVariable(p, 'pv').toArray()).toEqual([[1, 2], [3, 4], [5, 6], [7, 8]]);
    const file = `${p}.data-00000-of-00001`;
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 20));
    expect(() => tf.train.loadVariable(p, 'pv')).toThrow(tf.errors.DataLossError);
    expect(() => tf.train.loadVariable(p, 'pv')).toThrow(/is truncated/);
  });

  test('truncated or missing data files are DataLossErrors', () => {
    const p = withFiles(index, data.subarray(0, 600));
    expect(() => tf.train.loadVariable(p, 'a')).toThrow(tf.errors.DataLossError);
    expect(() => tf.train.loadVariable(p, 'a')).toThrow(/truncated/);
    const q = withFiles(index, null);
    expect(() => tf.train.loadVariable(q, 'a')).toThrow(tf.errors.DataLossError);
    expect(() => tf.train.loadVariable(q, 'a')).toThrow(/data file .* is missing/);
  });
});

describe('table format', () => {
  test('the masked CRC-32C matches the block checksums TensorFlow writes', () => {
    const { dir, cleanup } = tempDir();
    try {
      const prefix = path.join(dir, 'crc');
      saveV2(prefix, { a: tf.tensor([1, 2, 3]), b: tf.tensor(['x']) });
      const bytes = fs.readFileSync(`${prefix}.index`);
      // Footer: metaindex handle, index handle (one-byte varints here), padding, magic.
      const footer = bytes.length - 48;
      for (const at of [footer, footer + 2]) {
        const offset = bytes[at];
        const size = bytes[at + 1];
        expect(maskedCrc32c(bytes.subarray(offset, offset + size + 1))).toBe(bytes.readUInt32LE(offset + size + 1));
      }
      expect(maskedCrc32c(Buffer.from('123456789'))).not.toBe(0xe3069283); // masked, not the bare CRC
    } finally {
      cleanup();
    }
  });

  test('indexes with many blocks and snappy-compressed blocks read the same here and in TensorFlow', () => {
    const { dir, cleanup } = tempDir();
    try {
      const prefix = path.join(dir, 'm');
      const tensors: Record<string, tf.Tensor> = {};
      for (let i = 0; i < 60; i++) tensors[`layer_${String(i).padStart(2, '0')}/kernel`] = tf.tensor(new Float32Array(5).fill(i));
      saveV2(prefix, tensors);
      const original = readTable(fs.readFileSync(`${prefix}.index`), 'm.index');
      for (const options of [{ blockSize: 64 }, { blockSize: 64, snappy: true }, { snappy: true }]) {
        const rebuilt = buildTable(original.map((e) => [e.key, e.value]), options);
        const back = readTable(rebuilt, 'rebuilt');
        const hexEntries = (es: typeof original) => es.map((e) => [e.key.toString('hex'), e.value.toString('hex')]);
        expect(hexEntries(back)).toEqual(hexEntries(original));
        fs.writeFileSync(`${prefix}.index`, rebuilt);
        // TensorFlow's reader on the same file: both must agree.
        const reader = new tf.train.CheckpointReader(prefix);
        expect(Object.keys(reader.variableToShapeMap())).toHaveLength(60);
        expect(reader.getTensor('layer_37/kernel').toArray()).toEqual([37, 37, 37, 37, 37]);
        void reader.close();
      }
    } finally {
      cleanup();
    }
  });

  test('a corrupt snappy block is a DataLossError', () => {
    const entries: Array<[Buffer, Buffer]> = [[Buffer.from(''), Buffer.from('0801', 'hex')]];
    // A valid checksum over an invalid stream: its length header claims one byte more than it holds.
    const table = buildTable(entries, { snappy: true, mutateBlock: (b) => Buffer.concat([Buffer.from([b[0] + 1]), b.subarray(1)]) });
    expect(() => readTable(table, 'snappy.index')).toThrow(tf.errors.DataLossError);
    expect(() => readTable(table, 'snappy.index')).toThrow(/Corrupted checkpoint index snappy.index/);
    const garbage = buildTable(entries, {
      snappy: true,
      mutateBlock: (b) => Buffer.concat([b.subarray(0, 1), Buffer.from([0xff, 0xff, 0xff])]),
    });
    expect(() => readTable(garbage, 'snappy.index')).toThrow(tf.errors.DataLossError);
  });
});

describe('checkpoint state file', () => {
  test('text format round trip, with Python\'s escapes', () => {
    const state = {
      modelCheckpointPath: '/tmp/a "b"/é\\model-2',
      allModelCheckpointPaths: ['/tmp/x\nmodel-1', '/tmp/a "b"/é\\model-2'],
      allModelCheckpointTimestamps: [1700000000.5, 1700000001],
      lastPreservedTimestamp: 1699999999.25,
    };
    const text = tf.train.formatCheckpointState(state);
    expect(text.split('\n')[0]).toBe('model_checkpoint_path: "/tmp/a \\"b\\"/\\303\\251\\\\model-2"');
    expect(text).toContain('all_model_checkpoint_timestamps: 1700000001.0\n');
    expect(tf.train.parseCheckpointState(text)).toEqual(state);
    const parsed = tf.train.parseCheckpointState("# comment\nmodel_checkpoint_path:'m\\x41\\101'  all_model_checkpoint_paths : \"m\"\n");
    expect(parsed.modelCheckpointPath).toBe('mAA');
    expect(parsed.allModelCheckpointPaths).toEqual(['m']);
  });

  test('malformed state files are DataLossErrors naming the file', () => {
    expect(() => tf.train.parseCheckpointState('model_checkpoint_path: "x"\nbogus_field: 1\n', 'ckpt/checkpoint'))
      .toThrow(tf.errors.DataLossError);
    expect(() => tf.train.parseCheckpointState('model_checkpoint_path: "x', 'ckpt/checkpoint')).toThrow(/ckpt\/checkpoint/);
    expect(() => tf.train.parseCheckpointState('model_checkpoint_path: 5')).toThrow(/needs a string/);
    expect(() => tf.train.parseCheckpointState('all_model_checkpoint_timestamps: "x"')).toThrow(tf.errors.DataLossError);
    const { dir, cleanup } = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'checkpoint'), '\u0000\u0001garbage');
      expect(() => tf.train.latestCheckpoint(dir)).toThrow(tf.errors.DataLossError);
      fs.writeFileSync(path.join(dir, 'checkpoint'), 'all_model_checkpoint_paths: "a"\n');
      expect(() => tf.train.getCheckpointState(dir)).toThrow(/names no model_checkpoint_path/);
    } finally {
      cleanup();
    }
  });

  test('latestCheckpoint: null without a state file or when the named files are gone; relative paths resolve', () => {
    const { dir, cleanup } = tempDir();
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(tf.train.latestCheckpoint(dir)).toBeNull();
      expect(tf.train.latestCheckpoint(path.join(dir, 'does-not-exist'))).toBeNull();
      expect(tf.train.getCheckpointState(dir)).toBeNull();
      fs.writeFileSync(path.join(dir, 'checkpoint'), 'model_checkpoint_path: "model-7"\nall_model_checkpoint_paths: "model-7"\n');
      expect(tf.train.latestCheckpoint(dir)).toBeNull();
      saveV2(path.join(dir, 'model-7'), { v: tf.tensor([7]) });
      expect(tf.train.latestCheckpoint(dir)).toBe(path.join(dir, 'model-7'));
      expect(tf.train.getCheckpointState(dir)!.allModelCheckpointPaths).toEqual([path.join(dir, 'model-7')]);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("Couldn't match files for checkpoint"), 'CheckpointWarning');
    } finally {
      warn.mockRestore();
      cleanup();
    }
  });

  test('updateCheckpointState writes atomically, relative paths on request, and refuses to overwrite a checkpoint', () => {
    const { dir, cleanup } = tempDir();
    try {
      tf.train.updateCheckpointState(dir, path.join(dir, 'm-2'), {
        allModelCheckpointPaths: [path.join(dir, 'm-1')],
        saveRelativePaths: true,
      });
      expect(fs.readFileSync(path.join(dir, 'checkpoint'), 'utf8')).toBe(
        'model_checkpoint_path: "m-2"\nall_model_checkpoint_paths: "m-1"\nall_model_checkpoint_paths: "m-2"\n',
      );
      expect(fs.readdirSync(dir)).toEqual(['checkpoint']); // no temporary file left behind
      expect(() => tf.train.updateCheckpointState(dir, path.join(dir, 'checkpoint'))).toThrow(/conflicts with the path of the checkpoint state file/);
      expect(() => tf.train.updateCheckpointState(path.join(dir, 'checkpoint', 'sub'), 'm')).toThrow(tf.errors.TFError);
      expect(fs.readFileSync(path.join(dir, 'checkpoint'), 'utf8')).toContain('m-2');
      expect(() => tf.train.updateCheckpointState(dir, 'm', { allModelCheckpointTimestamps: [1, 2, 3] })).toThrow(RangeError);
    } finally {
      cleanup();
    }
  });
});
