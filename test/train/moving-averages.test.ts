// SPDX-License-Identifier: Apache-2.0
// ExponentialMovingAverage without a graph argument: like Python's, it reads the default graph.
import * as tf from '../../lib';

describe('tf.train.ExponentialMovingAverage', () => {
  test('variablesToRestore() before apply() maps the default graph variables to their shadow names', () => {
    const g = new tf.Graph();
    const restore = g.asDefault(() => {
      tf.getVariable('w', { shape: [1] });
      tf.getVariable('step', { shape: [], dtype: 'int32', trainable: false });
      return new tf.train.ExponentialMovingAverage(0.9).variablesToRestore();
    });
    expect(Object.keys(restore).sort()).toEqual(['step', 'w/ExponentialMovingAverage']);
    expect(restore['w/ExponentialMovingAverage'].name).toBe('w');
  });
});
