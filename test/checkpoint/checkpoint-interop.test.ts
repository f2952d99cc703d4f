// SPDX-License-Identifier: Apache-2.0
// Checkpoints exchanged with real Python TensorFlow, both ways, compared bit for bit. Two Python runs in
// all: one writes (tf.compat.v1 Saver, a partitioned variable, a TF2 object checkpoint), one reads ours.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython, tempDir } from '../helpers/python';

interface Spec {
  name: string;
  dtype: tf.DType;
  shape: number[];
  values: unknown[];
}

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

/** One variable per dtype (values chosen to be exact in every representation), a scalar and a nested name. */
const SPECS: Spec[] = [
  { name: 'f16', dtype: 'float16', shape: [2, 2], values: [1.5, -2, 65504, 0.00006103515625] },
  { name: 'bf16', dtype: 'bfloat16', shape: [4], values: [1.5, -2, 256, 0.0078125] },
  { name: 'f32', dtype: 'float32', shape: [2, 3], values: [1.25, -2.5, 3, 4, 5, 0.1] },
  { name: 'f64', dtype: 'float64', shape: [2], values: [Math.E, -1e300] },
  { name: 'i8', dtype: 'int8', shape: [2], values: [-128, 127] },
  { name: 'i16', dtype: 'int16', shape: [2], values: [-32768, 32767] },
  { name: 'i32', dtype: 'int32', shape: [2], values: [-(2 ** 31), 2 ** 31 - 1] },
  { name: 'i64', dtype: 'int64', shape: [2], values: ['-9223372036854775808', '9223372036854775807'] },
  { name: 'u8', dtype: 'uint8', shape: [2], values: [0, 255] },
  { name: 'u16', dtype: 'uint16', shape: [2], values: [0, 65535] },
  { name: 'u32', dtype: 'uint32', shape: [2], values: [0, 4294967295] },
  { name: 'u64', dtype: 'uint64', shape: [2], values: ['0', '18446744073709551615'] },
  { name: 'flag', dtype: 'bool', shape: [3], values: [true, false, true] },
  { name: 'c64', dtype: 'complex64', shape: [2], values: [[1, -1], [2.5, 0]] },
  { name: 'c128', dtype: 'complex128', shape: [2], values: [[1e100, -1], [0, 3]] },
  { name: 'text', dtype: 'string', shape: [2, 2], values: ['', 'héllo', 'a\u0000b', 'x'.repeat(300)].map(hex) },
  { name: 'scalar', dtype: 'int32', shape: [], values: [7] },
  { name: 'scope/nested/w', dtype: 'float32', shape: [3], values: [1, 2, 3] },
];

function jsTensor(s: Spec): tf.Tensor {
  if (s.dtype === 'string') return tf.tensor((s.values as string[]).map((h) => Buffer.from(h, 'hex')), s.shape, 'string');
  if (s.dtype === 'int64' || s.dtype === 'uint64') return tf.tensor((s.values as string[]).map((v) => BigInt(v)), s.shape, s.dtype);
  if (s.dtype === 'complex64') return tf.tensor(new Float32Array((s.values as number[][]).flat()), s.shape, s.dtype);
  if (s.dtype === 'complex128') return tf.tensor(new Float64Array((s.values as number[][]).flat()), s.shape, s.dtype);
  return tf.tensor(s.values as number[], s.shape, s.dtype);
}

/** A tensor's exact content: the bytes of its buffer, or each string's bytes. */
function hexOf(t: tf.Tensor): string | string[] {
  if (t.dtype === 'string') return t.bytes().map((b) => Buffer.from(b).toString('hex'));
  const d = t.data() as ArrayBufferView;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex');
}

const EXPECTED: Record<string, string | string[]> = Object.fromEntries(SPECS.map((s) => [s.name, hexOf(jsTensor(s))]));

