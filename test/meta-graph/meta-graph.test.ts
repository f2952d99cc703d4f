// SPDX-License-Identifier: Apache-2.0
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { decode, encode } from '../../lib/proto';
import { concatBytes, lengthDelimited } from '../../lib/proto/wire';
import { importMetaGraph } from '../../lib/meta-graph/meta-graph';
import { describePython, runPython, tempDir } from '../helpers/python';

const I = tf.initializers;

/** A small model: two trainable variables, a frozen one, a local counter and collections of every kind. */
function buildModel() {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [null, 2], 'x');
  const { w, b } = g.variableScope('model', () => ({
    w: g.getVariable('w', { shape: [2, 2], initializer: I.randomNormal({ seed: 5 }) }),
    b: g.getVariable('b', { initializer: g.constant([0.5, -0.5]) }),
  }));
  const frozen = g.variable([1, 2, 3], { name: 'frozen', trainable: false });
  const counter = g.variable(0, { name: 'counter', dtype: 'int64', trainable: false, collections: [tf.GraphKeys.LOCAL_VARIABLES] });
  const mm = g.addOperation('MatMul', { inputs: [x, w], attrs: { T: 'float32' } }).output(0);
  const y = g.addOperation('AddV2', { inputs: [mm, b], attrs: { T: 'float32' }, name: 'y' }).output(0);
  g.addToCollection('strings', 'a');
  g.addToCollection('strings', 'b');
  g.addToCollection('ints', 1);
  g.addToCollection('ints', 2);
  g.addToCollection('floats', 0.5);
  g.addToCollection('ops', y.op);
  g.addToCollection('outputs', y);
  g.addToCollection('my_vars', w);
  return { g, x, w, b, frozen, counter, y };
}

describe('exportMetaGraph', () => {
  test('writes the GraphDef, the op list, VariableDefs and every kind of collection', () => {
    const { g } = buildModel();
    const meta = decode('MetaGraphDef', g.exportMetaGraph());
    expect(meta.meta_info_def.tensorflow_version).toBe(tf.version.tensorflow);
    const ops = meta.meta_info_def.stripped_op_list.op.map((o: { name: string }) => o.name);
    expect(ops).toEqual([...ops].sort());
    expect(ops).toEqual(expect.arrayContaining(['VarHandleOp', 'AssignVariableOp', 'ReadVariableOp', 'MatMul', 'RandomStandardNormal']));
    expect(meta.graph_def.node.map((n: { name: string }) => n.name)).toEqual(g.operations().map((o) => o.name));
    const cd = meta.collection_def;
    const vars = cd.variables.bytes_list.value.map((b: Uint8Array) => decode('VariableDef', b));
    expect(vars.map((v: { variable_name: string }) => v.variable_name)).toEqual(['model/w:0', 'model/b:0', 'frozen:0']);
    expect(vars[0]).toMatchObject({
      variable_name: 'model/w:0',
      initializer_name: 'model/w/Assign',
      snapshot_name: 'model/w/Read/ReadVariableOp:0',
      initial_value_name: 'model/w/Initializer/random_normal:0',
      is_resource: true,
      trainable: true,
    });
    expect(vars[2].trainable).toBe(false);
    expect(cd.trainable_variables.bytes_list.value).toHaveLength(2);
    expect(cd.local_variables.bytes_list.value).toHaveLength(1);
    expect(cd.strings.bytes_list.value.map((b: Uint8Array) => Buffer.from(b).toString())).toEqual(['a', 'b']);
    expect(cd.ints.int64_list.value.map(Number)).toEqual([1, 2]);
    expect(cd.floats.float_list.value).toEqual([0.5]);
    expect(cd.ops.node_list.value).toEqual(['y']);
    expect(cd.outputs.node_list.value).toEqual(['y:0']);
    expect(cd.my_vars.node_list.value).toEqual(['model/w:0']);
  });

  test('exportScope keeps one scope, strips it, and marks outside inputs unbound', () => {
    const { g } = buildModel();
    const meta = decode('MetaGraphDef', g.exportMetaGraph({ exportScope: 'model' }));
    const names = meta.graph_def.node.map((n: { name: string }) => n.name);
    expect(names).toContain('w');
    expect(names).toContain('w/Initializer/random_normal');
    expect(names.every((n: string) => !n.startsWith('model/') && n !== 'y' && n !== 'frozen')).toBe(true);
    const vars = meta.collection_def.variables.bytes_list.value.map((b: Uint8Array) => decode('VariableDef', b));
    expect(vars.map((v: { variable_name: string }) => v.variable_name)).toEqual(['w:0', 'b:0']);
    expect(meta.collection_def.local_variables).toBeUndefined();
  });

  test('clearDevices drops devices; saverDef is kept', () => {
    const g = new tf.Graph();
    g.device('/device:CPU:0', () => g.getVariable('w', { shape: [2] }));
    const plain = decode('MetaGraphDef', g.exportMetaGraph());
    expect(plain.graph_def.node.find((n: { name: string }) => n.name === 'w').device).toBe('/device:CPU:0');
    const saverDef = {
      filename_tensor_name: 'save/Const:0',
      save_tensor_name: 'save/control_dependency:0',
      restore_op_name: 'save/restore_all',
      max_to_keep: 5,
      version: 2,
    };
    const meta = decode('MetaGraphDef', g.exportMetaGraph({ clearDevices: true, saverDef }));
    expect(meta.graph_def.node.every((n: { device: string }) => !n.device)).toBe(true);
    expect(meta.saver_def).toMatchObject(saverDef);
    const exported = g.exportMetaGraph({ saverDef: { filenameTensorName: 'f:0' } });
    expect(decode('MetaGraphDef', exported).saver_def.filename_tensor_name).toBe('f:0');
  });

  test('rejects malformed options', () => {
    const g = new tf.Graph();
    expect(() => g.exportMetaGraph({ exportScope: 3 as never })).toThrow(TypeError);
    expect(() => g.exportMetaGraph({ clearDevices: 'yes' as never })).toThrow(TypeError);
    expect(() => g.exportMetaGraph('x' as never)).toThrow(TypeError);
  });
});

