// SPDX-License-Identifier: Apache-2.0
// tfjs-node 4.22 built from source against the libtensorflow this checkout uses, so that the benchmarks
// compare both bindings on the same library in the same run. Built once into a cache folder outside the
// repository (npm install --ignore-scripts, deps/ pointed at our library and headers, node-pre-gyp
// --build-from-source); later runs reuse it. A failed build is remembered there too, so that each benchmark
// says why the column is missing instead of retrying a slow build: delete the folder (or set
// BENCH_REBUILD_PEERS=1) to try again. `node bench/peers/tfjs-node.js` builds it and prints where it is.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { resolveProvisioned, cacheRoot, TENSORFLOW_VERSION } = require('../../scripts/libtensorflow');

const PACKAGE = '@tensorflow/tfjs-node';
const VERSION = '4.22.0';

function libtensorflow() {
  const problems = [];
  const found = resolveProvisioned(problems);
  if (!found) throw new Error(`libtensorflow is not provisioned: ${problems.join('; ')}`);
  return found.path;
}

/** The cache folder for this tfjs-node, Node ABI and libtensorflow directory. */
function peerDir(libDir) {
  const tag = `${VERSION}-tf${TENSORFLOW_VERSION}-node${process.versions.modules}`;
  // Two provisioned libraries of the same version (LIBTENSORFLOW_PATH) get their own builds.
  const libTag = Buffer.from(libDir).toString('base64url').slice(-16);
  return path.join(process.env.BENCH_PEERS_CACHE || path.join(cacheRoot(), 'peers'), `tfjs-node-${tag}-${libTag}`);
}

function run(cmd, args, cwd, env = process.env) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    const out = `${r.stdout || ''}\n${r.stderr || ''}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status}`}):\n${out}`);
  }
  return r.stdout;
}

/** Node's own headers when they were installed beside the binary, so node-gyp needs no download. */
function nodeDir() {
  const dir = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')) ? dir : undefined;
}

function build(libDir, dir) {
  const scratch = `${dir}.build-${process.pid}`;
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });
  try {
    fs.writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'tfjs-node-peer', private: true }));
    // --ignore-scripts: its install script would download Google's prebuilt libtensorflow 2.9.
    run('npm', ['install', `${PACKAGE}@${VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], scratch);
    const pkg = path.join(scratch, 'node_modules', ...PACKAGE.split('/'));
    const lib = path.join(pkg, 'deps', 'lib');
    fs.mkdirSync(lib, { recursive: true });
    fs.symlinkSync(path.join(libDir, 'include'), path.join(pkg, 'deps', 'include'));
    // binding.gyp links -ltensorflow -ltensorflow_framework; the wheel's C API lives in libtensorflow_cc, whose
    // soname the linker records, so the binary loads our files by their own names through its rpath deps/lib.
    for (const [name, target] of [
      ['libtensorflow.so', 'libtensorflow_cc.so.2'],
      ['libtensorflow_cc.so.2', 'libtensorflow_cc.so.2'],
      ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
      ['libtensorflow_framework.so.2', 'libtensorflow_framework.so.2'],
    ]) {
      fs.symlinkSync(path.join(libDir, target), path.join(lib, name));
    }
    const nodedir = nodeDir();
    const preGyp = path.join(scratch, 'node_modules', '.bin', 'node-pre-gyp');
    run(preGyp, ['install', '--build-from-source', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], pkg);
    const version = check(scratch);
    fs.writeFileSync(path.join(scratch, 'peer.json'), JSON.stringify({ libDir, tensorflow: version, builtAt: new Date() }) + '\n');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(scratch, dir);
  } catch (err) {
    fs.rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
}

/** Loads the built tfjs-node in a child process and returns the TensorFlow version its binding reports. */
function check(root) {
  const script = `const tf = require(${JSON.stringify(path.join(root, 'node_modules', PACKAGE))});
    const v = tf.backend().binding.TF_Version;
    const r = tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0];
    if (r !== 3) throw new Error('tfjs-node computed 1 + 2 = ' + r);
    console.log(v);`;
  const out = run(process.execPath, ['-e', script], root, { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' });
  const version = out.trim().split('\n').pop();
  if (version !== TENSORFLOW_VERSION) throw new Error(`tfjs-node loaded TensorFlow ${version}, not ${TENSORFLOW_VERSION}`);
  return version;
}

/**
 * The built tfjs-node: {module, dir, tensorflow} where `module` is the path to require, or {error} when it
 * could not be built (now or at an earlier run, with that run's reason).
 */
function ensureTfjsNode({ log = (m) => console.error(m) } = {}) {
  let libDir;
  try {
    libDir = libtensorflow();
  } catch (err) {
    return { error: err.message };
  }
  const dir = peerDir(libDir);
  const failed = `${dir}.failed`;
  const module = path.join(dir, 'node_modules', PACKAGE);
  if (process.env.BENCH_REBUILD_PEERS) fs.rmSync(failed, { force: true });
  if (fs.existsSync(path.join(dir, 'peer.json'))) {
    return { module, dir, ...JSON.parse(fs.readFileSync(path.join(dir, 'peer.json'), 'utf8')) };
  }
  if (fs.existsSync(failed)) {
    const why = fs.readFileSync(failed, 'utf8');
    return { error: `an earlier build failed (delete ${failed} or set BENCH_REBUILD_PEERS=1 to retry): ${why}` };
  }
  log(`Building ${PACKAGE}@${VERSION} against ${libDir} into ${dir} (once; about a minute)...`);
  try {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    build(libDir, dir);
  } catch (err) {
    fs.writeFileSync(failed, `${new Date().toISOString()} ${err.message}\n`);
    return { error: err.message };
  }
  return { module, dir, ...JSON.parse(fs.readFileSync(path.join(dir, 'peer.json'), 'utf8')) };
}

module.exports = { ensureTfjsNode, PACKAGE, VERSION };

if (require.main === module) {
  const r = ensureTfjsNode();
  if (r.error) {
    console.error(`${PACKAGE}@${VERSION} is not available: ${r.error}`);
    process.exit(1);
  }
  console.log(`${PACKAGE}@${VERSION} on TensorFlow ${r.tensorflow}: ${r.module}`);
}
