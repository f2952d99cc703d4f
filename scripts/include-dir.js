#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Prints the directory holding libtensorflow's C headers, for CMakeLists.txt and binding.gyp.
'use strict';
const { resolveProvisioned } = require('./libtensorflow');

const found = resolveProvisioned();
if (!found) {
  process.stderr.write('libtensorflow is not provisioned: run `npm run provision` or set LIBTENSORFLOW_PATH\n');
  process.exit(1);
}
process.stdout.write(require('path').join(found.path, 'include'));
