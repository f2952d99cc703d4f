// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../lib';

function addOne() {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [], 'x');
  const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)], name: 'y' }).output(0);
  return { g, x, y };
}

describe('Session', () => {
  test('runSync and run compute y = x + 1', async () => {
    const { g, x, y } = addOne();
    const sess = new tf.Session(g);
    expect(sess.runSync(y, { x: 41 }).item()).toBe(42);
    expect((await sess.run(y, new Map([[x, 1.5]]))).item()).toBe(2.5);
    expect((await sess.run('y:0', { 'x:0': tf.tensor(2) })).item()).toBe(3);
    await sess.close();
  });

  test('results follow the structure of the fetches', async () => {
    const { g, y } = addOne();
    const sess = new tf.Session(g);
    const r = await sess.run({ a: y, b: [y, y.op] }, { x: 1 });
    expect(r.a.item()).toBe(2);
    expect(r.b[0].item()).toBe(2);
    expect(r.b[1]).toBeNull();
    await sess.close();
  });

  test('a missing feed rejects with InvalidArgumentError and the caller stack', async () => {
    const { g, y } = addOne();
    const sess = new tf.Session(g);
    const err = await sess.run(y).catch((e) => e);
    expect(err).toBeInstanceOf(tf.errors.InvalidArgumentError);
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/must feed a value for placeholder tensor 'x'/);
    expect(err.stack).toMatch(/session\.test\.ts/);
    expect(() => sess.runSync(y)).toThrow(tf.errors.InvalidArgumentError);
    await sess.close();
  });

  test('feeding the wrong dtype is an InvalidArgumentError', async () => {
    const { g, x, y } = addOne();
    const sess = new tf.Session(g);
    await expect(sess.run(y, new Map([[x, tf.tensor([1], [], 'int32')]]))).rejects.toBeInstanceOf(tf.errors.InvalidArgumentError);
    await sess.close();
  });

  test('fetching a missing name is a clear error', async () => {
    const { g } = addOne();
    const sess = new tf.Session(g);
    expect(() => sess.runSync('nope:0')).toThrow(/has no operation 'nope'/);
    await sess.close();
  });

  test('use after close is an Error; close is idempotent', async () => {
    const { g, y } = addOne();
    const sess = new tf.Session(g);
    await sess.close();
    await sess.close();
    expect(() => sess.runSync(y, { x: 1 })).toThrow(/closed/);
    await expect(sess.run(y, { x: 1 })).rejects.toThrow(/closed/);
  });

  // close() cancels the runs in flight (as Python's close does): test/session/cancel.test.ts.

  test('200 concurrent runs on one session are all correct', async () => {
    const { g, y } = addOne();
    const sess = new tf.Session(g);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => sess.run(y, { x: i })));
    results.forEach((r, i) => expect(r.item()).toBe(i + 1));
    await sess.close();
  });

  test('a slow run does not block the event loop', async () => {
    const g = new tf.Graph();
    const n = 1200;
    const a = g.constant(new Float32Array(n * n).fill(0.001), { shape: [n, n] });
    let m = a;
    for (let i = 0; i < 6; i++) m = g.addOperation('MatMul', { inputs: [m, a] }).output(0);
    const sess = new tf.Session(g);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const start = Date.now();
    await sess.run(m);
    const elapsed = Date.now() - start;
    clearInterval(timer);
    expect(elapsed).toBeGreaterThan(20);
    expect(ticks).toBeGreaterThan(2);
    await sess.close();
  });

  test('fetches and feeds of another graph are rejected with both graphs named', () => {
    const a = addOne();
    const b = addOne();
    const sess = new tf.Session(a.g);
    expect(() => sess.runSync(b.y, { x: 1 })).toThrow(/belongs to Graph #\d+ but is used in Graph #\d+/);
    expect(() => sess.runSync(b.y.op)).toThrow(/belongs to Graph/);
    return sess.close();
  });

  test('wrong argument types are TypeErrors', () => {
    const { g, y } = addOne();
    expect(() => new tf.Session({} as never)).toThrow(TypeError);
    const sess = new tf.Session(g);
    expect(() => sess.runSync(42 as never)).toThrow(TypeError);
    expect(() => sess.runSync(y, 5 as never)).toThrow(TypeError);
    expect(() => sess.runSync(y, { x: 1 }, { timeoutMs: -1 })).toThrow(RangeError);
    return sess.close();
  });

  test('callerThread runs the step in the calling thread with the same results', async () => {
    const { g, y } = addOne();
    const sess = new tf.Session(g);
    expect(sess.runSync(y, { x: 1 }, { callerThread: true }).item()).toBe(2);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => sess.run(y, { x: i }, { callerThread: true })));
    results.forEach((r, i) => expect(r.item()).toBe(i + 1));
    await sess.close();
  });

  test('listDevices reports the CPU', () => {
    const { g } = addOne();
    const sess = new tf.Session(g);
    const devices = sess.listDevices();
    expect(devices.some((d) => d.type === 'CPU' && d.name.endsWith('CPU:0'))).toBe(true);
    return sess.close();
  });
});

