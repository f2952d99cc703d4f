// SPDX-License-Identifier: Apache-2.0
// Python parity of variables: the same constructions (scopes, reuse, uniquified names, collections, trainable
// flags, initializers with seeds, device placement) built here and in Python tf.compat.v1 give the same
// nodes, variables, collections and, for seeded initializers, the same initial values.
import * as tf from '../../lib';
import { describePython, runPython } from '../helpers/python';

const I = tf.initializers;

const PYTHON = String.raw`
import json, sys
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()
tf.compat.v1.enable_resource_variables()
v1 = tf.compat.v1
I = v1.initializers

def graph_a():
    g = tf.Graph()
    with g.as_default():
        v1.get_variable('w', [2, 3])
        with v1.variable_scope('conv1'):
            v1.get_variable('weights', [5, 5, 3, 8], initializer=I.random_normal(seed=1))
            v1.get_variable('biases', [8], initializer=I.constant(0.1))
        with v1.variable_scope('model'):
            with v1.variable_scope('conv2'):
                v1.get_variable('weights', [3, 3, 8, 4], initializer=I.truncated_normal(stddev=0.1, seed=2))
                v1.get_variable('biases', [4], initializer=I.zeros())
        with v1.variable_scope('model', reuse=True):
            with v1.variable_scope('conv2'):
                v1.get_variable('weights')
        with v1.variable_scope('model'):
            v1.Variable(1.0, name='counter')
        v1.Variable(tf.zeros([4]), name='v')
        v1.Variable(tf.zeros([4]), name='v')
        v1.Variable(5, name='step', trainable=False)
        v1.Variable(1.0, name='loc', collections=[v1.GraphKeys.LOCAL_VARIABLES], trainable=False)
        v1.get_variable('mine', [2], collections=['my_collection'])
        with tf.name_scope('ns'):
            with v1.variable_scope('vs'):
                v1.get_variable('e', [1], initializer=I.ones())
                v1.Variable(2.0, name='f')
        for _ in range(2):
            with v1.variable_scope(None, default_name='layer'):
                v1.get_variable('k', [2, 2], initializer=I.glorot_normal(seed=3))
        with v1.variable_scope('init_scope', initializer=I.random_uniform(-1, 1, seed=4)):
            v1.get_variable('a', [3])
            v1.get_variable('b', [3], dtype=tf.float64)
        v1.get_variable('he', [4, 3], initializer=I.he_normal(seed=5))
        v1.get_variable('heu', [2, 5], initializer=I.he_uniform(seed=6))
        v1.get_variable('orth', [4, 3], initializer=I.orthogonal(seed=7))
        v1.get_variable('orth2', [3, 4], initializer=I.orthogonal(seed=8, gain=2.0))
        v1.get_variable('gu', [3, 3], initializer=I.glorot_uniform(seed=9))
        v1.get_variable('big', [40, 30], initializer=I.zeros())
        v1.get_variable('count', [2], dtype=tf.int32)
        v1.get_variable('ri', [4], dtype=tf.int32, initializer=I.random_uniform(0, 10, seed=10))
        v1.get_variable('cpad', [2, 3], initializer=I.constant([1, 2, 3, 4]))
        with v1.variable_scope('auto', reuse=v1.AUTO_REUSE):
            v1.get_variable('q', [1], initializer=I.ones())
            v1.get_variable('q', [1])
        v1.Variable(lambda: tf.constant([1., 2.], name='c'), name='fn')
        v1.Variable(tf.constant([3., 4.], dtype=tf.float64), name='explicit', shape=[None])
    return g

def graph_b():
    g = tf.Graph()
    with g.as_default():
        v1.set_random_seed(42)
        v1.get_variable('a', [3])
        v1.get_variable('b', [2, 2], initializer=I.random_normal())
        v1.get_variable('c', [2], initializer=I.random_uniform(seed=7))
        v1.get_variable('d', [3, 2], initializer=I.orthogonal())
        v1.get_variable('e', [5], initializer=I.truncated_normal(mean=1.0, stddev=0.5))
    return g

def graph_c():
    g = tf.Graph()
    with g.as_default():
        with v1.device(v1.train.replica_device_setter(cluster={'ps': ['a:1', 'b:1'], 'worker': ['c:1']})):
            x = v1.placeholder(tf.float32, [None, 3], name='x')
            w = v1.get_variable('w', [3, 2])
            b = v1.get_variable('b', [2])
            with v1.device('/cpu:0'):
                c = v1.get_variable('c', [2])
            y = tf.add(tf.matmul(x, w), b, name='y')
            init = v1.global_variables_initializer()
    return g

def describe(g, values):
    out = {'nodes': sorted([[op.name, op.type, op.device] for op in g.get_operations()])}
    out['collections'] = {k: [getattr(x, 'op', x).name if hasattr(x, 'op') else str(x) for x in g.get_collection(k)]
                           for k in g.get_all_collection_keys() if not k.startswith('__')}
    vars_ = []
    with g.as_default():
        allv = v1.global_variables() + v1.local_variables() + [v for v in g.get_collection('my_collection')]
    seen = set()
    for v in allv:
        if v.op.name in seen: continue
        seen.add(v.op.name)
        vars_.append({'name': v.op.name, 'shape': v.shape.as_list() if v.shape.rank is not None else None,
                      'dtype': v.dtype.name, 'trainable': v.trainable})
    out['vars'] = vars_
    if values:
        with g.as_default():
            init = [v.initializer for v in allv]
            with v1.Session(graph=g) as s:
                s.run(init)
                read = lambda name: s.run(g.get_tensor_by_name(name + '/Read/ReadVariableOp:0'))
                out['values'] = {v['name']: np.asarray(read(v['name'])).astype(np.float64).ravel().tolist() for v in vars_}
    return out

print(json.dumps({'A': describe(graph_a(), True), 'B': describe(graph_b(), True), 'C': describe(graph_c(), False)}))
`;

