// SPDX-License-Identifier: Apache-2.0
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '../../lib';

const ROOT = path.resolve(__dirname, '..', '..');

function node(code: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env } });
}

describe('library', () => {
  test('tf.version reports TensorFlow 2.21.0 and the package version', () => {
    expect(tf.version.tensorflow).toBe('2.21.0');
    expect(tf.version.binding).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  test('tf.library names the directory it loaded and a variant', () => {
    expect(fs.existsSync(path.join(tf.library.path, 'libtensorflow_cc.so.2'))).toBe(true);
    expect(['cpu', 'gpu']).toContain(tf.library.variant);
  });

  test('a LIBTENSORFLOW_PATH without the library gives one error naming what was tried and the fix', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-empty-'));
    const r = node("try { new (require('./dist').Graph)(); } catch (e) { console.log(e.message); process.exit(3); }", { LIBTENSORFLOW_PATH: empty });
    fs.rmSync(empty, { recursive: true });
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/cannot find libtensorflow 2\.21\.0/);
    expect(r.stdout).toMatch(/LIBTENSORFLOW_PATH: .* has no libtensorflow_cc\.so\.2/);
    expect(r.stdout).toMatch(/Fix: run `npm install`/);
  });

  test('a broken library file gives a clear load error, not a crash', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-broken-'));
    fs.writeFileSync(path.join(dir, 'libtensorflow_cc.so.2'), 'not a library');
    fs.writeFileSync(path.join(dir, 'libtensorflow_framework.so.2'), 'not a library');
    fs.mkdirSync(path.join(dir, 'include', 'tensorflow', 'c'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'include', 'tensorflow', 'c', 'c_api.h'), '');
    const r = node("try { new (require('./dist').Graph)(); } catch (e) { console.log(e.message); process.exit(3); }", { LIBTENSORFLOW_PATH: dir });
    fs.rmSync(dir, { recursive: true });
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/could not load it: cannot load .*libtensorflow_framework\.so\.2/);
  });

  test('the ES module build imports too', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import * as tf from ${JSON.stringify(path.join(ROOT, 'dist', 'index.mjs'))}; console.log(typeof tf.Graph, tf.version.tensorflow);`], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    });
    expect(r.stdout.trim()).toBe('function 2.21.0');
  });
});

describe('errors', () => {
  test('every TensorFlow status code has its class with code and codeNumber', () => {
    const e = new tf.errors.FailedPreconditionError('x');
    expect(e).toBeInstanceOf(tf.errors.TFError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('FAILED_PRECONDITION');
    expect(e.codeNumber).toBe(9);
    expect(e.name).toBe('FailedPreconditionError');
    for (const name of ['CancelledError', 'UnknownError', 'InvalidArgumentError', 'DeadlineExceededError', 'NotFoundError', 'AlreadyExistsError', 'PermissionDeniedError', 'ResourceExhaustedError', 'FailedPreconditionError', 'AbortedError', 'OutOfRangeError', 'UnimplementedError', 'InternalError', 'UnavailableError', 'DataLossError', 'UnauthenticatedError']) {
      expect((tf.errors as Record<string, unknown>)[name]).toBeDefined();
    }
  });

  test('errors from TensorFlow arrive as those classes', () => {
    const g = new tf.Graph();
    expect(() => g.addOperation('NoSuchOp')).toThrow(tf.errors.NotFoundError);
  });
});
