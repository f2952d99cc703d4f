# SPDX-License-Identifier: Apache-2.0
# The Python TensorFlow side of the benchmarks (see workers.js): tf.compat.v1 session.run with default
# session options, one JSON request per line on stdin, one JSON reply per line on stdout. Times are µs per call.
import json
import sys
import time

import numpy as np
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
state = {}


def per_call(fn, iterations):
    for i in range(iterations // 10 + 1):
        fn(i)
    t0 = time.perf_counter()
    for i in range(iterations):
        fn(i)
    return (time.perf_counter() - t0) / iterations * 1e6


def hello(req):
    return {'version': 'Python TensorFlow ' + tf.__version__}


def load(req):
    s = tf.compat.v1.Session(graph=tf.Graph())
    with s.graph.as_default():
        meta = tf.compat.v1.saved_model.loader.load(s, req.get('tags', ['serve']), req['dir'])
    sig = meta.signature_def[req.get('signature', 'serving_default')]
    state['model'] = (s, sig.inputs[req['input']].name, sig.outputs[req['output']].name)
    return {}


def predict(req):
    s, x, y = state['model']
    batch, features = req['batch'], req['features']
    feed = ((np.arange(batch * features) % features) / features).astype(np.float32)
    feed = feed.reshape(batch, features)
    row = s.run(y, {x: feed})[0][:10].tolist()
    return {'us': per_call(lambda i: s.run(y, {x: feed}), req['iterations']), 'row': row}


def scalar(req):
    if 'scalar' not in state:
        g = tf.Graph()
        with g.as_default():
            x = tf.compat.v1.placeholder(tf.float32, [], name='x')
            y = tf.raw_ops.AddV2(x=x, y=tf.constant(1, tf.float32), name='y')
        state['scalar'] = (tf.compat.v1.Session(graph=g), x, y)
    s, x, y = state['scalar']
    return {'us': per_call(lambda i: s.run(y, {x: float(i)}), req['iterations'])}


HANDLERS = {'hello': hello, 'load': load, 'predict': predict, 'scalar': scalar}
for line in sys.stdin:
    req = json.loads(line)
    try:
        reply = HANDLERS[req['op']](req)
    except Exception as err:  # the benchmark prints it and skips the column
        reply = {'error': repr(err)}
    sys.stdout.write(json.dumps(reply) + '\n')
    sys.stdout.flush()
