// SPDX-License-Identifier: Apache-2.0
// tf.layers training steps against Python. Python 2.21 has no tf.compat.v1.layers, so the Python side writes each
// layer as TF 1.15 builds it, with get_variable in the layer's variable scope and TF 1.15's names (conv2d/kernel,
// batch_normalization/moving_mean, dense_1/bias): FusedBatchNormV3 with moving-average assigns in UPDATE_OPS, a
// seeded dropout, a kernel regularizer. From Python's checkpoint: same nodes, values, losses of 3 Adam steps and
// moving averages after them.
import * as tf from '../../lib';
import { describePython } from '../helpers/python';
import { TrainingProgram, TrainingResult, buildHere, expectTrainingParity, trainHere, trainInPython } from '../helpers/python-training';

const IMG = Array.from({ length: 4 * 8 * 8 * 3 }, (_, i) => Math.fround(Math.cos(i * 0.37) + 0.1 * (i % 5)));
const LABELS = [2, 0, 1, 1];

const PYTHON_LAYERS = `
def conv2d(x, filters, k, name, activation=None):
    with v1.variable_scope(name):
        kernel = v1.get_variable('kernel', [k, k, int(x.shape[-1]), filters], initializer=v1.glorot_uniform_initializer())
        bias = v1.get_variable('bias', [filters], initializer=v1.zeros_initializer())
        y = tf.nn.bias_add(tf.nn.conv2d(x, kernel, [1, 1, 1, 1], 'SAME'), bias)
        return activation(y) if activation else y

def assign_moving_average(variable, value, momentum):
    with tf.name_scope('AssignMovingAvg') as scope:
        decay = tf.constant(1.0 - momentum, name='decay')
        delta = tf.multiply(tf.subtract(variable, value, name='sub'), decay, name='mul')
        op = tf.raw_ops.AssignSubVariableOp(resource=variable.handle, value=delta, name=scope)
        with tf.control_dependencies([op]):
            return tf.raw_ops.ReadVariableOp(resource=variable.handle, dtype=tf.float32)

def batch_normalization(x, name, momentum=0.99):
    with v1.variable_scope(name):
        c = int(x.shape[-1])
        gamma = v1.get_variable('gamma', [c], initializer=v1.ones_initializer())
        beta = v1.get_variable('beta', [c], initializer=v1.zeros_initializer())
        mm = v1.get_variable('moving_mean', [c], initializer=v1.zeros_initializer(), trainable=False)
        mv = v1.get_variable('moving_variance', [c], initializer=v1.ones_initializer(), trainable=False)
        empty = tf.constant([], tf.float32), tf.constant([], tf.float32)
        y, mean, var, _, _, _ = tf.raw_ops.FusedBatchNormV3(x=x, scale=gamma._graph_element, offset=beta._graph_element, mean=empty[0],
            variance=empty[1], epsilon=1e-3, is_training=True, name='FusedBatchNormV3')
        v1.add_to_collection(v1.GraphKeys.UPDATE_OPS, assign_moving_average(mm, mean, momentum))
        v1.add_to_collection(v1.GraphKeys.UPDATE_OPS, assign_moving_average(mv, var, momentum))
        return y

def dense(x, units, name, activation=None, l2=None):
    with v1.variable_scope(name):
        kernel = v1.get_variable('kernel', [int(x.shape[-1]), units], initializer=v1.glorot_uniform_initializer())
        if l2:
            with tf.name_scope('kernel/Regularizer'):
                v1.add_to_collection(v1.GraphKeys.REGULARIZATION_LOSSES, tf.multiply(l2, tf.nn.l2_loss(kernel)))
        bias = v1.get_variable('bias', [units], initializer=v1.zeros_initializer())
        y = tf.nn.bias_add(tf.matmul(x, kernel), bias)
        return activation(y) if activation else y
`;