describe('feeding JS numbers', () => {
  test('a number is fed as a scalar of the placeholder dtype; other dtypes convert or refuse clearly', () => {
    const g = new tf.Graph();
    const results: unknown[] = [];
    const session = new tf.Session(g);
    for (const dtype of ['float32', 'float64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32', 'int64'] as const) {
      const x = g.placeholder(dtype, [], `x_${dtype}`);
      const y = g.addOperation('Identity', { inputs: [x] }).output(0);
      const r = session.runSync(y, new Map([[x, 7]]));
      expect(r.dtype).toBe(dtype);
      results.push(r.item());
    }
    expect(results).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 7n]);
    const s = g.placeholder('string', [], 's');
    expect(() => session.runSync(g.addOperation('Identity', { inputs: [s] }).output(0), new Map([[s, 7]]))).toThrow(TypeError);
    return session.close();
  });
});

describe('prepared runs', () => {
  test('scalar results keep their dtype and exact value', async () => {
    const g = new tf.Graph();
    const session = new tf.Session(g);
    const cases: Array<[tf.DType, number]> = [
      ['float32', 0.1], ['float64', 0.1], ['int8', -128], ['uint8', 255], ['int16', -32768], ['uint16', 65535],
      ['int32', -2147483648], ['uint32', 4294967295],
    ];
    for (const [dtype, value] of cases) {
      const x = g.placeholder(dtype, [], `s_${dtype}`);
      const y = g.addOperation('Identity', { inputs: [x] }).output(0);
      for (const r of [session.runSync(y, new Map([[x, value]])), await session.run(y, new Map([[x, value]]))]) {
        expect(r.dtype).toBe(dtype);
        expect(r.shape).toEqual([]);
        expect(r.item()).toBe(dtype === 'float32' ? Math.fround(value) : value);
      }
    }
    await session.close();
  });

  test('a scalar fetched from a reference-typed output (VariableV2) has the base dtype', () => {
    const g = new tf.Graph();
    const v = g.addOperation('VariableV2', { attrs: { dtype: 'int32', shape: [] }, name: 'v' }).output(0);
    const init = g.addOperation('Assign', { inputs: [v, g.constant(7, { dtype: 'int32' })] });
    const session = new tf.Session(g);
    session.runSync(init);
    const r = session.runSync(v);
    expect(r.dtype).toBe('int32');
    expect(r.item()).toBe(7);
    return session.close();
  });

  test('the same fetch with different feed keys, key kinds and orders', () => {
    const g = new tf.Graph();
    const withDefault = (value: number, name: string) =>
      g.addOperation('PlaceholderWithDefault', { inputs: [g.constant(value)], attrs: { shape: [] }, name }).output(0);
    const a = withDefault(1, 'a');
    const b = withDefault(10, 'b');
    const y = g.addOperation('Sub', { inputs: [a, b], name: 'y' }).output(0);
    const session = new tf.Session(g);
    expect(session.runSync(y).item()).toBe(-9);
    expect(session.runSync(y, new Map([[a, 5]])).item()).toBe(-5);
    expect(session.runSync(y, new Map([[a, 5], [b, 2]])).item()).toBe(3);
    expect(session.runSync(y, new Map([[b, 2], [a, 5]])).item()).toBe(3);
    expect(session.runSync(y, { 'b:0': 4 }).item()).toBe(-3);
    expect(session.runSync(y, { a: 7, b: 4 }).item()).toBe(3);
    expect(session.runSync(y, new Map([[a, 5]])).item()).toBe(-5);
    // Feeding a tensor the fetch does not depend on is allowed (as in Python) and changes nothing.
    const unused = y.op.graph.placeholder('float32', [], 'c');
    expect(session.runSync(y, new Map([[unused, 1]])).item()).toBe(-9);
    expect(session.runSync(y, new Map([[unused, 1], [a, 2]])).item()).toBe(-8);
    expect(() => session.runSync(y, { nothere: 1 })).toThrow(/nothere/);
    return session.close();
  });

  test('the native run refuses signatures of other sessions and malformed arguments without crashing', async () => {
    const { g, x, y } = addOne();
    const s1 = new tf.Session(g);
    const s2 = new tf.Session(g);
    const n1 = tf.Session._native(s1);
    const n2 = tf.Session._native(s2);
    const sig = n1.prepare([x.op._native], [x.index], [y.op._native], [y.index], []);
    expect(n1.runSync(sig, [2], null, false)).toEqual([3]);
    expect(() => n2.runSync(sig, [2], null, false)).toThrow(/another session/);
    expect(() => n2.run(sig, [2], null, false)).toThrow(/another session/);
    // Errors made by the addon belong to Node's own realm, not jest's: match their messages.
    const bad: unknown[] = [{}, null, 42, 'sig', [sig]];
    for (const b of bad) expect(() => n1.runSync(b as never, [2], null, false)).toThrow(/Expected a run signature/);
    expect(() => n1.runSync(sig, [], null, false)).toThrow(/one value per fed tensor/);
    expect(() => n1.runSync(sig, [{}], null, false)).toThrow(/Expected a Tensor, a number/);
    expect(() => n1.runSync(sig, ['2'], null, false)).toThrow(/Expected a Tensor, a number/);
    expect(() => n1.prepare([x.op._native], [5], [], [], [])).toThrow(/has no output 5/);
    expect(() => n1.prepare([y.op._native], [0], [{} as never], [0], [])).toThrow(/Expected a fetched tensor/);
    await s1.close();
    expect(() => n1.runSync(sig, [2], null, false)).toThrow(/closed/);
    expect(() => n1.prepare([], [], [], [], [])).toThrow(/closed/);
    await s2.close();
  });
});

