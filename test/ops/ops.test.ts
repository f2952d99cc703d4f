// SPDX-License-Identifier: Apache-2.0
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { tfAddon } from '../../lib/binding/library';
import { OP_TYPES, opMethodName } from '../../lib/ops';
import { decode, toNumber } from '../../lib/proto';
import { describePython, runPython } from '../helpers/python';

const { renderOps } = require('../../scripts/generate-ops.js') as { renderOps(ops: unknown[], options?: object): string };

const registry = decode<{ op: Array<{ name: string; input_arg?: unknown[]; output_arg?: unknown[] }> }>('OpList', tfAddon().allOpList()).op;

function run(g: tf.Graph, fetch: tf.Output, feeds: Record<string, unknown> = {}): unknown {
  const sess = new tf.Session(g);
  try {
    return sess.runSync(fetch, feeds as never).toArray();
  } finally {
    void sess.close();
  }
}

describe('generated op builders', () => {
  test('lib/ops/generated.ts is what the generator renders from the live registry (doc comments aside)', () => {
    const stripDocs = (text: string) => text.split('\n').filter((l) => !/^\s*\/\*\*.*\*\/$/.test(l)).join('\n');
    const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'lib', 'ops', 'generated.ts'), 'utf8');
    const fresh = renderOps(registry, { version: tf.version.tensorflow });
    const a = stripDocs(committed).split('\n');
    const b = stripDocs(fresh).split('\n');
    const firstDiff = a.findIndex((line, i) => line !== b[i]);
    // Regenerate with `npx tsc -p tsconfig.json && npm run generate:ops` when this fails.
    expect(firstDiff === -1 ? null : { committed: a[firstDiff], registry: b[firstDiff] }).toBeNull();
    expect(a.length).toBe(b.length);
  });

  test('every registered op has a builder, named in lowerCamelCase', () => {
    expect([...OP_TYPES]).toEqual(registry.map((o) => o.name).sort());
    expect(OP_TYPES.length).toBeGreaterThan(1400);
    const g = new tf.Graph();
    for (const op of registry) expect(typeof (g.ops as unknown as Record<string, unknown>)[opMethodName(op.name)]).toBe('function');
    expect(opMethodName('MatMul')).toBe('matMul');
    expect(opMethodName('AddV2')).toBe('addV2');
    expect(opMethodName('VarHandleOp')).toBe('varHandleOp');
    expect(opMethodName('LRN')).toBe('lrn');
    expect(opMethodName('CTCLoss')).toBe('ctcLoss');
    expect(opMethodName('FFT2D')).toBe('fft2D');
    expect(opMethodName('_Arg')).toBe('_arg');
    expect(new Set(registry.map((o) => opMethodName(o.name))).size).toBe(registry.length);
    expect(g.ops).toBe(g.ops); // one per graph
    expect(new tf.Graph().ops).not.toBe(g.ops);
    expect((g.ops as unknown as Record<string, unknown>).notAnOp).toBeUndefined();
    expect((g.ops as unknown as Record<string, unknown>).then).toBeUndefined();
  });

  test('return shapes: Output, Operation, or named outputs with lists as arrays', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [4], 'x');
    const m = g.ops.matMul(g.ops.reshape(x, [2, 2]), g.ops.reshape(x, [2, 2]), { transposeA: true });
    expect(m).toBeInstanceOf(tf.Output);
    expect(m.name).toBe('MatMul:0');
    expect(m.op.attr('transpose_a')).toBe(true);
    expect(m.op.attr('transpose_b')).toBe(false); // the OpDef default
    const noop = g.ops.noOp({ controlInputs: [m] });
    expect(noop).toBeInstanceOf(tf.Operation);
    expect(noop.controlInputs.map((o) => o.name)).toEqual(['MatMul']);
    const u = g.ops.unique(x);
    expect(Object.keys(u)).toEqual(['y', 'idx']);
    expect(u.y.name).toBe('Unique:0');
    expect(u.idx.dtype).toBe('int32');
    const s = g.ops.split(0, x, { numSplit: 2 });
    expect(s.output.map((o) => o.name)).toEqual(['Split:0', 'Split:1']);
    const sc = g.ops.sampleDistortedBoundingBoxV2([4, 4, 3], [[[0, 0, 1, 1]]], 0.1);
    expect(Object.keys(sc)).toEqual(['begin', 'size', 'bboxes']);
    const cnt = g.ops.uniqueWithCounts(x, { outIdx: 'int64' });
    expect(cnt.idx.dtype).toBe('int64');
    expect((cnt as unknown as Record<string, tf.Output>).count.name).toBe('UniqueWithCounts:2');
    const ls = g.ops.sparseSplit(0, [[0, 0]], [1], [2, 2], { numSplit: 2 });
    expect(ls.outputIndices.map((o) => o.name)).toEqual(['SparseSplit:0', 'SparseSplit:1']);
    expect((ls as unknown as Record<string, unknown>).output_indices).toBe(ls.outputIndices);
  });

  test('values become constants of the dtype the type attr resolves to', () => {
    const g = new tf.Graph();
    const xi = g.placeholder('int32', [2], 'xi');
    const a = g.ops.addV2(xi, 1); // from the other input
    expect(a.op.inputs[1].dtype).toBe('int32');
    expect(a.op.inputs[1].name).toBe('AddV2/y:0');
    const r = g.ops.range(0, 10, 2); // from the attr's default (Tidx = int32)
    expect(r.dtype).toBe('int32');
    expect(r.op.inputs.map((i) => i.name)).toEqual(['Range/start:0', 'Range/limit:0', 'Range/delta:0']);
    const rf = g.ops.range(0, 1, 0.25, { Tidx: 'float64' }); // from an explicit attr
    expect(rf.dtype).toBe('float64');
    const m = g.ops.matMul([[1, 2]], [[3], [4]]); // nothing decides: the values' own dtype
    expect(m.dtype).toBe('float32');
    const b = g.ops.addV2(5n, 1); // bigint → int64, and the second value follows the first
    expect(b.dtype).toBe('int64');
    const c = g.ops.concatV2([[1, 2], tf.tensor([3], [1], 'float64')], 0);
    expect(c.dtype).toBe('float32'); // a Tensor converts to the resolved dtype
    expect(g.ops.fill([2, 2], 7).op.inputs[0].dtype).toBe('int32'); // index_type's default
    expect(g.ops.concat(0, [[1], [2]]).op.inputs[0].dtype).toBe('int32'); // a fixed-type input
    const idn = g.ops.identityN([1, true, 'a']); // a type list: each value its own dtype
    expect(idn.output.map((o) => o.dtype)).toEqual(['float32', 'bool', 'string']);
    const idt = g.ops.identityN([1, 2], { T: ['int64', 'float64'] });
    expect(idt.output.map((o) => o.dtype)).toEqual(['int64', 'float64']);
    const bc = g.ops.bitcast(tf.tensor([1], [1], 'int32'), { type: 'float32' });
    expect(bc.op.inputs[0].dtype).toBe('int32');
    const ints = g.ops.leftShift(1, 3); // float32 is not allowed: the integral values become int32
    expect(ints.dtype).toBe('int32');
    expect(run(g, g.ops.addV2(xi, 1), { xi: tf.tensor([1, 2], [2], 'int32') })).toEqual([2, 3]);
    expect(run(g, r)).toEqual([0, 2, 4, 6, 8]);
    expect(run(g, m)).toEqual([[11]]);
    expect(run(g, c)).toEqual([1, 2, 3]);
    expect(run(g, ints)).toBe(8);
  });

  test('snake_case attr names work too; internal attrs pass through', () => {
    const g = new tf.Graph();
    const a = g.constant([[1, 2], [3, 4]]);
    const m = g.ops.matMul(a, a, { transpose_b: true } as never);
    expect(m.op.attr('transpose_b')).toBe(true);
    const p = g.ops.placeholder({ dtype: 'float32', shape: [null, 3], name: 'p' });
    expect(p.name).toBe('p:0');
    expect(p.shape).toEqual([null, 3]);
    expect(run(g, m)).toEqual([[5, 11], [11, 25]]);
  });

  test('stateful ops, variables and a session round trip through g.ops', () => {
    const g = new tf.Graph();
    const v = g.ops.varHandleOp({ dtype: 'float32', shape: [2], sharedName: 'v', name: 'v' });
    const init = g.ops.assignVariableOp(v, [1, 2]);
    expect(init).toBeInstanceOf(tf.Operation);
    expect(init.inputs[1].dtype).toBe('float32'); // nothing decides 'dtype': the value's own
    const read = g.ops.readVariableOp(v, { dtype: 'float32' });
    const sess = new tf.Session(g);
    sess.runSync(init);
    expect(sess.runSync(g.ops.mul(read, 3)).toArray()).toEqual([3, 6]);
    void sess.close();
  });

  test('bad arguments are clear errors that leave the graph unchanged', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2, 2], 'x');
    const n = g.numOperations;
    expect(() => (g.ops.matMul as (...a: unknown[]) => unknown)(x)).toThrow(/g\.ops\.matMul takes 2 inputs \(a, b\) .* but received 1 argument/);
    expect(() => (g.ops.matMul as (...a: unknown[]) => unknown)(x, x, {}, {})).toThrow(TypeError);
    expect(() => g.ops.matMul(x, x, { foo: 1 } as never)).toThrow(/has no attr or option 'foo'; its attrs are: transposeA, transposeB, T/);
    expect(() => g.ops.matMul(x, x, { T: 'qint8' } as never)).toThrow(/Attr 'T' of MatMul is "qint8", which is not one of the allowed values/);
    expect(() => g.ops.conv2D(x, x, { strides: [1, 1, 1, 1], padding: 'SAME_ISH' as never })).toThrow(/not one of the allowed values: SAME, VALID, EXPLICIT/);
    expect(() => (g.ops.cast as (...a: unknown[]) => unknown)(x)).toThrow(/g\.ops\.cast needs attr 'DstT'/);
    expect(() => g.ops.matMul(x, {} as never)).toThrow(/Expected an Output, a Variable, a Tensor or a value .* for input 'b' of g\.ops\.matMul/);
    expect(() => g.ops.matMul(x, x, 5 as never)).toThrow(/Expected an options object for the last argument of g\.ops\.matMul/);
    expect(() => g.ops.readVariableOp(1, { dtype: 'float32' })).toThrow(/resource tensor; pass an Output/);
    expect(() => g.ops.addN(x as never)).toThrow(/Expected an array of Outputs or values for input 'inputs' of g\.ops\.addN/);
    expect(() => g.ops.matMul(x, x, { transposeA: 'yes' as never })).toThrow(/Expected a boolean for attr 'transpose_a' of MatMul/);
    expect(g.numOperations).toBe(n);
    // TensorFlow's own checks (shapes, dtypes) come as tf.errors.
    expect(() => g.ops.matMul(x, g.placeholder('float32', [3, 3], 'y'))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => g.ops.addV2(x, g.placeholder('int32', [], 'z'))).toThrow(tf.errors.InvalidArgumentError);
    // A value of the wrong kind says which input it was for.
    expect(() => g.ops.addV2(x, 'a')).toThrow(/Input 'y' of g\.ops\.addV2 as a float32 constant/);
    // Outputs of another graph name both graphs.
    const h = new tf.Graph();
    const y = h.placeholder('float32', [2, 2], 'y');
    expect(() => g.ops.addV2(x, y)).toThrow(new RegExp(`Output 'y:0' belongs to Graph #${h.id} but is used in Graph #${g.id}`));
  });
});

