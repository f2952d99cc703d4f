// SPDX-License-Identifier: Apache-2.0
// Compiles a C baseline in bench/c/ against the libtensorflow this checkout uses (LIBTENSORFLOW_PATH or
// what npm install provisioned), so Node and C run the same library in the same benchmark.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { resolveProvisioned } = require('../../scripts/libtensorflow');

function libtensorflowDir() {
  const problems = [];
  const found = resolveProvisioned(problems);
  if (!found) throw new Error(`libtensorflow is not provisioned: ${problems.join('; ')}`);
  return found.path;
}

/** Builds bench/c/<name>.c into bench/c/bin/<name> (when out of date) and returns the binary's path. */
function compileC(name) {
  const dir = libtensorflowDir();
  const source = path.join(__dirname, `${name}.c`);
  const binDir = path.join(__dirname, 'bin');
  const binary = path.join(binDir, name);
  fs.mkdirSync(binDir, { recursive: true });
  if (fs.existsSync(binary) && fs.statSync(binary).mtimeMs > fs.statSync(source).mtimeMs) return binary;
  const args = ['-O2', '-std=c11', '-D_GNU_SOURCE', '-I', path.join(dir, 'include'), source, '-o', binary,
    '-L', dir, '-l:libtensorflow_cc.so.2', '-l:libtensorflow_framework.so.2', `-Wl,-rpath,${dir}`, '-lm'];
  const r = spawnSync('gcc', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc ${name}.c failed:\n${r.stderr}`);
  return binary;
}

/** Runs a C baseline and parses the JSON line it prints. */
function runC(name, args = []) {
  const r = spawnSync(compileC(name), args.map(String), {
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

module.exports = { compileC, runC, libtensorflowDir };
