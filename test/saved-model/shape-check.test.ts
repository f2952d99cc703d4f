// SPDX-License-Identifier: Apache-2.0
// SavedModels holding shapes that TensorFlow's loader CHECK-fails on: refused with a clear error first. Each
// load runs in a child process, so that a regression aborts the child, not the suite.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { encode } from '../../lib/proto';
import { tempDir } from '../helpers/python';

const ROOT = path.resolve(__dirname, '..', '..');
const FLOAT = 1;

type Dims = number[] | null;

function shapeProto(dims: Dims) {
  return dims === null ? { unknown_rank: true } : { dim: dims.map((size) => ({ size })) };
}

/** A SavedModel of one graph: a Const of shape `constDims` (empty content) and a Placeholder of `placeholderDims`. */
function writeModel(dir: string, constDims: number[], placeholderDims: Dims): void {
  fs.mkdirSync(dir, { recursive: true });
  const graph = {
    node: [
      {
        name: 'big',
        op: 'Const',
        attr: { dtype: { type: FLOAT }, value: { tensor: { dtype: FLOAT, tensor_shape: shapeProto(constDims) } } },
      },
      { name: 'x', op: 'Placeholder', attr: { dtype: { type: FLOAT }, shape: { shape: shapeProto(placeholderDims) } } },
    ],
    versions: { producer: 1000 },
  };
  const metaGraph = { meta_info_def: { tags: ['serve'] }, graph_def: graph };
  const bytes = encode('SavedModel', { saved_model_schema_version: 1, meta_graphs: [metaGraph] });
  fs.writeFileSync(path.join(dir, 'saved_model.pb'), bytes);
}

function load(dir: string) {
  const r = spawnSync(
    process.execPath,
    ['-e', `require('./dist').savedModel.load(${JSON.stringify(dir)}).then(
      (m) => m.close().then(() => console.log('loaded')), (e) => console.log(e.name + ': ' + e.message));`],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, timeout: 60_000 },
  );
  return { out: r.stdout.trim(), status: r.status, stderr: r.stderr };
}

describe('tf.savedModel.load refuses shapes TensorFlow aborts on', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir('tfn-shape-check-');
  });
  afterAll(() => tmp.cleanup());

  test('a well-formed model of the same form loads (the control)', () => {
    const dir = path.join(tmp.dir, 'ok');
    writeModel(dir, [2, 2], [null, 3]);
    expect(load(dir)).toMatchObject({ out: 'loaded', status: 0 });
  });

  test('a Const of shape [2^31, 2^31, 8]: more elements than int64 counts', () => {
    const dir = path.join(tmp.dir, 'huge');
    writeModel(dir, [2 ** 31, 2 ** 31, 8], [null, 3]);
    const r = load(dir);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^InvalidArgumentError: .*tensor \[2147483648, 2147483648, 8\] of attr 'value' of node 'big' has 36893488147419103232 elements/);
  });

  test('a Const with a negative dimension and a Placeholder of rank 255', () => {
    const negative = path.join(tmp.dir, 'negative');
    writeModel(negative, [2, -1], [null, 3]);
    expect(load(negative).out).toMatch(/^InvalidArgumentError: .*tensor \[2, -1\] of attr 'value' of node 'big' has a dimension of -1/);
    const rank = path.join(tmp.dir, 'rank');
    writeModel(rank, [1], new Array<number>(255).fill(1));
    expect(load(rank).out).toMatch(/^InvalidArgumentError: .*shape \[1(, 1){254}\] of attr 'shape' of node 'x' has 255 dimensions/);
  });
});
