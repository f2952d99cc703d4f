// SPDX-License-Identifier: Apache-2.0
// graph.pbtxt: the chief's CheckpointSaverHook writes the GraphDef in text format with `_output_shapes`, as
// Python's does; TensorFlow's own text parser (Python's text_format) reads it back into the same GraphDef.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { toTextFormat } from '../../lib/monitored/graph-text';
import { describePython, runPython, tempDir } from '../helpers/python';
import { tinyModel } from './model';

const PARSE = `
import json, sys
from google.protobuf import text_format, json_format
import tensorflow.compat.v1 as tf
text = tf.GraphDef()
text_format.Parse(open(sys.argv[1]).read(), text)
binary = tf.GraphDef()
binary.ParseFromString(open(sys.argv[2], 'rb').read())
for node in text.node:
  if '_output_shapes' in node.attr: del node.attr['_output_shapes']
shapes = {}
text2 = tf.GraphDef()
text_format.Parse(open(sys.argv[1]).read(), text2)
for node in text2.node:
  if '_output_shapes' in node.attr:
    shapes[node.name] = [[d.size for d in s.dim] if not s.unknown_rank else None for s in node.attr['_output_shapes'].list.shape]
with tf.Graph().as_default():
  tf.import_graph_def(text2, name='')
print(json.dumps({'same': text == binary, 'nodes': len(text.node), 'shapes': shapes}))
`;

async function trainChief(dir: string) {
  const m = tinyModel();
  const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
  try {
    const sess = await tf.train.MonitoredTrainingSession({
      graph: m.g, checkpointDir: dir, saveCheckpointSteps: 10, saveSummariesSteps: null, logStepCountSteps: null,
      hooks: [new tf.train.StopAtStepHook({ lastStep: 2 })],
    });
    while (!sess.shouldStop()) await sess.run(m.trainOp);
    await sess.close();
    await tf.train.SummaryWriterCache.clear();
  } finally {
    info.mockRestore();
  }
  return m;
}

describe('graph.pbtxt', () => {
  test("the chief writes it into checkpointDir: every node, each output's shape in _output_shapes", async () => {
    const tmp = tempDir('tfn-pbtxt-');
    try {
      const m = await trainChief(tmp.dir);
      const text = fs.readFileSync(path.join(tmp.dir, 'graph.pbtxt'), 'utf8');
      for (const op of m.g.operations()) expect(text).toContain(`name: "${op.name}"`);
      // w is a [2] float variable: its read has one output of shape [2].
      expect(text).toMatch(/_output_shapes"\n\s+value \{\n\s+list \{\n\s+shape \{\n\s+dim \{\n\s+size: 2\n/);
      expect(text).toContain('type: DT_FLOAT');
    } finally {
      tmp.cleanup();
    }
  });

  test('saveGraphDef: false writes none', async () => {
    const tmp = tempDir('tfn-pbtxt-');
    try {
      const m = tinyModel();
      const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
      const sess = await tf.train.MonitoredTrainingSession({
        graph: m.g, checkpointDir: tmp.dir, saveGraphDef: false, saveSummariesSteps: null, logStepCountSteps: null,
      }).finally(() => info.mockRestore());
      await sess.close();
      await tf.train.SummaryWriterCache.clear();
      expect(fs.existsSync(path.join(tmp.dir, 'graph.pbtxt'))).toBe(false);
    } finally {
      tmp.cleanup();
    }
  });

  test('text format: strings and bytes C-escaped, enums by name, maps by key, floats as the shortest float32', () => {
    const node = {
      name: 'q"\n\u00e9',
      op: 'Const',
      attr: {
        value: {
          tensor: {
            dtype: 1,
            tensor_shape: { dim: [{ size: 2 }] },
            float_val: [Math.fround(0.1), -2.5],
            tensor_content: new Uint8Array([0, 255, 39]),
          },
        },
        dtype: { type: 1 },
      },
    };
    expect(toTextFormat('NodeDef', node)).toBe([
      'name: "q\\"\\n\\303\\251"',
      'op: "Const"',
      'attr {', '  key: "dtype"', '  value {', '    type: DT_FLOAT', '  }', '}',
      'attr {', '  key: "value"', '  value {', '    tensor {', '      dtype: DT_FLOAT',
      '      tensor_shape {', '        dim {', '          size: 2', '        }', '      }',
      '      tensor_content: "\\000\\377\\\'"', '      float_val: 0.1', '      float_val: -2.5',
      '    }', '  }', '}', '',
    ].join('\n'));
  });
});

describePython('graph.pbtxt read by Python', () => {
  test("Python's text_format parses it into the graph's GraphDef, and TensorFlow imports it", async () => {
    const tmp = tempDir('tfn-pbtxt-');
    try {
      const m = await trainChief(tmp.dir);
      fs.writeFileSync(path.join(tmp.dir, 'graph.pb'), m.g.toGraphDef());
      const files = [path.join(tmp.dir, 'graph.pbtxt'), path.join(tmp.dir, 'graph.pb')];
      const r = JSON.parse(runPython(PARSE, files).trim().split('\n').pop()!);
      expect(r.same).toBe(true);
      expect(r.nodes).toBe(m.g.operations().length);
      const expected: Record<string, Array<Array<number> | null>> = {};
      for (const op of m.g.operations()) {
        if (op.numOutputs === 0) continue;
        expected[op.name] = Array.from({ length: op.numOutputs }, (_, i) => op.output(i).shape?.map((d) => d ?? -1) ?? null);
      }
      expect(r.shapes).toEqual(expected);
    } finally {
      tmp.cleanup();
    }
  });
});
