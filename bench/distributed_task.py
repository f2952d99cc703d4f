# SPDX-License-Identifier: Apache-2.0
# The Python peer of examples/distributed/task.js for bench/distributed.js: one ps or worker task of the same
# between-graph replicated MNIST model (784 -> hidden ReLU -> 10, Adam, global step) in tf.compat.v1, trained
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


def dense(x, units, activation):
    w = v1.get_variable('weights', [x.shape[1], units], initializer=v1.glorot_uniform_initializer(seed=1))
    b = v1.get_variable('biases', [units], initializer=v1.zeros_initializer())
    z = tf.nn.bias_add(tf.matmul(x, w), b)
    return activation(z) if activation else z


def main():
    cluster = v1.train.ClusterSpec(json.loads(arg('--cluster')))
    job, task = arg('--job'), int(arg('--task'))
    server = v1.train.Server(cluster, job_name=job, task_index=task)
    if job == 'ps':
        emit({'type': 'ready', 'job': job, 'task': task})
        server.join()
        return
    steps, batch, hidden = int(arg('--steps', 1000)), int(arg('--batch', 100)), int(arg('--hidden', 128))
    with v1.device(v1.train.replica_device_setter(cluster=cluster, worker_device='/job:worker/task:%d' % task)):
        x = v1.placeholder(tf.float32, [None, 784], name='images')
        labels = v1.placeholder(tf.float32, [None, 10], name='labels')
        with v1.variable_scope('hidden'):
            h = dense(x, hidden, tf.nn.relu)
        with v1.variable_scope('logits'):
            logits = dense(h, 10, None)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits), name='loss')
        global_step = v1.train.get_or_create_global_step()
        train = v1.train.AdamOptimizer(1e-3).minimize(loss, global_step=global_step)
    rng = np.random.default_rng(task)
    images = rng.random((1000, 784), dtype=np.float32)
    onehot = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 1000)]
    local, t_warm = 0, None
    with v1.train.MonitoredTrainingSession(master=server.target, is_chief=task == 0, hooks=[
            v1.train.StopAtStepHook(last_step=steps)], log_step_count_steps=None, save_summaries_steps=None,
            save_checkpoint_secs=None) as sess:
        emit({'type': 'session', 'worker': task})
        while not sess.should_stop():
            start = (local * batch) % (1000 - batch)
            sess.run([train, loss, global_step], {x: images[start:start + batch], labels: onehot[start:start + batch]})
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
