// SPDX-License-Identifier: Apache-2.0
// The broadcasting arithmetic and reduction gradients registered in TypeScript although C++ has them (static shapes
// folded as Python does): values against finite differences and Python's tape, the C++ gradient where shapes are
// only partly known, and the graph they build when shapes are static.
import * as tf from '../../../lib';
import { GradCase, describeGradients, floats, ints, uniform } from '../../helpers/gradient-check';
import { hasPythonTensorFlow } from '../../helpers/python';

const cases: GradCase[] = [
  { name: 'AddV2, same shapes', type: 'AddV2', inputs: [floats([2, 3], 1), floats([2, 3], 2)] },
  { name: 'AddV2, row broadcast', type: 'AddV2', inputs: [floats([4, 3], 3), floats([3], 4)] },
  { name: 'AddV2, both broadcast', type: 'AddV2', inputs: [floats([2, 1, 3], 5), floats([4, 1], 6)] },
  { name: 'Add, scalar y', type: 'Add', inputs: [floats([2, 3], 7), floats([], 8)] },
  { name: 'Sub, same shapes', type: 'Sub', inputs: [floats([2, 3], 9), floats([2, 3], 10)] },
  { name: 'Sub, column broadcast', type: 'Sub', inputs: [floats([3, 1], 11), floats([3, 4], 12)] },
  { name: 'Mul, same shapes float32', type: 'Mul', inputs: [floats([2, 3], 13, 'float32'), floats([2, 3], 14, 'float32')] },
  { name: 'Mul, broadcast', type: 'Mul', inputs: [floats([2, 1, 3], 15), floats([4, 1], 16)] },
  { name: 'RealDiv, broadcast', type: 'RealDiv', inputs: [floats([2, 3], 17), floats([3], 18, 'float64', 0.5, 2)] },
  { name: 'Square', type: 'Square', inputs: [floats([2, 3], 19)] },
  { name: 'Relu', type: 'Relu', inputs: [floats([2, 3], 27, 'float64', -1, 1, 0.1)] },
  { name: 'Sum over all axes', type: 'Sum', inputs: [floats([2, 3], 20), ints([0, 1])] },
  { name: 'Sum over axis 1', type: 'Sum', inputs: [floats([2, 3, 2], 21), ints([1])] },
  { name: 'Sum over axis -1, keep_dims', type: 'Sum', inputs: [floats([2, 3], 22), ints([-1])], attrs: { keep_dims: true } },
  { name: 'Sum over a scalar axis', type: 'Sum', inputs: [floats([3], 23), ints([0], [])] },
  { name: 'Mean over all axes', type: 'Mean', inputs: [floats([2, 3], 24), ints([0, 1])] },
  { name: 'Mean over axes 0 and 2 (int64)', type: 'Mean', inputs: [floats([2, 3, 2], 25), ints([0, 2], [2], 'int64')] },
  { name: 'Mean over axis 0, keep_dims', type: 'Mean', inputs: [floats([4, 3], 26), ints([0])], attrs: { keep_dims: true } },
];

describeGradients('broadcast and reduction gradients', cases, hasPythonTensorFlow);

function values(t: tf.Tensor): number[] {
  return Array.from(t.data() as Float64Array);
}