const PYTHON_COMMON = String.raw`
import json, sys, os
import numpy as np
import tensorflow as tf

def make(s):
    d, shape, vals = s['dtype'], s['shape'], s['values']
    if d == 'string':
        return tf.constant(np.array([bytes.fromhex(h) for h in vals], dtype=object).reshape(shape))
    if d in ('int64', 'uint64'):
        return tf.constant(np.array([int(v) for v in vals], dtype=d).reshape(shape))
    if d.startswith('complex'):
        return tf.constant(np.array([complex(a, b) for a, b in vals], dtype=d).reshape(shape))
    if d == 'bfloat16':
        return tf.cast(tf.constant(np.array(vals, np.float32).reshape(shape)), tf.bfloat16)
    if d == 'bool':
        return tf.constant(np.array(vals, dtype=bool).reshape(shape))
    return tf.constant(np.array(vals, dtype=d).reshape(shape))

def hexof(a, d):
    a = np.asarray(a)
    if d == 'string':
        return [x.hex() for x in a.reshape(-1)]
    return a.tobytes().hex()

specs = json.load(open(sys.argv[1]))
out = sys.argv[2]
res = {}
`;

/** The variables Python also writes in the V1 checkpoint format: the dtypes TensorFlow's V1 reader reads. */
const V1_NAMES = ['f32', 'f64', 'i8', 'i16', 'i32', 'i64', 'u8', 'flag', 'text', 'scalar', 'scope/nested/w'];

/** Python writes: a tf.compat.v1 Saver checkpoint (+ .meta + state), a partitioned variable, a TF2 checkpoint. */
const PYTHON_WRITES = PYTHON_COMMON + `V1_NAMES = ${JSON.stringify(V1_NAMES)}\n` + String.raw`
with tf.Graph().as_default():
    for s in specs:
        tf.compat.v1.Variable(make(s), name=s['name'])
    saver = tf.compat.v1.train.Saver(max_to_keep=3)
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        saver.save(sess, os.path.join(out, 'v1', 'model.ckpt'), global_step=6)
        res['v1'] = saver.save(sess, os.path.join(out, 'v1', 'model.ckpt'), global_step=7)

with tf.Graph().as_default():
    pv = tf.compat.v1.get_variable('pv', shape=[6, 2], initializer=tf.compat.v1.random_uniform_initializer(seed=1),
                                   partitioner=tf.compat.v1.fixed_size_partitioner(3))
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        res['partitioned_value'] = sess.run(tf.convert_to_tensor(pv)).tobytes().hex()
        res['partitioned'] = tf.compat.v1.train.Saver().save(sess, os.path.join(out, 'part', 'model'), write_meta_graph=False)

# The V1 format (one file at the prefix, TensorSliceWriter): only the dtypes that writer supports.
with tf.Graph().as_default():
    for s in specs:
        if s['name'] in V1_NAMES:
            tf.compat.v1.Variable(make(s), name=s['name'])
    saver = tf.compat.v1.train.Saver(write_version=tf.compat.v1.train.SaverDef.V1)
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        os.makedirs(os.path.join(out, 'v1-format'))
        res['v1_format'] = saver.save(sess, os.path.join(out, 'v1-format', 'model.ckpt'), write_meta_graph=False)

class Net(tf.Module):
    def __init__(self):
        self.kernel = tf.Variable([[1., 2.], [3., 4.]], name='dense/kernel')
        self.bias = tf.Variable([5, 6], dtype=tf.int64, name='dense/bias')

ckpt = tf.train.Checkpoint(net=Net(), step=tf.Variable(3, dtype=tf.int64, name='step'))
res['tf2'] = ckpt.save(os.path.join(out, 'tf2', 'ckpt'))
res['tf2_keys'] = sorted(k for k, _ in tf.train.list_variables(res['tf2']))
print(json.dumps(res))
`;

