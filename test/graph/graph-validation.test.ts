// SPDX-License-Identifier: Apache-2.0
// What the façade refuses before TensorFlow's C API sees it: shapes TensorFlow CHECK-fails on (an abort of the
// whole process), names its GraphDef importer rejects, and NULs the C strings would silently cut.
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tf from '../../lib';
import { encode } from '../../lib/proto';

const ROOT = path.resolve(__dirname, '..', '..');

/** Whether TensorFlow's importer takes a GraphDef holding one NoOp named `name`. */
function importerAccepts(name: string): boolean {
  const bytes = encode('GraphDef', { node: [{ name, op: 'NoOp' }] });
  try {
    new tf.Graph().importGraphDef(bytes);
    return true;
  } catch (err) {
    expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
    return false;
  }
}

/** Whether addOperation builds an op named `name` (and, when it refuses, that it says why). */
function builderAccepts(name: string): boolean {
  const g = new tf.Graph();
  try {
    g.addOperation('NoOp', { name: `${name}/` }); // a trailing '/' takes the name as it is
    return true;
  } catch (err) {
    expect(err).toBeInstanceOf(TypeError);
    expect(g.numOperations).toBe(0);
    return false;
  }
}

describe('shapes TensorFlow aborts on are refused', () => {
  const rank255 = new Array(255).fill(1);
  const overflowing = [2 ** 62, 2 ** 62, 4];

  test('placeholder: at most 254 dimensions, an element count that fits an int64', () => {
    const g = new tf.Graph();
    expect(() => g.placeholder('float32', rank255)).toThrow(RangeError);
    expect(() => g.placeholder('float32', rank255)).toThrow(/at most 254 dimensions, but attr 'shape' of Placeholder has 255/);
    expect(() => g.placeholder('float32', overflowing)).toThrow(/elements of attr 'shape' of Placeholder .* does not fit an int64/);
    // TensorFlow multiplies in order: the overflow aborts before the 0 is reached.
    expect(() => g.placeholder('float32', [2 ** 62, 2 ** 62, 0])).toThrow(RangeError);
    expect(() => g.placeholder('float32', [2 ** 62, 2])).toThrow(RangeError); // exactly 2^63
    expect(() => g.placeholder('float32', [2 ** 63])).toThrow(RangeError);
    expect(() => g.placeholder('float32', [2 ** 62, null, 4])).toThrow(RangeError);
    expect(g.numOperations).toBe(0);
    // The limits themselves are fine.
    expect(g.placeholder('float32', new Array(254).fill(1), 'p254').shape).toHaveLength(254);
    expect(g.placeholder('float32', [2 ** 62, 1, null], 'big').shape).toEqual([2 ** 62, 1, null]);
    expect(g.placeholder('float32', [2 ** 31, 2 ** 31], 'big2').shape).toEqual([2 ** 31, 2 ** 31]);
  });

  test('every shape and list(shape) attr is checked, through g.ops and addOperation alike', () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', undefined, 'x');
    const n = g.numOperations;
    expect(() => g.ops.ensureShape(x, { shape: overflowing })).toThrow(/attr 'shape' of EnsureShape/);
    expect(() => g.ops.ensureShape(x, { shape: rank255 })).toThrow(RangeError);
    expect(() => g.ops.placeholderWithDefault(g.constant(1), { shape: overflowing })).toThrow(/attr 'shape' of PlaceholderWithDefault/);
    expect(() => g.addOperation('FIFOQueueV2', { attrs: { component_types: ['float32'], shapes: [[2], overflowing] } }))
      .toThrow(/attr 'shapes' of FIFOQueueV2/);
    expect(() => g.addOperation('FIFOQueueV2', { attrs: { component_types: ['float32'], shapes: [rank255] } })).toThrow(RangeError);
    expect(() => g.addOperation('Placeholder', { attrs: { dtype: 'float32', shape: [1, -2] } })).toThrow(RangeError);
    expect(() => g.addOperation('Placeholder', { attrs: { dtype: 'float32', shape: 'x' } })).toThrow(TypeError);
    expect(g.numOperations).toBe(n + 1); // only the constant that placeholderWithDefault's input became
    expect(g.ops.ensureShape(x, { shape: [2, null] }).shape).toEqual([2, null]);
  });

  test('variable shapes are checked before anything is built', () => {
    const g = new tf.Graph();
    expect(() => g.getVariable('v', { shape: overflowing })).toThrow(RangeError);
    expect(() => g.getVariable('w', { shape: rank255 })).toThrow(RangeError);
    expect(() => g.variable(g.placeholder('float32', undefined, 'p'), { shape: overflowing })).toThrow(RangeError);
    expect(g.numOperations).toBe(1);
  });

  test('in a child process, the calls that used to abort now throw', () => {
    const script = `
      const tf = require('./dist');
      const g = new tf.Graph();
      const x = g.placeholder('float32', undefined, 'x');
      const calls = {
        rank255: () => g.placeholder('float32', new Array(255).fill(1)),
        overflow: () => g.placeholder('float32', [2 ** 62, 2 ** 62, 4]),
        ensureShape: () => g.ops.ensureShape(x, { shape: [2 ** 62, 2 ** 62, 4] }),
        placeholderWithDefault: () => g.ops.placeholderWithDefault(g.constant(1), { shape: new Array(255).fill(1) }),
        listShape: () => g.addOperation('FIFOQueueV2', { attrs: { component_types: ['float32'], shapes: [[2 ** 62, 2 ** 62, 4]] } }),
      };
      const out = {};
      for (const [k, f] of Object.entries(calls)) {
        try { f(); out[k] = 'built'; } catch (e) { out[k] = e.constructor.name; }
      }
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    });
    expect({ signal: r.signal, status: r.status }).toEqual({ signal: null, status: 0 });
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({
      rank255: 'RangeError',
      overflow: 'RangeError',
      ensureShape: 'RangeError',
      placeholderWithDefault: 'RangeError',
      listShape: 'RangeError',
    });
  });
});

describe('names TensorFlow cannot import again are refused', () => {
  test('operation names: the builder accepts exactly what the GraphDef importer accepts', () => {
    const names = [
      'a', 'A.b-c_d/e', '.x', '9lives', 'a>b', 'a>b>c/d', 'x/_y', 'a//b', 'a/',
      'bad name!', '_x', '-x', '/x', 'a>', 'a>_b', 'a>>b', 'a\\b', 'a:0', 'a^b', 'ü', 'a\0b', '\0', 'a b',
    ];
    const mismatched = names.filter((n) => builderAccepts(n) !== importerAccepts(n));
    expect(mismatched).toEqual([]);
    expect(builderAccepts('bad name!')).toBe(false);
  });

  test('clear errors for names given to addOperation, g.ops, constants and name scopes; the graph is unchanged', () => {
    const g = new tf.Graph();
    expect(() => g.constant(1, { name: 'bad name!' })).toThrow(/'bad name!' is not a valid operation name \(the name of a Const\)/);
    expect(() => g.constant(1, { name: 'a\0b' })).toThrow(/'a\\u0000b' is not a valid operation name/);
    expect(() => g.ops.identity(1, { name: 'x y' })).toThrow(TypeError);
    expect(() => g.placeholder('float32', [], '_p')).toThrow(TypeError);
    expect(() => g.nameScope('bad name!', () => 0)).toThrow(/'bad name!' is not a valid root scope name/);
    expect(() => g.nameScope('bad name!/', () => 0)).toThrow(TypeError);
    expect(() => g.nameScope('s', () => g.nameScope('no spaces', () => 0))).toThrow(/'no spaces' is not a valid scope name/);
    expect(g.numOperations).toBe(0);
    // A refused name is not kept as used: the same name, fixed, is not uniquified.
    expect(g.constant(1, { name: 'Const' }).op.name).toBe('Const');
    // Inside a scope, a segment may start with '_' (the full name is what TensorFlow checks).
    expect(g.nameScope('t', () => g.nameScope('_inner', () => g.constant(1).op.name))).toBe('t/_inner/Const');
    expect(() => tf.Graph.fromGraphDef(g.toGraphDef())).not.toThrow();
  });

  test('NULs in op types, attr names and import options are refused; string attrs keep them', () => {
    const g = new tf.Graph();
    expect(() => g.addOperation('Placeholder\0junk', { attrs: { dtype: 'float32' } })).toThrow(/op type contains a NUL/);
    expect(() => g.addOperation('Placeholder', { attrs: { dtype: 'float32', '_a\0b': 'x' } })).toThrow(/contains a NUL/);
    expect(() => g.addOperation('NoOp', { device: '/job:a\0b' })).toThrow(/device of NoOp contains a NUL/);
    expect(() => g.device('/job:a\0b', () => g.addOperation('NoOp'))).toThrow(TypeError);
    expect(g.numOperations).toBe(0);
    const p = g.addOperation('Placeholder', { attrs: { dtype: 'float32', _note: 'a\0b' }, name: 'p' });
    expect(p.attr('_note')).toBe('a\0b');
    expect(tf.Graph.fromGraphDef(g.toGraphDef()).operation('p')!.attr('_note')).toBe('a\0b');
    const h = new tf.Graph();
    const bytes = g.toGraphDef();
    expect(() => h.importGraphDef(bytes, { prefix: 'imp\0x' })).toThrow(/prefix contains a NUL/);
    expect(() => h.importGraphDef(bytes, { returnElements: ['p\0q'] })).toThrow(/returnElements entry contains a NUL/);
    expect(() => h.importGraphDef(bytes, { inputMap: { 'p\0:0': h.constant(1) } })).toThrow(/inputMap key contains a NUL/);
    expect(h.numOperations).toBe(1);
    expect(h.importGraphDef(bytes, { prefix: 'imp', returnElements: ['p'] }).operations[0].name).toBe('imp/p');
  });
});
