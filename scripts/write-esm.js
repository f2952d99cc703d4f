// SPDX-License-Identifier: Apache-2.0
// Writes dist/index.mjs, an ES module that re-exports the CommonJS build, so `import * as tf` works too.
'use strict';
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist');
const cjs = require(path.join(dist, 'index.js'));
const names = Object.keys(cjs).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
function isBindable(name) {
  try {
    new Function(`const ${name} = 0;`);
    return true;
  } catch {
    return false;
  }
}
const body = [
  "import { createRequire } from 'module';",
  'const require = createRequire(import.meta.url);',
  "const tf = require('./index.js');",
  'export default tf;',
  // A reserved word (tf.case, as Python's tf.case) cannot name a const, but may name an export.
  ...names.map((n) => (isBindable(n) ? `export const ${n} = tf.${n};` : `const tf_${n} = tf.${n};\nexport { tf_${n} as ${n} };`)),
  '',
].join('\n');
fs.writeFileSync(path.join(dist, 'index.mjs'), body);