/** Python reads ours: load_checkpoint, a Saver restoring into its own graph, import_meta_graph, latest_checkpoint. */
const PYTHON_READS = PYTHON_COMMON + String.raw`
prefix, sharded = sys.argv[3], sys.argv[4]
by_name = {s['name']: s for s in specs}

reader = tf.train.load_checkpoint(prefix)
dtypes = reader.get_variable_to_dtype_map()
shapes = reader.get_variable_to_shape_map()
res['load_checkpoint'] = {n: {'dtype': dtypes[n].name, 'shape': shapes[n], 'hex': hexof(reader.get_tensor(n), by_name[n]['dtype'])}
                          for n in by_name}
res['global_step'] = int(reader.get_tensor('global_step'))
res['sharded'] = {n: hexof(tf.train.load_checkpoint(sharded).get_tensor(n), by_name[n]['dtype']) for n in ('f32', 'text', 'i64')}
res['latest'] = tf.train.latest_checkpoint(out)
res['all_paths'] = list(tf.train.get_checkpoint_state(out).all_model_checkpoint_paths)

def zeros(s):
    if s['dtype'] == 'string':
        return tf.constant(np.full(s['shape'], b'', dtype=object))
    return tf.zeros(s['shape'], dtype=s['dtype'])

with tf.Graph().as_default():
    vs = {s['name']: tf.compat.v1.Variable(zeros(s), name=s['name']) for s in specs}
    step = tf.compat.v1.train.get_or_create_global_step()
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        saver.restore(sess, prefix)
        res['saver_restore'] = {n: hexof(sess.run(v), by_name[n]['dtype']) for n, v in vs.items()}

with tf.Graph().as_default() as g:
    imported = tf.compat.v1.train.import_meta_graph(prefix + '.meta')
    with tf.compat.v1.Session() as sess:
        imported.restore(sess, prefix)
        got = {v.op.name: v for v in tf.compat.v1.global_variables()}
        res['import_meta_graph'] = {n: hexof(sess.run(got[n]), by_name[n]['dtype']) for n in by_name}
        res['imported_saver_def'] = imported.saver_def.restore_op_name
print(json.dumps(res))
`;

