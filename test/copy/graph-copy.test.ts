// SPDX-License-Identifier: Apache-2.0
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { prefixAttrStrings } from '../../lib/copy/graph-def-builder';
import { WireGraphDef } from '../../lib/copy/node-index';
import { describeGraphDef } from '../../lib/graph/graph-import';
import { decode, encode } from '../../lib/proto';
import { describePython, runPython, tempDir } from '../helpers/python';

type Out = tf.Output;

/** Deterministic data for y = 0.1·x₁ + 0.2·x₂ + 0.3 (TensorFlow's getting-started regression). */
function regressionData(n = 100): { x: Float32Array; y: Float32Array } {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const x = new Float32Array(2 * n);
  for (let i = 0; i < x.length; i++) x[i] = rand();
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 0.1 * x[i] + 0.2 * x[n + i] + 0.3;
  return { x, y };
}

interface Regression {
  g: tf.Graph;
  x: Out;
  y: Out;
  W: tf.Variable;
  b: tf.Variable;
  prediction: Out;
  loss: Out;
  train: tf.Operation;
}

/** y = W·x + b with a mean-squared loss and gradient descent; data as constants or as placeholders. */
function regression(options: { placeholders?: boolean; fixedInit?: boolean; g?: tf.Graph } = {}): Regression {
  const g = options.g ?? new tf.Graph();
  const data = regressionData();
  const x = options.placeholders ? g.placeholder('float32', [2, null], 'x') : g.constant(tf.tensor(data.x, [2, 100]), { name: 'x' });
  const y = options.placeholders ? g.placeholder('float32', [1, null], 'y') : g.constant(tf.tensor(data.y, [1, 100]), { name: 'y' });
  const W = options.fixedInit
    ? g.variable(tf.tensor([[0.5, -0.5]]), { name: 'W' })
    : g.getVariable('W', { shape: [1, 2], initializer: tf.initializers.randomUniform({ minval: -1, maxval: 1 }) });
  const b = g.getVariable('b', { shape: [1], initializer: tf.initializers.zeros() });
  const prediction = g.ops.addV2(g.ops.matMul(W, x), b, { name: 'prediction' });
  const loss = g.ops.mean(g.ops.square(g.ops.sub(prediction, y)), [0, 1], { name: 'loss' });
  const train = new tf.train.GradientDescentOptimizer(0.5).minimize(loss);
  g.addToCollection(tf.GraphKeys.LOSSES, loss);
  return { g, x, y, W, b, prediction, loss, train };
}

async function trainFor(sess: tf.Session, train: tf.Operation, steps: number, feeds?: tf.Feeds): Promise<void> {
  for (let i = 0; i < steps; i++) await sess.run(train, feeds);
}

function values(t: tf.Tensor): number[] {
  return Array.from(t.data() as Float32Array);
}

function expectClose(actual: number[], expected: number[], digits = 3): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i], digits));
}

