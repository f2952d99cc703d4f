// SPDX-License-Identifier: Apache-2.0
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython, tempDir } from '../helpers/python';
import { decode } from '../../lib/proto';

type GraphDefNodes = { node: Array<{ name: string; op: string; input: string[] }> };

const nodes = (bytes: Uint8Array) => decode<GraphDefNodes>('GraphDef', bytes).node.map((n) => [n.name, n.op, [...n.input]]);

/** A small model: a dense layer on resource variables, an embedding lookup, and training-only nodes. */
function model() {
  const g = new tf.Graph();
  const x = g.placeholder('float32', [null, 2], 'x');
  const w = g.getVariable('w', { shape: [2, 3], initializer: tf.initializers.constant(0.5) });
  const b = g.getVariable('b', { shape: [3], initializer: tf.initializers.constant(0.25) });
  const emb = g.getVariable('emb', { shape: [5, 3], initializer: tf.initializers.randomUniform({ seed: 3 }) });
  const ids = g.placeholder('int32', [null], 'ids');
  const gathered = g.ops.resourceGather(emb.handle, ids, { dtype: 'float32', name: 'embedding_lookup' });
  const checked = g.ops.checkNumerics(g.ops.matMul(x, w), { message: 'bad', name: 'check' });
  const y = g.ops.identity(g.ops.relu(g.ops.addV2(checked, b)), { name: 'y' });
  g.ops.identity(g.ops.identity(gathered, { name: 'inner' }), { name: 'z' });
  return { g, y, init: tf.globalVariablesInitializer(g) };
}

describe('tf.graphUtil', () => {
  test('convertVariablesToConstants freezes variables into Consts that run without a checkpoint', async () => {
    const { g, init } = model();
    const s = new tf.Session(g);
    await s.run(init);
    const frozen = await tf.graphUtil.convertVariablesToConstants(s, g, ['y', 'z']);
    const ops = nodes(frozen);
    expect(ops).toContainEqual(['w', 'Const', []]);
    expect(ops).toContainEqual(['embedding_lookup', 'GatherV2', ['emb', 'ids', 'embedding_lookup/axis']]);
    expect(ops.some(([, op]) => op === 'VarHandleOp' || op === 'ReadVariableOp' || op === 'AssignVariableOp')).toBe(false);

    const fg = tf.Graph.fromGraphDef(frozen);
    const fs2 = new tf.Session(fg);
    const feeds = { 'x:0': tf.tensor([[1, 2]]), 'ids:0': tf.tensor([4, 0], [2], 'int32') };
    const [fy, fz] = (await fs2.run(['y:0', 'z:0'], feeds)) as tf.Tensor[];
    const [oy, oz] = (await s.run(['y:0', 'z:0'], feeds)) as tf.Tensor[];
    expect(fy.data()).toEqual(oy.data());
    expect(fz.data()).toEqual(oz.data());
    await Promise.all([s.close(), fs2.close()]);
  });

  test('errors: unknown outputs, another graph, uninitialized variables, bytes that are not a GraphDef', async () => {
    const { g } = model();
    const s = new tf.Session(g);
    await expect(tf.graphUtil.convertVariablesToConstants(s, g, ['nope'])).rejects.toThrow(/'nope' is not in graph/);
    await expect(tf.graphUtil.convertVariablesToConstants(s, new tf.Graph(), ['y'])).rejects.toThrow(/the session runs/);
    await expect(tf.graphUtil.convertVariablesToConstants(s, g, ['y'])).rejects.toThrow(tf.errors.FailedPreconditionError);
    await expect(tf.graphUtil.convertVariablesToConstants(s, g, [])).rejects.toThrow(TypeError);
    expect(() => tf.graphUtil.extractSubGraph(new Uint8Array([0xff, 0xff]), ['y'])).toThrow(/not a GraphDef/);
    expect(() => tf.graphUtil.extractSubGraph(g.toGraphDef(), ['nope'])).toThrow(/not in graph/);
    await s.close();
  });
});

describePython('tf.graphUtil against Python', () => {
  test("extractSubGraph, removeTrainingNodes and convertVariablesToConstants give Python's GraphDefs", async () => {
    const { g, init } = model();
    const s = new tf.Session(g);
    await s.run(init);
    const { dir, cleanup } = tempDir('tfn-graph-util-');
    try {
      const file = path.join(dir, 'graph.pb');
      fs.writeFileSync(file, g.toGraphDef());
      const py = JSON.parse(runPython(`
import json, sys
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
gd = tf.GraphDef.FromString(open(sys.argv[1], 'rb').read())
g = tf.Graph()
with g.as_default():
    tf.import_graph_def(gd, name='')
nodes = lambda d: [[n.name, n.op, list(n.input)] for n in d.node]
with tf.Session(graph=g) as s:
    s.run(g.get_operation_by_name('${init.name}'))
    frozen = tf.graph_util.convert_variables_to_constants(s, gd, ['y', 'z'])
print(json.dumps({
  'sub': nodes(tf.graph_util.extract_sub_graph(gd, ['z'])),
  'training': nodes(tf.graph_util.remove_training_nodes(gd, ['z'])),
  'frozen': nodes(frozen),
}))
`, [file])) as Record<string, unknown>;
      const def = g.toGraphDef();
      expect(nodes(tf.graphUtil.extractSubGraph(def, ['z']))).toEqual(py.sub);
      expect(nodes(tf.graphUtil.removeTrainingNodes(def, ['z']))).toEqual(py.training);
      expect(nodes(await tf.graphUtil.convertVariablesToConstants(s, g, ['y', 'z']))).toEqual(py.frozen);
    } finally {
      cleanup();
      await s.close();
    }
  });
});
