// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../lib';
import { encode, messageType } from '../../lib/proto';

/** The graph's GraphDef in a canonical form (TensorFlow serializes attr maps in no fixed order). */
function canonical(g: tf.Graph): string {
  const type = messageType('GraphDef');
  const obj = type.toObject(type.decode(g.toGraphDef()), { longs: String, bytes: String, enums: Number, arrays: false });
  return JSON.stringify(obj, (_key, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, value[k]]))
      : value,
  );
}

function snapshot(g: tf.Graph): [number, string] {
  return [g.numOperations, canonical(g)];
}

function run(g: tf.Graph, fetch: tf.Output | string, feeds: Record<string, unknown> = {}): unknown {
  const sess = new tf.Session(g);
  try {
    return sess.runSync(fetch as tf.Output, feeds as never).toArray();
  } finally {
    void sess.close();
  }
}

/** y = x * 2 + 1 with x a float32 [2] placeholder. */
function source(): { g: tf.Graph; bytes: Uint8Array } {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [2], 'x');
  const two = g.constant([2, 2], { name: 'two' });
  const m = g.addOperation('Mul', { inputs: [x, two], name: 'm' }).output(0);
  g.addOperation('AddV2', { inputs: [m, g.constant(1, { name: 'one' })], name: 'y' });
  g.addOperation('NoOp', { name: 'done', controlInputs: [m.op] });
  return { g, bytes: g.toGraphDef() };
}

// A FunctionDef 'plus_one(x) = x + 1' and a GraphDef that calls it, built from protos.
const FLOAT = 1;
const plusOne = {
  signature: { name: 'plus_one', input_arg: [{ name: 'x', type: FLOAT }], output_arg: [{ name: 'y', type: FLOAT }] },
  node_def: [
    { name: 'one', op: 'Const', attr: { dtype: { type: FLOAT }, value: { tensor: { dtype: FLOAT, tensor_shape: {}, float_val: [1] } } } },
    { name: 'add', op: 'AddV2', input: ['x', 'one:output:0'], attr: { T: { type: FLOAT } } },
  ],
  ret: { y: 'add:z:0' },
};
function withFunction(extraNodes: object[] = []): Uint8Array {
  return encode('GraphDef', {
    node: [
      { name: 'p', op: 'Placeholder', attr: { dtype: { type: FLOAT } } },
      { name: 'call', op: 'plus_one', input: ['p'] },
      ...extraNodes,
    ],
    library: { function: [plusOne] },
    versions: { producer: 1000 },
  });
}

