// SPDX-License-Identifier: Apache-2.0
// GraphDefs between Python TensorFlow (tf.compat.v1) and node-libtensorflow, both ways, computing the same
// numbers: a while loop (control flow v2: While + functions; and v1: Enter/Merge/Switch/Exit), a tf.function
// call, and a graph built here through g.ops.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { decode } from '../../lib/proto';
import { describePython, runPython, tempDir } from '../helpers/python';

const PY_EXPORT = String.raw`
import base64, json
import tensorflow as tf
v1 = tf.compat.v1
feed = [1.0, 2.0, 3.0]

def build(name):
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [3], name='x')
        _, acc = v1.while_loop(lambda i, acc: i < 5, lambda i, acc: (i + 1, acc * 2.0 + x), [tf.constant(0), tf.zeros([3])], name='loop')
        @tf.function
        def poly(a):
            return a * a + 1.0
        y = tf.identity(acc + poly(x), name='y')
        with v1.Session(graph=g) as s:
            value = s.run(y, {x: feed})
    gd = g.as_graph_def()
    return {'graph': base64.b64encode(gd.SerializeToString()).decode(), 'y': value.tolist(),
            'ops': sorted(set(n.op for n in gd.node)), 'functions': sorted(f.signature.name for f in gd.library.function)}

out = {'v2': build('v2')}
v1.disable_control_flow_v2()
out['v1'] = build('v1')
print(json.dumps(out))
`;

const PY_IMPORT = String.raw`
import base64, json, sys
import tensorflow as tf
v1 = tf.compat.v1
cases = json.load(open(sys.argv[1]))
out = {}
for name, case in cases.items():
    gd = tf.compat.v1.GraphDef.FromString(base64.b64decode(case['graph']))
    g = tf.Graph()
    with g.as_default():
        v1.import_graph_def(gd, name='')
    with v1.Session(graph=g) as s:
        feeds = {g.get_tensor_by_name(k): v for k, v in case['feeds'].items()}
        out[name] = [s.run(g.get_tensor_by_name(f), feeds).tolist() for f in case['fetches']]
print(json.dumps(out))
`;

interface PyGraph {
  graph: string;
  y: number[];
  ops: string[];
  functions: string[];
}

function runSync(g: tf.Graph, fetch: string, feeds: Record<string, unknown>): number[] {
  const sess = new tf.Session(g);
  try {
    return sess.runSync(fetch, feeds as never).toArray() as number[];
  } finally {
    void sess.close();
  }
}

describePython('GraphDef interop with Python TensorFlow', () => {
  let python: { v1: PyGraph; v2: PyGraph };
  beforeAll(() => {
    python = JSON.parse(runPython(PY_EXPORT));
  });

  test('graphs Python builds (while loops v1 and v2, a tf.function) import here and compute the same numbers', () => {
    const v2 = python.v2;
    expect(v2.ops.some((op) => /While$/.test(op))).toBe(true);
    expect(v2.ops.some((op) => /PartitionedCall$/.test(op))).toBe(true);
    expect(v2.functions.length).toBeGreaterThanOrEqual(3); // cond, body, poly
    expect(python.v1.ops).toEqual(expect.arrayContaining(['Enter', 'Exit', 'LoopCond', 'Merge', 'NextIteration', 'Switch']));
    for (const py of [python.v1, python.v2]) {
      const g = tf.Graph.fromGraphDef(Buffer.from(py.graph, 'base64'));
      const got = runSync(g, 'y:0', { x: [1, 2, 3] });
      got.forEach((v, i) => expect(v).toBeCloseTo(py.y[i], 4));
      // And with a prefix and the placeholder mapped to a constant of this graph.
      const h = new tf.Graph();
      const c = h.constant([1, 2, 3], { name: 'c' });
      const r = h.importGraphDef(Buffer.from(py.graph, 'base64'), { prefix: 'p', inputMap: { x: c }, returnElements: ['y:0'] });
      runSync(h, r.outputs[0].name, {}).forEach((v, i) => expect(v).toBeCloseTo(py.y[i], 4));
    }
  });

  test('graphs exported here (a round-tripped function library, g.ops) import in Python and compute the same numbers', () => {
    const cases: Record<string, { graph: string; feeds: Record<string, unknown>; fetches: string[] }> = {};
    const expected: Record<string, number[][]> = {};
    for (const name of ['v1', 'v2'] as const) {
      const g = tf.Graph.fromGraphDef(Buffer.from(python[name].graph, 'base64'));
      const bytes = g.toGraphDef();
      const def = decode<{ library?: { function?: unknown[] } }>('GraphDef', bytes);
      expect((def.library?.function ?? []).length).toBe(python[name].functions.length);
      cases[name] = { graph: Buffer.from(bytes).toString('base64'), feeds: { 'x:0': [4, 5, 6] }, fetches: ['y:0'] };
      expected[name] = [runSync(g, 'y:0', { x: [4, 5, 6] })];
    }
    const g = new tf.Graph();
    const x = g.ops.placeholder({ dtype: 'float32', shape: [2, 3], name: 'x' });
    const w = g.ops.reshape(g.ops.range(0, 6, 1, { Tidx: 'float32' }), [3, 2]);
    const logits = g.ops.biasAdd(g.ops.matMul(x, w), [0.5, -0.5], { name: 'logits' });
    const probs = g.ops.softmax(logits, { name: 'probs' });
    const top = g.ops.topKV2(probs, 1, { name: 'top' });
    g.nameScope('stats', () => g.ops.mean(g.ops.square(logits), [0, 1], { name: 'msq' }));
    const feed = [[1, 0, 2], [0.5, -1, 3]];
    cases.ops = {
      graph: Buffer.from(g.toGraphDef()).toString('base64'),
      feeds: { 'x:0': feed },
      fetches: ['probs:0', 'top:1', 'stats/msq:0'],
    };
    const sess = new tf.Session(g);
    expected.ops = [probs, top.indices, g.tensor('stats/msq:0')].map((t) => {
      const v = sess.runSync(t, { x: feed }).toArray();
      return (Array.isArray(v) ? v : [v]) as number[];
    });
    void sess.close();
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'cases.json');
      fs.writeFileSync(file, JSON.stringify(cases));
      const got = JSON.parse(runPython(PY_IMPORT, [file])) as Record<string, unknown[][]>;
      for (const name of Object.keys(cases)) {
        const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
        got[name].forEach((value, i) => {
          const a = flat(value);
          const b = flat(expected[name][i]);
          expect(a.length).toBe(b.length);
          a.forEach((v, j) => expect(v).toBeCloseTo(b[j], 4));
        });
      }
    } finally {
      cleanup();
    }
  });
});
