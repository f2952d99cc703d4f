// SPDX-License-Identifier: Apache-2.0
// The tfjs-node side of the benchmarks (see workers.js): `node tfjs-worker.js <path of @tensorflow/tfjs-node>`,
// then one JSON request per line on stdin, one JSON reply per line on stdout. Times are µs per call.
'use strict';
const readline = require('readline');
const tf = require(process.argv[2]);

let model;
let outputKey;
const inputs = new Map();

function input(batch, features) {
  if (!inputs.has(batch)) {
    const data = new Float32Array(batch * features);
    for (let i = 0; i < data.length; i++) data[i] = (i % features) / features;
    inputs.set(batch, tf.tensor2d(data, [batch, features]));
  }
  return inputs.get(batch);
}

/** predict + dataSync, as a tfjs-node service answers a request; the result is read and freed. */
function predict(x) {
  const y = model.predict(x);
  const t = y instanceof tf.Tensor ? y : y[outputKey];
  const data = t.dataSync();
  tf.dispose(y);
  return data;
}

function perCall(fn, iterations) {
  for (let i = 0; i < Math.ceil(iterations / 10); i++) fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / iterations / 1000;
}

const handlers = {
  hello: () => ({ version: `tfjs-node ${tf.version['tfjs-node']} on TensorFlow ${tf.backend().binding.TF_Version}` }),
  async load({ dir, tags = ['serve'], signature = 'serving_default', output }) {
    model = await tf.node.loadSavedModel(dir, tags, signature);
    outputKey = output;
    return {};
  },
  predict({ batch, features, iterations }) {
    const x = input(batch, features);
    const row = Array.from(predict(x).subarray(0, 10));
    return { us: perCall(() => predict(x), iterations), row };
  },
  // Eager x + 1 on a fresh scalar, read back: what tfjs-node offers in place of a fed graph.
  scalar({ iterations }) {
    const one = tf.scalar(1);
    const us = perCall((i) => {
      const x = tf.scalar(i);
      const y = tf.add(x, one);
      y.dataSync();
      x.dispose();
      y.dispose();
    }, iterations);
    one.dispose();
    return { us };
  },
};

let queue = Promise.resolve();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  queue = queue.then(async () => {
    const req = JSON.parse(line);
    let reply;
    try {
      reply = await handlers[req.op](req);
    } catch (err) {
      reply = { error: String(err && err.stack ? err.stack : err) };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  });
});