function graphA(): tf.Graph {
  const g = new tf.Graph();
  g.getVariable('w', { shape: [2, 3] });
  g.variableScope('conv1', () => {
    g.getVariable('weights', { shape: [5, 5, 3, 8], initializer: I.randomNormal({ seed: 1 }) });
    g.getVariable('biases', { shape: [8], initializer: I.constant(0.1) });
  });
  g.variableScope('model', () => g.variableScope('conv2', () => {
    g.getVariable('weights', { shape: [3, 3, 8, 4], initializer: I.truncatedNormal({ stddev: 0.1, seed: 2 }) });
    g.getVariable('biases', { shape: [4], initializer: I.zeros() });
  }));
  g.variableScope('model', () => g.variableScope('conv2', () => g.getVariable('weights')), { reuse: true });
  g.variableScope('model', () => g.variable(1.0, { name: 'counter' }));
  g.variable(I.zeros()([4], 'float32', g), { name: 'v' });
  g.variable(I.zeros()([4], 'float32', g), { name: 'v' });
  g.variable(5, { name: 'step', dtype: 'int32', trainable: false });
  g.variable(1.0, { name: 'loc', collections: [tf.GraphKeys.LOCAL_VARIABLES], trainable: false });
  g.getVariable('mine', { shape: [2], collections: ['my_collection'] });
  g.nameScope('ns', () => g.variableScope('vs', () => {
    g.getVariable('e', { shape: [1], initializer: I.ones() });
    g.variable(2.0, { name: 'f' });
  }));
  for (let i = 0; i < 2; i++) {
    g.variableScope(null, () => g.getVariable('k', { shape: [2, 2], initializer: I.glorotNormal({ seed: 3 }) }), { defaultName: 'layer' });
  }
  g.variableScope('init_scope', () => {
    g.getVariable('a', { shape: [3] });
    g.getVariable('b', { shape: [3], dtype: 'float64' });
  }, { initializer: I.randomUniform({ minval: -1, maxval: 1, seed: 4 }) });
  g.getVariable('he', { shape: [4, 3], initializer: I.heNormal({ seed: 5 }) });
  g.getVariable('heu', { shape: [2, 5], initializer: I.heUniform({ seed: 6 }) });
  g.getVariable('orth', { shape: [4, 3], initializer: I.orthogonal({ seed: 7 }) });
  g.getVariable('orth2', { shape: [3, 4], initializer: I.orthogonal({ seed: 8, gain: 2 }) });
  g.getVariable('gu', { shape: [3, 3], initializer: I.glorotUniform({ seed: 9 }) });
  g.getVariable('big', { shape: [40, 30], initializer: I.zeros() });
  g.getVariable('count', { shape: [2], dtype: 'int32' });
  g.getVariable('ri', { shape: [4], dtype: 'int32', initializer: I.randomUniform({ minval: 0, maxval: 10, seed: 10 }) });
  g.getVariable('cpad', { shape: [2, 3], initializer: I.constant([1, 2, 3, 4]) });
  g.variableScope('auto', () => {
    g.getVariable('q', { shape: [1], initializer: I.ones() });
    g.getVariable('q', { shape: [1] });
  }, { reuse: 'auto' });
  g.variable(() => g.constant([1, 2], { name: 'c' }), { name: 'fn' });
  g.variable(g.constant([3, 4], { dtype: 'float64' }), { name: 'explicit', shape: [null] });
  return g;
}