// The same constructions, in Python (tf.compat.v1 with tf.raw_ops) and here: names, devices, inputs.
const PY_NAMES = String.raw`
import json
import tensorflow as tf
v1 = tf.compat.v1
g = tf.Graph()
with g.as_default():
    x = v1.placeholder(tf.float32, [2], name='x')
    a = tf.raw_ops.AddV2(x=x, y=x)
    b = tf.raw_ops.AddV2(x=x, y=x)
    c = tf.raw_ops.AddV2(x=x, y=1.0)
    d = tf.raw_ops.AddV2(x=x, y=x, name='foo')
    e = tf.raw_ops.AddV2(x=x, y=2.0, name='foo')
    f = tf.raw_ops.Identity(input=x, name='Foo')
    f1 = tf.raw_ops.Identity(input=x, name='foo_1')
    with v1.name_scope('s'):
        tf.raw_ops.AddV2(x=x, y=x)
        with v1.name_scope('s'):
            tf.raw_ops.AddV2(x=x, y=3.0)
        with v1.name_scope('t'):
            tf.raw_ops.Identity(input=x)
    with v1.name_scope('s'):
        tf.raw_ops.Identity(input=x)
    with v1.name_scope('s/'):
        tf.raw_ops.Identity(input=x)
    with v1.name_scope(None):
        tf.raw_ops.Identity(input=x, name='root')
    with g.device('/job:worker/task:1'):
        tf.raw_ops.Identity(input=x, name='dev1')
        with g.device('/cpu:0'):
            tf.raw_ops.AddV2(x=x, y=4.0, name='dev2')
            with g.device(None):
                tf.raw_ops.Identity(input=x, name='dev3')
        with g.device(lambda op: '/gpu:1' if op.type == 'Const' else ''):
            tf.raw_ops.AddV2(x=x, y=7.0, name='dev5', )
        with g.device(lambda op: '/gpu:1' if op.type == 'Const' else op.device):
            tf.raw_ops.AddV2(x=x, y=5.0, name='dev4')
        with g.device(''):
            tf.raw_ops.Identity(input=x, name='dev6')
    with g.control_dependencies([a]):
        tf.raw_ops.Identity(input=x, name='c1')
        tf.raw_ops.Identity(input=a, name='c2')
        tf.raw_ops.AddV2(x=x, y=6.0, name='c3')
        inner = tf.raw_ops.Identity(input=x, name='c4')
        with g.control_dependencies([b]):
            tf.raw_ops.Identity(input=x, name='c5')
            tf.raw_ops.Identity(input=inner, name='c6')
            with g.control_dependencies(None):
                tf.raw_ops.Identity(input=x, name='c7')
                with g.control_dependencies([c]):
                    tf.raw_ops.Identity(input=x, name='c8')
        tf.raw_ops.Identity(input=inner, name='c9')
    tf.raw_ops.AddN(inputs=[x, [1.0, 2.0], x], name='addn')
    tf.raw_ops.NoOp(name='n')
print(json.dumps([[n.name, n.op, n.device, list(n.input)] for n in g.as_graph_def().node]))
`;

