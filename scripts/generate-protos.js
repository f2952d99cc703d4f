#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// `npm run generate:protos`: writes protos/tensorflow.json, the protobufjs descriptor of every message in
// protos/**/*.proto. lib/proto loads that JSON instead of parsing the .proto text, which kept protobufjs's
// parser (and tens of milliseconds) off the path to a process's first result. test/proto.test.ts checks that
// the file is what this script would write now.
'use strict';
const fs = require('fs');
const path = require('path');

const PROTO_ROOT = path.join(__dirname, '..', 'protos');
const OUT = path.join(PROTO_ROOT, 'tensorflow.json');

function protoFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...protoFiles(full));
    else if (entry.name.endsWith('.proto')) out.push(full);
  }
  return out.sort();
}

/** The text of protos/tensorflow.json for the .proto files as they are now. */
function descriptorText() {
  const protobuf = require('protobufjs');
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_ROOT, target));
  root.loadSync(protoFiles(PROTO_ROOT), { keepCase: true });
  root.resolveAll();
  return JSON.stringify(root.toJSON({ keepComments: false })) + '\n';
}

if (require.main === module) {
  fs.writeFileSync(OUT, descriptorText());
  process.stderr.write(`wrote ${path.relative(process.cwd(), OUT)}\n`);
}

module.exports = { descriptorText, OUT };
