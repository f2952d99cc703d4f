// SPDX-License-Identifier: Apache-2.0
// Gradients through loops imported from Python must never kill the process: TF_AddGradients crashes on v1 control
// flow, so the driver refuses it with an Error naming the op and the path. Each case runs in a child process, so
// that a crash fails the test instead of the test runner.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describePython, runPython, tempDir } from '../helpers/python';

const ROOT = path.resolve(__dirname, '..', '..');

const PYTHON = String.raw`
import sys
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
if sys.argv[2] == 'v1':
  tf.compat.v1.disable_control_flow_v2()
g = tf.Graph()
with g.as_default():
  x = tf.compat.v1.placeholder(tf.float32, [], name='x')
  z = tf.compat.v1.placeholder(tf.float32, [], name='z')
  _, r = tf.compat.v1.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * x), [tf.constant(0), tf.constant(1.0)])
  tf.identity(r, name='y')
  # A loop among the ancestors but off the path from z: gradients with respect to z need not pass it.
  tf.add(r, z * z, name='y2')
open(sys.argv[1], 'wb').write(g.as_graph_def().SerializeToString())
`;

/** Runs `code` in a fresh Node process with `tf` (the compiled package) and `bytes` (the GraphDef) defined. */
function child(code: string, graphFile: string): { status: number | null; signal: NodeJS.Signals | null; out: string; err: string } {
  const script = `
    const tf = require(${JSON.stringify(path.join(ROOT, 'dist'))});
    const bytes = require('fs').readFileSync(${JSON.stringify(graphFile)});
    const g = tf.Graph.fromGraphDef(bytes);
    (async () => { ${code} })().catch((e) => { console.log(JSON.stringify({ thrown: e.constructor.name, message: e.message })); });
  `;
  const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' };
  const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', env, timeout: 120_000 });
  return { status: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

describePython('gradients through loops imported from Python', () => {
  const tmp = tempDir();
  const files: Record<string, string> = {};
  beforeAll(() => {
    for (const version of ['v1', 'v2']) {
      files[version] = path.join(tmp.dir, `${version}.pb`);
      runPython(PYTHON, [files[version], version]);
    }
  }, 300_000);
  afterAll(() => tmp.cleanup());

  test('a v1 while loop (Enter/Merge/Switch/NextIteration/Exit) on the path: a clear Error, never a signal', () => {
    expect(fs.existsSync(files.v1)).toBe(true);
    const r = child("g.gradients(g.tensor('y:0'), [g.tensor('x:0')]); console.log(JSON.stringify({ thrown: null }));", files.v1);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(result.thrown).toBe('Error');
    expect(result.message).toMatch(/Cannot differentiate through operation 'while\/\w+' \(op type: (Exit|Switch|Merge|Enter|NextIteration)\)/);
    expect(result.message).toMatch(/control flow/);
    expect(result.message).toContain("on the path from 'y:0' to 'x:0'");
  });

  test('the same loop off the path: the gradient is computed, the loop left alone', () => {
    const r = child(
      `const [dz] = g.gradients(g.tensor('y2:0'), [g.tensor('z:0')]);
       const sess = new tf.Session(g);
       const v = await sess.run(dz, { 'z:0': tf.tensor(1.5), 'x:0': tf.tensor(2) });
       console.log(JSON.stringify({ thrown: null, value: v.item() }));
       await sess.close();`,
      files.v1,
    );
    expect(r.signal).toBeNull();
    const result = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(result).toEqual({ thrown: null, value: 3 });
  });

  test('a control flow v2 loop (While): the While gradient (lib/control-flow/while-gradient.ts) differentiates it', () => {
    const r = child(
      `const [dx] = g.gradients(g.tensor('y:0'), [g.tensor('x:0')]);
       const sess = new tf.Session(g);
       const v = await sess.run(dx, { 'x:0': tf.tensor(2) });
       console.log(JSON.stringify({ thrown: null, value: v.item() }));
       await sess.close();`,
      files.v2,
    );
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(result).toEqual({ thrown: null, value: 12 }); // d(x^3)/dx at 2
  });
});
