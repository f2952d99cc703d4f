// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../lib';

const names = (g: tf.Graph) => g.operations().map((op) => op.name);

async function withSession<T>(g: tf.Graph, fn: (sess: tf.Session) => Promise<T>, options?: tf.SessionOptions): Promise<T> {
  const sess = new tf.Session(g, options);
  try {
    return await fn(sess);
  } finally {
    await sess.close();
  }
}

describe('creating variables', () => {
  test('g.variable builds the resource-variable graph Python builds', () => {
    const g = new tf.Graph();
    const v = g.variable([1, 2, 3], { name: 'v' });
    expect(names(g)).toEqual([
      'v/Initializer/initial_value',
      'v',
      'v/IsInitialized/VarIsInitializedOp',
      'v/Assign',
      'v/Read/ReadVariableOp',
    ]);
    expect(v.name).toBe('v');
    expect(v.op.type).toBe('VarHandleOp');
    expect(v.op.attr('shared_name')).toBe('v');
    expect(v.handle.dtype).toBe('resource');
    expect(v.dtype).toBe('float32');
    expect(v.shape).toEqual([3]);
    expect(v.initializer.type).toBe('AssignVariableOp');
    expect(v.initializer.name).toBe('v/Assign');
    expect(v.initialValue.name).toBe('v/Initializer/initial_value:0');
    expect(v.value().name).toBe('v/Read/ReadVariableOp:0');
    expect(v.trainable).toBe(true);
    expect(String(v)).toBe("Variable 'v' (float32 [3])");
  });

  test('names follow the name scope and are made unique; the default name is Variable', () => {
    const g = new tf.Graph();
    const a = g.variable(1, { name: 'x' });
    const b = g.variable(1, { name: 'x' });
    const c = g.nameScope('outer', () => g.variable(1, { name: 'x' }));
    const d = g.variable(1);
    const e = g.variable(1);
    expect([a, b, c, d, e].map((v) => v.name)).toEqual(['x', 'x_1', 'outer/x', 'Variable', 'Variable_1']);
    expect(g.operation('x_1/Assign')).toBeDefined();
  });

  test('initial values: numbers, arrays, Tensors, Outputs, Variables and functions', async () => {
    const g = new tf.Graph();
    const a = g.variable(2.5, { name: 'a' });
    const b = g.variable([[1, 2], [3, 4]], { name: 'b', dtype: 'int32' });
    const c = g.variable(tf.tensor(new Float64Array([1.5, 2.5])), { name: 'c' });
    const d = g.variable(g.constant([7, 8, 9], { dtype: 'int64' }), { name: 'd' });
    const e = g.variable(a, { name: 'e' });
    const f = g.variable(() => g.constant([true, false]), { name: 'f' });
    const h = g.variable(10n, { name: 'h', dtype: 'int64' });
    expect(f.initialValue.name).toBe('f/Initializer/Const:0');
    expect([a, b, c, d, e, f, h].map((v) => v.dtype)).toEqual(['float32', 'int32', 'float64', 'int64', 'float32', 'bool', 'int64']);
    await withSession(g, async (sess) => {
      await sess.run(tf.variablesInitializer([a, b, c, d, f, h]));
      await sess.run(e.initializer);
      const r = await sess.run({ a, b, c, d, e, f, h });
      expect(r.a.item()).toBe(2.5);
      expect(r.b.toArray()).toEqual([[1, 2], [3, 4]]);
      expect(r.c.toArray()).toEqual([1.5, 2.5]);
      expect(r.d.toArray()).toEqual([7n, 8n, 9n]);
      expect(r.e.item()).toBe(2.5);
      expect(r.f.toArray()).toEqual([true, false]);
      expect(r.h.item()).toBe(10n);
    });
  });

  test('shape: the initial value gives it; a compatible explicit shape may leave dimensions unknown', () => {
    const g = new tf.Graph();
    const v = g.variable([1, 2, 3], { shape: [null] });
    expect(v.shape).toEqual([null]);
    expect(v.op.attr('shape')).toEqual([null]);
    expect(() => g.variable([1, 2, 3], { shape: [4] })).toThrow(/initial value's shape \[3\] is not compatible with the explicitly supplied shape \[4\]/);
  });

  test('variables ignore control dependencies in force, as Python builds them in an init scope', () => {
    const g = new tf.Graph();
    const noop = g.addOperation('NoOp');
    const v = g.controlDependencies([noop], () => g.variable(1, { name: 'v' }));
    for (const op of g.operations()) expect(op.controlInputs).toEqual([]);
    expect(v.initializer.controlInputs).toEqual([]);
  });
});

describe('initializing and reading', () => {
  test('reading an uninitialized variable rejects with FailedPreconditionError naming it', async () => {
    const g = new tf.Graph();
    const w = g.getVariable('w', { shape: [2] });
    await withSession(g, async (sess) => {
      const err = await sess.run(w).catch((e) => e);
      expect(err).toBeInstanceOf(tf.errors.FailedPreconditionError);
      expect(err.message).toMatch(/variable w\b/);
      expect(() => sess.runSync(w)).toThrow(tf.errors.FailedPreconditionError);
    });
  });

  test('globalVariablesInitializer, localVariablesInitializer, variablesInitializer and initializer', async () => {
    const g = new tf.Graph();
    const a = g.variable(1, { name: 'a' });
    const b = g.variable(2, { name: 'b', trainable: false });
    const l = g.variable(3, { name: 'l', collections: [tf.GraphKeys.LOCAL_VARIABLES] });
    const initG = tf.globalVariablesInitializer(g);
    const initL = tf.localVariablesInitializer(g);
    expect(initG.name).toBe('init');
    expect(initG.type).toBe('NoOp');
    expect(initG.controlInputs.map((o) => o.name)).toEqual(['a/Assign', 'b/Assign']);
    expect(initL.name).toBe('init_1');
    expect(initL.controlInputs.map((o) => o.name)).toEqual(['l/Assign']);
    const report = tf.reportUninitializedVariables(g);
    expect(report.dtype).toBe('string');
    expect(report.op.device).toBe('/device:CPU:0');
    await withSession(g, async (sess) => {
      expect((await sess.run(report)).data()).toEqual(['a', 'b', 'l']);
      await sess.run(initL);
      expect((await sess.run(report)).data()).toEqual(['a', 'b']);
      await sess.run(a.initializer);
      expect((await sess.run(report)).data()).toEqual(['b']);
      expect((await sess.run(tf.reportUninitializedVariables(g, [a]))).data()).toEqual([]);
      await sess.run(initG);
      expect((await sess.run(report)).data()).toEqual([]);
      expect((await sess.run([a, b, l])).map((t) => t.item())).toEqual([1, 2, 3]);
    });
  });

  test('initializers of an empty graph are NoOps; the report is an empty vector', async () => {
    const g = new tf.Graph();
    const init = tf.globalVariablesInitializer(g);
    expect(init.type).toBe('NoOp');
    expect(init.controlInputs).toEqual([]);
    expect(tf.variablesInitializer([], { graph: g, name: 'nothing' }).name).toBe('nothing');
    const report = tf.reportUninitializedVariables(g);
    await withSession(g, async (sess) => {
      await sess.run(init);
      const r = await sess.run(report);
      expect(r.shape).toEqual([0]);
    });
  });

  test('isInitialized()', async () => {
    const g = new tf.Graph();
    const v = g.variable(1);
    const check = v.isInitialized();
    expect(check.dtype).toBe('bool');
    await withSession(g, async (sess) => {
      expect((await sess.run(check)).item()).toBe(false);
      await sess.run(v.initializer);
      expect((await sess.run(check)).item()).toBe(true);
    });
  });

  test('initializedValue() lets one initial value use another variable, in any initializer order', async () => {
    const g = new tf.Graph();
    const w = g.variable([1, 2], { name: 'w' });
    const two = g.constant(2);
    const v = g.variable(g.addOperation('Mul', { inputs: [w.initializedValue(), two], attrs: { T: 'float32' } }).output(0), { name: 'v' });
    await withSession(g, async (sess) => {
      // v first, while w is uninitialized: w's initial value is used.
      await sess.run(v.initializer);
      expect((await sess.run(v)).toArray()).toEqual([2, 4]);
      await sess.run(w.initializer);
      await sess.run(w.assign([5, 6]));
      // Now w is initialized: its current value is used.
      await sess.run(v.initializer);
      expect((await sess.run(v)).toArray()).toEqual([10, 12]);
    });
    await withSession(g, async (sess) => {
      await sess.run(tf.globalVariablesInitializer(g));
      expect((await sess.run([w, v])).map((t) => t.toArray())).toEqual([[1, 2], [2, 4]]);
    });
  });
});

describe('using variables', () => {
  test('a Variable is accepted where an Output is, and fetched as its value', async () => {
    const g = new tf.Graph();
    const w = g.variable([[1, 2], [3, 4]], { name: 'w' });
    const x = g.placeholder('float32', [1, 2], 'x');
    const y = g.addOperation('MatMul', { inputs: [x, w], attrs: { T: 'float32' } }).output(0);
    expect(y.op.inputs[1]).toBe(w.value());
    await withSession(g, async (sess) => {
      await sess.run(w.initializer);
      expect((await sess.run(y, { x: [[1, 1]] })).toArray()).toEqual([[4, 6]]);
      const r = await sess.run({ both: [w, w.value()] });
      expect(r.both[0].toArray()).toEqual(r.both[1].toArray());
      expect(sess.runSync(w).toArray()).toEqual([[1, 2], [3, 4]]);
    });
  });

  test('assign, assignAdd and assignSub return reads after the update', async () => {
    const g = new tf.Graph();
    const v = g.variable([1, 2], { name: 'v' });
    const set = v.assign([10, 20]);
    const add = v.assignAdd(g.constant([1, 1]));
    const sub = v.assignSub(tf.tensor([5, 5]));
    expect(set.op.type).toBe('ReadVariableOp');
    expect(set.op.controlInputs.map((o) => o.type)).toEqual(['AssignVariableOp']);
    const op = v.assign([0, 0], { readValue: false, name: 'reset' });
    expect(op).toBeInstanceOf(tf.Operation);
    expect(op.name).toBe('reset');
    expect(op.attr('validate_shape')).toBe(true);
    await withSession(g, async (sess) => {
      await sess.run(v.initializer);
      expect((await sess.run(set)).toArray()).toEqual([10, 20]);
      expect((await sess.run(add)).toArray()).toEqual([11, 21]);
      expect((await sess.run(add)).toArray()).toEqual([12, 22]);
      expect((await sess.run(sub)).toArray()).toEqual([7, 17]);
      expect(await sess.run(op)).toBeNull();
      expect((await sess.run(v)).toArray()).toEqual([0, 0]);
    });
  });

  test('readValue() under controlDependencies([assignment]) sees the assigned value', async () => {
    const g = new tf.Graph();
    const v = g.variable(1, { name: 'v' });
    const assignment = v.assignAdd(10, { readValue: false });
    const after = g.controlDependencies([assignment], () => v.readValue());
    expect(after.op.type).toBe('Identity');
    expect(after.op.inputs[0].op.name).toBe('Read/ReadVariableOp');
    await withSession(g, async (sess) => {
      await sess.run(v.initializer);
      expect((await sess.run(after)).item()).toBe(11);
      expect((await sess.run(after)).item()).toBe(21);
    });
  });

  test('load(session, value) sets the value through the initializer', async () => {
    const g = new tf.Graph();
    const v = g.getVariable('v', { shape: [2, 2] });
    await withSession(g, async (sess) => {
      await v.load(sess, [[1, 2], [3, 4]]);
      expect((await sess.run(v)).toArray()).toEqual([[1, 2], [3, 4]]);
      await v.load(sess, tf.tensor(new Float32Array([5, 6, 7, 8]), [2, 2]));
      expect((await sess.run(v)).toArray()).toEqual([[5, 6], [7, 8]]);
      await expect(v.load(sess, [1, 2, 3])).rejects.toThrow(/shape mismatch/);
      await expect(v.load(sess, tf.tensor([1, 2, 3, 4], [2, 2], 'int32'))).rejects.toThrow(TypeError);
      const other = new tf.Session(new tf.Graph());
      await expect(v.load(other, [[1, 2], [3, 4]])).rejects.toThrow(/the session runs Graph #\d+, but the variable belongs to Graph #\d+/);
      await expect(v.load({} as never, 1)).rejects.toThrow(TypeError);
      await other.close();
    });
  });
});

describe('collections', () => {
  test('GLOBAL and TRAINABLE by default; trainable: false; LOCAL; any key', () => {
    const g = new tf.Graph();
    const a = g.variable(1, { name: 'a' });
    const b = g.variable(1, { name: 'b', trainable: false });
    const c = g.variable(1, { name: 'c', collections: [tf.GraphKeys.LOCAL_VARIABLES], trainable: false });
    const d = g.variable(1, { name: 'd', collections: ['mine'] });
    g.addToCollection('mine', a);
    expect(g.globalVariables()).toEqual([a, b]);
    expect(g.trainableVariables()).toEqual([a, d]);
    expect(g.localVariables()).toEqual([c]);
    expect(g.getCollection('mine')).toEqual([d, a]);
    expect(g.getCollection(tf.GraphKeys.GLOBAL_VARIABLES)).toEqual([a, b]);
    const scoped = g.nameScope('s', () => g.variable(1, { name: 'e' }));
    expect(g.globalVariables('s/')).toEqual([scoped]);
  });
});

describe('device placement', () => {
  test('g.device places the variable and its assign and read ops; initializers stay unplaced', () => {
    const g = new tf.Graph();
    const v = g.device('/device:GPU:1', () => g.getVariable('v', { shape: [2] }));
    expect(v.device).toBe('/device:GPU:1');
    expect(g.operation('v/Assign')!.device).toBe('/device:GPU:1');
    expect(g.operation('v/Read/ReadVariableOp')!.device).toBe('/device:GPU:1');
    expect(g.operation('v/Initializer/random_uniform')!.device).toBe('');
    const byFn = g.device((op) => (op.type === 'VarHandleOp' ? '/device:CPU:0' : null), () => g.variable(1, { name: 'f' }));
    expect(byFn.device).toBe('/device:CPU:0');
  });

  test('a session with allowSoftPlacement runs a graph that asks for an absent device', async () => {
    const g = new tf.Graph();
    const probe = new tf.Session(new tf.Graph());
    const absent = `/device:GPU:${probe.listDevices().filter((d) => d.type === 'GPU').length + 1}`;
    await probe.close();
    const v = g.device(absent, () => g.variable([1, 2], { name: 'v' }));
    const init = tf.globalVariablesInitializer(g);
    await withSession(g, async (sess) => {
      await sess.run(init);
      expect((await sess.run(v)).toArray()).toEqual([1, 2]);
    }, { config: { allowSoftPlacement: true } });
    const strict = new tf.Session(g);
    await expect(strict.run(init)).rejects.toBeInstanceOf(tf.errors.InvalidArgumentError);
    await strict.close();
  });

  test('replicaDeviceSetter: variables round-robin on ps tasks, other ops on the worker', () => {
    const g = new tf.Graph();
    const setter = tf.train.replicaDeviceSetter({ cluster: { ps: ['ps0:1', 'ps1:1', 'ps2:1'], worker: ['w0:1'] } })!;
    const vars = g.device(setter, () => [0, 1, 2, 3].map((i) => g.getVariable(`v${i}`, { shape: [1] })));
    expect(vars.map((v) => v.device)).toEqual(['/job:ps/task:0', '/job:ps/task:1', '/job:ps/task:2', '/job:ps/task:0']);
    expect(g.operation('v1/Assign')!.device).toBe('/job:ps/task:1');
    expect(g.operation('v1/IsInitialized/VarIsInitializedOp')!.device).toBe('/job:worker');
    const c = g.device(setter, () => g.constant(1, { name: 'c' }));
    expect(c.op.device).toBe('/job:worker');
    const pinned = g.device(setter, () => g.device('/job:ps/task:2/device:CPU:0', () => g.variable(1, { name: 'pinned' })));
    expect(pinned.device).toBe('/job:ps/task:2/device:CPU:0');
  });

  test('replicaDeviceSetter options', () => {
    expect(tf.train.replicaDeviceSetter({ cluster: { worker: ['w:1'] } })).toBeNull();
    expect(tf.train.replicaDeviceSetter()).toBeNull();
    const g = new tf.Graph();
    const setter = tf.train.replicaDeviceSetter({
      psTasks: 2,
      psDevice: '/job:params',
      workerDevice: '/job:w/task:3',
      psOps: ['VarHandleOp', 'Const'],
    })!;
    const c = g.device(setter, () => g.constant(1));
    expect(c.op.device).toBe('/job:params/task:0');
    const p = g.device(setter, () => g.placeholder('float32'));
    expect(p.op.device).toBe('/job:w/task:3');
    const custom = tf.train.replicaDeviceSetter({ psTasks: 4, psStrategy: () => 3 })!;
    expect(g.device(custom, () => g.variable(1)).device).toBe('/job:ps/task:3');
    const keep = tf.train.replicaDeviceSetter({ psTasks: 1, mergeDevices: false })!;
    expect(g.device(keep, () => g.device('/job:x', () => g.constant(1))).op.device).toBe('/job:x');
    expect(() => tf.train.replicaDeviceSetter({ psTasks: -1 })).toThrow(RangeError);
    expect(() => tf.train.replicaDeviceSetter({ psTasks: 1, psStrategy: 3 as never })).toThrow(/psStrategy must be callable/);
    expect(() => tf.train.replicaDeviceSetter({ cluster: 'x' as never })).toThrow(TypeError);
  });
});

describe('bad input', () => {
  test('assign with another dtype or shape throws and leaves the graph unchanged', () => {
    const g = new tf.Graph();
    const v = g.variable([1, 2], { name: 'v' });
    const ints = g.constant([1, 2], { dtype: 'int32' });
    const row = g.constant([[1, 2]]);
    const n = g.numOperations;
    expect(() => v.assign(ints)).toThrow(/dtype int32 .* has dtype float32/);
    expect(() => v.assign([1, 2, 3])).toThrow(/shape mismatch\. The variable shape \[2\] and the shape \[3\]/);
    expect(() => v.assignAdd(row)).toThrow(/shape mismatch/);
    expect(() => v.assign(tf.tensor([1, 2], [2], 'float64'))).toThrow(TypeError);
    expect(() => v.assign({} as never)).toThrow(TypeError);
    expect(() => v.assign([1, 2], { name: 5 as never })).toThrow(TypeError);
    expect(g.numOperations).toBe(n);
  });

  test('a Variable of another graph is a clear error', () => {
    const g1 = new tf.Graph();
    const g2 = new tf.Graph();
    const v1 = g1.variable(1, { name: 'v1' });
    const v2 = g2.variable(1, { name: 'v2' });
    const n = g2.numOperations;
    expect(() => g2.addOperation('Identity', { inputs: [v1], attrs: { T: 'float32' } })).toThrow(/belongs to Graph #\d+ but is used in Graph #\d+/);
    expect(() => v2.assign(v1)).toThrow(/belongs to/);
    expect(() => g2.variable(v1)).toThrow(/belongs to/);
    expect(() => tf.variablesInitializer([v1, v2])).toThrow(/belongs to Graph #\d+, not to Graph #\d+/);
    expect(() => tf.reportUninitializedVariables(g2, [v1])).toThrow(/belongs to/);
    expect(g2.numOperations).toBe(n);
  });

  test('invalid names, options and initial values', () => {
    const g = new tf.Graph();
    expect(() => g.variable(1, { name: 'bad name!' })).toThrow("'bad name!' is not a valid root scope name");
    expect(() => g.nameScope('s', () => g.variable(1, { name: 'no spaces' }))).toThrow(/is not a valid scope name/);
    expect(() => g.variable(1, { name: 3 as never })).toThrow(TypeError);
    expect(() => g.variable(undefined as never)).toThrow(/needs an initial value/);
    expect(() => g.variable({} as never)).toThrow(TypeError);
    expect(() => g.variable(1, { dtype: 'float33' as never })).toThrow(TypeError);
    expect(() => g.variable(1, { trainable: 'yes' as never })).toThrow(TypeError);
    expect(() => g.variable(1, { collections: 'variables' as never })).toThrow(TypeError);
    expect(() => g.variable(1, { shape: [-2] })).toThrow(RangeError);
    expect(() => g.variable(g.constant(1), { dtype: 'float64' })).toThrow(/requested dtype float64/);
    expect(() => g.variable(['a', 1] as never, { dtype: 'float32' })).toThrow(TypeError);
    expect(() => g.variable(1, 'opts' as never)).toThrow(TypeError);
    expect(g.numOperations).toBe(1); // the Const of the dtype check
    expect(() => tf.globalVariablesInitializer({} as never)).toThrow(TypeError);
    expect(() => tf.variablesInitializer([{}] as never)).toThrow(TypeError);
    expect(() => tf.variablesInitializer([])).toThrow(/needs options.graph/);
  });
});

describe('Variable.toProto / fromProto', () => {
  test('round-trip in the same graph and under scopes', () => {
    const g = new tf.Graph();
    const v = g.nameScope('m', () => g.getVariable('w', { shape: [2] }));
    const def = v.toProto()!;
    expect(def).toEqual({
      variable_name: 'w:0',
      initial_value_name: 'w/Initializer/random_uniform:0',
      initializer_name: 'w/Assign',
      snapshot_name: 'w/Read/ReadVariableOp:0',
      is_resource: true,
      trainable: true,
    });
    const back = tf.Variable.fromProto(g, def);
    expect(back.name).toBe('w');
    expect(back.initializer).toBe(v.initializer);
    expect(back.shape).toEqual([2]);
    const scoped = g.variableScope('outer', () => g.getVariable('u', { shape: [1] }));
    expect(scoped.toProto('outer')!.variable_name).toBe('u:0');
    expect(scoped.toProto('elsewhere')).toBeNull();
    expect(() => tf.Variable.fromProto(g, { ...def, variable_name: 'missing:0' })).toThrow(/has no variable handle 'missing:0'/);
    expect(() => tf.Variable.fromProto(g, { ...def, is_resource: false })).toThrow(/only resource variables/);
  });
});

describe('a Variable used as an input under control dependencies', () => {
  test('is read after the dependencies, as Python reads resource variables per use', async () => {
    const g = new tf.Graph();
    const v = g.variable(tf.tensor([1, 2]), { name: 'v' });
    const assign = v.assign(g.constant([10, 20]));
    const y = g.controlDependencies([assign], () => g.addOperation('Neg', { inputs: [v] }).output(0));
    const session = new tf.Session(g);
    await session.run(tf.globalVariablesInitializer(g));
    expect((await session.run(y)).toArray()).toEqual([-10, -20]);
    await session.close();
  });
});
