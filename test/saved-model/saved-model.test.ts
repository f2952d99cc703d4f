// SPDX-License-Identifier: Apache-2.0
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython, tempDir } from '../helpers/python';

// Python exports a Keras model and a tf.Module with two signatures, then runs them through the loaded
// SavedModel's signatures on fixed inputs: those outputs are what ours must reproduce.
const EXPORT_SCRIPT = String.raw`
import json, os, sys
import numpy as np
import tensorflow as tf
out = sys.argv[1]
tf.keras.utils.set_random_seed(7)
inp = tf.keras.Input(shape=(4,), name='features')
h = tf.keras.layers.Dense(8, activation='relu')(inp)
o = tf.keras.layers.Dense(3, activation='softmax', name='probs')(h)
tf.keras.Model(inp, o).export(os.path.join(out, 'keras'))

class Affine(tf.Module):
  def __init__(self):
    self.w = tf.Variable([[1., 2.], [3., 4.]], name='w')
    self.b = tf.Variable([0.5, -0.5], name='b')
  @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name='x')])
  def affine(self, x):
    return {'y': tf.matmul(x, self.w) + self.b}
  @tf.function(input_signature=[tf.TensorSpec([None], tf.int64, name='a'), tf.TensorSpec([], tf.int64, name='k')])
  def scale(self, a, k):
    return {'scaled': a * k, 'total': tf.reduce_sum(a * k)}
m = Affine()
tf.saved_model.save(m, os.path.join(out, 'module'), signatures={'serving_default': m.affine, 'scale': m.scale})

features = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [-1, 0, 0.5, 2]], np.float32)
keras = tf.saved_model.load(os.path.join(out, 'keras')).signatures['serving_default']
module = tf.saved_model.load(os.path.join(out, 'module'))
print(json.dumps({
  'keras': {k: v.numpy().tolist() for k, v in keras(features=tf.constant(features)).items()},
  'affine': module.signatures['serving_default'](x=tf.constant([[1., 2.], [3., 4.]]))['y'].numpy().tolist(),
  'scale': {k: v.numpy().tolist()
            for k, v in module.signatures['scale'](a=tf.constant([1, 2, 3], tf.int64), k=tf.constant(3, tf.int64)).items()},
}))
`;

// Python loads SavedModels that we wrote, with both its TF2 and its TF1 loader.
const LOAD_SCRIPT = String.raw`
import json, sys
import tensorflow as tf
result = {}
for d in sys.argv[1:]:
  v2 = tf.saved_model.load(d)
  r = {'signatures': sorted(v2.signatures.keys())}
  sig = v2.signatures['serving_default']
  r['v2'] = {k: v.numpy().tolist() for k, v in sig(x=tf.constant([[1., 1.], [2., -1.]])).items()}
  with tf.compat.v1.Session(graph=tf.Graph()) as s:
    mg = tf.compat.v1.saved_model.loader.load(s, ['serve'], d)
    sd = mg.signature_def['serving_default']
    r['v1'] = {k: s.run(v.name, {sd.inputs['x'].name: [[1., 1.], [2., -1.]]}).tolist() for k, v in sd.outputs.items()}
    if 'count' in mg.signature_def:
      c = mg.signature_def['count']
      r['count'] = s.run(c.outputs['n'].name, {c.inputs['a'].name: [1, 2, 3]}).tolist()
  result[d] = r
print(json.dumps(result))
`;

function expectClose(actual: unknown, expected: unknown, digits = 5): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual)).toBe(true);
    expect((actual as unknown[]).length).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, digits));
  } else {
    expect(actual as number).toBeCloseTo(expected as number, digits);
  }
}

