// SPDX-License-Identifier: Apache-2.0
// Provisioning libtensorflow: reuse of the shared cache, and one clear error when every source fails.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const lt = require('../../scripts/libtensorflow.js');

function provision(env: Record<string, string>) {
  // Provisioning records its result for the loader: a private record keeps this checkout's as it is.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-record-'));
  try {
    return spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'provision.js')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_LIBTENSORFLOW_RECORD: path.join(dir, 'record.json'), ...env },
      timeout: 120_000,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('provisioning', () => {
  const current = lt.resolveProvisioned([]);

  test('a complete cache directory is reused without downloading or extracting', () => {
    const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-cache-'));
    const dest = path.join(cacheRoot, `${lt.TENSORFLOW_VERSION}-cpu`);
    fs.mkdirSync(dest);
    // The second checkout's view of a cache that a first one filled (links to the real files).
    for (const lib of lt.LIBRARIES) fs.symlinkSync(path.join(current.path, lib), path.join(dest, lib));
    fs.symlinkSync(path.join(current.path, 'include'), path.join(dest, 'include'));
    fs.writeFileSync(path.join(dest, 'provenance.json'), JSON.stringify({ wheel: 'w.whl', sha256: 'abc' }));
    const r = provision({ LIBTENSORFLOW_CACHE: cacheRoot, LIBTENSORFLOW_SOURCE: 'wheel', PIP_CONFIG_FILE: '/dev/null', PIP_INDEX_URL: 'http://127.0.0.1:9/simple' });
    fs.rmSync(cacheRoot, { recursive: true });
    expect(r.stderr).toMatch(/reusing .*2\.21\.0-cpu/);
    expect(r.stderr).not.toMatch(/downloading|extracting/);
    expect(r.status).toBe(0);
  });

  test('when every source fails, one error lists each source, why, and the fix', () => {
    const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-cache-'));
    const r = provision({
      LIBTENSORFLOW_CACHE: cacheRoot,
      LIBTENSORFLOW_SOURCE: 'wheel',
      PIP_CONFIG_FILE: '/dev/null',
      PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
      PIP_FIND_LINKS: '',
      PIP_NO_CACHE_DIR: '1',
    });
    fs.rmSync(cacheRoot, { recursive: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/could not provision libtensorflow 2\.21\.0\. Tried:/);
    expect(r.stderr).toMatch(/1\. LIBTENSORFLOW_PATH: not set\n\s+fix: set LIBTENSORFLOW_PATH/);
    expect(r.stderr).toMatch(/2\. Python TensorFlow 2\.21\.0: skipped \(LIBTENSORFLOW_SOURCE=wheel\)\n\s+fix: pip install/);
    expect(r.stderr).toMatch(/3\. pip wheel tensorflow-cpu==2\.21\.0 .*: pip download tensorflow-cpu==2\.21\.0 failed: .*\n\s+fix: make pip reach an index/);
  });

  test('an explicit LIBTENSORFLOW_PATH that is wrong is reported, not silently replaced', () => {
    const r = provision({ LIBTENSORFLOW_PATH: '/nonexistent/libtensorflow' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/LIBTENSORFLOW_PATH: \/nonexistent\/libtensorflow does not exist/);
    expect(r.stderr).not.toMatch(/pip wheel/);
  });
});
