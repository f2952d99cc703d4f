// SPDX-License-Identifier: Apache-2.0
// Child process of bench/session.js: from process start to the first result of y = x + 1.
'use strict';
process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL || '2';
const { performance } = require('perf_hooks');
const tf = require('..');

const g = new tf.Graph();
const x = g.placeholder('float32', [], 'x');
const y = g.addOperation('AddV2', { inputs: [x, g.constant(1)], name: 'y' }).output(0);
const session = new tf.Session(g);
const value = session.runSync(y, { x: 41 }).item();
if (value !== 42) throw new Error(`wrong result ${value}`);
// performance.now() counts from the process's start (timeOrigin).
process.stdout.write(JSON.stringify({ msToFirstResult: performance.now() }) + '\n');