describePython('tf.savedModel.load: SavedModels exported by Python', () => {
  let tmp: { dir: string; cleanup(): void };
  let expected: { keras: Record<string, number[][]>; affine: number[][]; scale: { scaled: number[]; total: number } };

  beforeAll(() => {
    tmp = tempDir('tfn-savedmodel-');
    expected = JSON.parse(runPython(EXPORT_SCRIPT, [tmp.dir]).trim().split('\n').pop()!);
  });
  afterAll(() => tmp?.cleanup());

  test('a Keras model: signatures parsed, serving_default runs without naming it, outputs match Python', async () => {
    const model = await tf.savedModel.load(path.join(tmp.dir, 'keras'));
    expect(Object.keys(model.signatures).sort()).toEqual(['serve', 'serving_default']);
    const sig = model.signatures.serving_default;
    expect(sig.methodName).toBe('tensorflow/serving/predict');
    expect(Object.keys(sig.inputs)).toEqual(['features']);
    expect(sig.inputs.features).toMatchObject({ dtype: 'float32', shape: [null, 4] });
    const outKey = Object.keys(expected.keras)[0];
    expect(Object.keys(sig.outputs)).toEqual([outKey]);
    expect(sig.outputs[outKey]).toMatchObject({ dtype: 'float32', shape: [null, 3] });
    expect(model.tags).toEqual(['serve']);

    const features = [[1, 2, 3, 4], [5, 6, 7, 8], [-1, 0, 0.5, 2]];
    const byDefault = await model.run({ features: tf.tensor(features) });
    expect(byDefault[outKey].shape).toEqual([3, 3]);
    expectClose(byDefault[outKey].toArray(), expected.keras[outKey]);
    // The same by name, from nested arrays, and from a flat Float32Array shaped by the signature.
    const named = await model.run('serving_default', { features });
    expectClose(named[outKey].toArray(), expected.keras[outKey]);
    const flat = await model.run({ features: new Float32Array(features.flat()) });
    expect(flat[outKey].shape).toEqual([3, 3]);
    expectClose(flat[outKey].toArray(), expected.keras[outKey]);
    await model.close();
  });

  test('a tf.Module with two signatures: each runs by key, int64 exactly', async () => {
    const model = await tf.savedModel.load(path.join(tmp.dir, 'module'), { tags: ['serve'] });
    expect(Object.keys(model.signatures).sort()).toEqual(['scale', 'serving_default']);
    expect(model.signatures.scale.inputs).toMatchObject({ a: { dtype: 'int64', shape: [null] }, k: { dtype: 'int64', shape: [] } });
    expect(model.signatures.scale.outputs).toMatchObject({
      scaled: { dtype: 'int64', shape: [null] },
      total: { dtype: 'int64', shape: [] },
    });

    const { y } = await model.run({ x: [[1, 2], [3, 4]] });
    expectClose(y.toArray(), expected.affine);
    const s = await model.run('scale', { a: tf.tensor([1n, 2n, 3n]), k: 3n });
    expect(s.scaled.toArray()).toEqual(expected.scale.scaled.map(BigInt));
    expect(s.total.item()).toBe(BigInt(expected.scale.total));
    await model.close();
  });

  test('the graph and session stay usable: fetch any tensor, add operations without name clashes', async () => {
    const model = await tf.savedModel.load(path.join(tmp.dir, 'module'));
    const xName = model.signatures.serving_default.inputs.x.name;
    const yName = model.signatures.serving_default.outputs.y.name;
    // Operations added after the load get names the loaded graph does not use.
    const opName = yName.split(':')[0];
    const doubled = model.graph.addOperation('Mul', { inputs: [model.graph.tensor(yName), model.graph.constant(2)], name: opName });
    expect(doubled.name).not.toBe(opName);
    const r = await model.session.run(doubled.output(0), { [xName]: tf.tensor([[1, 0]]) });
    expect(r.toArray()).toEqual([[3, 3]]);
    await model.close();
  });

  test('runs with a trace give op timings', async () => {
    const model = await tf.savedModel.load(path.join(tmp.dir, 'module'));
    const { results, trace } = await model.run('serving_default', { x: [[1, 2]] }, { trace: true });
    expectClose(results.y.toArray(), [expected.affine[0]]);
    // With oneDNN on or off, fused by Grappler or not: MatMul, _FusedMatMul, _MklMatMul, _MklFusedMatMul, …
    expect(trace.ops().some((o) => /^_?\w*MatMul$/.test(o.op))).toBe(true);
    await model.close();
  });

  test('bad signatures and inputs are clear errors', async () => {
    const model = await tf.savedModel.load(path.join(tmp.dir, 'module'));
    await expect(model.run('nope', {})).rejects.toThrow(/has no signature 'nope'; it has 'scale', 'serving_default'/);
    await expect(model.run({ z: [[1, 2]] })).rejects.toThrow(TypeError);
    await expect(model.run({ z: [[1, 2]] })).rejects.toThrow(/no input 'z'; its inputs are 'x'/);
    await expect(model.run({})).rejects.toThrow(/Missing input 'x' of signature 'serving_default' \(float32 \[\?, 2\]\)/);
    await expect(model.run('scale', { a: [1n] })).rejects.toThrow(/Missing input 'k'/);
    await expect(model.run({ x: [1, 2, 3] })).rejects.toThrow(/Expected shape \[\?, 2\] .* shape \[3\]/);
    await expect(model.run({ x: tf.tensor([[1, 2]], undefined, 'int32') })).rejects.toThrow(/float32 tensor .* dtype int32/);
    await expect(model.run({ x: new Float32Array(3) })).rejects.toThrow(/Cannot shape 3 values as \[\?, 2\]/);
    await expect(model.run({ x: ['a'] as unknown as number[] })).rejects.toThrow(TypeError);
    await expect(model.run('serving_default', 5 as unknown as Record<string, number>)).rejects.toThrow(TypeError);
    await expect(model.run({ x: [[1, 2]] }, { x: [[1, 2]] } as never)).rejects.toThrow(TypeError);
    await expect(model.run('serving_default', { x: [[1, 2]] }, { timeoutMs: -1 })).rejects.toThrow(RangeError);
    await model.close();
    await model.close();
    await expect(model.run({ x: [[1, 2]] })).rejects.toThrow(/is closed/);
  });

  test('loading errors: wrong tags, missing directories, bad arguments', async () => {
    const err = await tf.savedModel.load(path.join(tmp.dir, 'module'), { tags: ['train'] }).catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.NotFoundError);
    expect(err.message).toMatch(/Could not find meta graph def matching supplied tags: \{ train \}/);
    expect(err.stack).toMatch(/saved-model\.test\.ts/);
    await expect(tf.savedModel.load(tmp.dir)).rejects.toBeInstanceOf(tf.errors.NotFoundError);
    await expect(tf.savedModel.load(path.join(tmp.dir, 'absent'))).rejects.toThrow(tf.errors.NotFoundError);
    await expect(tf.savedModel.load(path.join(tmp.dir, 'absent'))).rejects.toThrow(/absent does not exist/);
    await expect(tf.savedModel.load(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(tf.savedModel.load(tmp.dir, { tags: 'serve' as unknown as string[] })).rejects.toThrow(TypeError);
    await expect(tf.savedModel.load(tmp.dir, { tags: [] })).rejects.toThrow(TypeError);
    await expect(tf.savedModel.load(tmp.dir, { config: { intraOpParallelismThreads: 1.5 } })).rejects.toThrow(TypeError);
  });
});

/** y = x·w + b with w assigned after initialization, plus an int64 signature. */
async function trainedAffine() {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [null, 2], 'x');
  const w = g.variable([[1, 2], [3, 4]], { name: 'w' });
  const b = g.variable([0.5, -0.5], { name: 'b' });
  const y = g.addOperation('AddV2', { inputs: [g.addOperation('MatMul', { inputs: [x, w] }).output(0), b], name: 'y' }).output(0);
  const a = g.placeholder('int64', [null], 'a');
  g.addOperation('Sum', { inputs: [a, g.constant(0, { dtype: 'int32' })], name: 'n' });
  const session = new tf.Session(g);
  await session.run(tf.globalVariablesInitializer(g));
  await session.run(w.assign([[2, 0], [0, -3]]));
  const signatures = {
    serving_default: { inputs: { x }, outputs: { y } },
    count: { inputs: { a }, outputs: { n: 'n:0' } },
  };
  return { g, x, y, w, b, session, signatures };
}

