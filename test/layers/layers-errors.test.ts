// SPDX-License-Identifier: Apache-2.0
// tf.layers refuse bad input at graph-building time with an error naming the layer and the argument, where TF 1.15
// raises its ValueError: wrong ranks, unknown activation or padding names, bad sizes, layers reused with another shape.
import * as tf from '../../lib';

function inGraph(fn: () => unknown): () => unknown {
  return () => new tf.Graph().asDefault(fn);
}

const img = (shape: Array<number | null>) => tf.placeholder('float32', shape);

describe('tf.layers bad input', () => {
  test('wrong ranks', () => {
    expect(inGraph(() => tf.layers.conv2d(img([4, 4, 3]), 2, 3))).toThrow(/layers\.conv2d: inputs must have rank 4.*\[4, 4, 3\]/);
    expect(inGraph(() => tf.layers.dense(img([4]), 2))).toThrow(/layers\.dense: .*rank at least 2/);
    expect(inGraph(() => tf.layers.maxPooling2d(img([4, 4, 3]), 2, 2))).toThrow(/layers\.max_pooling2d: inputs must have rank 4/);
    expect(inGraph(() => tf.layers.averagePooling2d(img([2, 4, 4, 3, 1]), 2, 2))).toThrow(
      /layers\.average_pooling2d: inputs must have rank 4/);
    expect(inGraph(() => tf.layers.flatten(img([4])))).toThrow(/layers\.flatten: inputs must have rank at least 2/);
    expect(inGraph(() => tf.layers.batchNormalization(tf.placeholder('float32')))).toThrow(/batchNormalization: the rank of the inputs/);
    expect(inGraph(() => tf.layers.batchNormalization(img([1, 4, 4, 3]), { axis: 4 }))).toThrow(/invalid axis 4 for inputs of rank 4/);
    expect(inGraph(() => tf.layers.batchNormalization(img([1, 4, 4, 3]), { axis: -5 }))).toThrow(/invalid axis -5/);
  });

  test('unknown dimensions the variables need', () => {
    expect(inGraph(() => tf.layers.dense(img([4, null]), 2))).toThrow(/layers\.dense: the last dimension of the inputs should be defined/);
    expect(inGraph(() => tf.layers.conv2d(img([1, 4, 4, null]), 2, 3))).toThrow(/layers\.conv2d: the channel dimension/);
    expect(inGraph(() => tf.layers.batchNormalization(img([1, 4, 4, null])))).toThrow(
      /axis 3 of the inputs should have a defined dimension/);
  });

  test('unknown activation and padding names; TF 1.15 accepts any case of a padding name', () => {
    expect(inGraph(() => tf.layers.dense(img([2, 3]), 4, { activation: 'swishy' }))).toThrow(/layers\.dense: unknown activation "swishy"/);
    expect(inGraph(() => tf.layers.conv2d(img([1, 4, 4, 3]), 2, 3, { activation: 'relux' }))).toThrow(
      /layers\.conv2d: unknown activation "relux"; known: relu/);
    expect(inGraph(() => tf.layers.conv2d(img([1, 4, 4, 3]), 2, 3, { padding: 'full' as 'same' }))).toThrow(/layers\.conv2d: padding/);
    expect(inGraph(() => tf.layers.maxPooling2d(img([1, 4, 4, 3]), 2, 2, { padding: 'full' as 'same' }))).toThrow(
      /layers\.max_pooling2d: padding.*"full"/);
    const g = new tf.Graph();
    const y = g.asDefault(() => tf.layers.conv2d(img([1, 4, 4, 3]), 2, 3, { padding: 'SAME' as 'same' }));
    expect(y.shape).toEqual([1, 4, 4, 2]);
  });

  test('sizes and rates out of range', () => {
    for (const units of [0, -1, 2.5]) {
      expect(inGraph(() => tf.layers.dense(img([2, 3]), units))).toThrow(/layers\.dense: units must be a positive integer/);
    }
    expect(inGraph(() => tf.layers.conv2d(img([1, 4, 4, 3]), 0, 3))).toThrow(/layers\.conv2d: filters must be a positive integer/);
    expect(inGraph(() => tf.layers.conv2d(img([1, 4, 4, 3]), 2, [3, 0]))).toThrow(/layers\.conv2d: kernelSize must be/);
    expect(inGraph(() => tf.layers.conv2d(img([1, 4, 4, 3]), 2, 3, { strides: 0 }))).toThrow(/layers\.conv2d: strides must be/);
    expect(inGraph(() => tf.layers.maxPooling2d(img([1, 4, 4, 3]), 0, 2))).toThrow(/layers\.max_pooling2d: poolSize must be/);
    expect(inGraph(() => tf.layers.dropout(img([4, 3]), { rate: 1.5, training: true }))).toThrow(
      /layers\.dropout: rate must be a number in \[0, 1\)/);
    expect(inGraph(() => tf.layers.batchNormalization(img([1, 4, 4, 3]), { momentum: 2 }))).toThrow(
      /momentum must be a number in \[0, 1\]/);
    expect(inGraph(() => tf.layers.batchNormalization(img([1, 4, 4, 3]), { epsilon: 0 }))).toThrow(/epsilon must be a positive number/);
  });

  test('a layer reused with another input shape or size names the variable and both shapes; a name reused without reuse is refused', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      tf.layers.conv2d(img([1, 4, 4, 3]), 2, 3, { name: 'c' });
      expect(() => tf.layers.conv2d(img([1, 4, 4, 5]), 2, 3, { name: 'c', reuse: true })).toThrow(
        /share variable c\/kernel, but specified shape \[3,3,5,2\] and found shape \[3,3,3,2\]/);
      expect(() => tf.layers.conv2d(img([1, 4, 4, 3]), 4, 3, { name: 'c', reuse: true })).toThrow(/c\/kernel.*\[3,3,3,4\]/);
      expect(() => tf.layers.conv2d(img([1, 4, 4, 3]), 2, 3, { name: 'c' })).toThrow(/Variable c\/kernel already exists/);
      tf.layers.dense(img([2, 3]), 4, { name: 'fc' });
      expect(() => tf.layers.dense(img([2, 3]), 5, { name: 'fc', reuse: true })).toThrow(/fc\/kernel.*\[3,5\].*\[3,4\]/);
      tf.layers.batchNormalization(img([1, 4, 4, 3]), { name: 'bn' });
      expect(() => tf.layers.batchNormalization(img([1, 4, 4, 5]), { name: 'bn', reuse: true })).toThrow(/bn\/gamma.*\[5\].*\[3\]/);
      // Reused with the same shapes, the variables are shared.
      tf.layers.conv2d(img([2, 4, 4, 3]), 2, 3, { name: 'c', reuse: true });
      expect(g.globalVariables().filter((v) => v.name.startsWith('c/')).map((v) => v.name)).toEqual(['c/kernel', 'c/bias']);
    });
  });
});