describe('copyToGraph: a training op', () => {
  test('scenario 1: the train op copied under CopiedOps trains its own copy to W≈[0.1, 0.2], b≈0.3', async () => {
    const src = regression();
    const sess = new tf.Session(src.g);
    await sess.run(tf.globalVariablesInitializer(src.g));
    await trainFor(sess, src.train, 200);
    expectClose(values(await sess.run(src.W)), [0.1, 0.2], 2);
    expectClose(values(await sess.run(src.b)), [0.3], 2);

    const g2 = new tf.Graph();
    const trainCopy = tf.copy.copyToGraph(src.train, g2, { namespace: 'CopiedOps' });
    expect(trainCopy).toBeInstanceOf(tf.Operation);
    expect(trainCopy.name).toBe(`CopiedOps/${src.train.name}`);
    const W2 = tf.copy.getCopied(src.W, g2, { namespace: 'CopiedOps' });
    const b2 = tf.copy.getCopied(src.b, g2, { namespace: 'CopiedOps' });
    expect(W2).toBeInstanceOf(tf.Variable);
    expect(W2.name).toBe('CopiedOps/W');
    expect(W2.graph).toBe(g2);
    // The copies join the variable collections, so the destination's initializer covers them.
    expect(g2.globalVariables().map((v) => v.name).sort()).toEqual(['CopiedOps/W', 'CopiedOps/b']);
    expect(g2.trainableVariables().map((v) => v.name).sort()).toEqual(['CopiedOps/W', 'CopiedOps/b']);
    expect(g2.getCollection('CopiedOps/variables').length).toBe(2);
    // minimize() put the train op in TRAIN_OP; its copy is in CopiedOps/train_op.
    expect(src.g.getCollection(tf.GraphKeys.TRAIN_OP)).toEqual([src.train]);
    expect(g2.getCollection('CopiedOps/train_op')).toEqual([trainCopy]);
    expect(g2.getCollection('CopiedOps/losses')).toEqual([tf.copy.getCopied(src.loss, g2, { namespace: 'CopiedOps' })]);

    const sess2 = new tf.Session(g2);
    await sess2.run(tf.globalVariablesInitializer(g2));
    await trainFor(sess2, trainCopy, 200);
    expectClose(values(await sess2.run(W2)), [0.1, 0.2], 2);
    expectClose(values(await sess2.run(b2)), [0.3], 2);
    const lossCopy = tf.copy.getCopied(src.loss, g2, { namespace: 'CopiedOps' });
    expect((await sess2.run(lossCopy)).item()).toBeLessThan(1e-4);
    await Promise.all([sess.close(), sess2.close()]);
  });

  test('scenario 2: a placeholder-fed model copied; its placeholders found with getCopied and fed give the same results', async () => {
    const src = regression({ placeholders: true, fixedInit: true });
    const g2 = new tf.Graph();
    const [trainCopy, lossCopy] = tf.copy.copyToGraph([src.train, src.loss], g2, { namespace: 'CopiedOps' });
    const x2 = tf.copy.getCopied(src.x, g2, { namespace: 'CopiedOps' });
    const y2 = tf.copy.getCopied(src.y, g2, { namespace: 'CopiedOps' });
    expect(x2.name).toBe('CopiedOps/x:0');
    expect(x2.op.type).toBe('Placeholder');
    expect(x2.shape).toEqual([2, null]);
    const data = regressionData();
    const s1 = new tf.Session(src.g);
    const s2 = new tf.Session(g2);
    await s1.run(tf.globalVariablesInitializer(src.g));
    await s2.run(tf.globalVariablesInitializer(g2));
    const feeds1 = new Map<Out, tf.Tensor>([[src.x, tf.tensor(data.x, [2, 100])], [src.y, tf.tensor(data.y, [1, 100])]]);
    const feeds2 = new Map<Out, tf.Tensor>([[x2, tf.tensor(data.x, [2, 100])], [y2, tf.tensor(data.y, [1, 100])]]);
    for (let i = 0; i < 50; i++) {
      await s1.run(src.train, feeds1);
      await s2.run(trainCopy as tf.Operation, feeds2);
    }
    const [l1, w1] = await s1.run([src.loss, src.W], feeds1);
    const [l2, w2] = await s2.run([lossCopy as Out, tf.copy.getCopied(src.W, g2, { namespace: 'CopiedOps' })], feeds2);
    // Same ops, same start, same data: the same numbers.
    expect(values(w2)).toEqual(values(w1));
    expect(l2.item()).toBe(l1.item());
    await Promise.all([s1.close(), s2.close()]);
  });

  test('an Adam train op with a global step: slots and the step are copied and initialized; the copy matches step for step', async () => {
    const g = new tf.Graph();
    const data = regressionData();
    const x = g.placeholder('float32', [2, null], 'x');
    const y = g.placeholder('float32', [1, null], 'y');
    const W = g.variable(tf.tensor([[0.5, -0.5]]), { name: 'W' });
    const b = g.variable(tf.tensor([0]), { name: 'b' });
    const loss = g.ops.mean(g.ops.square(g.ops.sub(g.ops.addV2(g.ops.matMul(W, x), b), y)), [0, 1], { name: 'loss' });
    const step = tf.train.getOrCreateGlobalStep(g);
    const train = new tf.train.AdamOptimizer(0.05).minimize(loss, { globalStep: step });
    const g2 = new tf.Graph();
    const train2 = tf.copy.copyToGraph(train, g2, { namespace: 'CopiedOps' });
    const names = g2.globalVariables().map((v) => v.name).sort();
    expect(names).toEqual(g.globalVariables().map((v) => `CopiedOps/${v.name}`).sort());
    expect(names).toEqual(expect.arrayContaining(['CopiedOps/W/Adam', 'CopiedOps/W/Adam_1', 'CopiedOps/global_step']));
    expect(g2.trainableVariables().map((v) => v.name).sort()).toEqual(['CopiedOps/W', 'CopiedOps/b']);
    const s1 = new tf.Session(g);
    const s2 = new tf.Session(g2);
    await s1.run(tf.globalVariablesInitializer(g));
    await s2.run(tf.globalVariablesInitializer(g2));
    const feeds = (ns: string) => ({ [`${ns}x:0`]: tf.tensor(data.x, [2, 100]), [`${ns}y:0`]: tf.tensor(data.y, [1, 100]) });
    for (let i = 0; i < 20; i++) {
      await s1.run(train, feeds(''));
      await s2.run(train2, feeds('CopiedOps/'));
    }
    const W2 = tf.copy.getCopied(W, g2, { namespace: 'CopiedOps' });
    const step2 = tf.copy.getCopied(step, g2, { namespace: 'CopiedOps' });
    expect(values(await s2.run(W2))).toEqual(values(await s1.run(W)));
    expect((await s2.run(step2)).item()).toBe(20n);
    await Promise.all([s1.close(), s2.close()]);
  });

  test('a copy in the same graph has its own variables (shared names follow the namespace)', async () => {
    const src = regression({ fixedInit: true });
    const trainCopy = tf.copy.copyToGraph(src.train, src.g, { namespace: 'replica' });
    const Wc = tf.copy.getCopied(src.W, src.g, { namespace: 'replica' });
    expect(Wc.handle.op.attr('shared_name')).toBe('replica/W');
    expect(src.W.handle.op.attr('shared_name')).toBe('W');
    const sess = new tf.Session(src.g);
    await sess.run(tf.globalVariablesInitializer(src.g));
    await trainFor(sess, trainCopy, 100);
    // Only the copy trained.
    expectClose(values(await sess.run(src.W)), [0.5, -0.5], 6);
    expectClose(values(await sess.run(Wc)), [0.1, 0.2], 1);
    await sess.close();
  });

  test('inputMap: a copied sub-model reads from a different placeholder (graph_editor copy_with_input_replacements)', async () => {
    const src = regression({ placeholders: true, fixedInit: true });
    const g2 = new tf.Graph();
    const features = g2.placeholder('float32', [2, null], 'features');
    const pred2 = tf.copy.copyToGraph(src.prediction, g2, { namespace: 'model', inputMap: { 'x:0': features } });
    expect(g2.operation('model/x')).toBeUndefined();
    expect(pred2.op.inputs[0].op.inputs[1]).toBe(features);
    // A Map keyed by the source Output works the same, and the mapped tensor itself is its replacement.
    const g3 = new tf.Graph();
    const f3 = g3.placeholder('float32', [2, 3], 'f');
    expect(tf.copy.copyToGraph(src.x, g3, { inputMap: new Map([[src.x, f3]]) })).toBe(f3);
    const s2 = new tf.Session(g2);
    await s2.run(tf.globalVariablesInitializer(g2));
    const out = await s2.run(pred2, new Map([[features, tf.tensor([[1, 2], [3, 4]])]]));
    expectClose(values(out), [0.5 * 1 - 0.5 * 3, 0.5 * 2 - 0.5 * 4], 6);
    await s2.close();
  });

  test('inputMap within one graph: a copy of the model reads another input (and does not touch the original)', async () => {
    const src = regression({ placeholders: true, fixedInit: true });
    const other = src.g.placeholder('float32', [2, null], 'other_x');
    const alt = tf.copy.copyToGraph(src.prediction, src.g, { namespace: 'alt', inputMap: new Map([[src.x, other]]) });
    expect(src.g.operation('alt/x')).toBeUndefined();
    const sess = new tf.Session(src.g);
    await sess.run(tf.globalVariablesInitializer(src.g));
    const [a, b] = await sess.run([src.prediction, alt], new Map([[src.x, tf.tensor([[1], [0]])], [other, tf.tensor([[0], [1]])]]));
    expect(values(a)).toEqual([0.5]);
    expect(values(b)).toEqual([-0.5]);
    await sess.close();
  });

  test('copiedVariables: source variables replaced by variables of the destination', async () => {
    const src = regression({ placeholders: true, fixedInit: true });
    const g2 = new tf.Graph();
    const W = g2.variable(tf.tensor([[2, 3]]), { name: 'M/W' });
    const n = g2.numOperations;
    const pred = tf.copy.copyToGraph(src.prediction, g2, { namespace: 'M', copiedVariables: [W] });
    expect(g2.operation('M/W/Assign')).toBe(W.initializer); // not copied again
    expect(g2.numOperations).toBeGreaterThan(n);
    expect(tf.copy.getCopied(src.W, g2, { namespace: 'M' })).toBe(W);
    const sess = new tf.Session(g2);
    await sess.run(tf.globalVariablesInitializer(g2));
    const out = await sess.run(pred, { 'M/x:0': tf.tensor([[1], [1]]) });
    expectClose(values(out), [5], 6);
    // A Map names the replacement explicitly, under any name.
    const g3 = new tf.Graph();
    const other = g3.variable(tf.tensor([[1, 1]]), { name: 'weights' });
    tf.copy.copyToGraph(src.prediction, g3, { namespace: 'M', copiedVariables: new Map([[src.W, other]]) });
    expect(g3.operation('M/W')).toBeUndefined();
    expect(tf.copy.getCopied(src.W, g3, { namespace: 'M' })).toBe(other);
    await sess.close();
  });
});

