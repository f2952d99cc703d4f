// SPDX-License-Identifier: Apache-2.0
// A character-level LSTM language model whose recurrence is one tf.whileLoop: each iteration embeds a character,
// runs the LSTM cell and adds that time step's cross-entropy to a running sum, so the whole unrolled sequence is one
// While op (lowered to TensorFlow's Switch/Merge loop) and its gradient one backward While. Adam trains it; the
// loss falls from about ln(vocabulary) as the model learns which characters follow which. At the end it writes a
// few characters by a second loop over the trained cell (greedy decoding).
//
// The default text is the English prose that the `typescript` package (a devDependency) ships: the JSDoc comments
// of its lib.*.d.ts files. Pass --text FILE for another.
//
//   node examples/lstm/train.js [--steps 300] [--batch 32] [--length 32] [--hidden 128] [--lr 0.01] [--text FILE]
'use strict';
// TensorFlow reads its log level once, when the library loads: set it before requiring the package.
if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';

const fs = require('fs');
const path = require('path');
const tf = require('../..');
const { parseCommandLine, rng, typescriptDocs } = require('../common');

const USAGE = `usage: node examples/lstm/train.js [options]

  --steps N         training steps (default 300)
  --batch N         sequences per step (default 32)
  --length N        characters per sequence: the loop's iterations (default 32)
  --hidden N        LSTM state size (default 128)
  --embedding N     character embedding size (default 32)
  --lr X            Adam learning rate (default 0.01)
  --report-every N  print the average loss every N steps (default 50)
  --text FILE       train on this UTF-8 text file instead of the TypeScript lib documentation
  --seed N          graph seed and data seed (default 1)
  -h, --help        this message`;

function parseArgs(argv) {
  const { values, positive } = parseCommandLine(argv, {
    steps: { type: 'string', default: '300' },
    batch: { type: 'string', default: '32' },
    length: { type: 'string', default: '32' },
    hidden: { type: 'string', default: '128' },
    embedding: { type: 'string', default: '32' },
    lr: { type: 'string', default: '0.01' },
    'report-every': { type: 'string', default: '50' },
    text: { type: 'string' },
    seed: { type: 'string', default: '1' },
  }, USAGE);
  return {
    steps: positive('steps'),
    batch: positive('batch'),
    length: positive('length'),
    hidden: positive('hidden'),
    embedding: positive('embedding'),
    learningRate: positive('lr', false),
    reportEvery: positive('report-every'),
    text: values.text ? path.resolve(values.text) : null,
    seed: positive('seed'),
  };
}

/** The text as character ids; characters seen fewer than 5 times share one id. */
function encode(text) {
  const counts = new Map();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const chars = [...counts.entries()].filter(([, n]) => n >= 5).sort((a, b) => b[1] - a[1]).map(([ch]) => ch);
  const ids = new Map(chars.map((ch, i) => [ch, i + 1]));
  const sequence = Int32Array.from(text, (ch) => ids.get(ch) ?? 0);
  return { chars: ['\u25a1', ...chars], ids, sequence };
}

/** Random windows of the text: inputs [length, batch] and the characters that follow them, time-major. */
function batches(sequence, length, batch, seed) {
  const next = rng(seed);
  return () => {
    const inputs = tf.Tensor.alloc('int32', [length, batch]);
    const targets = tf.Tensor.alloc('int32', [length, batch]);
    const x = inputs.data();
    const y = targets.data();
    for (let b = 0; b < batch; b++) {
      const start = Math.floor(next() * (sequence.length - length - 1));
      for (let t = 0; t < length; t++) {
        x[t * batch + b] = sequence[start + t];
        y[t * batch + b] = sequence[start + t + 1];
      }
    }
    return { inputs, targets };
  };
}

/** The LSTM cell's variables and one step of it (input, forget, output gates and candidate from one matmul each). */
function lstmCell(vocab, embedding, hidden) {
  const glorot = tf.initializers.glorotUniform();
  const weights = {};
  tf.variableScope('lstm', () => {
    const uniform = tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1 });
    weights.embedding = tf.getVariable('embedding', { shape: [vocab, embedding], initializer: uniform });
    for (const gate of ['i', 'f', 'o', 'g']) {
      weights[`w${gate}`] = tf.getVariable(`w_${gate}`, { shape: [embedding + hidden, hidden], initializer: glorot });
      // A forget-gate bias of 1, as Python's LSTMCell: early on the cell keeps its state.
      weights[`b${gate}`] = tf.getVariable(`b_${gate}`, { shape: [hidden], initializer: tf.initializers.constant(gate === 'f' ? 1 : 0) });
    }
    weights.wout = tf.getVariable('w_out', { shape: [hidden, vocab], initializer: glorot });
    weights.bout = tf.getVariable('b_out', { shape: [vocab], initializer: tf.initializers.zeros() });
  });
  const step = (ids, h, c) => {
    const xh = tf.concat([tf.nn.embeddingLookup(weights.embedding, ids), h], 1);
    const gate = (name, fn) => fn(tf.add(tf.matmul(xh, weights[`w${name}`]), weights[`b${name}`]));
    const i = gate('i', tf.sigmoid);
    const f = gate('f', tf.sigmoid);
    const o = gate('o', tf.sigmoid);
    const g = gate('g', tf.tanh);
    const cNext = tf.add(tf.multiply(f, c), tf.multiply(i, g));
    const hNext = tf.multiply(o, tf.tanh(cNext));
    return [hNext, cNext, tf.add(tf.matmul(hNext, weights.wout), weights.bout)];
  };
  return step;
}