describe('GraphDef export and import', () => {
  test('toGraphDef → fromGraphDef keeps names and computes the same numbers', () => {
    const { g, bytes } = source();
    expect(bytes).toBeInstanceOf(Uint8Array);
    const h = tf.Graph.fromGraphDef(bytes);
    expect([...h.operations()].map((o) => o.name)).toEqual([...g.operations()].map((o) => o.name));
    expect(h.operation('done')!.controlInputs.map((o) => o.name)).toEqual(['m']);
    expect(run(h, 'y:0', { x: [1, 2] })).toEqual([3, 5]);
    expect(run(g, 'y:0', { x: [1, 2] })).toEqual([3, 5]);
    expect(canonical(h)).toBe(canonical(g));
  });

  test('prefix, input mapping, return elements', () => {
    const { bytes } = source();
    const g = new tf.Graph();
    const z = g.constant([10, 20], { name: 'z' });
    const r = g.importGraphDef(bytes, { prefix: 'imp', inputMap: { x: z }, returnElements: ['y:0', 'm', 'two:0'] });
    expect(r.outputs.map((o) => o.name)).toEqual(['imp/y:0', 'imp/two:0']);
    expect(r.operations.map((o) => o.name)).toEqual(['imp/m']);
    expect(r.missingUnusedInputMappings).toEqual([]);
    expect(r.outputs[0]).toBeInstanceOf(tf.Output);
    expect(r.operations[0]).toBeInstanceOf(tf.Operation);
    expect(g.operation('imp/m')!.inputs.map((i) => i.name)).toEqual(['z:0', 'imp/two:0']);
    expect(run(g, r.outputs[0])).toEqual([21, 41]);
    // 'name:index' keys too, and names built afterwards avoid the imported ones, as Python's do.
    const r2 = g.importGraphDef(bytes, { prefix: 'imp2', inputMap: { 'x:0': z }, returnElements: ['y:0'] });
    expect(run(g, r2.outputs[0])).toEqual([21, 41]);
    expect(g.ops.identity(z, { name: 'imp' }).name).toBe('imp_1:0');
    expect(g.ops.identity(z, { name: 'imp2/y' }).name).toBe('imp2/y_1:0');
  });

  test('control dependencies: added to imported roots, remapped by name', () => {
    const { bytes } = source();
    const g = new tf.Graph();
    const gate = g.addOperation('NoOp', { name: 'gate' });
    const other = g.addOperation('NoOp', { name: 'other' });
    g.importGraphDef(bytes, { prefix: 'a', controlDependencies: [gate] });
    // Operations without inputs from the GraphDef (x, two, one) get the control input; the rest follow them.
    expect(g.operation('a/x')!.controlInputs.map((o) => o.name)).toEqual(['gate']);
    expect(g.operation('a/two')!.controlInputs.map((o) => o.name)).toEqual(['gate']);
    expect(g.operation('a/m')!.controlInputs).toEqual([]);
    g.importGraphDef(bytes, { prefix: 'b', inputMap: { '^m': other } });
    expect(g.operation('b/done')!.controlInputs.map((o) => o.name)).toEqual(['other']);
    g.importGraphDef(bytes, { prefix: 'c', remapControlDependencies: { m: gate } });
    expect(g.operation('c/done')!.controlInputs.map((o) => o.name)).toEqual(['gate']);
  });

  test('default device, uniquified names and prefixes', () => {
    const { bytes } = source();
    const g = new tf.Graph();
    g.importGraphDef(bytes, { prefix: 'd', defaultDevice: '/cpu:0' });
    expect(g.operation('d/y')!.device).toBe('/cpu:0');
    g.importGraphDef(bytes);
    g.importGraphDef(bytes, { uniquifyNames: true });
    expect(g.operation('x_1')).toBeDefined();
    expect(g.operation('y_1')!.inputs.map((i) => i.name)).toEqual(['m_1:0', 'one_1:0']);
    g.importGraphDef(bytes, { prefix: 'd', uniquifyPrefix: true });
    expect(g.operation('d_1/y')).toBeDefined();
    expect(run(g, 'y_1:0', { 'x_1:0': [0, 1] })).toEqual([1, 3]);
  });

  test('the function library round-trips', () => {
    const g = tf.Graph.fromGraphDef(withFunction());
    expect(run(g, 'call:0', { p: [41] })).toEqual([42]);
    const again = tf.Graph.fromGraphDef(g.toGraphDef());
    expect(run(again, 'call:0', { p: [1.5] })).toEqual([2.5]);
    type WithLibrary = { library: { function: Array<{ signature: { name: string } }> } };
    const lib = messageType('GraphDef').decode(again.toGraphDef()) as unknown as WithLibrary;
    expect(lib.library.function.map((f) => f.signature.name)).toEqual(['plus_one']);
    // Importing it again into a graph that has the function already is fine (prefixed).
    again.importGraphDef(withFunction(), { prefix: 'again' });
    expect(run(again, 'again/call:0', { 'again/p': [0] })).toEqual([1]);
  });
});

