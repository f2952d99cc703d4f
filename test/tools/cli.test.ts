// SPDX-License-Identifier: Apache-2.0
import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import { spawnSync } from 'child_process';
import { main } from '../../lib/tools/cli';
import { decode } from '../../lib/proto';
import { describePython, runPython, tempDir } from '../helpers/python';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, done) { append(String(chunk)); done(); } });
  const code = await main(argv, sink((s) => (out += s)), sink((s) => (err += s)));
  return { code, out, err };
}

describe('node-libtensorflow command line', () => {
  test('usage errors exit 2 with the usage; failures exit 1 naming the error; help exits 0', async () => {
    expect(await cli('bogus')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown command 'bogus'[\s\S]*usage:/) });
    expect(await cli('inspect-checkpoint')).toMatchObject({ code: 2 });
    expect(await cli('saved-model', 'show')).toMatchObject({ code: 2, err: expect.stringMatching(/--dir is required/) });
    expect(await cli('inspect-checkpoint', '/nonexistent/ckpt', '--bad-flag')).toMatchObject({ code: 2 });
    expect(await cli('inspect-checkpoint', '/nonexistent/ckpt')).toMatchObject({ code: 1, err: expect.stringMatching(/NotFoundError/) });
    expect(await cli('saved-model', 'show', '--dir', '/nonexistent'))
      .toMatchObject({ code: 1, err: expect.stringMatching(/SavedModel file does not exist/) });
    expect(await cli('help')).toMatchObject({ code: 0, out: expect.stringMatching(/^usage:/) });
  });

  test('summarize-graph refuses bytes that are not a GraphDef, and the bin script runs', async () => {
    const { dir, cleanup } = tempDir('tfn-cli-');
    try {
      fs.writeFileSync(path.join(dir, 'bad.pb'), Buffer.from([0xff, 0xff, 0xff]));
      expect(await cli('summarize-graph', path.join(dir, 'bad.pb')))
        .toMatchObject({ code: 1, err: expect.stringMatching(/Loading graph/) });
      const bin = path.join(__dirname, '..', '..', 'bin', 'node-libtensorflow.js');
      const r = spawnSync(process.execPath, [bin, 'summarize-graph', path.join(dir, 'bad.pb')], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/Loading graph/);
    } finally {
      cleanup();
    }
  });
});

