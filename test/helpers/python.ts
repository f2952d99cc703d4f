// SPDX-License-Identifier: Apache-2.0
// Real Python TensorFlow as the independent peer for interop tests. Where it is not installed the interop
// suites are skipped, saying so once; .ci/run installs it, so CI always runs them.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const PYTHON = process.env.PYTHON || 'python3';

function detect(): boolean {
  const r = spawnSync(PYTHON, ['-c', "import importlib.util,sys; sys.exit(0 if importlib.util.find_spec('tensorflow') else 1)"]);
  return r.status === 0;
}

export const hasPythonTensorFlow = detect();

/** `describe` when Python TensorFlow is installed, otherwise a skipped suite that says why. */
export const describePython: jest.Describe = hasPythonTensorFlow
  ? describe
  : (((name: string, fn: () => void) => {
      console.warn(`Skipping "${name}": Python TensorFlow is not installed (pip install tensorflow-cpu==2.21.0)`);
      return describe.skip(name, fn);
    }) as unknown as jest.Describe);

/**
 * Runs a Python script with TensorFlow's logging silenced and returns its stdout.
 * @throws Error with Python's stderr when the script fails.
 */
export function runPython(script: string, args: string[] = [], timeoutMs = 180_000): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-py-'));
  const file = path.join(dir, 'script.py');
  fs.writeFileSync(file, script);
  try {
    const r = spawnSync(PYTHON, [file, ...args], {
      encoding: 'utf8',
      timeout: timeoutMs,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '', PYTHONHASHSEED: '0' },
      maxBuffer: 256 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`Python failed (${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = 'tfn-'): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
