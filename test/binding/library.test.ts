// SPDX-License-Identifier: Apache-2.0
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '../../lib';
import { describePython, runPython } from '../helpers/python';

const ROOT = path.resolve(__dirname, '..', '..');

function node(code: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['-e', code], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...env },
  });
}

/** A child that makes a Graph from dist/ and, if that throws, prints the message and exits with status 3. */
const NEW_GRAPH = "try { new (require('./dist').Graph)(); } catch (e) { console.log(e.message); process.exit(3); }";

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
    const r = node(NEW_GRAPH, { LIBTENSORFLOW_PATH: empty });
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
    const r = node(NEW_GRAPH, { LIBTENSORFLOW_PATH: dir });
    fs.rmSync(dir, { recursive: true });
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/could not load it: cannot load .*libtensorflow_framework\.so\.2/);
  });

  test('the ES module build imports too', () => {
    const entry = JSON.stringify(path.join(ROOT, 'dist', 'index.mjs'));
    const code = `import * as tf from ${entry}; console.log(typeof tf.Graph, tf.version.tensorflow);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    });
    expect(r.stdout.trim()).toBe('function 2.21.0');
  });
});

describe('errors', () => {
  // TF_Code (tensorflow/c/tf_status.h) and the class Python names for each code.
  const CODES: Array<[string, string, number]> = [
    ['CancelledError', 'CANCELLED', 1],
    ['UnknownError', 'UNKNOWN', 2],
    ['InvalidArgumentError', 'INVALID_ARGUMENT', 3],
    ['DeadlineExceededError', 'DEADLINE_EXCEEDED', 4],
    ['NotFoundError', 'NOT_FOUND', 5],
    ['AlreadyExistsError', 'ALREADY_EXISTS', 6],
    ['PermissionDeniedError', 'PERMISSION_DENIED', 7],
    ['ResourceExhaustedError', 'RESOURCE_EXHAUSTED', 8],
    ['FailedPreconditionError', 'FAILED_PRECONDITION', 9],
    ['AbortedError', 'ABORTED', 10],
    ['OutOfRangeError', 'OUT_OF_RANGE', 11],
    ['UnimplementedError', 'UNIMPLEMENTED', 12],
    ['InternalError', 'INTERNAL', 13],
    ['UnavailableError', 'UNAVAILABLE', 14],
    ['DataLossError', 'DATA_LOSS', 15],
    ['UnauthenticatedError', 'UNAUTHENTICATED', 16],
  ];
  type ErrorClass = new (message: string) => Error & { code: string; codeNumber: number };
  const classes = tf.errors as unknown as Record<string, ErrorClass>;

  test('every TensorFlow status code has its own TFError subclass, with TensorFlow\'s code name and number', () => {
    for (const [name, code, number] of CODES) {
      const cls = classes[name];
      const e = new cls(`message of ${name}`);
      expect([e.name, e.code, e.codeNumber, e.message]).toEqual([name, code, number, `message of ${name}`]);
      expect(e).toBeInstanceOf(cls);
      expect(e).toBeInstanceOf(tf.errors.TFError);
      expect(e).toBeInstanceOf(Error);
      expect(e.stack).toContain(`message of ${name}`);
      // Each class is its own: no code's error is an instance of another code's class.
      for (const [other] of CODES) if (other !== name) expect(e).not.toBeInstanceOf(classes[other]);
    }
    // A bare TFError is UNKNOWN, like a TF_Status with a code TensorFlow does not define.
    const bare = new tf.errors.TFError('bare');
    expect([bare.code, bare.codeNumber]).toEqual(['UNKNOWN', 2]);
    expect(bare).not.toBeInstanceOf(tf.errors.UnknownError);
  });

  describePython('against Python TensorFlow', () => {
    test('the code numbers and class names are Python\'s tf.errors', () => {
      const out = runPython(
        'import json, tensorflow as tf\n' +
          'from tensorflow.python.framework import errors_impl\n' +
          'codes = {n: getattr(tf.errors, n) for n in dir(tf.errors) if n.isupper() and n != "OK"}\n' +
          'print(json.dumps(sorted(\n' +
          '    [[errors_impl.exception_type_from_error_code(v).__name__, n, v] for n, v in codes.items()],\n' +
          '    key=lambda r: r[2])))\n',
      );
      expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual(CODES);
    });
  });

  test('errors from TensorFlow arrive as those classes', () => {
    const g = new tf.Graph();
    expect(() => g.addOperation('NoSuchOp')).toThrow(tf.errors.NotFoundError);
  });
});
