#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
'use strict';
process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL || '2';
require('../dist/tools/cli')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
