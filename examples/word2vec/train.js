// SPDX-License-Identifier: Apache-2.0
// Skip-gram word2vec in TensorFlow 1.x style (the model of TensorFlow's word2vec_basic.py): embeddings from
// tf.getVariable, tf.nn.embeddingLookup, tf.nn.nceLoss and plain gradient descent, whose updates of the embedding
// and NCE matrices are sparse (IndexedSlices). At the end it prints the nearest neighbours of a few words.
//
// The default text is the English prose that the `typescript` package (a devDependency) ships: the JSDoc comments
// of its lib.*.d.ts files, most of them MDN Web Docs' descriptions of the Web platform. Pass --text FILE for another.
//
//   node examples/word2vec/train.js [--steps 60000] [--batch 128] [--dim 64] [--vocab 3000] [--window 2] [--text FILE]
'use strict';
// TensorFlow reads its log level once, when the library loads: set it before requiring the package.
if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '2';

const fs = require('fs');
const path = require('path');
const tf = require('../..');
const { parseCommandLine, rng, typescriptDocs } = require('../common');

const USAGE = `usage: node examples/word2vec/train.js [options]

  --steps N        training steps (default 60000)
  --batch N        (centre, context) pairs per step (default 128)
  --dim N          embedding size (default 64)
  --vocab N        the N most frequent words get embeddings, the rest are dropped (default 3000)
  --window N       context words taken up to N positions either side (default 2)
  --negatives N    classes sampled per batch by nce_loss (default 64)
  --lr X           gradient-descent learning rate (default 1.0)
  --report-every N print the average loss every N steps (default 5000)
  --words a,b,c    words whose nearest neighbours are printed (default: a fixed list that suits the default text)
  --text FILE      train on this UTF-8 text file instead of the TypeScript lib documentation
  --seed N         graph seed and data seed (default 1)
  -h, --help       this message`;

const DEFAULT_WORDS = ['width', 'audio', 'true', 'top', 'minimum', 'horizontal', 'seconds', 'mouse'];

function parseArgs(argv) {
  const { values, positive } = parseCommandLine(argv, {
    steps: { type: 'string', default: '60000' },
    batch: { type: 'string', default: '128' },
    dim: { type: 'string', default: '64' },
    vocab: { type: 'string', default: '3000' },
    window: { type: 'string', default: '2' },
    negatives: { type: 'string', default: '64' },
    lr: { type: 'string', default: '1.0' },
    'report-every': { type: 'string', default: '5000' },
    words: { type: 'string' },
    text: { type: 'string' },
    seed: { type: 'string', default: '1' },
  }, USAGE);
  return {
    steps: positive('steps'),
    batch: positive('batch'),
    dim: positive('dim'),
    vocab: positive('vocab'),
    window: positive('window'),
    negatives: positive('negatives'),
    learningRate: positive('lr', false),
    reportEvery: positive('report-every'),
    words: values.words ? values.words.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean) : DEFAULT_WORDS,
    text: values.text ? path.resolve(values.text) : null,
    seed: positive('seed'),
  };
}