describe('copyToGraph: structure', () => {
  function smallGraph() {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [null], 'x');
    const c = g.constant([2], { name: 'c' });
    const y = g.ops.mul(x, c, { name: 'y' });
    const z = g.ops.addV2(y, c, { name: 'z' });
    const w = g.ops.sub(y, c, { name: 'w' });
    return { g, x, c, y, z, w };
  }

  test('everything is copied once, even across calls and for elements with shared ancestors', () => {
    const { g, y, z, w } = smallGraph();
    const h = new tf.Graph();
    const z2 = tf.copy.copyToGraph(z, h, { namespace: 'N' });
    expect(h.operations().map((o) => o.name).sort()).toEqual(['N/c', 'N/x', 'N/y', 'N/z']);
    expect(tf.copy.copyToGraph(z, h, { namespace: 'N' })).toBe(z2);
    expect(tf.copy.copyToGraph(y.op, h, { namespace: 'N' })).toBe(h.operation('N/y'));
    expect(h.numOperations).toBe(4);
    const w2 = tf.copy.copyToGraph(w, h, { namespace: 'N' });
    expect(h.numOperations).toBe(5);
    expect(w2.op.inputs.map((i) => i.name)).toEqual(['N/y:0', 'N/c:0']);
    // Another namespace is another copy.
    tf.copy.copyToGraph(z, h, { namespace: 'M' });
    expect(h.numOperations).toBe(9);
    expect(tf.copy.getCopied(g.operation('x')!, h, { namespace: 'M' }).name).toBe('M/x');
  });

  test('a source that grows after a copy: its new operations are found and copied, earlier copies reused', async () => {
    const { g, x, c, z } = smallGraph();
    const h = new tf.Graph();
    tf.copy.copyToGraph(z, h, { namespace: 'N' });
    expect(h.numOperations).toBe(4);
    // Operations added to the source after the copy read its GraphDef (and the copy's records of it) anew.
    const d = g.constant([10], { name: 'd' });
    const v = g.ops.mul(g.ops.addV2(z, d, { name: 'u' }), x, { name: 'v' });
    const v2 = tf.copy.copyToGraph(v, h, { namespace: 'N' });
    expect(v2.name).toBe('N/v:0');
    expect(h.operations().map((o) => o.name).sort()).toEqual(['N/c', 'N/d', 'N/u', 'N/v', 'N/x', 'N/y', 'N/z']);
    expect(tf.copy.getCopied(d, h, { namespace: 'N' }).name).toBe('N/d:0');
    expect(tf.copy.getCopied(c, h, { namespace: 'N' })).toBe(h.tensor('N/c:0'));
    expect(tf.copy.copyToGraph(v, h, { namespace: 'N' })).toBe(v2);
    // Again after a second growth, and into a destination that has seen none of the source.
    const w = g.ops.sub(v, d, { name: 'w2' });
    expect(tf.copy.copyToGraph(w, h, { namespace: 'N' }).op.inputs.map((i) => i.name)).toEqual(['N/v:0', 'N/d:0']);
    expect(h.numOperations).toBe(8);
    const fresh = new tf.Graph();
    tf.copy.copyToGraph(w, fresh, { namespace: 'M' });
    expect(fresh.numOperations).toBe(8);
    const sess = new tf.Session(h);
    // ((x·2 + 2) + 10)·x − 10 at x = 1, 2.
    expect((await sess.run(h.tensor('N/w2:0'), { 'N/x:0': [1, 2] })).toArray()).toEqual([4, 22]);
    await sess.close();
  });

  test('without a namespace names are kept; outputs compute the same', async () => {
    const { g, z } = smallGraph();
    const h = new tf.Graph();
    const z2 = tf.copy.copyToGraph(z, h);
    expect(z2.name).toBe('z:0');
    const [a, b] = await Promise.all([new tf.Session(g).run(z, { x: [1, 2] }), new tf.Session(h).run(z2, { x: [1, 2] })]);
    expect(b.toArray()).toEqual(a.toArray());
    expect(b.toArray()).toEqual([4, 6]);
  });

  test('control inputs, devices and colocation constraints are copied (colocation under the namespace)', async () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [], 'x');
    const c = g.constant(5, { name: 'c' });
    const check = g.addOperation('Assert', { inputs: [g.ops.greater(c, g.constant(0)), [c]], name: 'check' });
    const colocated = g
      .addOperation('Identity', { inputs: [x], name: 'colocated', attrs: { _class: ['loc:@c'] }, device: '/device:CPU:0' })
      .output(0);
    const out = g.controlDependencies([check], () => g.ops.addV2(colocated, c, { name: 'out' }));
    const h = new tf.Graph();
    const out2 = tf.copy.copyToGraph(out, h, { namespace: 'N' });
    expect(out2.op.controlInputs.map((o) => o.name)).toEqual(['N/check']);
    const col2 = h.operation('N/colocated')!;
    expect(col2.attr('_class')).toEqual(['loc:@N/c']);
    expect(col2.device).toBe('/device:CPU:0');
    expect(h.operation('N/c')).toBeDefined();
    // A colocation target copied earlier is found by name.
    const h2 = new tf.Graph();
    tf.copy.copyToGraph(c, h2, { namespace: 'P' });
    tf.copy.copyToGraph(colocated, h2, { namespace: 'P' });
    expect(h2.operation('P/colocated')!.attr('_class')).toEqual(['loc:@P/c']);
    const sess = new tf.Session(h);
    expect((await sess.run(out2, { 'N/x:0': 1 })).item()).toBe(6);
    await sess.close();
  });

  test('collections of copied elements are recreated under the namespace', () => {
    const { g, y, z, c } = smallGraph();
    g.addToCollection('outputs', z);
    g.addToCollection('outputs', 'not an element');
    g.addToCollection('ops', y.op);
    g.addToCollection('ops', c.op);
    const h = new tf.Graph();
    tf.copy.copyToGraph(z, h, { namespace: 'N' });
    expect(h.getCollection('N/outputs')).toEqual([h.tensor('N/z:0')]);
    expect(h.getCollection('N/ops')).toEqual([h.operation('N/y'), h.operation('N/c')]);
    // Nothing twice on a repeated copy.
    tf.copy.copyToGraph(z, h, { namespace: 'N' });
    expect(h.getCollection('N/ops').length).toBe(2);
    const h2 = new tf.Graph();
    tf.copy.copyToGraph(y, h2);
    expect(h2.getCollection('ops')).toEqual([h2.operation('y'), h2.operation('c')]);
    expect(h2.getCollection('outputs')).toEqual([]);
  });

  test('functions of the library are copied with the nodes that call them; conflicting ones are renamed', async () => {
    // Two graphs whose function 'f' differs, called through PartitionedCall and as an op.
    const fnGraph = (op: string) =>
      tf.Graph.fromGraphDef(encode('GraphDef', {
        node: [
          { name: 'x', op: 'Placeholder', attr: { dtype: { type: 1 } } },
          {
            name: 'call',
            op: 'PartitionedCall',
            input: ['x'],
            attr: { Tin: { list: { type: [1] } }, Tout: { list: { type: [1] } }, f: { func: { name: 'f' } } },
          },
          { name: 'direct', op: 'f', input: ['x'] },
          { name: 'out', op: 'AddV2', input: ['call', 'direct'], attr: { T: { type: 1 } } },
        ],
        library: {
          function: [{
            signature: { name: 'f', input_arg: [{ name: 'a', type: 1 }], output_arg: [{ name: 'r', type: 1 }] },
            node_def: [{ name: 'op', op, input: ['a', 'a'], attr: { T: { type: 1 } } }],
            ret: { r: 'op:z:0' },
          }],
        },
        versions: { producer: 1000 },
      }));
    const add = fnGraph('AddV2');
    const mul = fnGraph('Mul');
    const h = new tf.Graph();
    const a1 = tf.copy.copyToGraph(add.tensor('out:0'), h, { namespace: 'A' });
    const a2 = tf.copy.copyToGraph(add.tensor('out:0'), h, { namespace: 'A2' }); // the same 'f': imported once
    const m = tf.copy.copyToGraph(mul.tensor('out:0'), h, { namespace: 'M' }); // another 'f': renamed
    const m2 = tf.copy.copyToGraph(mul.tensor('out:0'), h, { namespace: 'M2' }); // reuses the rename
    const library = decode('GraphDef', h.toGraphDef()).library;
    const functionNames = library.function.map((f: { signature: { name: string } }) => f.signature.name).sort();
    expect(functionNames).toEqual(['f', 'f_1']);
    expect(h.operation('M/direct')!.type).toBe('f_1');
    expect(h.operation('M/call')!.attr('f')).toEqual({ name: 'f_1', attr: {} });
    const sess = new tf.Session(h);
    const r = await sess.run([a1, a2, m, m2], { 'A/x:0': 3, 'A2/x:0': 3, 'M/x:0': 3, 'M2/x:0': 3 });
    expect(r.map((t) => t.item())).toEqual([12, 12, 18, 18]);
    await sess.close();
  });
});

