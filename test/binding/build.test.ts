// SPDX-License-Identifier: Apache-2.0
// CMake (primary) and node-gyp (fallback) must build the same sources with the same defines.
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

describe('build files', () => {
  const gyp = JSON.parse(fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8'));
  const target = gyp.targets[0];
  const cmake = fs.readFileSync(path.join(ROOT, 'CMakeLists.txt'), 'utf8');

  test('binding.gyp lists exactly the sources CMake globs (native/*.cc)', () => {
    const onDisk = fs.readdirSync(path.join(ROOT, 'native')).filter((f) => f.endsWith('.cc')).map((f) => `native/${f}`).sort();
    expect(cmake).toMatch(/file\(GLOB SOURCES CONFIGURE_DEPENDS "\$\{CMAKE_CURRENT_SOURCE_DIR\}\/native\/\*\.cc"\)/);
    expect([...target.sources].sort()).toEqual(onDisk);
  });

  test('both use the same defines', () => {
    const match = /target_compile_definitions\(\$\{PROJECT_NAME\} PRIVATE ([^)]*)\)/.exec(cmake);
    expect(match).not.toBeNull();
    const cmakeDefines = match![1].split(/\s+/).filter(Boolean).sort();
    expect([...target.defines].sort()).toEqual(cmakeDefines);
  });

  test('both hide symbols and fail on a missing return', () => {
    expect(cmake).toMatch(/CMAKE_CXX_VISIBILITY_PRESET hidden/);
    expect(target.cflags_cc).toContain('-fvisibility=hidden');
    expect(cmake).toMatch(/-Werror=return-type/);
    expect(target.cflags_cc).toContain('-Werror=return-type');
  });

  test('package.json points main, types and exports at dist/', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('node-libtensorflow');
    expect(pkg.main).toBe('dist/index.js');
    expect(pkg.types).toBe('dist/index.d.ts');
    expect(pkg.exports['.'].require).toBe('./dist/index.js');
    expect(pkg.exports['.'].import).toBe('./dist/index.mjs');
  });
});
