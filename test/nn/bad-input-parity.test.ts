// SPDX-License-Identifier: Apache-2.0
// Bad input to tf.nn and tf.losses is refused while the graph is built, where Python raises (ValueError, TypeError
// or InvalidArgumentError): wrong ranks, mismatched label/logit shapes, unknown padding names, weights that do not
// broadcast, rates out of range. Each case runs in Python (which must raise too) and here, where the message must
// name what is wrong.
import * as tf from '../../lib';
import { describePython, runPython } from '../helpers/python';

const ph = (shape: number[], dtype: tf.DType = 'float32') => tf.placeholder(dtype, shape);
const L = () => tf.losses;

/** name → [Python statement building into a fresh graph, our builder, what our message must say]. */
const CASES: Record<string, [string, () => unknown, RegExp]> = {
  'conv2d input rank': [`tf.nn.conv2d(ph([4, 4, 3]), ph([3, 3, 3, 2]), 1, 'SAME')`,
    () => tf.nn.conv2d(ph([4, 4, 3]), ph([3, 3, 3, 2]), 1, 'SAME'), /nn\.conv2d: input must have rank 4/],
  'conv2d filter rank': [`tf.nn.conv2d(ph([1, 4, 4, 3]), ph([3, 3, 3]), 1, 'SAME')`,
    () => tf.nn.conv2d(ph([1, 4, 4, 3]), ph([3, 3, 3]), 1, 'SAME'), /nn\.conv2d: filters must have rank 4/],
  'conv2d channels': [`tf.nn.conv2d(ph([1, 4, 4, 3]), ph([3, 3, 2, 2]), 1, 'SAME')`,
    () => tf.nn.conv2d(ph([1, 4, 4, 3]), ph([3, 3, 2, 2]), 1, 'SAME'),
    /Depth of input \(3\) is not a multiple of input depth of filter \(2\)/],
  'conv2d padding': [`tf.nn.conv2d(ph([1, 4, 4, 3]), ph([3, 3, 3, 2]), 1, 'FULL')`,
    () => tf.nn.conv2d(ph([1, 4, 4, 3]), ph([3, 3, 3, 2]), 1, 'FULL' as 'SAME'), /padding must be 'SAME' or 'VALID'.*"FULL"/],
  'max_pool rank': [`v1.nn.max_pool(ph([4, 4]), [1, 2, 2, 1], [1, 2, 2, 1], 'VALID')`,
    () => tf.nn.maxPool(ph([4, 4]), [1, 2, 2, 1], [1, 2, 2, 1], 'VALID'), /nn\.maxPool: input must have rank 4/],
  'bias_add size': [`tf.nn.bias_add(ph([2, 3]), ph([4]))`, () => tf.nn.biasAdd(ph([2, 3]), ph([4])),
    /Dimensions must be equal, but are 3 and 4/],
  'sparse xent rank': [`tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ph([4, 5], tf.int64), logits=ph([4, 5]))`,
    () => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: ph([4, 5], 'int64'), logits: ph([4, 5]) }),
    /rank of labels \(received 2\) should equal rank of logits minus 1/],
  'sparse xent batch': [`tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ph([3], tf.int64), logits=ph([4, 5]))`,
    () => tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: ph([3], 'int64'), logits: ph([4, 5]) }),
    /shape of labels \(received \(3,\)\)/],
  'softmax xent shapes': [`tf.nn.softmax_cross_entropy_with_logits(labels=ph([4, 3]), logits=ph([4, 5]))`,
    () => tf.nn.softmaxCrossEntropyWithLogits({ labels: ph([4, 3]), logits: ph([4, 5]) }), /labels shape \(4, 3\) must equal logits shape/],
  'sigmoid xent shapes': [`tf.nn.sigmoid_cross_entropy_with_logits(labels=ph([4, 3]), logits=ph([4, 5]))`,
    () => tf.nn.sigmoidCrossEntropyWithLogits({ labels: ph([4, 3]), logits: ph([4, 5]) }), /logits and labels must have the same shape/],
  'dropout rate': [`tf.nn.dropout(ph([4, 3]), rate=1.0)`, () => tf.nn.dropout(ph([4, 3]), { rate: 1 }),
    /nn\.dropout: rate must be in \[0, 1\)/],
  'embedding ids dtype': [`tf.nn.embedding_lookup(ph([4, 3]), ph([2]))`, () => tf.nn.embeddingLookup(ph([4, 3]), ph([2])),
    /nn\.embeddingLookup: ids must be int32 or int64/],
  'mse shapes': [`v1.losses.mean_squared_error(ph([4, 5]), ph([4, 3]))`, () => L().meanSquaredError(ph([4, 5]), ph([4, 3])),
    /meanSquaredError: the shapes of predictions \[4,3\] and labels \[4,5\] are incompatible/],
  'softmax loss shapes': [`v1.losses.softmax_cross_entropy(ph([4, 3]), ph([4, 5]))`, () => L().softmaxCrossEntropy(ph([4, 3]), ph([4, 5])),
    /softmaxCrossEntropy: the shapes of logits \[4,5\] and onehotLabels \[4,3\]/],
  'sigmoid loss shapes': [`v1.losses.sigmoid_cross_entropy(ph([4, 3]), ph([4, 5]))`, () => L().sigmoidCrossEntropy(ph([4, 3]), ph([4, 5])),
    /sigmoidCrossEntropy: the shapes of logits \[4,5\] and multiClassLabels \[4,3\]/],
  'hinge loss shapes': [`v1.losses.hinge_loss(ph([4, 3]), ph([4, 5]))`, () => L().hingeLoss(ph([4, 3]), ph([4, 5])),
    /hingeLoss: the shapes of predictions \[4,5\] and labels \[4,3\]/],
  'sparse loss batch': [`v1.losses.sparse_softmax_cross_entropy(ph([3], tf.int64), ph([4, 5]))`,
    () => L().sparseSoftmaxCrossEntropy(ph([3], 'int64'), ph([4, 5])), /shape of labels \(received \(3,\)\)/],
  'loss weights rank': [`v1.losses.log_loss(ph([4, 3]), ph([4, 3]), weights=ph([4]))`,
    () => L().logLoss(ph([4, 3]), ph([4, 3]), { weights: ph([4]) }),
    /weights can not be broadcast to values: values\.rank=2, weights\.rank=1/],
  'loss weights dims': [`v1.losses.absolute_difference(ph([4, 3]), ph([4, 3]), weights=ph([4, 2]))`,
    () => L().absoluteDifference(ph([4, 3]), ph([4, 3]), { weights: ph([4, 2]) }), /weights can not be broadcast.*has 2 at dim 1/],
  'loss reduction': [`v1.losses.huber_loss(ph([4, 3]), ph([4, 3]), reduction='avg')`,
    () => L().huberLoss(ph([4, 3]), ph([4, 3]), { reduction: 'avg' }), /Invalid reduction "avg"/],
  'loss labels none': [`v1.losses.mean_squared_error(None, ph([4, 3]))`, () => L().meanSquaredError(null as never, ph([4, 3])),
    /'labels'/],
};

const PYTHON = String.raw`
import json, sys
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()
v1 = tf.compat.v1
def ph(shape, dtype=tf.float32): return v1.placeholder(dtype, shape)
out = {}
for name, stmt in json.load(open(sys.argv[1])).items():
    with tf.Graph().as_default():
        try:
            eval(stmt)
            out[name] = None
        except Exception as e:
            out[name] = type(e).__name__
print(json.dumps(out))
`;

describePython('bad input to tf.nn and tf.losses: refused as Python refuses it, naming what is wrong', () => {
  let python: Record<string, string | null>;
  beforeAll(() => {
    const fs = require('fs') as typeof import('fs');
    const os = require('os') as typeof import('os');
    const path = require('path') as typeof import('path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-bad-'));
    try {
      fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(Object.fromEntries(Object.entries(CASES).map(([k, [py]]) => [k, py]))));
      python = JSON.parse(runPython(PYTHON, [path.join(dir, 'cases.json')])) as Record<string, string | null>;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each(Object.keys(CASES))('%s', (name) => {
    const [, build, message] = CASES[name];
    expect({ name, python: python[name] }).toEqual({ name, python: expect.stringMatching(/Error$/) });
    expect(() => new tf.Graph().asDefault(build)).toThrow(message);
  });
});
