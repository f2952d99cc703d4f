// SPDX-License-Identifier: Apache-2.0
// Where libtensorflow comes from: the pinned version, the cache, and how a directory is recognised.
// The one place these are decided; scripts/provision.js and lib/library.ts both use it.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const TENSORFLOW_VERSION = '2.21.0';
const WHEEL_PACKAGE = 'tensorflow-cpu';
// sha256 of the wheels we have verified, by file name. A wheel not listed here is refused.
const WHEEL_SHA256 = {
  'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl':
    '2b847d217b02ee7731ed91431daf3250daa0196c3c94614d23be27232e6e5b6c',
};
const LIBRARIES = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
// The headers tensorflow/c/c_api.h, c_api_experimental.h and tf_tstring.h include (see `gcc -M`), as
// prefixes of paths inside the wheel's tensorflow/include/.
const HEADER_PREFIXES = [
  'tensorflow/c/c_api.h',
  'tensorflow/c/c_api_experimental.h',
  'tensorflow/c/c_api_macros.h',
  'tensorflow/c/tf_attrtype.h',
  'tensorflow/c/tf_buffer.h',
  'tensorflow/c/tf_datatype.h',
  'tensorflow/c/tf_status.h',
  'tensorflow/c/tf_tensor.h',
  'tensorflow/c/tf_tstring.h',
  'tensorflow/c/eager/c_api.h',
  'tensorflow/core/platform/ctstring.h',
  'tensorflow/core/platform/ctstring_internal.h',
  'tsl/platform/ctstring.h',
  'tsl/platform/ctstring_internal.h',
  'xla/tsl/c/tsl_status.h',
];
// The C++ header trees that native/intra_op/ compiles against (`gcc -M` of intra_op_run.cc reaches into these
// only), as prefixes of paths inside the wheel's tensorflow/include/: about 55 MB of the wheel's 287 MB.
const CC_HEADER_DIRS = [
  'tensorflow/core/', 'tensorflow/c/', 'tsl/', 'xla/tsl/', 'absl/', 'Eigen/', 'unsupported/Eigen/',
  'google/protobuf/', 'ml_dtypes/', 'third_party/',
];
// A file of those trees, by which a cache directory extracted before they were is recognised.
const CC_HEADER_MARK = 'tensorflow/core/public/session.h';
const PACKAGE_ROOT = path.resolve(__dirname, '..');
// What `npm install` provisioned, for the build and the run-time loader (tests point it elsewhere).
const RECORD_FILE = process.env.NODE_LIBTENSORFLOW_RECORD || path.join(PACKAGE_ROOT, '.libtensorflow.json');

function cacheRoot() {
  if (process.env.LIBTENSORFLOW_CACHE) return path.resolve(process.env.LIBTENSORFLOW_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'node-libtensorflow');
}

function cacheDir() {
  return path.join(cacheRoot(), `${TENSORFLOW_VERSION}-cpu`);
}

/** Why `dir` is not a usable libtensorflow directory, or null when it is. */
function checkDirectory(dir) {
  if (!dir || !fs.existsSync(dir)) return `${dir} does not exist`;
  for (const lib of LIBRARIES) {
    if (!fs.existsSync(path.join(dir, lib))) return `${dir} has no ${lib}`;
  }
  if (!fs.existsSync(path.join(dir, 'include', 'tensorflow', 'c', 'c_api.h'))) {
    return `${dir} has no include/tensorflow/c/c_api.h`;
  }
  return null;
}

function readRecord() {
  try {
    return JSON.parse(fs.readFileSync(RECORD_FILE, 'utf8'));
  } catch {
    return null;
  }
}

function writeRecord(record) {
  const tmp = `${RECORD_FILE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n');
  fs.renameSync(tmp, RECORD_FILE);
}

/**
 * The libtensorflow directory to use now: LIBTENSORFLOW_PATH, else what `npm install` provisioned.
 * Returns {path, source, variant?} or null; `problems` collects why candidates were rejected.
 */
function resolveProvisioned(problems = []) {
  const fromEnv = process.env.LIBTENSORFLOW_PATH;
  if (fromEnv) {
    const dir = path.resolve(fromEnv);
    const why = checkDirectory(dir);
    if (!why) return { path: dir, source: 'LIBTENSORFLOW_PATH' };
    problems.push(`LIBTENSORFLOW_PATH: ${why}`);
    return null;
  }
  const record = readRecord();
  if (record) {
    const why = checkDirectory(record.path);
    if (!why) return record;
    problems.push(`the provisioned copy (${RECORD_FILE}): ${why}`);
  } else {
    problems.push(`the provisioned copy: ${RECORD_FILE} is missing (npm install did not provision libtensorflow)`);
  }
  return null;
}

module.exports = {
  TENSORFLOW_VERSION,
  WHEEL_PACKAGE,
  WHEEL_SHA256,
  LIBRARIES,
  HEADER_PREFIXES,
  CC_HEADER_DIRS,
  CC_HEADER_MARK,
  PACKAGE_ROOT,
  RECORD_FILE,
  cacheRoot,
  cacheDir,
  checkDirectory,
  readRecord,
  writeRecord,
  resolveProvisioned,
};
