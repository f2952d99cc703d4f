// SPDX-License-Identifier: Apache-2.0
// tf.* array and math functions against Python: the same program gives the same GraphDef nodes (names and op
// types) and the same values.
import * as tf from '../../lib';
import { describePython } from '../helpers/python';
import { ProgramSummary, expectParity, runPythonPrograms, summarize } from '../helpers/python-parity';

const X = [[1, -2, 3], [0.5, 4, -6]];

const PROGRAMS = {
  arith: {
    body: `
      x = v1.placeholder(tf.float32, [None, 3], name='x')
      a = tf.add(x, 1.0); b = tf.subtract(x, a); c = tf.multiply(x, 2.0); d = tf.divide(x, 3.0); e = tf.negative(x)
      f = tf.square(x); tf.sqrt(tf.abs(x)); tf.exp(x); tf.math.log(tf.abs(x)); tf.tanh(x); tf.sigmoid(x)
      tf.maximum(x, 0.); tf.minimum(x, 1.); tf.pow(x, 2.)
      v1.reduce_sum(x); v1.reduce_mean(x, axis=1); v1.reduce_max(x, keepdims=True); tf.argmax(x, 1); v1.argmax(x)
      tf.equal(x, x); tf.cast(x, tf.int32); tf.matmul(x, tf.ones([3, 2])); tf.add_n([x, x]); tf.stop_gradient(x)
      tf.group(a, b); tf.logical_and(tf.equal(x, x), tf.less(x, 1.)); tf.einsum('ij,jk->ik', x, tf.ones([3, 2]))
      tf.identity(v1.reduce_prod(x, 0), name='product')
    `,
    fetch: ['Add:0', 'Sub:0', 'truediv:0', 'Sum:0', 'Mean:0', 'Max:0', 'ArgMax:0', 'ArgMax_1:0', 'Cast:0', 'MatMul:0',
      'Pow:0', 'LogicalAnd:0', 'einsum/Einsum:0', 'product:0', 'Log:0', 'Sigmoid:0'],
    feeds: { 'x:0': X },
  },
  array: {
    body: `
      x = v1.placeholder(tf.float32, [2, 3], name='x')
      tf.reshape(x, [-1]); tf.transpose(x); tf.concat([x, x], 1); tf.stack([x, x]); tf.unstack(x, axis=1)
      tf.zeros([2, 3]); tf.ones([2]); tf.zeros_like(x); tf.ones_like(x); tf.fill([2], 3.0); tf.range(5); tf.constant(0.1, shape=[3])
      tf.expand_dims(x, 0); tf.squeeze(tf.ones([1, 2])); tf.shape(x); tf.size(x); tf.rank(x); tf.identity(x)
      tf.one_hot([1, 2], 3); tf.gather(x, [1]); tf.split(x, 3, axis=1); tf.slice(x, [0, 0], [1, 2]); tf.tile(x, [1, 2])
      tf.pad(x, [[1, 1], [0, 0]]); tf.where(tf.equal(x, x)); tf.zeros([40, 30])
    `,
    fetch: ['Reshape:0', 'transpose:0', 'concat:0', 'stack:0', 'unstack:1', 'ones_like:0', 'Fill:0', 'range:0', 'Const:0',
      'one_hot:0', 'GatherV2:0', 'split:2', 'Slice:0', 'Tile:0', 'Pad:0', 'Where:0', 'Shape:0', 'Size:0', 'Rank:0'],
    feeds: { 'x:0': X },
  },
  clip: {
    body: `
      x = v1.placeholder(tf.float32, [2, 3], name='x')
      tf.clip_by_value(x, 0., 1.); tf.clip_by_norm(x, 1.); v1.clip_by_global_norm([x, tf.ones([2])], 1.)
    `,
    fetch: ['clip_by_value:0', 'clip_by_norm:0', 'clip_by_global_norm/clip_by_global_norm/_0:0',
      'clip_by_global_norm/clip_by_global_norm/_1:0', 'global_norm/global_norm:0'],
    feeds: { 'x:0': X },
  },
};

function arith(): tf.Graph {
  const g = new tf.Graph();
  g.asDefault(() => {
    const x = tf.placeholder('float32', [null, 3], 'x');
    const a = tf.add(x, 1); const b = tf.subtract(x, a); tf.multiply(x, 2); tf.divide(x, 3); tf.negative(x);
    tf.square(x); tf.sqrt(tf.abs(x)); tf.exp(x); tf.math.log(tf.abs(x)); tf.tanh(x); tf.sigmoid(x);
    tf.maximum(x, 0); tf.minimum(x, 1); tf.pow(x, 2);
    tf.reduceSum(x); tf.reduceMean(x, { axis: 1 }); tf.reduceMax(x, { keepdims: true }); tf.argmax(x, { axis: 1 }); tf.argmax(x);
    tf.equal(x, x); tf.cast(x, 'int32'); tf.matmul(x, tf.ones([3, 2])); tf.addN([x, x]); tf.stopGradient(x);
    tf.group(a, b); tf.logicalAnd(tf.equal(x, x), tf.less(x, 1)); tf.einsum('ij,jk->ik', x, tf.ones([3, 2]));
    tf.identity(tf.reduceProd(x, { axis: 0 }), { name: 'product' });
  });
  return g;
}

function array(): tf.Graph {
  const g = new tf.Graph();
  g.asDefault(() => {
    const x = tf.placeholder('float32', [2, 3], 'x');
    tf.reshape(x, [-1]); tf.transpose(x); tf.concat([x, x], 1); tf.stack([x, x]); tf.unstack(x, { axis: 1 });
    tf.zeros([2, 3]); tf.ones([2]); tf.zerosLike(x); tf.onesLike(x); tf.fill([2], 3); tf.range(5); tf.constant(0.1, { shape: [3] });
    tf.expandDims(x, 0); tf.squeeze(tf.ones([1, 2])); tf.shape(x); tf.size(x); tf.rank(x); tf.identity(x);
    tf.oneHot([1, 2], 3); tf.gather(x, [1]); tf.split(x, 3, { axis: 1 }); tf.slice(x, [0, 0], [1, 2]); tf.tile(x, [1, 2]);
    tf.pad(x, [[1, 1], [0, 0]]); tf.where(tf.equal(x, x)); tf.zeros([40, 30]);
  });
  return g;
}

function clip(): tf.Graph {
  const g = new tf.Graph();
  g.asDefault(() => {
    const x = tf.placeholder('float32', [2, 3], 'x');
    tf.clipByValue(x, 0, 1); tf.clipByNorm(x, 1); tf.clipByGlobalNorm([x, tf.ones([2])], 1);
  });
  return g;
}

describePython('tf.* math and array functions match Python', () => {
  let python: Record<string, ProgramSummary>;
  beforeAll(() => {
    python = runPythonPrograms(PROGRAMS);
  });

  test.each([['arith', arith], ['array', array], ['clip', clip]] as const)('%s', async (key, build) => {
    const p = PROGRAMS[key];
    expectParity(await summarize(build(), p.fetch, p.feeds), python[key]);
  });
});