describePython('node-libtensorflow command line against Python', () => {
  const { dir, cleanup } = tempDir('tfn-cli-');
  afterAll(cleanup);
  let py: Record<string, string>;

  beforeAll(() => {
    // freeze_graph prints progress: the JSON is the last line.
    const printed = runPython(`
import contextlib, io, json, os, sys
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
from tensorflow.python.tools import inspect_checkpoint as ic, saved_model_cli as smc, freeze_graph as fg
d = sys.argv[1]
g = tf.Graph()
with g.as_default():
    x = tf.placeholder(tf.float32, [None, 2], name='x')
    w = tf.get_variable('w', [2, 3], initializer=tf.constant_initializer([[0.5, 1, -2], [3.25, 1e-5, 100]]))
    b = tf.get_variable('b', [3], initializer=tf.constant_initializer([0.1, 0.2, 0.3]))
    s = tf.get_variable('step', [], dtype=tf.int64, initializer=tf.zeros_initializer())
    words = tf.get_variable('words', [2], dtype=tf.string, initializer=tf.constant_initializer(['a', "it's"]))
    big = tf.get_variable('big', [40, 40], initializer=tf.constant_initializer(np.arange(1600).reshape(40, 40) / 7))
    y = tf.identity(tf.matmul(x, w) + b, name='y')
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.save(sess, os.path.join(d, 'ckpt', 'model'))
        builder = tf.saved_model.builder.SavedModelBuilder(os.path.join(d, 'sm'))
        sig = tf.saved_model.signature_def_utils.predict_signature_def({'x': x}, {'y': y})
        builder.add_meta_graph_and_variables(sess, ['serve'], signature_def_map={'serving_default': sig})
        builder.save()
np.save(os.path.join(d, 'x.npy'), np.array([[1, 2], [-3, 0.5]], np.float32))
def capture(fn, *args):
    f = io.StringIO()
    with contextlib.redirect_stdout(f):
        fn(*args)
    return f.getvalue()
ckpt = os.path.join(d, 'ckpt', 'model')
sm = os.path.join(d, 'sm')
fg.freeze_graph(None, None, True, ckpt, 'y', None, None, os.path.join(d, 'frozen-py.pb'), True, '', input_meta_graph=ckpt + '.meta')
print(json.dumps({
  'list': capture(ic.print_tensors_in_checkpoint_file, ckpt, '', False),
  'all': capture(ic.print_tensors_in_checkpoint_file, ckpt, '', True),
  'one': capture(ic.print_tensors_in_checkpoint_file, ckpt, 'big', False),
  'tags': capture(smc._show_tag_sets, sm),
  'keys': capture(smc._show_signature_def_map_keys, sm, 'serve'),
  'sig': capture(smc._show_inputs_outputs, sm, 'serve', 'serving_default'),
  'show_all': capture(smc._show_all, sm),
  'run_npy': capture(smc.run_saved_model_with_feed_dict, sm, 'serve', 'serving_default',
                     {'x': np.load(os.path.join(d, 'x.npy'))}, None, False),
  'run_expr': capture(smc.run_saved_model_with_feed_dict, sm, 'serve', 'serving_default',
                      {'x': np.array([[1, 2], [3, 4]], np.float32)}, None, False),
  'frozen': json.dumps([[n.name, n.op, list(n.input)]
                        for n in tf.GraphDef.FromString(open(os.path.join(d, 'frozen-py.pb'), 'rb').read()).node]),
}))
`, [dir]);
    py = JSON.parse(printed.trim().split('\n').pop()!) as Record<string, string>;
  });

  const ckpt = () => path.join(dir, 'ckpt', 'model');
  const sm = () => path.join(dir, 'sm');

  test("inspect-checkpoint prints what Python's inspect_checkpoint prints", async () => {
    expect((await cli('inspect-checkpoint', ckpt())).out).toBe(py.list);
    expect((await cli('inspect-checkpoint', ckpt(), '--all')).out).toBe(py.all);
    expect((await cli('inspect-checkpoint', ckpt(), '--tensor', 'big')).out).toBe(py.one);
    expect(await cli('inspect-checkpoint', ckpt(), '--tensor', 'nope'))
      .toMatchObject({ code: 1, err: expect.stringMatching(/Key nope not found in checkpoint/) });
  });

  test("saved-model show prints what saved_model_cli shows", async () => {
    expect((await cli('saved-model', 'show', '--dir', sm())).out).toBe(py.tags);
    expect((await cli('saved-model', 'show', '--dir', sm(), '--tag-set', 'serve')).out).toBe(py.keys);
    expect((await cli('saved-model', 'show', '--dir', sm(), '--tag-set', 'serve', '--signature-def', 'serving_default')).out).toBe(py.sig);
    // Python prints the op set in its hash order; the rest is compared line by line, the set as a set.
    const opsLine = /contains the following ops: \{(.*)\}/;
    const ours = (await cli('saved-model', 'show', '--dir', sm(), '--all')).out;
    expect(ours.replace(opsLine, '')).toBe(py.show_all.replace(opsLine, ''));
    const ops = (s: string) => opsLine.exec(s)![1].split(', ').sort();
    expect(ops(ours)).toEqual(ops(py.show_all));
    expect(await cli('saved-model', 'show', '--dir', sm(), '--tag-set', 'gpu'))
      .toMatchObject({ code: 1, err: expect.stringMatching(/tag-set gpu could not be found/) });
  });

  test('saved-model run prints what saved_model_cli run prints, from .npy files and literals', async () => {
    const base = ['saved-model', 'run', '--dir', sm(), '--tag-set', 'serve', '--signature-def', 'serving_default'];
    expect((await cli(...base, '--inputs', `x=${path.join(dir, 'x.npy')}`)).out).toBe(py.run_npy);
    expect((await cli(...base, '--input-exprs', 'x=[[1,2],[3,4]]')).out).toBe(py.run_expr);
    const outdir = path.join(dir, 'out');
    expect((await cli(...base, '--input-exprs', 'x=[[1,2],[3,4]]', '--outdir', outdir)).code).toBe(0);
    expect(await cli(...base, '--input-exprs', 'x=[[1,2],[3,4]]', '--outdir', outdir))
      .toMatchObject({ code: 1, err: expect.stringMatching(/--overwrite/) });
    // NumPy reads the file back to what saved_model_cli printed.
    const printed = runPython('import numpy as np, sys; print(np.load(sys.argv[1]))', [path.join(outdir, 'y.npy')]);
    expect(`Result for output key y:\n${printed}`).toBe(py.run_expr);
    expect(await cli(...base, '--input-exprs', 'x=np.ones((2,2))')).toMatchObject({ code: 1, err: expect.stringMatching(/not a literal/) });
    fs.writeFileSync(path.join(dir, 'bad.npy'), 'not numpy');
    expect(await cli(...base, '--inputs', `x=${path.join(dir, 'bad.npy')}`))
      .toMatchObject({ code: 1, err: expect.stringMatching(/not a NumPy .npy array/) });
  });

  test("freeze gives freeze_graph's GraphDef, and summarize-graph summarizes it", async () => {
    const out = path.join(dir, 'frozen.pb');
    const r = await cli(
      'freeze', '--input-meta-graph', `${ckpt()}.meta`, '--input-checkpoint', ckpt(), '--output-node-names', 'y', '--output', out,
    );
    expect(r.code).toBe(0);
    const graphDef = decode<{ node: Array<{ name: string; op: string; input: string[] }> }>('GraphDef', fs.readFileSync(out));
    const nodes = graphDef.node.map((n) => [n.name, n.op, [...n.input]]);
    expect(nodes).toEqual(JSON.parse(py.frozen));
    const summary = (await cli('summarize-graph', out)).out.split('\n');
    expect(summary[0]).toBe('Found 1 possible inputs: (name=x, type=float(1), shape=[?,2]) ');
    expect(summary[1]).toBe('No variables spotted.');
    expect(summary[2]).toBe('Found 1 possible outputs: (name=y, op=Identity) ');
    expect(summary[3]).toBe('Found 9 (9) const parameters, 0 (0) variable parameters, and 0 control_edges');
  });
});