describe('copyVariableToGraph, transferVariables, getWeights/setWeights, values and checkpoints', () => {
  async function trained(): Promise<{ src: Regression; sess: tf.Session; input: tf.Tensor }> {
    const src = regression({ placeholders: true });
    const sess = new tf.Session(src.g);
    await sess.run(tf.globalVariablesInitializer(src.g));
    const data = regressionData();
    const feeds = new Map<Out, tf.Tensor>([[src.x, tf.tensor(data.x, [2, 100])], [src.y, tf.tensor(data.y, [1, 100])]]);
    await trainFor(sess, src.train, 30, feeds);
    return { src, sess, input: tf.tensor([[0.25, 0.5, 1], [0.75, 0.1, 2]]) };
  }

  /** A fresh inference model with the same structure: W·x + b, variables `prefix/W`, `prefix/b`. */
  function inference(prefix: string, g = new tf.Graph()) {
    const x = g.placeholder('float32', [2, null], 'x');
    const { W, b } = g.variableScope(prefix, () => ({
      W: g.getVariable('W', { shape: [1, 2], initializer: tf.initializers.ones() }),
      b: g.getVariable('b', { shape: [1], initializer: tf.initializers.ones() }),
    }));
    return { g, x, W, b, prediction: g.ops.addV2(g.ops.matMul(W, x), b) };
  }

  test('scenario 3a: copyVariableToGraph with a session starts the copy from the trained value', async () => {
    const { src, sess, input } = await trained();
    const expected = values(await sess.run(src.prediction, { x: input }));
    const g2 = new tf.Graph();
    const W2 = tf.copy.copyVariableToGraph(src.W, g2, { namespace: 'serve', session: sess });
    const b2 = tf.copy.copyVariableToGraph(src.b, g2, { namespace: 'serve', session: sess });
    expect(W2.name).toBe('serve/W');
    expect(W2.initialValue.op.type).toBe('Const');
    expect(W2.trainable).toBe(true);
    // The rest of the model, copied afterwards, uses those copies.
    const pred2 = tf.copy.copyToGraph(src.prediction, g2, { namespace: 'serve' });
    expect(g2.globalVariables()).toEqual([W2, b2]);
    const s2 = new tf.Session(g2);
    await s2.run(tf.globalVariablesInitializer(g2));
    expect(values(await s2.run(pred2, { 'serve/x:0': input }))).toEqual(expected);
    // Without a session the initializer is copied: the copy starts where the original started.
    const g3 = new tf.Graph();
    const b3 = tf.copy.copyVariableToGraph(src.b, g3);
    const s3 = new tf.Session(g3);
    await s3.run(tf.globalVariablesInitializer(g3));
    expect(values(await s3.run(b3))).toEqual([0]);
    expect(tf.copy.copyVariableToGraph(src.b, g3)).toBe(b3); // once
    await Promise.all([sess.close(), s2.close(), s3.close()]);
  });

  test('scenario 3b: transferVariables by name and by mapping; getWeights and setWeights', async () => {
    const { src, sess, input } = await trained();
    const expected = values(await sess.run(src.prediction, { x: input }));
    // By name: a model built with the same variable names (the source has more: none here, but it could).
    const same = inference('');
    const s2 = new tf.Session(same.g);
    const pairs = await tf.copy.transferVariables(sess, s2);
    expect(pairs.map(([a, b]) => [a.name, b.name])).toEqual([['W', 'W'], ['b', 'b']]);
    expect(values(await s2.run(same.prediction, { x: input }))).toEqual(expected);
    // Renamed: a mapping of names, or of variables.
    const renamed = inference('model');
    const s3 = new tf.Session(renamed.g);
    await tf.copy.transferVariables(sess, s3, { mapping: { W: 'model/W', 'b:0': 'model/b' } });
    expect(values(await s3.run(renamed.prediction, { x: input }))).toEqual(expected);
    const s4 = new tf.Session(renamed.g);
    await s4.run(tf.globalVariablesInitializer(renamed.g));
    await tf.copy.transferVariables(sess, s4, { mapping: [[src.b, renamed.b]] }); // a subset
    expect(values(await s4.run(renamed.W))).toEqual([1, 1]);
    expect(values(await s4.run(renamed.b))).toEqual(values(await sess.run(src.b)));
    // getWeights / setWeights.
    const weights = tf.copy.getWeights(sess, [src.W, src.b]);
    expect(weights.map((t) => t.shape)).toEqual([[1, 2], [1]]);
    const s5 = new tf.Session(renamed.g);
    await tf.copy.setWeights(s5, [renamed.W, renamed.b], weights);
    expect(values(await s5.run(renamed.prediction, { x: input }))).toEqual(expected);
    await tf.copy.setWeights(s5, [renamed.b], [[7]]);
    expect(values(await s5.run(renamed.b))).toEqual([7]);
    await Promise.all([sess, s2, s3, s4, s5].map((s) => s.close()));
  });

  test('scenario 3c: a checkpoint restored into another graph under other names (Saver varList records)', async () => {
    const { src, sess, input } = await trained();
    const expected = values(await sess.run(src.prediction, { x: input }));
    const { dir, cleanup } = tempDir('tfn-copy-');
    try {
      const prefix = await new tf.train.Saver({ graph: src.g, varList: [src.W, src.b] }).save(sess, path.join(dir, 'model.ckpt'));
      const other = inference('imported');
      const s2 = new tf.Session(other.g);
      await new tf.train.Saver({ varList: { W: other.W, b: other.b } }).restore(s2, prefix);
      expect(values(await s2.run(other.prediction, { x: input }))).toEqual(expected);
      await s2.close();
    } finally {
      cleanup();
      await sess.close();
    }
  });

  test('a value becomes a constant of another graph', async () => {
    const { src, sess, input } = await trained();
    const [W, b] = tf.copy.getWeights(sess, [src.W, src.b]);
    const g2 = new tf.Graph();
    const x = g2.placeholder('float32', [2, null], 'x');
    const pred = g2.ops.addV2(g2.ops.matMul(g2.constant(W, { name: 'W' }), x), g2.constant(b, { name: 'b' }));
    const s2 = new tf.Session(g2);
    expect(values(await s2.run(pred, { x: input }))).toEqual(values(await sess.run(src.prediction, { x: input })));
    await Promise.all([sess.close(), s2.close()]);
  });
});