const PROGRAMS: Record<string, TrainingProgram> = {
  resnetish: {
    body: `${PYTHON_LAYERS}
v1.set_random_seed(11)
x = tf.reshape(v1.placeholder(tf.float32, [768], name='x'), [4, 8, 8, 3]); y = v1.placeholder(tf.int64, [4], name='y')
h = batch_normalization(conv2d(x, 8, 3, 'conv2d', tf.nn.relu), 'batch_normalization')
with tf.name_scope('max_pooling2d'):
    h = tf.nn.max_pool2d(h, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID', name='MaxPool')
h = tf.nn.relu(batch_normalization(conv2d(h, 8, 3, 'conv2d_1'), 'batch_normalization_1', momentum=0.9))
with tf.name_scope('flatten'):
    h = tf.reshape(h, [-1, 128], name='Reshape')
with tf.name_scope('dropout'):
    h = v1.nn.dropout(h, rate=0.3, seed=9)
logits = dense(dense(h, 16, 'dense', tf.nn.relu, l2=1e-3), 3, 'dense_1')
v1.losses.sparse_softmax_cross_entropy(y, logits)
loss = v1.losses.get_total_loss()
`,
    train: `
      with tf.control_dependencies(v1.get_collection(v1.GraphKeys.UPDATE_OPS)):
        train = v1.train.AdamOptimizer(0.01).minimize(loss)
    `,
    fetch: ['total_loss:0', 'batch_normalization/FusedBatchNormV3:0', 'dropout/dropout/SelectV2:0', 'dense_1/BiasAdd:0'],
    after: ['batch_normalization/moving_mean', 'batch_normalization/moving_variance', 'batch_normalization_1/moving_variance',
      'conv2d/kernel', 'dense_1/bias', 'batch_normalization/gamma/Adam'],
    feeds: { 'x:0': IMG, 'y:0': LABELS },
    feedTypes: { 'y:0': 'int64' },
  },
};

describePython('tf.layers training steps match Python (TF 1.15 layers written with get_variable) from its checkpoint', () => {
  let python: Record<string, TrainingResult>;
  let cleanup: () => void;
  beforeAll(() => {
    ({ results: python, cleanup } = trainInPython(PROGRAMS));
  });
  afterAll(() => cleanup?.());

  test('conv2d + batchNormalization (UPDATE_OPS) ×2, maxPooling2d, flatten, seeded dropout, dense with a regularizer; Adam', async () => {
    const l2 = (w: tf.Output) => tf.multiply(1e-3, tf.nn.l2Loss(w));
    const ours = buildHere((g) => {
      const x = tf.reshape(tf.placeholder('float32', [768], 'x'), [4, 8, 8, 3]);
      const y = tf.placeholder('int64', [4], 'y');
      let h = tf.layers.batchNormalization(tf.layers.conv2d(x, 8, 3, { padding: 'same', activation: 'relu' }), { training: true });
      h = tf.layers.maxPooling2d(h, 2, 2);
      h = tf.nn.relu(tf.layers.batchNormalization(tf.layers.conv2d(h, 8, 3, { padding: 'same' }), { training: true, momentum: 0.9 }));
      h = tf.layers.dropout(tf.layers.flatten(h), { rate: 0.3, seed: 9, training: true });
      const logits = tf.layers.dense(tf.layers.dense(h, 16, { activation: 'relu', kernelRegularizer: l2 }), 3);
      tf.losses.sparseSoftmaxCrossEntropy(y, logits);
      expect(g.getCollection(tf.GraphKeys.UPDATE_OPS)).toHaveLength(4);
      return tf.losses.getTotalLoss();
    }, (g, loss) => tf.controlDependencies(g.getCollection<tf.Output>(tf.GraphKeys.UPDATE_OPS),
      () => new tf.train.AdamOptimizer(0.01).minimize(loss)), 11);
    const result = await trainHere(ours, PROGRAMS.resnetish, python.resnetish, { 'x:0': tf.tensor(Float32Array.from(IMG), [768]),
      'y:0': tf.tensor(LABELS.map(BigInt), [4], 'int64') });
    expectTrainingParity(result, python.resnetish);
    expect(result.collections.update_ops).toEqual(python.resnetish.collections.update_ops);
    expect(result.collections.regularization_losses).toEqual(python.resnetish.collections.regularization_losses);
  });
});