/** Words, in order, mapped to ids by frequency (id 0 is the most frequent, as the log-uniform sampler assumes). */
function buildCorpus(text, vocabSize, seed) {
  const tokens = text.toLowerCase().match(/[a-z]+(?:'[a-z]+)?/g) ?? [];
  const counts = new Map();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const words = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, vocabSize).map(([w]) => w);
  if (words.length < 10) throw new Error(`the text has only ${words.length} distinct words: word2vec needs a real text`);
  const ids = new Map(words.map((w, i) => [w, i]));
  // Mikolov's subsampling: very frequent words ("the", "of") are mostly dropped, so that they do not dominate the pairs.
  const next = rng(seed);
  const kept = tokens.filter((t) => ids.has(t)).length;
  const sequence = [];
  for (const t of tokens) {
    const id = ids.get(t);
    if (id === undefined) continue;
    const f = counts.get(t) / kept;
    if (next() < Math.min(1, Math.sqrt(1e-3 / f) + 1e-3 / f)) sequence.push(id);
  }
  if (sequence.length < 100) throw new Error(`only ${sequence.length} words of the text are left after subsampling: it is too short`);
  return { words, ids, counts, sequence: Int32Array.from(sequence), tokens: tokens.length };
}

/** A generator of skip-gram batches: each centre word with a context word drawn from a randomly shrunk window. */
function batches(sequence, window, seed) {
  const next = rng(seed + 1);
  return (size) => {
    const inputs = tf.Tensor.alloc('int32', [size]);
    const labels = tf.Tensor.alloc('int64', [size, 1]);
    const x = inputs.data();
    const y = labels.data();
    for (let i = 0; i < size; i++) {
      const centre = window + Math.floor(next() * (sequence.length - 2 * window));
      const reach = 1 + Math.floor(next() * window);
      const offset = 1 + Math.floor(next() * reach);
      x[i] = sequence[centre];
      y[i] = BigInt(sequence[next() < 0.5 ? centre - offset : centre + offset]);
    }
    return [inputs, labels];
  };
}

function buildModel(options, vocabSize, probeIds) {
  tf.resetDefaultGraph();
  tf.setRandomSeed(options.seed);
  const inputs = tf.placeholder('int32', [options.batch], 'inputs');
  const labels = tf.placeholder('int64', [options.batch, 1], 'labels');
  const embeddings = tf.variableScope('embeddings', () => tf.getVariable('embeddings', {
    shape: [vocabSize, options.dim], initializer: tf.initializers.randomUniform({ minval: -1, maxval: 1 }),
  }));
  const embed = tf.nn.embeddingLookup(embeddings, inputs);
  const [nceWeights, nceBiases] = tf.variableScope('nce', () => [
    tf.getVariable('weights', { shape: [vocabSize, options.dim],
      initializer: tf.initializers.truncatedNormal({ stddev: 1 / Math.sqrt(options.dim) }) }),
    tf.getVariable('biases', { shape: [vocabSize], initializer: tf.initializers.zeros() }),
  ]);
  const loss = tf.reduceMean(tf.nn.nceLoss({
    weights: nceWeights, biases: nceBiases, labels, inputs: embed, numSampled: options.negatives, numClasses: vocabSize,
  }), { name: 'loss' });
  const globalStep = tf.train.getOrCreateGlobalStep(tf.getDefaultGraph());
  const train = new tf.train.GradientDescentOptimizer(options.learningRate).minimize(loss, { globalStep });

  // Cosine similarity of the probe words with every word: rows of unit length, then one matmul.
  const norm = tf.sqrt(tf.reduceSum(tf.square(embeddings), { axis: 1, keepdims: true }));
  const normalized = tf.divide(embeddings, norm);
  const probes = tf.nn.embeddingLookup(normalized, tf.constant(probeIds, { dtype: 'int32' }));
  const similarity = tf.matmul(probes, normalized, { transposeB: true, name: 'similarity' });
  return { g: tf.getDefaultGraph(), inputs, labels, loss, train, similarity, init: tf.globalVariablesInitializer() };
}

function neighbours(similarity, row, count, words, self) {
  const order = [];
  for (let j = 0; j < words.length; j++) if (j !== self) order.push(j);
  order.sort((a, b) => similarity[row * words.length + b] - similarity[row * words.length + a]);
  return order.slice(0, count).map((j) => `${words[j]} (${similarity[row * words.length + j].toFixed(2)})`);
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    // A mistyped flag is the user's, not a bug: say what was wrong without a stack trace.
    console.error(`error: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const t0 = Date.now();
  const { text, source } = options.text
    ? { text: fs.readFileSync(options.text, 'utf8'), source: options.text }
    : typescriptDocs();
  const corpus = buildCorpus(text, options.vocab, options.seed);
  const vocabSize = corpus.words.length;
  const probes = options.words.filter((w) => corpus.ids.has(w));
  const missing = options.words.filter((w) => !corpus.ids.has(w));
  if (missing.length > 0) console.log(`Not in the vocabulary, so left out of the neighbours: ${missing.join(', ')}`);
  console.log(`Text: ${source}: ${corpus.tokens} words, ${vocabSize} in the vocabulary, ` +
    `${corpus.sequence.length} kept after subsampling frequent words.`);

  const model = buildModel(options, vocabSize, probes.map((w) => corpus.ids.get(w)));
  const session = new tf.Session(model.g);
  await session.run(model.init);
  const nextBatch = batches(corpus.sequence, options.window, options.seed);
  console.log(`Training: ${options.steps} steps of ${options.batch} skip-gram pairs, ${options.dim}-dimensional embeddings, ` +
    `NCE with ${options.negatives} sampled words, gradient descent at ${options.learningRate}.`);
  let sum = 0;
  let since = 0;
  for (let step = 1; step <= options.steps; step++) {
    const [x, y] = nextBatch(options.batch);
    const [, loss] = await session.run([model.train, model.loss], new Map([[model.inputs, x], [model.labels, y]]));
    sum += loss.item();
    since += 1;
    if (step % options.reportEvery === 0 || step === options.steps) {
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      console.log(`step ${String(step).padStart(6)}: average loss ${(sum / since).toFixed(3)} (${seconds} s)`);
      sum = 0;
      since = 0;
    }
  }

  if (probes.length > 0) {
    const similarity = (await session.run(model.similarity)).data();
    console.log('Nearest neighbours by cosine similarity:');
    probes.forEach((word, row) => {
      console.log(`  ${word.padEnd(10)} → ${neighbours(similarity, row, 6, corpus.words, corpus.ids.get(word)).join(', ')}`);
    });
  }
  console.log(`Done in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
  await session.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