describe('errors', () => {
  test('scenario 4: tensors of one graph used in another name both graphs', async () => {
    const a = regression({ placeholders: true, fixedInit: true });
    const g2 = new tf.Graph();
    expect(() => g2.ops.identity(a.x)).toThrow(new RegExp(`belongs to ${a.g} but is used in ${g2}`));
    expect(() => g2.addOperation('Identity', { inputs: [a.W] })).toThrow(new RegExp(`belongs to ${a.g} but is used in ${g2}`));
    const s2 = new tf.Session(g2);
    expect(() => s2.runSync(a.prediction)).toThrow(new RegExp(`belongs to ${a.g} but is used in ${g2}`));
    await expect(s2.run(a.train)).rejects.toThrow(new RegExp(`belongs to ${a.g}, not to the session's ${g2}`));
    const g3 = new tf.Graph();
    const foreign = g3.placeholder('float32', [2, null]);
    expect(() => tf.copy.copyToGraph(a.prediction, g2, { inputMap: { 'x:0': foreign } }))
      .toThrow(new RegExp(`belongs to ${g3}, not to the destination ${g2}`));
    expect(() => tf.copy.getWeights(s2, [a.W])).toThrow(new RegExp(`belongs to ${a.g}, not to the session's ${g2}`));
    expect(g2.numOperations).toBe(0);
    await s2.close();
  });

  test('bad input gives clear errors and leaves the destination unchanged', () => {
    const src = regression({ placeholders: true, fixedInit: true });
    const n = src.g.numOperations;
    // The same graph without a namespace: every name collides.
    expect(() => tf.copy.copyToGraph(src.train, src.g)).toThrow(/copying within one graph needs a namespace/);
    expect(src.g.numOperations).toBe(n);
    // A destination whose names are taken by other operations.
    const g2 = new tf.Graph();
    g2.placeholder('float32', [], 'N/y');
    expect(() => tf.copy.copyToGraph(src.loss, g2, { namespace: 'N' })).toThrow(/already has operations named 'N\/y'/);
    expect(g2.numOperations).toBe(1);
    // copiedVariables of another shape or dtype, or of another graph.
    const wrongShape = g2.variable(tf.tensor([[1, 2, 3]]), { name: 'M/W' });
    const m = g2.numOperations;
    expect(() => tf.copy.copyToGraph(src.prediction, g2, { namespace: 'M', copiedVariables: [wrongShape] })).toThrow(/'M\/W' has shape \[1,3\] but the variable it replaces, 'W', has shape \[1,2\]/);
    const wrongType = g2.variable(tf.tensor([[1, 2]], undefined, 'float64'), { name: 'K/W' });
    const k = g2.numOperations;
    expect(() => tf.copy.copyToGraph(src.prediction, g2, { namespace: 'K', copiedVariables: new Map([[src.W, wrongType]]) }))
      .toThrow(TypeError);
    expect(() => tf.copy.copyToGraph(src.prediction, g2, { namespace: 'K', copiedVariables: new Map([[src.W, src.W]]) })).toThrow(/belongs to Graph #\d+, not to the destination/);
    expect(() => tf.copy.copyToGraph(src.prediction, g2, { namespace: 'K', copiedVariables: [src.b] })).toThrow(/copiedVariables\[0\]: 'b' belongs to Graph #\d+, not to the destination/);
    expect(g2.numOperations).toBe(k);
    expect(m).toBeLessThan(k);
    // inputMap entries of another dtype or shape, or unknown names.
    const g3 = new tf.Graph();
    const ints = g3.placeholder('int32', [2, null], 'ints');
    const wide = g3.placeholder('float32', [3, null], 'wide');
    expect(() => tf.copy.copyToGraph(src.prediction, g3, { inputMap: { 'x:0': ints } })).toThrow(/has dtype int32 but Output 'x:0' has dtype float32/);
    expect(() => tf.copy.copyToGraph(src.prediction, g3, { inputMap: { 'x:0': wide } })).toThrow(/incompatible with the shape \[2,\?\]/);
    expect(() => tf.copy.copyToGraph(src.prediction, g3, { inputMap: { 'nope:0': wide } })).toThrow(/has no operation 'nope'/);
    expect(() => tf.copy.copyToGraph(src.prediction, g3, { inputMap: { 'x:3': wide } })).toThrow(RangeError);
    expect(g3.numOperations).toBe(2);
    // Malformed arguments.
    expect(() => tf.copy.copyToGraph({} as never, g3)).toThrow(TypeError);
    expect(() => tf.copy.copyToGraph(src.x, {} as never)).toThrow(TypeError);
    expect(() => tf.copy.copyToGraph(src.x, g3, { namespace: 'bad name!' })).toThrow(/valid name scope/);
    expect(() => tf.copy.copyToGraph(src.x, g3, { namespace: 3 as never })).toThrow(TypeError);
    expect(() => tf.copy.copyToGraph([src.x, ints], g3)).toThrow(/copy the elements of each graph separately/);
    expect(() => tf.copy.getCopied(src.x, g3, { namespace: 'nowhere' })).toThrow(/has not been copied into Graph #\d+ with namespace 'nowhere'/);
    expect(() => tf.copy.copyVariableToGraph(src.x as never, g3)).toThrow(TypeError);
    expect(g3.numOperations).toBe(2);
  });

  test('two sources copied under one namespace: a clash names the other source', () => {
    const a = regression({ placeholders: true, fixedInit: true });
    const b = regression({ placeholders: true, fixedInit: true });
    const h = new tf.Graph();
    tf.copy.copyToGraph(a.prediction, h, { namespace: 'N' });
    const n = h.numOperations;
    expect(() => tf.copy.copyToGraph(b.prediction, h, { namespace: 'N' }))
      .toThrow(new RegExp(`already has operations named 'N/.*' that are not copies made from ${b.g} under this namespace`));
    expect(h.numOperations).toBe(n);
    tf.copy.copyToGraph(b.prediction, h, { namespace: 'N2' });
    expect(h.numOperations).toBe(2 * n);
  });

  test("the import's checks take what the copy knows of its GraphDef instead of scanning it again", () => {
    const g = new tf.Graph();
    const x = g.placeholder('float32', [2], 'x');
    g.ops.identity(x, { name: 'y' });
    const bytes = g.toGraphDef();
    const dest = new tf.Graph();
    const z = dest.placeholder('float32', [2], 'z');
    // Described as read by nothing: refused before anything is imported, though a scan would find 'x:0' read.
    describeGraphDef(bytes, { reads: () => false, functions: [] });
    expect(() => dest.importGraphDef(bytes, { prefix: 'p', inputMap: { 'x:0': z } })).toThrow(/no node of the GraphDef reads: 'x:0'/);
    expect(dest.numOperations).toBe(1);
    describeGraphDef(bytes, { reads: (name, index) => name === 'x' && index === 0, functions: [] });
    const r = dest.importGraphDef(bytes, { prefix: 'p', inputMap: { 'x:0': z }, returnElements: ['y'] });
    expect(r.operations.map((o) => o.name)).toEqual(['p/y']);
    expect(r.operations[0].inputs[0].name).toBe('z:0');
  });

  test('a malformed GraphDef is a RangeError from the wire reader; duplicate names are refused', () => {
    const g = new tf.Graph();
    g.placeholder('float32', [], 'x');
    const bytes = g.toGraphDef();
    expect(() => new WireGraphDef(bytes.subarray(0, bytes.length - 3))).toThrow(RangeError);
    const def = new WireGraphDef(bytes);
    expect(def.size).toBe(1);
    expect(def.indexOf('x')).toBe(0);
    expect(def.indexOf('y')).toBe(-1);
    const twice = new Uint8Array([...bytes, ...bytes]);
    expect(() => new WireGraphDef(twice)).toThrow(/two nodes are named 'x'/);
    // A view into a larger buffer is read from its own offset.
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 5);
    const view = new WireGraphDef(padded.subarray(5, 5 + bytes.length));
    expect(view.indexOf('x')).toBe(0);
    expect(view.name(0)).toBe('x');
  });

  test('shared, debug and frame names are prefixed on the bytes; the rest of the NodeDef is kept as it was', () => {
    const node = {
      name: 'v',
      op: 'VarHandleOp',
      device: '/device:CPU:0',
      attr: {
        shared_name: { s: Buffer.from('v') },
        debug_name: { s: Buffer.from('v:0') },
        container: { s: Buffer.from('') },
        dtype: { type: 1 },
        shape: { shape: { dim: [{ size: 2 }] } },
        _class: { list: { s: [Buffer.from('loc:@w')] } },
      },
    };
    const enter = { name: 'e', op: 'Enter', input: ['v'], attr: { frame_name: { s: Buffer.from('loop') }, T: { type: 20 } } };
    const def = new WireGraphDef(encode('GraphDef', { node: [node, enter, { name: 'w', op: 'NoOp' }] }));
    const names = new Set(['shared_name', 'debug_name', 'frame_name', 'container']);
    const v = decode('NodeDef', prefixAttrStrings(def.index, 0, names, 'N/'));
    const expected = decode('NodeDef', encode('NodeDef', node));
    expected.attr.shared_name.s = Buffer.from('N/v');
    expected.attr.debug_name.s = Buffer.from('N/v:0');
    // An empty string stays empty (TensorFlow reads it as "no shared name").
    expect(v.toJSON()).toEqual(expected.toJSON());
    const e = decode('NodeDef', prefixAttrStrings(def.index, 1, names, 'N/'));
    expect(Buffer.from(e.attr.frame_name.s).toString()).toBe('N/loop');
    expect(e.input).toEqual(['v']);
    expect(e.attr.T.type).toBe(20);
    // Nothing named: the bytes as they were.
    expect(Buffer.from(prefixAttrStrings(def.index, 2, names, 'N/'))).toEqual(def.bytes.subarray(def.index.payloads[2], def.index.ends[2]));
  });

  test('transferVariables and setWeights check names, dtypes and shapes first, and say which failed', async () => {
    const a = regression({ fixedInit: true });
    const sa = new tf.Session(a.g);
    await sa.run(tf.globalVariablesInitializer(a.g));
    const g = new tf.Graph();
    const W = g.variable(tf.tensor([[9, 9]]), { name: 'W' });
    const b3 = g.variable(tf.tensor([9, 9, 9]), { name: 'b' });
    const sb = new tf.Session(g);
    await sb.run(tf.globalVariablesInitializer(g));
    expect(() => tf.copy.transferVariables(sa, sb)).toThrow(/'b' of Graph #\d+ \(shape \[1\]\) to 'b' of Graph #\d+ \(shape \[3\]\): the shapes differ/);
    expect(values(await sb.run(W))).toEqual([9, 9]); // nothing assigned
    const ints = g.variable(tf.tensor([[1, 2]], undefined, 'int32'), { name: 'ints' });
    expect(() => tf.copy.transferVariables(sa, sb, { mapping: { W: 'ints' } })).toThrow(/\(float32\) to 'ints' of Graph #\d+ \(int32\): the dtypes differ/);
    expect(() => tf.copy.transferVariables(sa, sb, { mapping: { nope: 'W' } })).toThrow(/has no variable named 'nope'/);
    expect(() => tf.copy.transferVariables(sa, sb, { mapping: { W: 'nope' } })).toThrow(/has no variable named 'nope'/);
    expect(() => tf.copy.transferVariables(sa, sb, { mapping: [[W, a.W]] })).toThrow(/belongs to Graph #\d+, not to the source session's/);
    const g2 = new tf.Graph();
    g2.variable(1, { name: 'extra' });
    const sc = new tf.Session(g2);
    expect(() => tf.copy.transferVariables(sa, sc)).toThrow(/has no variable named 'extra'.*pass a mapping/);
    expect(() => tf.copy.setWeights(sb, [W, b3], [[[1, 2]]])).toThrow(/2 variables but 1 values/);
    expect(() => tf.copy.setWeights(sb, [W], [[[1, 2, 3]]])).toThrow(/shape \[1,3\]\) to 'W'/);
    expect(() => tf.copy.setWeights(sb, [ints], [tf.tensor([[1, 2]])])).toThrow(TypeError);
    expect(values(await sb.run(W))).toEqual([9, 9]);
    // An uninitialized source rejects with TensorFlow's error; a closed session is refused.
    const fresh = new tf.Session(a.g);
    await expect(tf.copy.transferVariables(fresh, sb, { mapping: { W: 'W' } })).rejects.toBeInstanceOf(tf.errors.FailedPreconditionError);
    await fresh.close();
    expect(() => tf.copy.transferVariables(fresh, sb)).toThrow(/closed/);
    expect(() => tf.copy.copyVariableToGraph(a.W, new tf.Graph(), { session: sb })).toThrow(/the session runs Graph #\d+, but 'W' belongs to/);
    await Promise.all([sa.close(), sb.close(), sc.close()]);
  });
});

describePython('copying graphs built by Python TensorFlow', () => {
  let dir: { dir: string; cleanup(): void };
  beforeAll(() => {
    dir = tempDir('tfn-copy-py-');
    runPython(`
import sys, tensorflow as tf
tf1 = tf.compat.v1
tf1.disable_eager_execution()
out = sys.argv[1]

def control_flow(v2):
    (tf1.enable_control_flow_v2 if v2 else tf1.disable_control_flow_v2)()
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [], name='x')
        c = tf.constant(3.0, name='c')
        def body(i, acc):
            return i + 1, acc + x * tf.cast(i, tf.float32)
        _, total = tf1.while_loop(lambda i, acc: i < 5, body, [tf.constant(0), tf.constant(0.0)], name='loop')
        with tf1.colocate_with(c):
            col = tf.identity(total * 2.0, name='colocated')
        r = tf1.cond(x > 1.0, lambda: col + c, lambda: col - c, name='branch')
        with tf1.control_dependencies([tf1.assert_positive(c, name='check')]):
            tf.identity(r, name='out')
    open(f'{out}/{"v2" if v2 else "v1"}.pb', 'wb').write(g.as_graph_def().SerializeToString())
control_flow(False)
control_flow(True)

# A resource-variable regression trained by Python, exported as a MetaGraphDef.
tf1.enable_resource_variables()
g = tf.Graph()
with g.as_default():
    x = tf1.placeholder(tf.float32, [2, None], name='x')
    y = tf1.placeholder(tf.float32, [1, None], name='y')
    W = tf1.get_variable('W', [1, 2], initializer=tf1.constant_initializer([[0.5, -0.5]]))
    b = tf1.get_variable('b', [1], initializer=tf1.zeros_initializer())
    pred = tf.add(tf.matmul(W, x), b, name='prediction')
    loss = tf.reduce_mean(tf.square(pred - y), name='loss')
    train = tf1.train.GradientDescentOptimizer(0.5).minimize(loss, name='train')
    tf1.add_to_collection(tf1.GraphKeys.TRAIN_OP, train)
    tf1.train.export_meta_graph(f'{out}/regression.meta')
`, [dir.dir]);
  });
  afterAll(() => dir.cleanup());

  test.each(['v1', 'v2'])('scenario 5: a %s while loop, a cond, a colocated op and control dependencies copied and run', async (kind) => {
    const g = tf.Graph.fromGraphDef(fs.readFileSync(path.join(dir.dir, `${kind}.pb`)));
    const out = g.tensor('out:0');
    const sess = new tf.Session(g);
    const expected = [(await sess.run(out, { 'x:0': 2 })).item() as number, (await sess.run(out, { 'x:0': 0.5 })).item() as number];
    expect(expected).toEqual([2 * 2 * 10 + 3, 0.5 * 2 * 10 - 3]);
    // Into a fresh graph, into the source graph itself, and into a graph where a part was copied before.
    const h = new tf.Graph();
    const copies: Array<[tf.Session, Out, string]> = [];
    copies.push([new tf.Session(h), tf.copy.copyToGraph(out, h, { namespace: 'A' }), 'A/x:0']);
    copies.push([sess, tf.copy.copyToGraph(out, g, { namespace: 'C' }), 'C/x:0']);
    const h2 = new tf.Graph();
    tf.copy.copyToGraph(g.tensor('colocated:0'), h2, { namespace: 'P' });
    copies.push([new tf.Session(h2), tf.copy.copyToGraph(out, h2, { namespace: 'P' }), 'P/x:0']);
    expect(h2.operation('P/colocated')!.attr('_class')).toEqual(['loc:@P/c']);
    expect(h.operation('A/out')!.controlInputs.length).toBe(g.operation('out')!.controlInputs.length);
    if (kind === 'v1') {
      // The loop's frame follows the namespace, so the source and its copy can run in one step.
      const enter = g.operations().find((o) => o.type === 'Enter')!;
      expect(g.operation(`C/${enter.name}`)!.attr('frame_name')).toBe(`C/${enter.attr('frame_name')}`);
    } else {
      expect(h.operations().some((o) => o.type === 'StatelessWhile')).toBe(true);
    }
    for (const [x, want] of [[2, expected[0]], [0.5, expected[1]]]) {
      for (const [s, o, feed] of copies) expect((await s.run(o, { [feed]: x })).item()).toBeCloseTo(want, 5);
      const both = await sess.run([out, copies[1][1]], { 'x:0': x, 'C/x:0': x });
      expect(both.map((t) => t.item())).toEqual([want, want]);
    }
    await Promise.all(copies.map(([s]) => s.close()));
  });

  test('a Python-built training graph imported from its MetaGraphDef copies and trains', async () => {
    const g = new tf.Graph();
    g.importMetaGraph(fs.readFileSync(path.join(dir.dir, 'regression.meta')));
    const train = g.getCollection<tf.Operation>(tf.GraphKeys.TRAIN_OP)[0];
    expect(train).toBeInstanceOf(tf.Operation);
    const g2 = new tf.Graph();
    const trainCopy = tf.copy.copyToGraph(train, g2, { namespace: 'CopiedOps' });
    expect(g2.globalVariables().map((v) => v.name).sort()).toEqual(['CopiedOps/W', 'CopiedOps/b']);
    const data = regressionData();
    const feeds = { 'CopiedOps/x:0': tf.tensor(data.x, [2, 100]), 'CopiedOps/y:0': tf.tensor(data.y, [1, 100]) };
    const s2 = new tf.Session(g2);
    await s2.run(tf.globalVariablesInitializer(g2));
    await trainFor(s2, trainCopy, 200, feeds);
    const W2 = tf.copy.getCopied(g.globalVariables().find((v) => v.name === 'W')!, g2, { namespace: 'CopiedOps' });
    expectClose(values(await s2.run(W2)), [0.1, 0.2], 2);
    await s2.close();
  });
});