describe('tf.savedModel.save', () => {
  let tmp: { dir: string; cleanup(): void };
  beforeAll(() => {
    tmp = tempDir('tfn-savedmodel-save-');
  });
  afterAll(() => tmp?.cleanup());

  test('writes saved_model.pb and a variables/ checkpoint that tf.savedModel.load runs', async () => {
    const { session, signatures } = await trainedAffine();
    const dir = path.join(tmp.dir, 'affine');
    expect(await tf.savedModel.save(session, dir, { signatures })).toBe(dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['saved_model.pb', 'variables']);
    expect(fs.readdirSync(path.join(dir, 'variables')).sort()).toEqual(['variables.data-00000-of-00001', 'variables.index']);
    const model = await tf.savedModel.load(dir);
    expect(Object.keys(model.signatures).sort()).toEqual(['count', 'serving_default']);
    expect(model.signatures.serving_default.inputs.x).toEqual({ name: 'x:0', dtype: 'float32', shape: [null, 2] });
    // The current values (w assigned after init), not the initial ones.
    expect((await model.run({ x: [[1, 1], [2, -1]] })).y.toArray()).toEqual([[2.5, -3.5], [4.5, 2.5]]);
    expect((await model.run('count', { a: [1n, 2n, 3n] })).n.item()).toBe(6n);
    await model.close();
    await session.close();
  });

  test('the main op runs after the variables are restored', async () => {
    const { g, w, session, signatures } = await trainedAffine();
    const mainOp = g.addOperation('NoOp', { name: 'main_op', controlInputs: [w.assign([[1, 0], [0, 1]])] });
    const dir = path.join(tmp.dir, 'main-op');
    await tf.savedModel.save(session, dir, { signatures, mainOp, tags: ['serve', 'gpu'] });
    await expect(tf.savedModel.load(dir)).rejects.toBeInstanceOf(tf.errors.NotFoundError);
    const model = await tf.savedModel.load(dir, { tags: ['gpu', 'serve'] });
    expect([...model.tags].sort()).toEqual(['gpu', 'serve']);
    expect((await model.run({ x: [[1, 1]] })).y.toArray()).toEqual([[1.5, 0.5]]);
    await model.close();
    await session.close();
  });

  test('a graph without variables saves and loads', async () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [null, 2], 'x');
    const y = g.addOperation('Neg', { inputs: [x], name: 'y' }).output(0);
    const session = new tf.Session(g);
    const dir = path.join(tmp.dir, 'stateless');
    await tf.savedModel.save(session, dir, { signatures: { serving_default: { inputs: { x }, outputs: { y } } } });
    expect(fs.readdirSync(path.join(dir, 'variables'))).toEqual([]);
    const model = await tf.savedModel.load(dir);
    expect((await model.run({ x: [[1, -2]] })).y.toArray()).toEqual([[-1, 2]]);
    await model.close();
    await session.close();
  });

  test('errors: non-empty directory, bad signatures, uninitialized variables (nothing left behind)', async () => {
    const { g, x, y, session, signatures } = await trainedAffine();
    const existing = path.join(tmp.dir, 'existing');
    fs.mkdirSync(existing);
    fs.writeFileSync(path.join(existing, 'file'), 'x');
    await expect(tf.savedModel.save(session, existing, { signatures })).rejects.toThrow(/already exists and is not empty/);
    const dir = path.join(tmp.dir, 'bad');
    await expect(tf.savedModel.save({} as tf.Session, dir)).rejects.toThrow(TypeError);
    await expect(tf.savedModel.save(session, dir, { signatures: { s: { inputs: { x: 42 as never }, outputs: { y } } } })).rejects.toThrow(/input 'x' of signature 's'/);
    await expect(tf.savedModel.save(session, dir, { signatures: { s: { inputs: { x }, outputs: {} } } })).rejects.toThrow(/has no outputs/);
    await expect(tf.savedModel.save(session, dir, { signatures: { s: { inputs: { x }, outputs: { y: 'nope:0' } } } })).rejects.toThrow(/no operation 'nope'/);
    await expect(tf.savedModel.save(session, dir, { tags: [] })).rejects.toThrow(TypeError);
    const other = new tf.Graph();
    await expect(tf.savedModel.save(session, dir, { mainOp: other.addOperation('NoOp') })).rejects.toThrow(TypeError);

    const fresh = new tf.Session(g);
    const err = await tf.savedModel.save(fresh, dir, { signatures }).catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.FailedPreconditionError);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.readdirSync(tmp.dir).filter((f) => f.startsWith('bad'))).toEqual([]);
    await fresh.close();
    await session.close();
    await expect(tf.savedModel.save(session, dir)).rejects.toThrow(/closed/);
  });

  describePython('Python loads what we save', () => {
    test('tf.saved_model.load and tf.compat.v1.saved_model.loader.load give our outputs', async () => {
      const { session, signatures } = await trainedAffine();
      const dir = path.join(tmp.dir, 'for-python');
      await tf.savedModel.save(session, dir, { signatures });
      const ours = (await session.run(signatures.serving_default.outputs.y, { x: [[1, 1], [2, -1]] })).toArray();
      const py = JSON.parse(runPython(LOAD_SCRIPT, [dir]).trim().split('\n').pop()!)[dir];
      expect(py.signatures).toEqual(['count', 'serving_default']);
      expect(py.v2.y).toEqual(ours);
      expect(py.v1.y).toEqual(ours);
      expect(py.count).toBe(6);
      await session.close();
    });
  });
});