describe('importMetaGraph', () => {
  test('round-trips the graph, its variables (one object per variable) and its collections', async () => {
    const { g } = buildModel();
    const bytes = g.exportMetaGraph();
    const g2 = new tf.Graph();
    const result = g2.importMetaGraph(bytes);
    expect(Object.keys(result.variables)).toEqual(['model/w', 'model/b', 'frozen']);
    const globals = g2.globalVariables();
    expect(globals.map((v) => v.name)).toEqual(['model/w', 'model/b', 'frozen']);
    expect(globals.every((v) => v instanceof tf.Variable)).toBe(true);
    expect(g2.trainableVariables().map((v) => v.name)).toEqual(['model/w', 'model/b']);
    expect(g2.trainableVariables()[0]).toBe(globals[0]);
    expect(g2.localVariables().map((v) => v.name)).toEqual(['counter']);
    expect(globals[2].trainable).toBe(false);
    expect(globals[0].shape).toEqual([2, 2]);
    expect(globals[0].dtype).toBe('float32');
    expect(g2.getCollection('strings')).toEqual(['a', 'b']);
    expect(g2.getCollection('ints')).toEqual([1, 2]);
    expect(g2.getCollection('floats')).toEqual([0.5]);
    expect(g2.getCollection('ops')).toEqual([g2.operation('y')]);
    expect(g2.getCollection('outputs')).toEqual([g2.tensor('y:0')]);
    expect(g2.getCollection('my_vars')[0]).toBe(globals[0]);

    const s1 = new tf.Session(g);
    const s2 = new tf.Session(g2);
    await s1.run([tf.globalVariablesInitializer(g), tf.localVariablesInitializer(g)]);
    await s2.run([tf.globalVariablesInitializer(g2), tf.localVariablesInitializer(g2)]);
    const feed = { 'x:0': tf.tensor([[1, 2]]) };
    const [y1, y2] = [await s1.run('y:0', feed), await s2.run('y:0', feed)];
    expect(y2.toArray()).toEqual(y1.toArray());
    expect((await s2.run(globals[2])).toArray()).toEqual([1, 2, 3]);
    await s2.run(globals[0].assign([[1, 1], [1, 1]]));
    expect((await s2.run('y:0', feed)).toArray()).toEqual([[3.5, 2.5]]);
    await Promise.all([s1.close(), s2.close()]);
  });

  test('importScope prefixes names and is made unique', async () => {
    const { g } = buildModel();
    const bytes = g.exportMetaGraph();
    const g2 = new tf.Graph();
    const a = g2.importMetaGraph(bytes, { importScope: 'imp' });
    const b = g2.importMetaGraph(bytes, { importScope: 'imp' });
    expect(a.importScope).toBe('imp');
    expect(b.importScope).toBe('imp_1');
    expect(Object.keys(a.variables)).toEqual(['model/w', 'model/b', 'frozen']);
    expect(a.variables['model/w'].name).toBe('imp/model/w');
    expect(b.variables['model/w'].name).toBe('imp_1/model/w');
    expect(g2.getCollection('strings')).toEqual(['imp/a', 'imp/b', 'imp_1/a', 'imp_1/b']);
    const sess = new tf.Session(g2);
    await sess.run(tf.globalVariablesInitializer(g2));
    expect((await sess.run(b.variables.frozen)).toArray()).toEqual([1, 2, 3]);
    await sess.close();
  });

  test('a scoped export with unbound inputs imports only with them mapped', async () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2], 'x');
    g.variableScope('model', () => {
      const w = g.getVariable('w', { initializer: g.constant([2, 3]) });
      g.addOperation('Mul', { inputs: [x, w], attrs: { T: 'float32' }, name: 'out' });
    });
    const bytes = g.exportMetaGraph({ exportScope: 'model' });
    const meta = decode('MetaGraphDef', bytes);
    expect(meta.collection_def.unbound_inputs.bytes_list.value.map((v: Uint8Array) => Buffer.from(v).toString())).toEqual(['$x']);

    const g2 = new tf.Graph();
    const before = g2.numOperations;
    expect(() => g2.importMetaGraph(bytes)).toThrow(/Graph contains unbound inputs: \$x\. Must provide these inputs through inputMap/);
    expect(g2.numOperations).toBe(before);
    const feed = g2.placeholder('float32', [2], 'feed');
    const { variables } = g2.importMetaGraph(bytes, { importScope: 'm', inputMap: { $x: feed } });
    const sess = new tf.Session(g2);
    await sess.run(variables.w.initializer);
    expect((await sess.run('m/out:0', { feed: [10, 100] })).toArray()).toEqual([20, 300]);
    await sess.close();
  });

  test('clearDevices drops devices of imported nodes', () => {
    const g = new tf.Graph();
    g.device('/job:ps/task:3', () => g.getVariable('w', { shape: [2] }));
    const g2 = new tf.Graph();
    g2.importMetaGraph(g.exportMetaGraph(), { clearDevices: true });
    expect(g2.operations().every((op) => op.device === '')).toBe(true);
    const g3 = new tf.Graph();
    g3.importMetaGraph(g.exportMetaGraph());
    expect(g3.operation('w')!.device).toBe('/job:ps/task:3');
  });

  test('saverDef comes back', () => {
    const g = new tf.Graph();
    g.getVariable('w', { shape: [2] });
    const r = new tf.Graph().importMetaGraph(g.exportMetaGraph({ saverDef: { filename_tensor_name: 'save/Const:0', max_to_keep: 3 } }));
    expect(r.saverDef).toMatchObject({ filename_tensor_name: 'save/Const:0', max_to_keep: 3 });
    expect(new tf.Graph().importMetaGraph(g.exportMetaGraph()).saverDef).toBeNull();
  });

  test('bad input is a clear error and leaves the graph unchanged', () => {
    const { g } = buildModel();
    const bytes = g.exportMetaGraph();
    const g2 = new tf.Graph();
    expect(() => g2.importMetaGraph('nope' as never)).toThrow(TypeError);
    expect(() => g2.importMetaGraph(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(TypeError);
    expect(() => g2.importMetaGraph(bytes, { clearDevices: 1 as never })).toThrow(TypeError);
    g2.importMetaGraph(bytes);
    const n = g2.numOperations;
    const collections = g2.collectionKeys.map((k) => [k, g2.getCollection(k).length]);
    // The same names again, without an import scope, collide.
    expect(() => g2.importMetaGraph(bytes)).toThrow(tf.errors.InvalidArgumentError);
    expect(g2.numOperations).toBe(n);
    expect(g2.collectionKeys.map((k) => [k, g2.getCollection(k).length])).toEqual(collections);
    const other = new tf.Graph().placeholder('float32', [2]);
    expect(() => new tf.Graph().importMetaGraph(bytes, { inputMap: { $x: other } })).toThrow(/belongs to/);
  });

  test('truncated or garbled bytes are TypeErrors naming the source and the part that failed, and change nothing', () => {
    const { g } = buildModel();
    const bytes = g.exportMetaGraph();
    const g2 = new tf.Graph();
    const graphDefAt = bytes.length - g.toGraphDef().length;
    expect(() => g2.importMetaGraph(bytes.subarray(0, graphDefAt + 10))).toThrow(
      new RegExp(`^importMetaGraph\\(${graphDefAt + 10} bytes\\): malformed MetaGraphDef: the message: `),
    );
    // A VariableDef of a collection that does not decode: found before anything is imported.
    const meta = decode('MetaGraphDef', bytes);
    meta.collection_def.variables.bytes_list.value[1] = Uint8Array.of(0x0a, 0x05, 0x61);
    const badItem = encode('MetaGraphDef', meta);
    expect(() => g2.importMetaGraph(badItem)).toThrow(TypeError);
    expect(() => g2.importMetaGraph(badItem)).toThrow(/malformed MetaGraphDef: collection 'variables' item 1 \(a VariableDef\): /);
    // A graph_def that does not decode: ours (clearDevices decodes it) or TensorFlow's error, with the source.
    const badGraph = concatBytes([encode('MetaGraphDef', { collection_def: {} }), lengthDelimited(2, Uint8Array.of(0x0a, 0x05, 0x61))]);
    expect(() => g2.importMetaGraph(badGraph, { clearDevices: true })).toThrow(
      /^importMetaGraph\(\d+ bytes\): malformed MetaGraphDef: graph_def: /,
    );
    expect(() => g2.importMetaGraph(badGraph)).toThrow(tf.errors.InvalidArgumentError);
    expect(() => g2.importMetaGraph(badGraph)).toThrow(/^importMetaGraph\(\d+ bytes\): graph_def: /);
    // A file's path names the source when the caller knows it.
    expect(() => importMetaGraph(g2, badItem, {}, '/models/model.meta')).toThrow(/^importMetaGraph\(\/models\/model\.meta\): malformed/);
    expect(g2.numOperations).toBe(0);
    expect(g2.collectionKeys).toEqual([]);

    // Garbled copies: whatever fails, no bare protobufjs message ("index out of range", "invalid wire type") escapes.
    let seed = 11;
    const rand = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), Math.floor((seed / 2147483648) * k));
    let failures = 0;
    for (let t = 0; t < 150; t++) {
      const m = Uint8Array.from(bytes);
      for (let k = 0; k < 1 + rand(4); k++) m[rand(m.length)] = rand(256);
      const cut = t % 3 === 0 ? m.subarray(0, rand(m.length)) : m;
      try {
        new tf.Graph().importMetaGraph(cut, { clearDevices: t % 2 === 0 });
      } catch (err) {
        failures++;
        const message = (err as Error).message;
        if (/index out of range|invalid wire type|illegal tag|not valid for encoding|truncated varint/.test(message)) {
          expect(message).toMatch(/^importMetaGraph\(\d+ bytes\): /);
        }
      }
    }
    expect(failures).toBeGreaterThan(50);
  });
});