describe('broadcast and reduction gradients on partly known shapes', () => {
  // Shapes with an unknown dimension take the run-time path (Shape, BroadcastGradientArgs): the driver's gradients
  // equal the C++ registry's (the one-call fast path) on the same graph.
  const build = (forceDriver: boolean) => {
    const g = new tf.Graph();
    const a = g.placeholder('float64', [null, 3], 'a');
    const b = g.placeholder('float64', [3], 'b');
    const c = g.placeholder('float64', [null, 1], 'c');
    const y = g.ops.mean(g.ops.square(g.ops.realDiv(g.ops.mul(g.ops.sub(g.ops.addV2(a, b), c), a), g.ops.addV2(b, 3))), [0, 1]);
    const z = g.ops.sum(g.ops.mul(a, c), 0);
    const grads = g.gradients([y, z], [a, b, c], { forceDriver }) as tf.Output[];
    return { g, a, b, c, grads };
  };

  it('equal the C++ gradients', async () => {
    const results: number[][][] = [];
    for (const force of [false, true]) {
      const { g, a, b, c, grads } = build(force);
      const sess = new tf.Session(g);
      const feeds = new Map([
        [a, tf.tensor(Float64Array.from(uniform(12, 1)), [4, 3], 'float64')],
        [b, tf.tensor(Float64Array.from(uniform(3, 2)), [3], 'float64')],
        [c, tf.tensor(Float64Array.from(uniform(4, 3)), [4, 1], 'float64')],
      ]);
      results.push(((await sess.run(grads, feeds)) as tf.Tensor[]).map(values));
      await sess.close();
    }
    results[1].forEach((d, i) => d.forEach((v, j) => expect(v).toBeCloseTo(results[0][i][j], 12)));
  });

  it('build BroadcastGradientArgs only where a dimension is unknown', () => {
    const types = (forceDriver: boolean, shape: Array<number | null>) => {
      const g = new tf.Graph();
      const x = g.placeholder('float32', shape, 'x');
      const w = g.placeholder('float32', [3], 'w');
      const y = g.ops.mean(g.ops.mul(g.ops.addV2(x, w), x), [0, 1]);
      const before = new Set(g.operations().map((o) => o.name));
      g.gradients(y, [x, w], { forceDriver });
      return g.operations().filter((o) => !before.has(o.name)).map((o) => o.type);
    };
    const known = types(true, [4, 3]);
    for (const t of ['Shape', 'BroadcastGradientArgs', 'DynamicStitch']) expect(known).not.toContain(t);
    expect(types(true, [null, 3])).toContain('BroadcastGradientArgs');
  });
});

const shapingCases: GradCase[] = [
  { name: 'Reshape', type: 'Reshape', inputs: [floats([2, 3], 40), ints([3, 2])] },
  { name: 'ExpandDims', type: 'ExpandDims', inputs: [floats([2, 3], 41), ints([1], [])] },
  { name: 'Squeeze', type: 'Squeeze', inputs: [floats([2, 1, 3], 42)] },
  {
    name: 'StridedSlice with a shrunk axis',
    type: 'StridedSlice',
    inputs: [floats([4, 3], 43), ints([1, 0]), ints([3, 3]), ints([1, 2])],
    attrs: { shrink_axis_mask: 0, begin_mask: 2 },
  },
  {
    name: 'StridedSlice, int64 indices',
    type: 'StridedSlice',
    inputs: [floats([5], 44), ints([1], [1], 'int64'), ints([4], [1], 'int64'), ints([2], [1], 'int64')],
  },
  { name: 'Slice', type: 'Slice', inputs: [floats([4, 3], 45), ints([1, 1]), ints([2, -1])] },
  { name: 'Slice, int64 indices', type: 'Slice', inputs: [floats([4, 3], 46), ints([0, 1], [2], 'int64'), ints([3, 2], [2], 'int64')] },
  { name: 'ConcatV2 on axis -1', type: 'ConcatV2', inputs: [[floats([2, 3], 47), floats([2, 1], 48)], ints([-1], [])] },
];

describeGradients('reshaping and slicing gradients', shapingCases, hasPythonTensorFlow);

describe('reshaping and slicing gradients on partly known shapes', () => {
  it('equal the C++ gradients', async () => {
    const results: number[][] = [];
    for (const forceDriver of [false, true]) {
      const g = new tf.Graph();
      const a = g.placeholder('float64', [null, 3], 'a');
      const sliced = g.ops.stridedSlice(g.ops.slice(a, [1, 0], [-1, 2]), [0, 1], [2, 2], [1, 1], { shrinkAxisMask: 2 });
      const y = g.ops.squeeze(g.ops.expandDims(g.ops.reshape(g.ops.mul(sliced, sliced), [-1, 1]), 0), { squeezeDims: [0] });
      const [d] = g.gradients(y, [a], { forceDriver }) as tf.Output[];
      const sess = new tf.Session(g);
      const feeds = new Map([[a, tf.tensor(Float64Array.from(uniform(12, 5)), [4, 3], 'float64')]]);
      results.push(values((await sess.run(d, feeds)) as tf.Tensor));
      await sess.close();
    }
    expect(results[0].some((v) => v !== 0)).toBe(true);
    results[1].forEach((v, j) => expect(v).toBeCloseTo(results[0][j], 12));
  });
});
