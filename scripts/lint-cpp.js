// SPDX-License-Identifier: Apache-2.0
// `npm run lint:cpp`: clang-format (the npm package's binary, so CI needs no system package) over native/, checking
// only; `npm run format:cpp` rewrites the files in place.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const nativeDir = path.join(root, 'native');
const files = fs.readdirSync(nativeDir).filter((f) => /\.(cc|h)$/.test(f)).map((f) => path.join(nativeDir, f));
const binary = path.join(path.dirname(require.resolve('clang-format/package.json')), 'bin', `${process.platform}_${process.arch}`,
  process.platform === 'win32' ? 'clang-format.exe' : 'clang-format');
const fix = process.argv.includes('--fix');
const args = fix ? ['-i', ...files] : ['--dry-run', '--Werror', ...files];
const r = spawnSync(binary, [`--style=file:${path.join(root, '.clang-format')}`, ...args], { stdio: 'inherit' });
if (r.status !== 0) {
  if (!fix) console.error('native/ is not clang-formatted: run `npm run format:cpp`.');
  process.exit(r.status ?? 1);
}