function buildNamesHere(): Array<[string, string, string, string[]]> {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [2], 'x');
  const a = g.ops.addV2(x, x);
  const b = g.ops.addV2(x, x);
  const c = g.ops.addV2(x, 1);
  g.ops.addV2(x, x, { name: 'foo' });
  g.ops.addV2(x, 2, { name: 'foo' });
  g.ops.identity(x, { name: 'Foo' });
  g.ops.identity(x, { name: 'foo_1' });
  g.nameScope('s', () => {
    g.ops.addV2(x, x);
    g.nameScope('s', () => g.ops.addV2(x, 3));
    g.nameScope('t', () => g.ops.identity(x));
  });
  g.nameScope('s', () => g.ops.identity(x));
  g.nameScope('s/', () => g.ops.identity(x));
  g.nameScope(null, () => g.ops.identity(x, { name: 'root' }));
  g.device('/job:worker/task:1', () => {
    g.ops.identity(x, { name: 'dev1' });
    g.device('/cpu:0', () => {
      g.ops.addV2(x, 4, { name: 'dev2' });
      g.device(null, () => g.ops.identity(x, { name: 'dev3' }));
    });
    g.device((op) => (op.type === 'Const' ? '/gpu:1' : ''), () => g.ops.addV2(x, 7, { name: 'dev5' }));
    g.device((op) => (op.type === 'Const' ? '/gpu:1' : undefined), () => g.ops.addV2(x, 5, { name: 'dev4' }));
    g.device('', () => g.ops.identity(x, { name: 'dev6' }));
  });
  g.controlDependencies([a], () => {
    g.ops.identity(x, { name: 'c1' });
    g.ops.identity(a, { name: 'c2' });
    g.ops.addV2(x, 6, { name: 'c3' });
    const inner = g.ops.identity(x, { name: 'c4' });
    g.controlDependencies([b], () => {
      g.ops.identity(x, { name: 'c5' });
      g.ops.identity(inner, { name: 'c6' });
      g.controlDependencies(null, () => {
        g.ops.identity(x, { name: 'c7' });
        g.controlDependencies([c], () => g.ops.identity(x, { name: 'c8' }));
      });
    });
    g.ops.identity(inner, { name: 'c9' });
  });
  g.ops.addN([x, [1, 2], x], { name: 'addn' });
  g.ops.noOp({ name: 'n' });
  const def = decode<{ node: Array<{ name: string; op: string; device?: string; input?: string[] }> }>('GraphDef', g.toGraphDef());
  return def.node.map((n) => [n.name, n.op, n.device ?? '', n.input ?? []]);
}

