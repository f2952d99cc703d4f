# SPDX-License-Identifier: Apache-2.0
# The Python peer of examples/distributed/task.js for bench/distributed.js: one ps or worker task of the same
# between-graph replicated model, the conv net of `npm start` (examples/mnist/model.js: the same layers, sizes and
# variable names; Adam on the same exponentially decaying rate; a global step), trained
# asynchronously under MonitoredTrainingSession with a StopAtStepHook. Reports `EVENT {json}` lines.
import json
import os
import sys
import time

import numpy as np
import tensorflow as tf
from tensorflow.python.training import session_manager

v1 = tf.compat.v1
v1.disable_eager_execution()
WARMUP = 10

# A waiting worker checks whether the chief has made the model ready every 30 s, which MonitoredTrainingSession
# does not let one change: shorten it to ours (examples/distributed/task.js, recoveryWaitSecs 0.2), or the chief
# would train alone for the first 30 s.
_session_manager_init = session_manager.SessionManager.__init__


def _fast_recovery(self, *args, **kwargs):
    kwargs.setdefault('recovery_wait_secs', 0.2)
    _session_manager_init(self, *args, **kwargs)


session_manager.SessionManager.__init__ = _fast_recovery


def arg(flag, default=None):
    if flag not in sys.argv:
        return default
    return sys.argv[len(sys.argv) - 1 - sys.argv[::-1].index(flag) + 1]


def emit(event):
    print('EVENT ' + json.dumps(event), flush=True)


def network(images, o):
    # examples/mnist/model.js's network() with its layers' variables (names, shapes, glorot-uniform kernels, zero
    # biases), as bench/mnist-training.js writes it: tf.compat.v1.layers is gone with Keras 3.
    def conv(name, h, filters):
        with v1.variable_scope(name):
            k = v1.get_variable('kernel', [5, 5, int(h.shape[-1]), filters], use_resource=True)
            b = v1.get_variable('bias', [filters], initializer=v1.zeros_initializer(), use_resource=True)
            return tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, k, 1, 'SAME'), b))

    def dense(name, h, units):
        with v1.variable_scope(name):
            k = v1.get_variable('kernel', [int(h.shape[-1]), units], use_resource=True)
            b = v1.get_variable('bias', [units], initializer=v1.zeros_initializer(), use_resource=True)
            return tf.nn.bias_add(tf.matmul(h, k), b)

    h = tf.reshape(images, [-1, 28, 28, 1], name='reshape_images')
    h = tf.nn.max_pool2d(conv('conv1', h, o['filters1']), 2, 2, 'VALID')
    h = tf.nn.max_pool2d(conv('conv2', h, o['filters2']), 2, 2, 'VALID')
    h = tf.reshape(h, [-1, int(np.prod(h.shape[1:]))])
    h = tf.nn.dropout(tf.nn.relu(dense('fc1', h, o['hidden'])), rate=0.4)
    return dense('logits', h, 10)


def main():
    cluster = v1.train.ClusterSpec(json.loads(arg('--cluster')))
    job, task = arg('--job'), int(arg('--task'))
    server = v1.train.Server(cluster, job_name=job, task_index=task)
    if job == 'ps':
        emit({'type': 'ready', 'job': job, 'task': task})
        server.join()
        return
    steps, batch = int(arg('--steps', 1000)), int(arg('--batch', 64))
    # examples/mnist/model.js's DEFAULTS.
    o = {'filters1': int(arg('--filters1', 16)), 'filters2': int(arg('--filters2', 32)), 'hidden': int(arg('--hidden', 256))}
    with v1.device(v1.train.replica_device_setter(cluster=cluster, worker_device='/job:worker/task:%d' % task)):
        v1.set_random_seed(1)
        x = v1.placeholder(tf.float32, [None, 784], name='images')
        labels = v1.placeholder(tf.int32, [None], name='labels')
        logits = network(x, o)
        loss = v1.losses.sparse_softmax_cross_entropy(labels, logits)
        global_step = v1.train.get_or_create_global_step()
        rate = v1.train.exponential_decay(float(arg('--lr', 2e-3)), global_step, 200, 0.8)
        train = v1.train.AdamOptimizer(rate).minimize(loss, global_step=global_step)
    # Random pixels and labels: the same work per step as the digits (the package's digits are not in Python).
    rng = np.random.default_rng(task)
    images = rng.random((8448, 784), dtype=np.float32)
    classes = rng.integers(0, 10, 8448).astype(np.int32)
    local, t_warm = 0, None
    # As examples/distributed/task.js: this worker's sessions see the ps and this worker only.
    config = v1.ConfigProto(device_filters=['/job:ps', '/job:worker/task:%d' % task])
    with v1.train.MonitoredTrainingSession(master=server.target, is_chief=task == 0, hooks=[
            v1.train.StopAtStepHook(last_step=steps)], log_step_count_steps=None, save_summaries_steps=None,
            save_checkpoint_secs=None, config=config) as sess:
        emit({'type': 'session', 'worker': task})
        while not sess.should_stop():
            start = (local * batch) % (len(images) - batch)
            sess.run([train, loss, global_step], {x: images[start:start + batch], labels: classes[start:start + batch]})
            local += 1
            if local == WARMUP:
                t_warm = time.time()
    end = time.time()
    seconds = end - t_warm if t_warm else 0
    emit({'type': 'done', 'worker': task, 'local': local, 'seconds': seconds,
          'stepsPerSecond': (local - WARMUP) / seconds if seconds > 0 else None, 'warmAt': t_warm, 'endAt': end})
    sys.stdout.flush()
    os._exit(0)  # a started gRPC server cannot shut down cleanly


main()
