# SPDX-License-Identifier: Apache-2.0
# The Python side of the mixed cluster of test/distributed/cluster.test.ts: the graph of mixed-node.js in
# tf.compat.v1 (resource variables, as ours, so that both sides share the ps's variables), as a worker.
import json
import math
import os
import sys

import numpy as np
import tensorflow as tf
from tensorflow.python.training import session_manager

v1 = tf.compat.v1
v1.disable_eager_execution()

# A waiting worker checks whether the chief made the model ready every 30 s, which MonitoredTrainingSession does not
# let one change: 0.2 s, as the Node tasks, so that it joins while the Node worker still trains.
_session_manager_init = session_manager.SessionManager.__init__


def _fast_recovery(self, *args, **kwargs):
    kwargs.setdefault('recovery_wait_secs', 0.2)
    _session_manager_init(self, *args, **kwargs)


session_manager.SessionManager.__init__ = _fast_recovery


def arg(flag):
    return sys.argv[len(sys.argv) - 1 - sys.argv[::-1].index(flag) + 1]


def emit(event):
    print('EVENT ' + json.dumps(event), flush=True)


def batch(i):
    x = np.zeros((32, 4), np.float32)
    y = np.zeros((32, 1), np.float32)
    for r in range(32):
        total = 5.0
        for c in range(4):
            v = (abs(math.sin(((i * 32 + r) * 4 + c + 1) * 1.37) * 43758.5453) % 1) * 2 - 1
            x[r, c] = v
            total += np.float32(v) * (c + 1)
        y[r, 0] = total
    return x, y


def main():
    num_steps = int(sys.argv[1])
    cluster = v1.train.ClusterSpec(json.loads(arg('--cluster')))
    task = int(arg('--task'))
    server = v1.train.Server(cluster, job_name='worker', task_index=task)
    with v1.device(v1.train.replica_device_setter(cluster=cluster, worker_device='/job:worker/task:%d' % task)):
        x = v1.placeholder(tf.float32, [None, 4], name='x')
        y = v1.placeholder(tf.float32, [None, 1], name='y')
        w = v1.get_variable('w', [4, 1], initializer=v1.zeros_initializer(), use_resource=True)
        b = v1.get_variable('b', [1], initializer=v1.zeros_initializer(), use_resource=True)
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y), name='loss')
        global_step = v1.train.get_or_create_global_step()
        train = v1.train.GradientDescentOptimizer(0.05).minimize(loss, global_step=global_step)
    # num_steps from wherever this worker joins; the device filters spare its session the other worker.
    hooks = [v1.train.StopAtStepHook(num_steps=num_steps)]
    config = v1.ConfigProto(device_filters=['/job:ps', '/job:worker/task:%d' % task])
    losses = []
    local = 0
    step = None
    with v1.train.MonitoredTrainingSession(master=server.target, is_chief=False, hooks=hooks, config=config) as sess:
        emit({'type': 'session', 'worker': task})
        while not sess.should_stop():
            xb, yb = batch(1000 + local)
            _, l, step = sess.run([train, loss, global_step], {x: xb, y: yb})
            losses.append(float(l))
            local += 1
    emit({'type': 'done', 'worker': task, 'local': local, 'globalStep': int(step) if step is not None else None,
          'first': losses[0] if losses else None, 'last': losses[-1] if losses else None})
    sys.stdout.flush()
    # A started gRPC server cannot shut down cleanly: end the process as Python's examples do.
    os._exit(0)


main()