describePython('MetaGraphDef interop with Python tf.compat.v1', () => {
  let py: Record<string, any>;
  let dir: string;
  let cleanup: () => void;
  let ourValues: Record<string, number[]>;

  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('tfn-meta-'));
    const { g, w, b, frozen } = buildModel();
    fs.writeFileSync(path.join(dir, 'ours.meta'), g.exportMetaGraph());
    const sess = new tf.Session(g);
    await sess.run(tf.globalVariablesInitializer(g));
    const values = await sess.run([w, b, frozen]);
    ourValues = {
      'model/w': Array.from(values[0].data() as Float32Array),
      'model/b': Array.from(values[1].data() as Float32Array),
      frozen: Array.from(values[2].data() as Float32Array),
    };
    await sess.close();
    py = JSON.parse(runPython(PYTHON, [dir]));
  });
  afterAll(() => cleanup?.());

  test('Python imports our MetaGraphDef with working resource variables and collections', () => {
    expect(py.ours_types).toEqual(['ResourceVariable']);
    expect(Object.keys(py.ours_vars)).toEqual(['model/w', 'model/b', 'frozen']);
    for (const [name, [trainable, value]] of Object.entries<[boolean, number[]]>(py.ours_vars)) {
      expect([name, value]).toEqual([name, ourValues[name]]);
      expect([name, trainable]).toEqual([name, name !== 'frozen']);
    }
    expect(py.ours_local).toEqual(['counter']);
    expect(py.ours_trainable).toEqual(['model/w', 'model/b']);
    expect(py.ours_strings).toEqual(['a', 'b']);
    expect(py.ours_ints).toEqual([1, 2]);
    expect(py.ours_floats).toEqual([0.5]);
    expect(py.ours_ops).toEqual(['y']);
    const w = ourValues['model/w'];
    expect(py.ours_y[0]).toBeCloseTo(w[0] + 2 * w[2] + 0.5, 5);
    expect(py.ours_w_after_assign).toEqual([1, 1, 1, 1]);
  });

  test('Python\'s MetaGraphDef imports here with its variables as Variables', async () => {
    const g = new tf.Graph();
    const result = g.importMetaGraph(fs.readFileSync(path.join(dir, 'py.meta')));
    expect(Object.keys(result.variables).sort()).toEqual(['net/b', 'net/w']);
    expect(g.globalVariables().every((v) => v instanceof tf.Variable)).toBe(true);
    expect(g.trainableVariables().map((v) => v.name)).toEqual(['net/w', 'net/b']);
    expect(g.localVariables().map((v) => v.name)).toEqual(['steps']);
    expect(g.localVariables()[0].dtype).toBe('int32');
    expect(g.getCollection('strings')).toEqual(['hello']);
    expect(g.getCollection('ints')).toEqual([7]);
    expect(g.getCollection('floats')).toEqual([2.5]);
    expect(g.getCollection('outputs')).toEqual([g.tensor('y:0')]);
    expect(g.getCollection(tf.GraphKeys.TRAIN_OP)).toEqual([g.operation('y')]);
    expect(result.saverDef).toMatchObject(py.py_saver_def);
    const sess = new tf.Session(g);
    await sess.run([tf.globalVariablesInitializer(g), tf.localVariablesInitializer(g)]);
    expect(Array.from((await sess.run(result.variables['net/w'])).data() as Float32Array)).toEqual(py.py_w);
    expect(Array.from((await sess.run('y:0', { 'x:0': [[1, 2]] })).data() as Float32Array)).toEqual(py.py_y);
    expect((await sess.run(g.localVariables()[0])).item()).toBe(0);
    await sess.close();
  });

  test('Python\'s MetaGraphDef imports under an import scope (colocation constraints follow)', async () => {
    const g = new tf.Graph();
    g.placeholder('float32', [], 'x');
    const { variables, importScope } = g.importMetaGraph(fs.readFileSync(path.join(dir, 'py.meta')), { importScope: 'imp' });
    expect(importScope).toBe('imp');
    expect(variables['net/w'].name).toBe('imp/net/w');
    expect(g.operation('imp/net/w/Initializer/random_normal')!.attr('_class')).toEqual(['loc:@imp/net/w']);
    const sess = new tf.Session(g);
    await sess.run(tf.globalVariablesInitializer(g));
    expect(Array.from((await sess.run('imp/y:0', { 'imp/x:0': [[1, 2]] })).data() as Float32Array)).toEqual(py.py_y);
    await sess.close();
  });
});