describe('bad input: clear errors, and the graph is unchanged', () => {
  function expectUnchanged(g: tf.Graph, fn: () => unknown, error: unknown, message: RegExp): void {
    const before = snapshot(g);
    const functionsBefore = g._native.functionDefs().length;
    let thrown: unknown;
    try {
      fn();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(error as new () => Error);
    expect((thrown as Error).message).toMatch(message);
    expect(snapshot(g)).toEqual(before);
    expect(g._native.functionDefs().length).toBe(functionsBefore);
  }

  test('malformed bytes', () => {
    const { g, bytes } = source();
    let seed = 7;
    const random = Uint8Array.from({ length: 256 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff);
    expectUnchanged(g, () => g.importGraphDef(random, { prefix: 'r' }), tf.errors.InvalidArgumentError, /Invalid GraphDef/);
    expectUnchanged(g, () => g.importGraphDef(bytes.subarray(0, 20), { prefix: 't' }), tf.errors.InvalidArgumentError, /Invalid GraphDef/);
    expectUnchanged(g, () => tf.Graph.fromGraphDef(random), tf.errors.InvalidArgumentError, /Invalid GraphDef/);
  });

  test('unknown op, bad attr type, name collision', () => {
    const { g, bytes } = source();
    const unknown = encode('GraphDef', { node: [{ name: 'u', op: 'NoSuchOp' }] });
    expectUnchanged(g, () => g.importGraphDef(unknown), tf.errors.NotFoundError, /Op type not registered 'NoSuchOp'/);
    const badAttr = encode('GraphDef', { node: [{ name: 'b', op: 'Placeholder', attr: { dtype: { s: Buffer.from('float') } } }] });
    expectUnchanged(g, () => g.importGraphDef(badAttr), tf.errors.InvalidArgumentError, /AttrValue had value with type 'string' when 'type' expected/);
    expectUnchanged(g, () => g.importGraphDef(bytes), tf.errors.InvalidArgumentError, /Node name 'x' already exists in the Graph/);
    // A bad node after good ones: those are undone too.
    const partial = encode('GraphDef', { node: [{ name: 'ok', op: 'NoOp' }, { name: 'bad', op: 'NoOp', input: ['missing'] }] });
    expectUnchanged(g, () => g.importGraphDef(partial, { prefix: 'p' }), tf.errors.InvalidArgumentError, /missing/);
  });

  test('input-map keys that are not in the GraphDef', () => {
    const { g, bytes } = source();
    const z = g.constant([1, 1], { name: 'z' });
    expectUnchanged(g, () => g.importGraphDef(bytes, { prefix: 'i', inputMap: { nope: z } }), tf.errors.InvalidArgumentError, /inputMap keys not found in the GraphDef: 'nope:0' \(the GraphDef has no node 'nope'\)/);
    expectUnchanged(g, () => g.importGraphDef(bytes, { prefix: 'i', inputMap: { 'x:3': z } }), tf.errors.InvalidArgumentError, /'x:3' \(node 'x' has 1 output\)/);
    expectUnchanged(g, () => g.importGraphDef(bytes, { prefix: 'i', inputMap: { '^ghost': z.op } }), tf.errors.InvalidArgumentError, /'\^ghost'/);
    // A key that the GraphDef's nodes read, though no node defines it, is used: that is fine.
    const reads = encode('GraphDef', { node: [{ name: 'n', op: 'Identity', input: ['outside:0'], attr: { T: { type: FLOAT } } }] });
    g.importGraphDef(reads, { prefix: 'ok', inputMap: { 'outside:0': z } });
    expect(g.operation('ok/n')!.inputs[0].name).toBe('z:0');
  });

  test('a failing import whose library brings new functions leaves the library alone', () => {
    const g = new tf.Graph();
    g.placeholder('float32', [], 'keep');
    const failing = withFunction([{ name: 'bad', op: 'NoSuchOp' }]);
    expectUnchanged(g, () => g.importGraphDef(failing), tf.errors.NotFoundError, /NoSuchOp/);
    const mapped = g.constant([3], { name: 'three' });
    expectUnchanged(g, () => g.importGraphDef(withFunction([{ name: 'bad2', op: 'Identity', input: ['p', 'p'] }]), { inputMap: { p: mapped } }), tf.errors.InvalidArgumentError, /bad2/);
    g.importGraphDef(withFunction(), { inputMap: { p: mapped } });
    expect(run(g, 'call:0')).toEqual([4]);
  });

  test('arguments are checked before anything is imported', () => {
    const { g, bytes } = source();
    const h = new tf.Graph();
    const foreign = h.constant(1, { name: 'foreign' });
    expectUnchanged(g, () => g.importGraphDef([1, 2] as never), TypeError, /Expected a Uint8Array for the GraphDef/);
    expectUnchanged(g, () => g.importGraphDef(bytes, { prefix: 5 as never }), TypeError, /prefix/);
    expectUnchanged(g, () => g.importGraphDef(bytes, { prefix: 'f', inputMap: { x: 'y:0' as never } }), TypeError, /inputMap\['x'\]/);
    expectUnchanged(g, () => g.importGraphDef(bytes, { prefix: 'f', inputMap: { x: foreign } }), Error, /belongs to Graph #\d+ but is used in Graph #\d+/);
    expectUnchanged(g, () => g.importGraphDef(bytes, { prefix: 'f', returnElements: 'y:0' as never }), TypeError, /returnElements/);
    expectUnchanged(g, () => g.importGraphDef(bytes, { prefix: 'f', returnElements: ['nope:0'] }), tf.errors.InvalidArgumentError, /nope/);
  });
});
