// SPDX-License-Identifier: Apache-2.0
// `npm run bench`: every benchmark in bench/, one after another, each in its own process.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const only = process.argv.slice(2);
const skip = new Set(['run.js', 'util.js', 'first-result.js']);
const files = fs.readdirSync(__dirname)
  .filter((f) => f.endsWith('.js') && !skip.has(f) && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
// The peers' columns (inference.js, session.js) need tfjs-node built against our libtensorflow: built here
// once, so that its build (or why it failed) shows at the start instead of inside a benchmark's output.
if (files.some((f) => f === 'inference.js' || f === 'session.js')) {
  const peer = require('./peers/tfjs-node').ensureTfjsNode();
  console.log(peer.error ? `tfjs-node columns will be skipped: ${peer.error}` : `tfjs-node: ${peer.module}`);
}
let failed = 0;
for (const file of files) {
  console.log(`\n=== bench/${file} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, file)], {
    stdio: 'inherit',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL || '2' },
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