describePython('checkpoints with Python TensorFlow', () => {
  const { dir, cleanup } = tempDir('tfn-ckpt-interop-');
  const specFile = path.join(dir, 'specs.json');
  const pyDir = path.join(dir, 'python');
  let py: { v1: string; v1_format: string; partitioned: string; partitioned_value: string; tf2: string; tf2_keys: string[] };

  beforeAll(() => {
    fs.writeFileSync(specFile, JSON.stringify(SPECS));
    fs.mkdirSync(pyDir);
    py = JSON.parse(runPython(PYTHON_WRITES, [specFile, pyDir]));
  });
  afterAll(cleanup);

  describe('Python saves, we read', () => {
    test('CheckpointReader reads every dtype of a tf.compat.v1 Saver checkpoint bit for bit', () => {
      const reader = new tf.train.CheckpointReader(py.v1);
      const dtypes = reader.variableToDtypeMap();
      const shapes = reader.variableToShapeMap();
      for (const s of SPECS) {
        expect([s.name, dtypes[s.name], shapes[s.name]]).toEqual([s.name, s.dtype, s.shape]);
        expect([s.name, hexOf(reader.getTensor(s.name))]).toEqual([s.name, EXPECTED[s.name]]);
      }
      void reader.close();
    });

    test('a V1-format checkpoint (write_version=V1) lists, reads and restores bit for bit', async () => {
      expect(fs.existsSync(`${py.v1_format}.index`)).toBe(false);
      const specs = SPECS.filter((s) => V1_NAMES.includes(s.name));
      expect(tf.train.listVariables(py.v1_format)).toEqual(specs.map((s) => [s.name, s.shape]).sort((a, b) => (a[0] < b[0] ? -1 : 1)));
      const reader = new tf.train.CheckpointReader(py.v1_format);
      expect(reader.variableToDtypeMap()).toEqual(Object.fromEntries(specs.map((s) => [s.name, s.dtype])));
      for (const s of specs) expect([s.name, hexOf(reader.getTensor(s.name))]).toEqual([s.name, EXPECTED[s.name]]);
      expect(() => reader.getTensor('u64')).toThrow(tf.errors.NotFoundError);
      await reader.close();
      // RestoreV2 reads V1 checkpoints too, after the same key, dtype and shape checks.
      const g = new tf.Graph();
      const zero = (v: unknown) => (Array.isArray(v) ? [0, 0] : typeof v === 'string' ? '0' : typeof v === 'boolean' ? false : 0);
      const vars = specs.map((s) => {
        const values = s.dtype === 'string' ? s.values.map(() => '') : s.values.map(zero);
        return g.variable(jsTensor({ ...s, values }), { name: s.name });
      });
      const sess = new tf.Session(g);
      await sess.run(tf.globalVariablesInitializer(g));
      await new tf.train.Saver({ graph: g }).restore(sess, py.v1_format);
      const got = await sess.run(vars);
      specs.forEach((s, i) => expect([s.name, hexOf(got[i])]).toEqual([s.name, EXPECTED[s.name]]));
      const other = new tf.Graph();
      other.variable(tf.tensor([1, 2]), { name: 'f32' });
      const otherSession = new tf.Session(other);
      await expect(new tf.train.Saver({ graph: other }).restore(otherSession, py.v1_format))
        .rejects.toThrow(tf.errors.InvalidArgumentError);
      await Promise.all([sess.close(), otherSession.close()]);
    });

    test("latestCheckpoint and getCheckpointState read Python's state file", () => {
      const d = path.dirname(py.v1);
      expect(tf.train.latestCheckpoint(d)).toBe(py.v1);
      expect(tf.train.getCheckpointState(d)!.allModelCheckpointPaths).toEqual([`${path.join(d, 'model.ckpt')}-6`, py.v1]);
    });

    test('a Saver restores into a graph whose variables have the same names', async () => {
      const g = new tf.Graph();
      const zero = (v: unknown) => (Array.isArray(v) ? [0, 0] : typeof v === 'string' ? '0' : typeof v === 'boolean' ? false : 0);
      const zeros = (s: Spec): Spec => ({ ...s, values: s.dtype === 'string' ? s.values.map(() => '') : s.values.map(zero) });
      const vars = SPECS.map((s) => g.variable(jsTensor(zeros(s)), { name: s.name }));
      const sess = new tf.Session(g);
      await sess.run(tf.globalVariablesInitializer(g));
      await new tf.train.Saver({ graph: g }).restore(sess, py.v1);
      const got = await sess.run(vars);
      SPECS.forEach((s, i) => expect([s.name, hexOf(got[i])]).toEqual([s.name, EXPECTED[s.name]]));
      await sess.close();
    });

    test("importMetaGraph of Python's .meta gives a Saver that restores", async () => {
      const g = new tf.Graph();
      const saver = tf.train.importMetaGraph(g, `${py.v1}.meta`, { importScope: 'py' })!;
      expect(saver.asSaverDef().restore_op_name).toBe('py/save/restore_all');
      const sess = new tf.Session(g);
      await saver.restore(sess, py.v1);
      const byName = Object.fromEntries(g.globalVariables().map((v) => [v.name, v]));
      const got = await sess.run(SPECS.map((s) => byName[`py/${s.name}`]));
      SPECS.forEach((s, i) => expect([s.name, hexOf(got[i])]).toEqual([s.name, EXPECTED[s.name]]));
      await sess.close();
    });

    test('a partitioned variable reads as one tensor', () => {
      expect(tf.train.listVariables(py.partitioned)).toEqual([['pv', [6, 2]]]);
      const pv = tf.train.loadVariable(py.partitioned, 'pv');
      expect(pv.shape).toEqual([6, 2]);
      expect(hexOf(pv)).toBe(py.partitioned_value);
    });

    test('a TF2 tf.train.Checkpoint restores through an assignment map, or by the names its object graph records', async () => {
      expect(py.tf2_keys).toEqual(expect.arrayContaining([
        'net/kernel/.ATTRIBUTES/VARIABLE_VALUE',
        'net/bias/.ATTRIBUTES/VARIABLE_VALUE',
        '_CHECKPOINTABLE_OBJECT_GRAPH',
      ]));
      const g = new tf.Graph();
      const kernel = g.variable(tf.tensor([[0, 0], [0, 0]]), { name: 'dense/kernel' });
      const bias = g.variable(tf.tensor([0n, 0n]), { name: 'dense/bias' });
      const step = g.getVariable('step', { shape: [], dtype: 'int64' });
      const extra = g.variable(tf.tensor([0]), { name: 'extra' });
      const sess = new tf.Session(g);
      const reset = () => sess.run(tf.globalVariablesInitializer(g));
      const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      try {
        await reset();
        // A Saver of variables that the checkpoint's object graph does not know says which ones.
        const err = await new tf.train.Saver({ graph: g }).restore(sess, py.tf2).catch((e) => e);
        expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
        expect(err.message).toMatch(/Existing variables not in the checkpoint: extra\./);
        expect(err.message).toMatch(/3 variable name\(s\) did match/);
        // By name, as Python's Saver does with object-based checkpoints.
        await new tf.train.Saver({ varList: [kernel, bias, step] }).restore(sess, py.tf2);
        expect((await sess.run([kernel, bias, step])).map((t) => t.toArray())).toEqual([[[1, 2], [3, 4]], [5n, 6n], 3n]);
        expect(warn).toHaveBeenCalledWith(expect.stringContaining('object-based checkpoint'), 'CheckpointWarning');
        // Through an explicit map of checkpoint keys.
        await reset();
        const varList = { 'net/kernel/.ATTRIBUTES/VARIABLE_VALUE': kernel, 'net/bias/.ATTRIBUTES/VARIABLE_VALUE': bias };
        await new tf.train.Saver({ varList }).restore(sess, py.tf2);
        expect((await sess.run([kernel, bias])).map((t) => t.toArray())).toEqual([[[1, 2], [3, 4]], [5n, 6n]]);
        // initFromCheckpoint with Python's assignment-map forms.
        tf.train.initFromCheckpoint(path.dirname(py.tf2), { 'step/.ATTRIBUTES/VARIABLE_VALUE': 'step' }, { graph: g });
        await sess.run(step.initializer);
        expect((await sess.run(step)).item()).toBe(3n);
        expect((await sess.run(extra)).toArray()).toEqual([0]);
      } finally {
        warn.mockRestore();
        await sess.close();
      }
    });
  });

  describe('we save, Python reads', () => {
    let result: Record<string, any>;
    let prefix: string;
    const ours = path.join(dir, 'ours');

    beforeAll(async () => {
      const g = new tf.Graph();
      for (const s of SPECS) g.variable(jsTensor(s), { name: s.name });
      const globalStep = tf.train.getOrCreateGlobalStep(g);
      const sess = new tf.Session(g);
      await sess.run(tf.globalVariablesInitializer(g));
      await sess.run(globalStep.assign(12n));
      const saver = new tf.train.Saver({ graph: g });
      await saver.save(sess, path.join(ours, 'model'), { globalStep: 11 });
      prefix = await saver.save(sess, path.join(ours, 'model'), { globalStep });
      const sharded = await new tf.train.Saver({ graph: g, sharded: true, name: 'sharded_save' })
        .save(sess, path.join(dir, 'ours-sharded', 'model'), { writeMetaGraph: false, writeState: false });
      await sess.close();
      result = JSON.parse(runPython(PYTHON_READS, [specFile, ours, prefix, sharded]));
    });

    test('tf.train.load_checkpoint reads every dtype, shape and value', () => {
      for (const s of SPECS) {
        const got = result.load_checkpoint[s.name];
        const dtype = got.dtype === 'half' ? 'float16' : got.dtype;
        expect([s.name, dtype, got.shape, got.hex]).toEqual([s.name, s.dtype, s.shape, EXPECTED[s.name]]);
      }
      expect(result.global_step).toBe(12);
      for (const n of ['f32', 'text', 'i64']) expect(result.sharded[n]).toEqual(EXPECTED[n]);
    });

    test("Python's latest_checkpoint reads our state file", () => {
      expect(result.latest).toBe(prefix);
      expect(result.all_paths).toEqual([path.join(ours, 'model-11'), prefix]);
    });

    test('tf.compat.v1.train.Saver.restore reads identical values', () => {
      for (const s of SPECS) expect([s.name, result.saver_restore[s.name]]).toEqual([s.name, EXPECTED[s.name]]);
    });

    test('tf.compat.v1.train.import_meta_graph of our .meta restores through our SaverDef', () => {
      expect(result.imported_saver_def).toBe('save/restore_all');
      for (const s of SPECS) expect([s.name, result.import_meta_graph[s.name]]).toEqual([s.name, EXPECTED[s.name]]);
    });
  });
});
