// SPDX-License-Identifier: Apache-2.0
// Writes dist/index.mjs, an ES module that re-exports the CommonJS build, so `import * as tf` works too.
'use strict';
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist');
const cjs = require(path.join(dist, 'index.js'));
const names = Object.keys(cjs).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
const body = [
  "import { createRequire } from 'module';",
  'const require = createRequire(import.meta.url);',
  "const tf = require('./index.js');",
  'export default tf;',
  ...names.map((n) => `export const ${n} = tf.${n};`),
  '',
].join('\n');
fs.writeFileSync(path.join(dist, 'index.mjs'), body);