describePython('op builders against Python', () => {
  test('names, name scopes, devices and control dependencies match tf.compat.v1', () => {
    const python = JSON.parse(runPython(PY_NAMES)) as Array<[string, string, string, string[]]>;
    const here = buildNamesHere();
    const byName = (rows: Array<[string, string, string, string[]]>) => Object.fromEntries(rows.map((r) => [r[0], r.slice(1)]));
    expect(byName(here)).toEqual(byName(python));
    expect(here.map((r) => r[0])).toEqual(python.map((r) => r[0])); // creation order too
  });
});

test('options: name, device, control inputs; stand-ins for Outputs; exact scope names', () => {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [2], 'x');
  const standIn = { [tf.toOutput]: () => x };
  const y = g.ops.identity(standIn as never, { name: 'y', device: '/cpu:0', controlInputs: [x] });
  expect(y.name).toBe('y:0');
  expect(y.op.device).toBe('/device:CPU:0');
  expect(y.op.controlInputs).toEqual([x.op]); // explicit control inputs are kept as given, as Python's create_op does
  const z = g.ops.identity(x, { controlInputs: [y] });
  expect(z.op.controlInputs).toEqual([y.op]);
  // A name ending in '/' is taken as it is (Python's create_op), not uniquified again.
  expect(g.ops.noOp({ name: 'exact/' }).name).toBe('exact');
  expect(g.ops.noOp({ name: 'exact' }).name).toBe('exact_1');
  expect(g.ops.const({ dtype: 'int32', value: tf.tensor([1, 2], [2], 'int32') }).dtype).toBe('int32');
});

test('ops the generated table lacks are found in the live registry', () => {
  const g = new tf.Graph();
  const proto = Object.getPrototypeOf(g.ops) as Record<string, unknown>;
  const saved = proto.neg;
  delete proto.neg;
  try {
    const n = (g.ops as unknown as Record<string, (...a: unknown[]) => tf.Output>).neg([1, -2]);
    expect(n.op.type).toBe('Neg');
    expect(typeof proto.neg).toBe('function'); // and kept for next time
  } finally {
    proto.neg = saved;
  }
});

test('attr defaults come from the OpDef', () => {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [1, 4, 4, 1], 'x');
  const p = g.ops.maxPool(x, { ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'VALID' });
  expect(p.op.attr('data_format')).toBe('NHWC');
  expect(p.shape).toEqual([1, 2, 2, 1]);
  const lrn = g.ops.lrn(x);
  expect(lrn.op.attr('depth_radius')).toBe(5);
  expect(toNumber(lrn.op.attr('beta') as number)).toBeCloseTo(0.5);
});
