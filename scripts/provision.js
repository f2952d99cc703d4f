#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Makes libtensorflow available, trying in order:
//   1. LIBTENSORFLOW_PATH (a directory with the shared libraries and include/);
//   2. an installed Python TensorFlow of the pinned version, whose package folder holds the libraries;
//   3. the tensorflow-cpu wheel from pip, of which only the two libraries and the C headers are extracted,
//      once, into a per-user cache that every checkout shares.
// LIBTENSORFLOW_SOURCE=wheel skips (2), so CI proves (3) on machines that also have Python TensorFlow.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const lt = require('./libtensorflow');

const isTTY = Boolean(process.stderr.isTTY) && !process.env.CI;

function log(message) {
  process.stderr.write(`node-libtensorflow: ${message}\n`);
}

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  return null;
}

function fromEnvironment() {
  const dir = process.env.LIBTENSORFLOW_PATH;
  if (!dir) throw new Error('LIBTENSORFLOW_PATH is not set');
  const why = lt.checkDirectory(path.resolve(dir));
  if (why) throw new Error(why);
  return { path: path.resolve(dir), source: 'LIBTENSORFLOW_PATH' };
}

function fromPythonTensorFlow(python) {
  if (process.env.LIBTENSORFLOW_SOURCE === 'wheel') throw new Error('skipped (LIBTENSORFLOW_SOURCE=wheel)');
  if (!python) throw new Error('no python3 on PATH');
  // Locate the package without importing it: importing TensorFlow takes seconds.
  const code = [
    'import importlib.util, importlib.metadata, json',
    "spec = importlib.util.find_spec('tensorflow')",
    "locs = list(spec.submodule_search_locations) if spec and spec.submodule_search_locations else []",
    'version = None',
    "for dist in ('tensorflow', 'tensorflow-cpu', 'tensorflow-intel'):",
    '    try:',
    '        version = importlib.metadata.version(dist); break',
    '    except Exception: pass',
    "print(json.dumps({'locations': locs, 'version': version}))",
  ].join('\n');
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${python} failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  const info = JSON.parse(r.stdout);
  if (!info.locations.length) throw new Error('Python TensorFlow is not installed');
  if (info.version !== lt.TENSORFLOW_VERSION) {
    throw new Error(`Python TensorFlow is ${info.version}, not ${lt.TENSORFLOW_VERSION}`);
  }
  for (const dir of info.locations) {
    if (!lt.checkDirectory(dir)) return { path: dir, source: 'python', version: info.version };
  }
  throw new Error(`${info.locations.join(', ')} lacks the libraries or include/`);
}

function sha256(file) {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.alloc(1 << 22);
  let n;
  while ((n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, n));
  fs.closeSync(fd);
  return hash.digest('hex');
}

function downloadWheel(python, into) {
  if (!python) throw new Error('no python3 on PATH to run pip');
  const spec = `${lt.WHEEL_PACKAGE}==${lt.TENSORFLOW_VERSION}`;
  log(`downloading ${spec} with pip`);
  // --retries 0 and a short timeout: an unreachable index fails in seconds, not minutes.
  const r = spawnSync(
    python,
    ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--retries', '0', '--timeout', '20',
      '--disable-pip-version-check', '-d', into, spec],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.status !== 0) {
    const last = `${r.stderr || ''}${r.stdout || ''}`.trim().split('\n').filter(Boolean).slice(-2).join(' / ');
    throw new Error(`pip download ${spec} failed: ${last || `exit ${r.status}`}`);
  }
  const wheel = fs.readdirSync(into).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error('pip download produced no wheel');
  return path.join(into, wheel);
}

