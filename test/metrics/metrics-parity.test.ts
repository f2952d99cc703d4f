// SPDX-License-Identifier: Apache-2.0
// tf.metrics against Python tf.compat.v1.metrics: local variable names and collections, and the value after two
// update batches (the update ops run, then the value is read).
import * as tf from '../../lib';
import { describePython } from '../helpers/python';
import { ProgramSummary, runPythonPrograms } from '../helpers/python-parity';

const BATCHES = [
  { l: [1, 0, 1, 1, 0, 1], p: [1, 0, 0, 1, 1, 1], s: [0.9, 0.2, 0.4, 0.8, 0.6, 0.7], w: [1, 2, 1, 0, 1, 1] },
  { l: [0, 0, 1, 0, 1, 1], p: [0, 1, 1, 0, 0, 1], s: [0.1, 0.55, 0.95, 0.3, 0.45, 0.65], w: [1, 1, 1, 1, 2, 1] },
];

const PY = String.raw`
  l = v1.placeholder(tf.int64, [6], name='l'); p = v1.placeholder(tf.int64, [6], name='p')
  s = v1.placeholder(tf.float32, [6], name='s'); w = v1.placeholder(tf.float32, [6], name='w')
  M = v1.metrics
  res = [M.accuracy(l, p), M.accuracy(l, p, weights=w, name='wacc'), M.mean(s), M.precision(l, p), M.recall(l, p), M.auc(l, s), M.auc(l, s,
    num_thresholds=10, name='auc10')]
  for i, (v, u) in enumerate(res):
    tf.identity(v, name='v%d' % i); tf.identity(u, name='u%d' % i)
`;

describePython('tf.metrics matches Python', () => {
  let python: ProgramSummary;
  beforeAll(() => {
    python = runPythonPrograms({ m: { body: PY, fetch: [] } }).m;
  });

  test('variables, collections and values after two batches', async () => {
    const g = new tf.Graph();
    const [values, updates] = g.asDefault(() => {
      const l = tf.placeholder('int64', [6], 'l');
      const p = tf.placeholder('int64', [6], 'p');
      const s = tf.placeholder('float32', [6], 's');
      const w = tf.placeholder('float32', [6], 'w');
      const M = tf.metrics;
      const res = [M.accuracy(l, p), M.accuracy(l, p, { weights: w, name: 'wacc' }), M.mean(s), M.precision(l, p), M.recall(l, p), M.auc(l,
        s),
        M.auc(l, s, { numThresholds: 10, name: 'auc10' })];
      return [res.map((r) => r[0]), res.map((r) => r[1])];
    });
    expect(g.localVariables().map((v) => v.name)).toEqual(python.variables);
    expect(g.getCollection<tf.Variable>(tf.GraphKeys.METRIC_VARIABLES).map((v) => v.name)).toEqual(python.collections.metric_variables.map((n) => n.replace(/:0$/, '')));
    const sess = new tf.Session(g);
    await sess.run(tf.localVariablesInitializer(g));
    const feedsOf = (b: (typeof BATCHES)[number]) => ({
      'l:0': tf.tensor(b.l.map(BigInt), [6], 'int64'), 'p:0': tf.tensor(b.p.map(BigInt), [6], 'int64'), 's:0': b.s, 'w:0': b.w,
    });
    for (const b of BATCHES) await sess.run(updates, feedsOf(b));
    const ours = (await sess.run(values)).map((t) => (t.data() as Float32Array)[0]);
    await sess.close();
    // Python, same batches.
    const { runPython } = await import('../helpers/python');
    const out = JSON.parse(runPython(String.raw`
import json, textwrap, numpy as np, tensorflow as tf
tf.compat.v1.disable_v2_behavior(); tf.compat.v1.enable_resource_variables(); v1 = tf.compat.v1
g = tf.Graph()
with g.as_default():
  exec(textwrap.dedent('''${PY}'''), {'tf': tf, 'v1': v1})
  with v1.Session() as sess:
    sess.run(v1.local_variables_initializer())
    for b in json.loads('${JSON.stringify(BATCHES)}'):
      sess.run(['u%d:0' % i for i in range(7)], {'l:0': b['l'], 'p:0': b['p'], 's:0': b['s'], 'w:0': b['w']})
    print(json.dumps([float(x) for x in sess.run(['v%d:0' % i for i in range(7)])]))
`)) as number[];
    ours.forEach((v, i) => expect(Math.abs(v - out[i])).toBeLessThan(1e-5 * (1 + Math.abs(out[i]))));
  });
});
