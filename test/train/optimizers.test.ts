// SPDX-License-Identifier: Apache-2.0
import * as tf from '../../lib';

type Out = tf.Output;

function op(g: tf.Graph, type: string, inputs: unknown[], attrs: Record<string, unknown> = {}, name?: string): Out {
  return g.addOperation(type, { inputs: inputs as tf.OutputLike[], attrs, name }).output(0);
}

function sumAll(g: tf.Graph, x: Out): Out {
  const rank = x.shape!.length;
  return op(g, 'Sum', [x, g.constant(Array.from({ length: rank }, (_, i) => i), { dtype: 'int32', shape: [rank] })]);
}

const W0 = [0.5, -1.2, 2.0, 0.3, -0.7, 1.1];
const C = [1.0, 2.0, 0.5, 3.0, 1.5, 0.8];
const D = [0.1, -0.3, 0.2, 0.05, -0.4, 0.6];
const B0 = [1.0, -2.0, 0.25];
const E = [0.6, 1.3, 2.2];

/**
 * A quadratic whose gradient is known in closed form: loss = Σ c·w²/2 + Σ d·w + Σ e·b²/2, so dL/dw = c·w + d and
 * dL/db = e·b. The reference optimizers below step a float64 copy with those gradients.
 */
function quadratic(dtype: 'float32' | 'float64' = 'float32') {
  const g = new tf.Graph();
  const w = g.variable(tf.tensor(W0, [2, 3], dtype), { name: 'w' });
  const b = g.variable(tf.tensor(B0, [3], dtype), { name: 'layer/b' });
  const c = g.constant(tf.tensor(C, [2, 3], dtype));
  const d = g.constant(tf.tensor(D, [2, 3], dtype));
  const e = g.constant(tf.tensor(E, [3], dtype));
  const half = g.constant(0.5, { dtype });
  const lw = op(g, 'AddV2', [sumAll(g, op(g, 'Mul', [half, op(g, 'Mul', [c, op(g, 'Square', [w])])])), sumAll(g, op(g, 'Mul', [d, w]))]);
  const lb = sumAll(g, op(g, 'Mul', [half, op(g, 'Mul', [e, op(g, 'Square', [b])])]));
  const loss = op(g, 'AddV2', [lw, lb], {}, 'loss');
  return { g, w, b, loss };
}

const gradW = (w: number[]) => w.map((x, i) => C[i] * x + D[i]);
const gradB = (b: number[]) => b.map((x, i) => E[i] * x);

interface Reference {
  step(grad: number[], key: 'w' | 'b', value: number[]): number[];
  endStep?(): void;
}

function simulate(make: () => Reference, steps: number): { w: number[]; b: number[] } {
  const ref = make();
  let w = [...W0];
  let b = [...B0];
  for (let s = 0; s < steps; s++) {
    const gw = gradW(w);
    const gb = gradB(b);
    w = ref.step(gw, 'w', w);
    b = ref.step(gb, 'b', b);
    ref.endStep?.();
  }
  return { w, b };
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol = 2e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (err > tol) {
      throw new Error(`element ${i}: ${actual[i]} vs expected ${expected[i]} (${Array.from(actual).join(', ')} vs ${expected.join(', ')})`);
    }
  }
}

async function train(g: tf.Graph, step: tf.Operation, steps: number, feeds?: Record<string, unknown>): Promise<tf.Session> {
  const sess = new tf.Session(g);
  await sess.run(tf.globalVariablesInitializer(g));
  for (let i = 0; i < steps; i++) await sess.run(step, feeds as never);
  return sess;
}

async function values(sess: tf.Session, v: tf.Variable): Promise<number[]> {
  return Array.from((await sess.run(v)).data() as Float32Array);
}