function build(options, vocab) {
  const g = new tf.Graph();
  g.seed = options.seed;
  return g.asDefault(() => {
    const { length, batch, hidden } = options;
    const inputs = g.placeholder('int32', [length, batch], 'inputs');
    const targets = g.placeholder('int32', [length, batch], 'targets');
    const step = lstmCell(vocab, options.embedding, hidden);
    // One iteration per character: the cell, then this step's cross-entropy added to the running sum.
    const [, , , total] = tf.whileLoop(
      (t) => tf.less(t, length),
      (t, h, c, sum) => {
        const [hNext, cNext, logits] = step(tf.gather(inputs, t), h, c);
        const xent = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tf.gather(targets, t), logits });
        return [tf.add(t, 1), hNext, cNext, tf.add(sum, tf.reduceMean(xent))];
      },
      [tf.constant(0, { dtype: 'int32' }), tf.zeros([batch, hidden]), tf.zeros([batch, hidden]), tf.constant(0, { dtype: 'float32' })],
      { name: 'rnn' },
    );
    const loss = tf.divide(total, length, { name: 'loss' });
    const train = new tf.train.AdamOptimizer(options.learningRate).minimize(loss);

    // Greedy decoding from a prompt's last character: a second loop over the same cell and variables.
    const first = g.placeholder('int32', [1], 'first');
    const generated = tf.whileLoop(
      (t) => tf.less(t, 80),
      (t, ids, h, c, out) => {
        const [hNext, cNext, logits] = step(ids, h, c);
        const best = tf.argmax(logits, { axis: 1, outputType: 'int32' });
        return [tf.add(t, 1), best, hNext, cNext, tf.concat([out, best], 0)];
      },
      [tf.constant(0, { dtype: 'int32' }), first, tf.zeros([1, hidden]), tf.zeros([1, hidden]), tf.zeros([0], { dtype: 'int32' })],
      { shapeInvariants: [[], [1], [1, hidden], [1, hidden], [null]], name: 'generate' },
    )[4];
    return { g, inputs, targets, loss, train, first, generated, init: tf.globalVariablesInitializer() };
  });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const docs = options.text ? null : typescriptDocs();
  // Runs of whitespace are layout in the doc comments, not characters worth learning.
  const text = docs ? docs.text.replace(/\s+/g, ' ') : fs.readFileSync(options.text, 'utf8');
  const source = docs ? docs.source : options.text;
  const { chars, ids, sequence } = encode(text);
  if (sequence.length < options.length * 4) throw new Error('the text is too short for --length');
  console.log(`text: ${source}, ${sequence.length} characters, ${chars.length} distinct (rare ones merged)`);
  const model = build(options, chars.length);
  const next = batches(sequence, options.length, options.batch, options.seed);
  const sess = new tf.Session(model.g);
  const started = Date.now();
  try {
    await sess.run(model.init);
    let sum = 0;
    let n = 0;
    let firstAverage = null;
    let lastAverage = null;
    for (let s = 1; s <= options.steps; s++) {
      const { inputs, targets } = next();
      const feeds = new Map([[model.inputs, inputs], [model.targets, targets]]);
      const [loss] = await sess.run([model.loss, model.train], feeds);
      sum += loss.item();
      n++;
      if (s % options.reportEvery === 0 || s === options.steps) {
        const average = sum / n;
        firstAverage ??= average;
        lastAverage = average;
        console.log(`step ${s}: average loss ${average.toFixed(3)} (perplexity ${Math.exp(average).toFixed(1)}), ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s`);
        sum = 0;
        n = 0;
      }
    }
    const prompt = 'The ';
    const last = ids.get(prompt[prompt.length - 1]) ?? 0;
    const out = await sess.run(model.generated, new Map([[model.first, tf.tensor([last], [1], 'int32')]]));
    console.log(`greedy continuation of '${prompt}': ${JSON.stringify(prompt + Array.from(out.data(), (id) => chars[id]).join(''))}`);
    console.log(`initial loss ln(${chars.length}) = ${Math.log(chars.length).toFixed(3)}; ` +
      `the loss went from ${firstAverage.toFixed(3)} to ` +
      `${lastAverage.toFixed(3)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (!(lastAverage < firstAverage)) {
      console.error('the loss did not decrease');
      process.exitCode = 1;
    }
  } finally {
    await sess.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