describe('fed shapes against static shapes', () => {
  function matrix() {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2, 3], 'x');
    const y = g.addOperation('Identity', { inputs: [x], name: 'y' }).output(0);
    const rows = g.placeholder('float32', [null, 3], 'rows');
    const r = g.addOperation('Identity', { inputs: [rows] }).output(0);
    return { g, x, y, rows, r };
  }

  test('a feed whose shape contradicts the placeholder is a TypeError naming both shapes, as Python refuses it', async () => {
    const { g, x, y } = matrix();
    const sess = new tf.Session(g);
    const message = /Expected shape \[2, 3\] for Tensor 'x:0' but received (a tensor|values) of shape \[2\]/;
    expect(() => sess.runSync(y, new Map([[x, tf.tensor([1, 2])]]))).toThrow(TypeError);
    expect(() => sess.runSync(y, new Map([[x, tf.tensor([1, 2])]]))).toThrow(message);
    expect(() => sess.runSync(y, { x: [1, 2] })).toThrow(message);
    expect(() => sess.runSync(y, { x: tf.tensor([1, 2, 3, 4, 5, 6], [3, 2]) })).toThrow(/\[2, 3\] .* shape \[3, 2\]/);
    expect(() => sess.runSync(y, { x: 1 })).toThrow(/\[2, 3\] for Tensor 'x:0' but received a number of shape \[\]/);
    expect(() => sess.runSync(y, { x: new Float32Array(2) })).toThrow(/Cannot shape 2 values as \[2, 3\] for Tensor 'x:0'/);
    await expect(sess.run(y, { x: [[1, 2]] })).rejects.toThrow(/shape \[1, 2\]/);
    await sess.close();
  });

  test('compatible feeds still run: exact shapes, unknown dimensions, flat arrays shaped by the static shape', async () => {
    const { g, x, y, rows, r } = matrix();
    const sess = new tf.Session(g);
    expect(sess.runSync(y, { x: [[1, 2, 3], [4, 5, 6]] }).shape).toEqual([2, 3]);
    expect(sess.runSync(y, new Map([[x, new Float32Array([1, 2, 3, 4, 5, 6])]])).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(sess.runSync(r, new Map([[rows, tf.tensor(new Float32Array(12), [4, 3])]])).shape).toEqual([4, 3]);
    expect(sess.runSync(r, new Map([[rows, new Float32Array(9)]])).shape).toEqual([3, 3]);
    expect(() => sess.runSync(r, new Map([[rows, tf.tensor(new Float32Array(4), [1, 4])]]))).toThrow(/\[\?, 3\] .* \[1, 4\]/);
    const unknownRank = g.addOperation('Placeholder', { attrs: { dtype: 'float32' }, name: 'any' }).output(0);
    const z = g.addOperation('Identity', { inputs: [unknownRank] }).output(0);
    expect((await sess.run(z, new Map([[unknownRank, tf.tensor([[[1]]])]]))).shape).toEqual([1, 1, 1]);
    await sess.close();
  });
});
