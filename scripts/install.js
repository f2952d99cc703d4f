#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// `npm install`: provision libtensorflow, build the addon (unless a prebuild loads), check that the library
// reports the pinned version, and compile the TypeScript when installing from a source checkout.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const lt = require('./libtensorflow');
const { provision } = require('./provision');

const root = lt.PACKAGE_ROOT;

function log(message) {
  process.stderr.write(`node-libtensorflow: ${message}\n`);
}

function run(command, args, extraEnv = {}) {
  log(`$ ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  return r.status === 0;
}

function bin(name) {
  return path.join(root, 'node_modules', '.bin', name);
}

function loadableAddon() {
  try {
    return require('node-gyp-build')(root);
  } catch {
    return null;
  }
}

// Node's own headers, when this Node ships them, so that building needs no download.
function localNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(process.execPath, '..', '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

function buildAddon(includeDir) {
  const env = { LIBTENSORFLOW_INCLUDE: includeDir };
  const nodedir = localNodeDir();
  if (nodedir) env.npm_config_nodedir = nodedir;
  if (fs.existsSync(bin('cmake-js')) && spawnSync('cmake', ['--version']).status === 0) {
    if (run(bin('cmake-js'), ['compile', '--out', 'build', '--log-level', 'warn'], env)) return true;
    log('cmake-js failed; trying node-gyp');
  }
  const gyp = fs.existsSync(bin('node-gyp')) ? bin('node-gyp') : 'node-gyp';
  return run(gyp, ['rebuild'], env);
}

async function main() {
  const record = await provision();
  const includeDir = path.join(record.path, 'include');
  const prebuilt = fs.existsSync(path.join(root, 'prebuilds')) && loadableAddon();
  if (!prebuilt && !buildAddon(includeDir)) {
    throw new Error('building the native addon failed (see the compiler output above); ' +
      'you need cmake (or python3 and make for node-gyp) and a C++17 compiler');
  }
  const addon = loadableAddon();
  if (!addon) throw new Error('the native addon was built but does not load');
  const version = addon.loadLibrary(record.path);
  if (version !== lt.TENSORFLOW_VERSION) {
    throw new Error(`${record.path} reports TensorFlow ${version}, expected ${lt.TENSORFLOW_VERSION}`);
  }
  lt.writeRecord({ ...record, reportedVersion: version });
  log(`libtensorflow ${version} verified`);
  if (fs.existsSync(path.join(root, 'tsconfig.json')) && fs.existsSync(bin('tsc'))) {
    if (!run(bin('tsc'), ['-p', 'tsconfig.json'])) throw new Error('compiling the TypeScript failed');
    require('./write-esm');
  }
}

main().catch((err) => {
  log(err.message);
  process.exit(1);
});