function graphB(): tf.Graph {
  const g = new tf.Graph();
  g.seed = 42;
  g.getVariable('a', { shape: [3] });
  g.getVariable('b', { shape: [2, 2], initializer: I.randomNormal() });
  g.getVariable('c', { shape: [2], initializer: I.randomUniform({ seed: 7 }) });
  g.getVariable('d', { shape: [3, 2], initializer: I.orthogonal() });
  g.getVariable('e', { shape: [5], initializer: I.truncatedNormal({ mean: 1, stddev: 0.5 }) });
  return g;
}

function graphC(): tf.Graph {
  const g = new tf.Graph();
  g.device(tf.train.replicaDeviceSetter({ cluster: { ps: ['a:1', 'b:1'], worker: ['c:1'] } }), () => {
    const x = g.placeholder('float32', [null, 3], 'x');
    const w = g.getVariable('w', { shape: [3, 2] });
    const b = g.getVariable('b', { shape: [2] });
    g.device('/cpu:0', () => g.getVariable('c', { shape: [2] }));
    const mm = g.addOperation('MatMul', { inputs: [x, w], attrs: { T: 'float32' } }).output(0);
    g.addOperation('AddV2', { inputs: [mm, b], attrs: { T: 'float32' }, name: 'y' });
    tf.globalVariablesInitializer(g);
  });
  return g;
}

interface Described {
  nodes: Array<[string, string, string]>;
  collections: Record<string, string[]>;
  vars: Array<{ name: string; shape: Array<number | null> | null; dtype: string; trainable: boolean }>;
  values?: Record<string, number[]>;
}

async function describeGraph(g: tf.Graph, withValues: boolean): Promise<Described> {
  const nodes = g.operations().map((op) => [op.name, op.type, op.device] as [string, string, string])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const collections: Record<string, string[]> = {};
  for (const key of g.collectionKeys) collections[key] = g.getCollection(key).map((x) => (x as { name: string }).name);
  const all = [...g.globalVariables(), ...g.localVariables(), ...g.getCollection<tf.Variable>('my_collection')];
  const unique = all.filter((v, i) => all.findIndex((u) => u.name === v.name) === i);
  const vars = unique.map((v) => ({ name: v.name, shape: v.shape, dtype: v.dtype, trainable: v.trainable }));
  const out: Described = { nodes, collections, vars };
  if (withValues) {
    const sess = new tf.Session(g);
    await sess.run(unique.map((v) => v.initializer));
    const values = await sess.run(unique.map((v) => v.value()));
    out.values = {};
    unique.forEach((v, i) => {
      out.values![v.name] = Array.from(values[i].data() as ArrayLike<number>, Number);
    });
    await sess.close();
  }
  return out;
}

describePython('variables match Python tf.compat.v1', () => {
  let py: Record<'A' | 'B' | 'C', Described>;
  const ours: Partial<Record<'A' | 'B' | 'C', Described>> = {};

  beforeAll(async () => {
    py = JSON.parse(runPython(PYTHON));
    ours.A = await describeGraph(graphA(), true);
    ours.B = await describeGraph(graphB(), true);
    ours.C = await describeGraph(graphC(), false);
  });

  test('the same nodes (names and op types)', () => {
    expect(ours.A!.nodes.map(([n, t]) => [n, t])).toEqual(py.A.nodes.map(([n, t]) => [n, t]));
    expect(ours.B!.nodes.map(([n, t]) => [n, t])).toEqual(py.B.nodes.map(([n, t]) => [n, t]));
  });

  test('the same variables: names, shapes, dtypes, trainable flags', () => {
    expect(ours.A!.vars).toEqual(py.A.vars);
    expect(ours.B!.vars).toEqual(py.B.vars);
  });

  test('the same collections, in the same order', () => {
    expect(ours.A!.collections).toEqual(py.A.collections);
    expect(ours.B!.collections).toEqual(py.B.collections);
  });

  test('seeded initializers give Python\'s initial values', () => {
    // Unseeded draws (no graph seed, no op seed) differ between runs in Python too.
    const unseeded = new Set(['w', 'mine']);
    const compared = Object.keys(py.A.values!).filter((name) => !unseeded.has(name));
    expect(compared.length).toBeGreaterThan(20);
    for (const name of compared) expect([name, ours.A!.values![name]]).toEqual([name, py.A.values![name]]);
    for (const [name, values] of Object.entries(py.B.values!)) expect([name, ours.B!.values![name]]).toEqual([name, values]);
  });

  test('replicaDeviceSetter places every operation as Python does', () => {
    // Python reads a resource variable afresh for each consumer ('MatMul/ReadVariableOp'); here a Variable
    // used as an input is its snapshot read, so those reads have no counterpart.
    const pyNodes = py.C.nodes.filter(([n]) => !/^(MatMul|y)\/ReadVariableOp$/.test(n));
    expect(ours.C!.nodes).toEqual(pyNodes);
  });
});
