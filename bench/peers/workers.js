// SPDX-License-Identifier: Apache-2.0
// The peers the benchmarks measure beside us, each in its own long-lived process that answers one JSON
// request per line: tfjs-node (built by ./tfjs-node.js against our libtensorflow) and Python TensorFlow.
// Long-lived, so that rounds can alternate between us and them without paying their imports each time; only
// one side runs at a time (the others wait on their stdin).
'use strict';
const path = require('path');
const readline = require('readline');
const { spawn } = require('child_process');
const { ensureTfjsNode } = require('./tfjs-node');

const PYTHON = process.env.PYTHON || 'python3';

class Worker {
  constructor(name, command, args) {
    this.name = name;
    this.stderr = '';
    this.pending = [];
    this.child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
    });
    this.child.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const p = this.pending.shift();
      if (!p) return;
      let reply;
      try {
        reply = JSON.parse(line);
      } catch {
        p.reject(new Error(`${this.name} printed ${line}`));
        return;
      }
      if (reply.error) p.reject(new Error(`${this.name}: ${reply.error}`));
      else p.resolve(reply);
    });
    this.child.on('exit', (code, signal) => {
      for (const p of this.pending.splice(0)) p.reject(new Error(`${this.name} exited (${signal || code}):\n${this.stderr}`));
    });
    this.child.on('error', (err) => {
      for (const p of this.pending.splice(0)) p.reject(err);
    });
  }

  request(req) {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(JSON.stringify(req) + '\n');
    });
  }

  close() {
    this.child.stdin.end();
  }
}

/**
 * Starts the peers and checks that each answers: {tfjs, python}, each a Worker or {error} with why that column
 * is skipped. `load` (a SavedModel directory and its signature's input and output keys) is loaded in both.
 */
async function startPeers({ load } = {}) {
  const peers = {};
  const tfjs = ensureTfjsNode();
  const candidates = {
    tfjs: tfjs.error
      ? { error: tfjs.error }
      : new Worker('tfjs-node', process.execPath, [path.join(__dirname, 'tfjs-worker.js'), tfjs.module]),
    python: process.env.BENCH_SKIP_PYTHON
      ? { error: 'BENCH_SKIP_PYTHON is set' }
      : new Worker('Python', PYTHON, [path.join(__dirname, 'python-worker.py')]),
  };
  for (const [key, w] of Object.entries(candidates)) {
    if (w.error) {
      peers[key] = w;
      continue;
    }
    try {
      w.version = (await w.request({ op: 'hello' })).version;
      if (load) await w.request({ op: 'load', ...load });
      peers[key] = w;
    } catch (err) {
      w.close();
      peers[key] = { error: err.message };
    }
  }
  return peers;
}

module.exports = { startPeers, Worker };