describe('optimizers match their update rules', () => {
  test('GradientDescent: a number, a fed tensor or a function as the learning rate; names as Python', async () => {
    const lr = 0.1;
    const expected = simulate(() => ({ step: (g, _k, v) => v.map((x, i) => x - lr * g[i]) }), 4);
    {
      const { g, w, b, loss } = quadratic();
      const opt = new tf.train.GradientDescentOptimizer(lr);
      const step = opt.minimize(loss);
      expect(step.name).toBe('GradientDescent');
      expect(step.type).toBe('NoOp');
      expect(g.operation('GradientDescent/update_w/ResourceApplyGradientDescent')).toBeDefined();
      expect(g.operation('GradientDescent/update_layer/b/ResourceApplyGradientDescent')).toBeDefined();
      expect(g.operation('GradientDescent/learning_rate')!.type).toBe('Const');
      expect(g.getCollection(tf.GraphKeys.TRAIN_OP)).toEqual([step]);
      expect(opt.getSlotNames()).toEqual([]);
      const sess = await train(g, step, 4);
      expectClose(await values(sess, w), expected.w);
      expectClose(await values(sess, b), expected.b);
      await sess.close();
    }
    {
      const { g, w, loss } = quadratic();
      const rate = g.placeholder('float32', [], 'rate');
      const sess = await train(g, new tf.train.GradientDescentOptimizer(rate).minimize(loss), 4, { rate: lr });
      expectClose(await values(sess, w), expected.w);
      await sess.close();
    }
    {
      const { g, w, loss } = quadratic();
      const sess = await train(g, new tf.train.GradientDescentOptimizer(() => lr).minimize(loss), 4);
      expectClose(await values(sess, w), expected.w);
      await sess.close();
    }
  });

  test('Momentum and Nesterov momentum, with the slot w/Momentum', async () => {
    for (const useNesterov of [false, true]) {
      const [lr, mu] = [0.05, 0.9];
      const expected = simulate(() => {
        const accum: Record<string, number[]> = {};
        return {
          step(g, key, v) {
            const a = (accum[key] = (accum[key] ?? g.map(() => 0)).map((x, i) => x * mu + g[i]));
            return v.map((x, i) => (useNesterov ? x - lr * g[i] - lr * mu * a[i] : x - lr * a[i]));
          },
        };
      }, 5);
      const { g, w, b, loss } = quadratic();
      const opt = new tf.train.MomentumOptimizer(lr, mu, { useNesterov });
      const step = opt.minimize(loss);
      expect(opt.getSlot(w, 'momentum')!.name).toBe('w/Momentum');
      expect(opt.getSlot(b, 'momentum')!.name).toBe('layer/b/Momentum');
      expect(opt.getSlot(w, 'momentum')!.trainable).toBe(false);
      expect(g.operation('Momentum/update_w/ResourceApplyMomentum')!.attr('use_nesterov')).toBe(useNesterov);
      const sess = await train(g, step, 5);
      expectClose(await values(sess, w), expected.w);
      expectClose(await values(sess, b), expected.b);
      await sess.close();
    }
  });

  test('Adam: slots w/Adam and w/Adam_1, beta1_power and beta2_power, and the update rule', async () => {
    const [lr, beta1, beta2, eps] = [0.1, 0.8, 0.95, 1e-7];
    const steps = 6;
    const m: Record<string, number[]> = {};
    const v: Record<string, number[]> = {};
    const expected = simulate(() => {
      let p1 = beta1;
      let p2 = beta2;
      return {
        step(g, key, x) {
          const lrT = (lr * Math.sqrt(1 - p2)) / (1 - p1);
          m[key] = (m[key] ?? g.map(() => 0)).map((mi, i) => mi + (g[i] - mi) * (1 - beta1));
          v[key] = (v[key] ?? g.map(() => 0)).map((vi, i) => vi + (g[i] * g[i] - vi) * (1 - beta2));
          return x.map((xi, i) => xi - (lrT * m[key][i]) / (Math.sqrt(v[key][i]) + eps));
        },
        endStep() {
          p1 *= beta1;
          p2 *= beta2;
        },
      };
    }, steps);
    const { g, w, b, loss } = quadratic();
    const opt = new tf.train.AdamOptimizer(lr, beta1, beta2, eps);
    const step = opt.minimize(loss);
    expect(step.name).toBe('Adam');
    expect(opt.getSlot(w, 'm')!.name).toBe('w/Adam');
    expect(opt.getSlot(w, 'v')!.name).toBe('w/Adam_1');
    expect(opt.getSlot(b, 'm')!.name).toBe('layer/b/Adam');
    expect(opt.getSlot(b, 'v')!.name).toBe('layer/b/Adam_1');
    expect(opt.getSlot(w, 'nope')).toBeNull();
    expect(opt.getSlotNames()).toEqual(['m', 'v']);
    expect(opt.variables().map((x) => x.name))
      .toEqual(['beta1_power', 'beta2_power', 'layer/b/Adam', 'layer/b/Adam_1', 'w/Adam', 'w/Adam_1']);
    expect(g.globalVariables().map((x) => x.name))
      .toEqual(['w', 'layer/b', 'beta1_power', 'beta2_power', 'w/Adam', 'w/Adam_1', 'layer/b/Adam', 'layer/b/Adam_1']);
    expect(g.trainableVariables().map((x) => x.name)).toEqual(['w', 'layer/b']);
    const sess = await train(g, step, steps);
    expectClose(await values(sess, w), expected.w);
    expectClose(await values(sess, b), expected.b);
    expectClose(await values(sess, opt.getSlot(w, 'm')!), m.w);
    expectClose(await values(sess, opt.getSlot(b, 'v')!), v.b);
    const [p1, p2] = (await sess.run(opt.variables().slice(0, 2))) as tf.Tensor[];
    expect(p1.item()).toBeCloseTo(beta1 ** (steps + 1), 6);
    expect(p2.item()).toBeCloseTo(beta2 ** (steps + 1), 6);
    await sess.close();
  });

  test('RMSProp, plain and centered, with momentum; slots w/RMSProp, w/RMSProp_1, w/RMSProp_2', async () => {
    for (const centered of [false, true]) {
      const [lr, rho, mu, eps] = [0.01, 0.9, 0.5, 1e-6];
      const expected = simulate(() => {
        const ms: Record<string, number[]> = {};
        const mg: Record<string, number[]> = {};
        const mom: Record<string, number[]> = {};
        return {
          step(g, key, x) {
            ms[key] = (ms[key] ?? g.map(() => 1)).map((s, i) => s + (g[i] * g[i] - s) * (1 - rho));
            mg[key] = (mg[key] ?? g.map(() => 0)).map((s, i) => s + (g[i] - s) * (1 - rho));
            mom[key] = (mom[key] ?? g.map(() => 0)).map((s, i) => {
              const denom = centered ? ms[key][i] - mg[key][i] ** 2 + eps : ms[key][i] + eps;
              return s * mu + (lr * g[i]) / Math.sqrt(denom);
            });
            return x.map((xi, i) => xi - mom[key][i]);
          },
        };
      }, 5);
      const { g, w, b, loss } = quadratic();
      // Options object, or Python's positional order.
      const opt = centered
        ? new tf.train.RMSPropOptimizer(lr, rho, mu, eps, { centered })
        : new tf.train.RMSPropOptimizer(lr, { decay: rho, momentum: mu, epsilon: eps });
      const step = opt.minimize(loss);
      expect(opt.getSlot(w, 'rms')!.name).toBe('w/RMSProp');
      if (centered) {
        expect(opt.getSlot(w, 'mg')!.name).toBe('w/RMSProp_1');
        expect(opt.getSlot(w, 'momentum')!.name).toBe('w/RMSProp_2');
      } else {
        expect(opt.getSlot(w, 'momentum')!.name).toBe('w/RMSProp_1');
        expect(opt.getSlot(w, 'mg')).toBeNull();
      }
      const sess = await train(g, step, 5);
      expectClose(await values(sess, w), expected.w);
      expectClose(await values(sess, b), expected.b);
      await sess.close();
    }
  });

  test('float64 variables: hyperparameters are cast to the variables’ dtype', async () => {
    const { g, w, loss } = quadratic('float64');
    const step = new tf.train.AdamOptimizer(0.1).minimize(loss);
    const sess = await train(g, step, 2);
    const value = (await sess.run(w)) as tf.Tensor;
    expect(value.dtype).toBe('float64');
    expect(Array.from(value.data() as Float64Array)).not.toEqual(W0);
    await sess.close();
  });
});