function progressReporter(total) {
  if (isTTY) {
    const cliProgress = require('cli-progress');
    const bar = new cliProgress.SingleBar(
      { format: 'node-libtensorflow: extracting [{bar}] {percentage}% | {value}/{total} MB', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.round(total / 1e6), 0);
    return { update: (done) => bar.update(Math.round(done / 1e6)), stop: () => bar.stop() };
  }
  let lastTenth = -1;
  return {
    update: (done) => {
      const tenth = Math.floor((done / total) * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        log(`extracting: ${tenth * 10}% of ${Math.round(total / 1e6)} MB`);
      }
    },
    stop: () => {},
  };
}

async function extractWheel(wheel, dest) {
  const yauzl = require('yauzl');
  const zip = await new Promise((resolve, reject) =>
    yauzl.open(wheel, { lazyEntries: true, autoClose: true }, (err, z) => (err ? reject(err) : resolve(z))));
  const wanted = (name) => {
    if (lt.LIBRARIES.some((lib) => name === `tensorflow/${lib}`)) return path.join(dest, path.basename(name));
    const inc = 'tensorflow/include/';
    const header = name.slice(inc.length);
    if (name.startsWith(inc) && !name.endsWith('/') &&
        (lt.HEADER_PREFIXES.includes(header) || lt.CC_HEADER_DIRS.some((d) => header.startsWith(d)))) {
      return path.join(dest, 'include', header);
    }
    return null;
  };
  const entries = [];
  await new Promise((resolve, reject) => {
    zip.on('entry', (entry) => {
      if (wanted(entry.fileName)) entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  const found = new Set(entries.map((e) => e.fileName));
  const missing = [
    ...lt.LIBRARIES.map((l) => `tensorflow/${l}`),
    ...lt.HEADER_PREFIXES.map((h) => `tensorflow/include/${h}`),
    `tensorflow/include/${lt.CC_HEADER_MARK}`,
  ].filter((n) => !found.has(n));
  if (missing.length) throw new Error(`the wheel lacks ${missing.join(', ')}`);
  const total = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  const progress = progressReporter(total);
  let done = 0;
  // A second yauzl handle, since lazyEntries were consumed; entries are read in order of their offsets.
  const zip2 = await new Promise((resolve, reject) =>
    yauzl.open(wheel, { lazyEntries: true, autoClose: false }, (err, z) => (err ? reject(err) : resolve(z))));
  try {
    for (const entry of entries) {
      const target = wanted(entry.fileName);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      await new Promise((resolve, reject) => {
        zip2.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const out = fs.createWriteStream(target, { mode: 0o755 });
          stream.on('data', (chunk) => {
            done += chunk.length;
            progress.update(done);
          });
          stream.on('error', reject);
          out.on('error', reject);
          out.on('finish', resolve);
          stream.pipe(out);
        });
      });
    }
  } finally {
    zip2.close();
    progress.stop();
  }
}

async function fromWheel(python) {
  const dest = lt.cacheDir();
  if (!lt.checkDirectory(dest) && fs.existsSync(path.join(dest, 'include', lt.CC_HEADER_MARK))) {
    log(`reusing ${dest}`);
    const stamp = JSON.parse(fs.readFileSync(path.join(dest, 'provenance.json'), 'utf8'));
    return { path: dest, source: 'cache', wheel: stamp.wheel, sha256: stamp.sha256 };
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'node-libtensorflow-'));
  try {
    const wheel = downloadWheel(python, work);
    const name = path.basename(wheel);
    const digest = sha256(wheel);
    const expected = lt.WHEEL_SHA256[name];
    if (!expected) throw new Error(`pip served ${name}, whose sha256 (${digest}) is not pinned in scripts/libtensorflow.js`);
    if (digest !== expected) throw new Error(`${name} has sha256 ${digest}, expected ${expected}`);
    log(`verified ${name} (sha256 ${digest.slice(0, 16)}…)`);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    // Extract beside the destination and rename into place, so a concurrent install never sees half a copy.
    const staging = fs.mkdtempSync(`${dest}.partial-`);
    fs.chmodSync(staging, 0o755);
    await extractWheel(wheel, staging);
    fs.writeFileSync(path.join(staging, 'provenance.json'),
      JSON.stringify({ wheel: name, sha256: digest, version: lt.TENSORFLOW_VERSION }, null, 2) + '\n');
    // A copy extracted before the C++ headers were (CC_HEADER_DIRS) is replaced.
    if (fs.existsSync(dest) && !fs.existsSync(path.join(dest, 'include', lt.CC_HEADER_MARK))) {
      fs.rmSync(dest, { recursive: true, force: true });
    }
    try {
      fs.renameSync(staging, dest);
    } catch (err) {
      fs.rmSync(staging, { recursive: true, force: true });
      if (lt.checkDirectory(dest)) throw err;  // someone else finished first only if dest is now complete
    }
    log(`extracted libtensorflow into ${dest}`);
    return { path: dest, source: 'wheel', wheel: name, sha256: digest };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Provisions libtensorflow and records the result for the build and the loader. */
async function provision() {
  const python = findPython();
  const attempts = [];
  const sources = [
    ['LIBTENSORFLOW_PATH', () => fromEnvironment(),
      'set LIBTENSORFLOW_PATH to a directory with libtensorflow_cc.so.2, libtensorflow_framework.so.2 and include/'],
    [`Python TensorFlow ${lt.TENSORFLOW_VERSION}`, () => fromPythonTensorFlow(python),
      `pip install tensorflow-cpu==${lt.TENSORFLOW_VERSION}`],
    [`pip wheel ${lt.WHEEL_PACKAGE}==${lt.TENSORFLOW_VERSION} → ${lt.cacheDir()}`, () => fromWheel(python),
      'make pip reach an index that serves the wheel (PIP_INDEX_URL / pip.conf), or set LIBTENSORFLOW_CACHE to a writable directory'],
  ];
  for (const [name, attempt, fix] of sources) {
    if (name === 'LIBTENSORFLOW_PATH' && !process.env.LIBTENSORFLOW_PATH) {
      attempts.push({ name, why: 'not set', fix });
      continue;
    }
    try {
      const found = await attempt();
      const record = { ...found, tensorflowVersion: lt.TENSORFLOW_VERSION, provisionedAt: new Date().toISOString() };
      lt.writeRecord(record);
      log(`libtensorflow from ${found.source}: ${found.path}`);
      return record;
    } catch (err) {
      attempts.push({ name, why: err.message, fix });
      if (name === 'LIBTENSORFLOW_PATH') break;  // an explicit choice that fails is not silently replaced
    }
  }
  const lines = attempts.map((a, i) => `  ${i + 1}. ${a.name}: ${a.why}\n     fix: ${a.fix}`);
  const error = new Error(`could not provision libtensorflow ${lt.TENSORFLOW_VERSION}. Tried:\n${lines.join('\n')}`);
  error.attempts = attempts;
  throw error;
}

module.exports = { provision };

if (require.main === module) {
  provision().catch((err) => {
    log(err.message);
    process.exit(1);
  });
}
