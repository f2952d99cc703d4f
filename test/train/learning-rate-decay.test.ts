// SPDX-License-Identifier: Apache-2.0
// piecewiseConstant's graph as Python 2.21 builds it (values are compared with Python in schedules-parity).
import * as tf from '../../lib';

describe('tf.train.piecewiseConstant', () => {
  test("is an exclusive tf.case with Python's predicate names and output", () => {
    const g = new tf.Graph();
    const lr = g.asDefault(() => tf.train.piecewiseConstant(tf.train.getOrCreateGlobalStep(), [10, 100], [1, 0.5, 0.1]));
    expect(lr.name).toBe('PiecewiseConstant/case/cond/Identity:0');
    const types = new Map(g.operations().map((o) => [o.name, o.type]));
    for (const [name, type] of [['LessEqual', 'LessEqual'], ['Greater', 'Greater'], ['Greater_1', 'Greater'],
      ['LessEqual_1', 'LessEqual'], ['and', 'LogicalAnd'], ['case/cond', 'StatelessIf']]) {
      expect(types.get(`PiecewiseConstant/${name}`)).toBe(type);
    }
  });

  test('a bad number of values is an Error naming both lengths', () => {
    const g = new tf.Graph();
    expect(() => g.asDefault(() => tf.train.piecewiseConstant(tf.train.getOrCreateGlobalStep(), [10], [1])))
      .toThrow(/1 less than the length of values \(received 1 and 1\)/);
  });
});