const PYTHON = String.raw`
import json, sys, os
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()
tf.compat.v1.enable_resource_variables()
v1 = tf.compat.v1
d = sys.argv[1]
out = {}
# Ours → Python
g = tf.Graph()
with g.as_default():
    saver = v1.train.import_meta_graph(os.path.join(d, 'ours.meta'))
    with v1.Session(graph=g) as s:
        s.run(v1.global_variables_initializer())
        s.run(v1.local_variables_initializer())
        out['ours_vars'] = {v.op.name: [v.trainable, np.asarray(s.run(v)).astype(np.float64).ravel().tolist()]
                            for v in v1.global_variables()}
        out['ours_local'] = [v.op.name for v in v1.local_variables()]
        out['ours_trainable'] = [v.op.name for v in v1.trainable_variables()]
        out['ours_types'] = sorted(set(type(v).__name__ for v in v1.global_variables()))
        out['ours_strings'] = [x.decode() if isinstance(x, bytes) else x for x in g.get_collection('strings')]
        out['ours_ints'] = g.get_collection('ints')
        out['ours_floats'] = g.get_collection('floats')
        out['ours_ops'] = [x.name for x in g.get_collection('ops')]
        out['ours_y'] = np.asarray(s.run('y:0', {'x:0': [[1., 2.]]})).ravel().tolist()
        # The assign and read ops of our variables work in Python.
        w = [v for v in v1.global_variables() if v.op.name == 'model/w'][0]
        s.run(w.assign(tf.ones([2, 2])))
        out['ours_w_after_assign'] = np.asarray(s.run(w)).ravel().tolist()
# Python → ours
g = tf.Graph()
with g.as_default():
    with v1.variable_scope('net'):
        w = v1.get_variable('w', [2, 3], initializer=v1.initializers.random_normal(seed=3))
        b = v1.get_variable('b', [3], initializer=v1.initializers.constant(0.5))
    steps = v1.Variable(0, name='steps', trainable=False, collections=[v1.GraphKeys.LOCAL_VARIABLES])
    x = v1.placeholder(tf.float32, [None, 2], name='x')
    y = tf.add(tf.matmul(x, w), b, name='y')
    v1.add_to_collection('strings', 'hello')
    v1.add_to_collection('ints', 7)
    v1.add_to_collection('floats', 2.5)
    v1.add_to_collection('outputs', y)
    v1.add_to_collection('ops', y.op)
    v1.add_to_collection(v1.GraphKeys.TRAIN_OP, y.op)
    saver = v1.train.Saver()
    v1.train.export_meta_graph(os.path.join(d, 'py.meta'), saver_def=saver.as_saver_def())
    with v1.Session(graph=g) as s:
        s.run(v1.global_variables_initializer())
        out['py_w'] = np.asarray(s.run(w)).ravel().tolist()
        out['py_y'] = np.asarray(s.run(y, {x: [[1., 2.]]})).ravel().tolist()
    out['py_saver_def'] = {'filename_tensor_name': saver.as_saver_def().filename_tensor_name,
                           'restore_op_name': saver.as_saver_def().restore_op_name}
print(json.dumps(out))
`;