describe('minimize, computeGradients, applyGradients', () => {
  test('the global step is incremented by minimize, and the step is named after the scope', async () => {
    const { g, w, loss } = quadratic();
    const globalStep = tf.train.getOrCreateGlobalStep(g);
    expect(globalStep.name).toBe('global_step');
    expect(globalStep.dtype).toBe('int64');
    expect(globalStep.trainable).toBe(false);
    expect(tf.train.getOrCreateGlobalStep(g)).toBe(globalStep);
    expect(tf.train.getGlobalStep(g)).toBe(globalStep);
    expect(g.getCollection(tf.GraphKeys.GLOBAL_STEP)).toEqual([globalStep]);
    const opt = new tf.train.MomentumOptimizer(0.01, 0.9);
    const step = opt.minimize(loss, { globalStep });
    expect(step.name).toBe('Momentum');
    expect(step.type).toBe('AssignAddVariableOp');
    // The increment runs after the updates: its constant input waits for them (Python's control-dependency rule).
    const one = step.inputs[1].op;
    expect([...step.controlInputs, ...one.controlInputs].map((o) => o.name)).toEqual(['Momentum/update']);
    expect(g.operation('Momentum/update')!.controlInputs.map((o) => o.name).sort())
      .toEqual(['Momentum/update_layer/b/ResourceApplyMomentum', 'Momentum/update_w/ResourceApplyMomentum']);
    // A second step reuses the slots and opens the next scope, as Python.
    const step2 = opt.minimize(loss, { globalStep, name: 'train' });
    expect(step2.name).toBe('train');
    const step3 = opt.minimize(loss);
    expect(step3.name).toBe('Momentum_1');
    expect(g.globalVariables().filter((v) => v.name.startsWith('w/')).map((v) => v.name)).toEqual(['w/Momentum']);
    expect(g.getCollection(tf.GraphKeys.TRAIN_OP)).toEqual([step, step2, step3]);
    const sess = await train(g, step, 3);
    await sess.run(step2);
    await sess.run(step3);
    expect((await sess.run(globalStep)).item()).toBe(4n);
    expect(await values(sess, w)).not.toEqual(W0);
    await sess.close();
  });

  test('inside a variable scope or a name scope, names follow Python (checked against TensorFlow 2.21)', () => {
    const { g, w, loss } = quadratic();
    const adam = g.variableScope('train', () =>
      new tf.train.AdamOptimizer().minimize(loss, { globalStep: tf.train.getOrCreateGlobalStep(g) }));
    const momentum = g.nameScope('ns', () => new tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss, { varList: [w] }));
    expect(adam.name).toBe('train/Adam');
    expect(momentum.name).toBe('ns/Momentum');
    expect(g.globalVariables().map((v) => v.name)).toEqual([
      'w', 'layer/b', 'train/global_step', 'train/beta1_power', 'train/beta2_power',
      'train/w/Adam', 'train/w/Adam_1', 'train/layer/b/Adam', 'train/layer/b/Adam_1', 'w/Momentum',
    ]);
  });

  test('getOrCreateGlobalStep in a name scope still makes global_step; getGlobalStep is null before', () => {
    const g = new tf.Graph();
    expect(tf.train.getGlobalStep(g)).toBeNull();
    const gs = g.nameScope('model', () => tf.train.getOrCreateGlobalStep(g));
    expect(gs.name).toBe('global_step');
    expect(() => tf.train.createGlobalStep(g)).toThrow(/"global_step" already exists/);
    const bad = new tf.Graph();
    bad.addToCollection(tf.GraphKeys.GLOBAL_STEP, bad.variable(1.5, { name: 'global_step' }));
    expect(() => tf.train.getGlobalStep(bad)).toThrow(/must be an integer scalar variable/);
    expect(() => tf.train.getOrCreateGlobalStep('not a graph' as never)).toThrow(TypeError); // undefined: the default graph
  });

  test('computeGradients then a transformed applyGradients; varList limits the update', async () => {
    const { g, w, b, loss } = quadratic();
    const opt = new tf.train.GradientDescentOptimizer(1);
    const pairs = opt.computeGradients(loss, [w]);
    expect(pairs).toHaveLength(1);
    expect(pairs[0][1]).toBe(w);
    const halved = pairs.map(([grad, v]) => [op(g, 'Mul', [grad!, g.constant(0.5)]), v] as tf.train.GradAndVar);
    const step = opt.applyGradients(halved);
    const all = opt.computeGradients(loss);
    expect(all.map(([, v]) => v)).toEqual([w, b]);
    const sess = await train(g, step, 1);
    expectClose(await values(sess, w), W0.map((x, i) => x - 0.5 * gradW(W0)[i]));
    expectClose(await values(sess, b), B0);
    const [gw] = (await sess.run([all[0][0]!])) as tf.Tensor[];
    expect(gw.shape).toEqual([2, 3]);
    await sess.close();
  });

  test('a variable the loss does not use gets a null gradient and is left alone', async () => {
    const { g, w, loss } = quadratic();
    const unused = g.variable([1, 2], { name: 'unused' });
    const opt = new tf.train.AdamOptimizer();
    const pairs = opt.computeGradients(loss);
    expect(pairs.find(([, v]) => v === unused)![0]).toBeNull();
    const step = opt.applyGradients(pairs);
    expect(opt.getSlot(unused, 'm')).toBeNull();
    const sess = await train(g, step, 1);
    expect(Array.from((await sess.run(unused)).data())).toEqual([1, 2]);
    expect(await values(sess, w)).not.toEqual(W0);
    await sess.close();
  });

  test('errors name what is wrong', () => {
    const { g, w, loss } = quadratic();
    const opt = new tf.train.GradientDescentOptimizer(0.1);
    const x = g.placeholder('float32', [], 'x');
    const unrelated = op(g, 'Square', [x], {}, 'unrelated');
    expect(() => opt.minimize(unrelated)).toThrow(/No gradients provided for any variable.*'w', 'layer\/b'.*'unrelated:0'/);
    expect(() => opt.minimize(op(g, 'Cast', [loss], { DstT: 'int32' }, 'intLoss'))).toThrow(/Invalid type int32 for the loss 'intLoss:0'/);
    expect(() => opt.minimize(undefined as never)).toThrow(TypeError);
    expect(() => opt.minimize(loss, { varList: [x as never] })).toThrow(/Expected a Variable for varList\[0\]/);
    expect(() => opt.minimize(loss, { globalStep: w })).toThrow(/globalStep 'w' must be an integer variable/);
    expect(() => opt.minimize(loss, { globalStep: 3 as never })).toThrow(TypeError);
    expect(() => opt.minimize(loss, { varList: [] })).toThrow(/no variables to optimize/);
    expect(() => opt.applyGradients([])).toThrow(/no variables provided/);
    expect(() => opt.applyGradients([[null, w]])).toThrow(/No gradients provided for any variable: \['w'\]/);
    expect(() => opt.applyGradients([[g.constant([1, 2]), w]])).toThrow(/has shape \[2\] but variable 'w' has shape \[2, 3\]/);
    expect(() => opt.applyGradients([[g.constant(1, { dtype: 'float64' }), w]]))
      .toThrow(/dtype float64 but variable 'w' has dtype float32/);
    expect(() => opt.applyGradients([[w as never, 'w' as never]])).toThrow(/Expected a Variable/);
    expect(() => opt.applyGradients('pairs' as never)).toThrow(TypeError);
    const other = quadratic();
    expect(() => opt.minimize(loss, { varList: [other.w] })).toThrow(/belongs to Graph #\d+ but the loss 'loss:0' to Graph #\d+/);
    expect(() => opt.minimize(loss, { globalStep: tf.train.getOrCreateGlobalStep(other.g) }))
      .toThrow(/globalStep 'global_step' belongs to Graph #\d+ but the variables to Graph #\d+/);
    const before = g.numOperations;
    expect(() => opt.minimize(loss, { name: '' })).toThrow(RangeError);
    expect(g.numOperations).toBe(before);
    const noVars = new tf.Graph();
    const c = noVars.placeholder('float32', [], 'c');
    expect(() => opt.minimize(op(noVars, 'Square', [c]))).toThrow(/no variables to optimize/);
    expect(() => new tf.train.GradientDescentOptimizer('fast' as never)).toThrow(/learning rate of GradientDescentOptimizer/);
    expect(() => new tf.train.AdamOptimizer(0.1, NaN)).toThrow(RangeError);
    expect(() => new tf.train.MomentumOptimizer(0.1, 0.9, { useNesterov: 'yes' as never })).toThrow(/useNesterov/);
    expect(() => new tf.train.RMSPropOptimizer(0.1, { centered: 1 as never })).toThrow(/centered/);
  });

  test('gradients with respect to a variable cover every read of it', async () => {
    const g = new tf.Graph();
    const v = g.variable([1, 2], { name: 'v' });
    // v.value() and a fresh v.readValue(): d/dv (v·3 + v·v) = 3 + 2v.
    const y = sumAll(g, op(g, 'AddV2', [op(g, 'Mul', [v, g.constant(3)]), op(g, 'Mul', [v.readValue(), v.readValue()])]));
    const [dv] = g.gradients(y, [v]);
    const sess = await train(g, g.addOperation('NoOp'), 0);
    expect(Array.from((await sess.run(dv!)).data())).toEqual([5, 7]);
    await sess.close();
  });
});
