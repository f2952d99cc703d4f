// SPDX-License-Identifier: Apache-2.0
// protos/tensorflow/*.proto against TensorFlow's own: every field we declare has TensorFlow's number, type and
// label (compared with Python TensorFlow's descriptors); messages Python writes decode here as Python decodes
// them; and fields we do not declare survive decode → encode.
import * as fs from 'fs';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import { decode, encode, messageType, protoRoot } from '../../lib/proto';
import { describePython, runPython, tempDir } from '../helpers/python';

const generator = require('../../scripts/generate-protos.js') as { descriptorText(): string; OUT: string };

const PY_MODULES = [
  'tensorflow.core.framework.attr_value_pb2', 'tensorflow.core.framework.cost_graph_pb2', 'tensorflow.core.framework.full_type_pb2',
  'tensorflow.core.framework.function_pb2', 'tensorflow.core.framework.graph_pb2', 'tensorflow.core.framework.kernel_def_pb2',
  'tensorflow.core.framework.node_def_pb2', 'tensorflow.core.framework.op_def_pb2', 'tensorflow.core.framework.resource_handle_pb2',
  'tensorflow.core.framework.step_stats_pb2', 'tensorflow.core.framework.tensor_pb2', 'tensorflow.core.framework.tensor_shape_pb2',
  'tensorflow.core.framework.tensor_slice_pb2', 'tensorflow.core.framework.types_pb2', 'tensorflow.core.framework.variable_pb2',
  'tensorflow.core.framework.versions_pb2', 'tensorflow.core.protobuf.cluster_pb2', 'tensorflow.core.protobuf.config_pb2',
  'tensorflow.core.protobuf.meta_graph_pb2', 'tensorflow.core.protobuf.saved_model_pb2', 'tensorflow.core.protobuf.saver_pb2',
  'tensorflow.core.protobuf.tensor_bundle_pb2', 'tensorflow.core.protobuf.tensorflow_server_pb2',
];

// Python: compares our declarations with its descriptors, then writes sample messages (some with fields we
// do not declare and with fields no one declares) and its own JSON view of each.
const PY_SAMPLES = String.raw`
import base64, importlib, json, sys
import numpy as np
import tensorflow as tf
from google.protobuf import descriptor_pool, json_format
from google.protobuf.descriptor import FieldDescriptor as F
for m in json.loads(sys.argv[2]):
    importlib.import_module(m)
pool = descriptor_pool.Default()
v1 = tf.compat.v1
SCALAR = {F.TYPE_DOUBLE: 'double', F.TYPE_FLOAT: 'float', F.TYPE_INT64: 'int64', F.TYPE_UINT64: 'uint64', F.TYPE_INT32: 'int32',
          F.TYPE_FIXED64: 'fixed64', F.TYPE_FIXED32: 'fixed32', F.TYPE_BOOL: 'bool', F.TYPE_STRING: 'string', F.TYPE_BYTES: 'bytes',
          F.TYPE_UINT32: 'uint32', F.TYPE_SFIXED32: 'sfixed32', F.TYPE_SFIXED64: 'sfixed64',
          F.TYPE_SINT32: 'sint32', F.TYPE_SINT64: 'sint64'}
def type_name(f):
    if f.type == F.TYPE_MESSAGE: return f.message_type.full_name
    if f.type == F.TYPE_ENUM: return f.enum_type.full_name
    return SCALAR[f.type]
ours = json.load(open(sys.argv[1]))
problems, undeclared = [], []
for name, fields in ours['messages'].items():
    try:
        d = pool.FindMessageTypeByName(name)
    except KeyError:
        problems.append('%s: no such message in TensorFlow' % name); continue
    for fname, number, ftype, repeated, key_type in fields:
        f = d.fields_by_number.get(number)
        if f is None:
            problems.append('%s.%s = %d: TensorFlow has no field %d' % (name, fname, number, number)); continue
        is_map = f.message_type is not None and f.message_type.GetOptions().map_entry
        if is_map:
            got = ('map', type_name(f.message_type.fields_by_name['key']), type_name(f.message_type.fields_by_name['value']))
            want = ('map', key_type, ftype)
        else:
            got = (f.name, type_name(f), f.is_repeated if hasattr(f, 'is_repeated') else f.label == F.LABEL_REPEATED)
            want = (fname, ftype, repeated)
        if got != want:
            problems.append('%s field %d: ours %r, TensorFlow %r' % (name, number, want, got))
    declared = set(n for _, n, _, _, _ in fields)
    undeclared += ['%s.%s' % (name, f.name) for f in d.fields if f.number not in declared]
for name, values in ours['enums'].items():
    try:
        e = pool.FindEnumTypeByName(name)
    except KeyError:
        problems.append('%s: no such enum in TensorFlow' % name); continue
    for vname, number in values.items():
        if e.values_by_name.get(vname) is None or e.values_by_name[vname].number != number:
            problems.append('%s.%s = %d differs from TensorFlow' % (name, vname, number))

samples = {}
def add(key, msg, extra=b''):
    data = msg.SerializeToString() + extra
    samples[key] = {'type': msg.DESCRIPTOR.full_name[len('tensorflow.'):], 'bytes': base64.b64encode(data).decode(),
                    'json': json_format.MessageToDict(type(msg).FromString(data), preserving_proto_field_name=True)}
def varint(n):
    out = b''
    while n >= 0x80:
        out += bytes([(n & 0x7f) | 0x80]); n >>= 7
    return out + bytes([n])

g = tf.Graph()
with g.as_default():
    x = v1.placeholder(tf.float32, [None, 4, 4, 3], name='x')
    k = tf.constant(np.ones([2, 2, 3, 2], np.float32))
    c = tf.nn.conv2d(x, k, strides=[1, 1, 1, 1], padding='SAME')
    tf.constant(np.array([1.5, -2], np.float16), name='half')
    tf.constant(np.array([2**40, -3], np.int64), name='i64')
    tf.constant([b'a', b'\x00\xff'], name='s')
    tf.constant([True, False], name='b')
    tf.constant(np.array([1 + 2j], np.complex64), name='cplx')
    tf.constant(np.array([np.nan, np.inf, 0.1], np.float32), name='special')
    @tf.function
    def f(a):
        return tf.reduce_sum(a) * 2.0
    f(c)
    _, w = v1.while_loop(lambda i, w: i < 3, lambda i, w: (i + 1, w * 2.0), [0, 1.0])
    var = v1.get_variable('v', [2], initializer=v1.zeros_initializer())
    saver = v1.train.Saver()
    meta = saver.export_meta_graph()
gd = g.as_graph_def()
add('graph', gd)
add('meta', meta)
from tensorflow.core.protobuf import saved_model_pb2, tensor_bundle_pb2, tensorflow_server_pb2, config_pb2
add('saved_model', saved_model_pb2.SavedModel(saved_model_schema_version=1, meta_graphs=[meta]))
cfg = config_pb2.ConfigProto(intra_op_parallelism_threads=2, inter_op_parallelism_threads=3, allow_soft_placement=True,
                             log_device_placement=True, device_count={'CPU': 1, 'GPU': 0})
cfg.gpu_options.allow_growth = True
cfg.gpu_options.per_process_gpu_memory_fraction = 0.25
cfg.gpu_options.visible_device_list = '0'
cfg.graph_options.optimizer_options.opt_level = -1
cfg.experimental.collective_group_leader = '/job:w'
add('config', cfg)
opts = config_pb2.RunOptions(trace_level=config_pb2.RunOptions.FULL_TRACE, timeout_in_ms=5000, output_partition_graphs=True)
add('run_options', opts)
meta_run = config_pb2.RunMetadata()
with v1.Session(graph=g) as s:
    s.run(v1.global_variables_initializer())
    s.run(c, {x: np.ones([1, 4, 4, 3], np.float32)}, options=opts, run_metadata=meta_run)
add('run_metadata', meta_run)
from tensorflow.python.framework import op_def_registry, kernels
from tensorflow.core.framework import op_def_pb2
OPS = ['MatMul', 'While', 'VarHandleOp', 'TensorListReserve', 'Unique', 'Conv2D']
add('ops', op_def_pb2.OpList(op=[op_def_registry.get(n) for n in OPS]))
add('kernels', kernels.get_registered_kernels_for_op('MatMul'))
cluster = tf.train.ClusterSpec({'worker': ['localhost:1', 'localhost:2'], 'ps': {3: 'h:3'}}).as_cluster_def()
server = tensorflow_server_pb2.ServerDef(cluster=cluster,
                                         job_name='worker', task_index=1, protocol='grpc')
add('server', server)
header = tensor_bundle_pb2.BundleHeaderProto(num_shards=2, endianness=tensor_bundle_pb2.BundleHeaderProto.BIG)
header.version.producer = 1
add('bundle_header', header)
entry = tensor_bundle_pb2.BundleEntryProto(dtype=tf.float32.as_datatype_enum, shard_id=1, offset=2**33, size=12, crc32c=4000000000)
entry.shape.dim.add(size=3)
entry.slices.add().extent.add(start=1, length=2)
add('bundle_entry', entry)
add('tensor', tf.make_tensor_proto(np.arange(6, dtype=np.int32).reshape(2, 3)))
# Fields nobody declares, at the top level and inside a repeated message: field 999 varint 5, and field
# 1000 length-delimited b'hi'.
unknown = bytes([0xb8, 0x3e, 0x05]) + bytes([0xc2, 0x3e, 0x02]) + b'hi'
node = gd.node[0].SerializeToString() + unknown
add('unknown', gd, b'\x0a' + varint(len(node)) + node + unknown)
print(json.dumps({'problems': problems, 'undeclared': undeclared, 'samples': samples}))
`;

// Python: parses what we re-encoded and compares it with what it wrote, unknown fields included.
const PY_COMPARE = String.raw`
import base64, importlib, json, sys
for m in json.loads(sys.argv[2]):
    importlib.import_module(m)
from google.protobuf import descriptor_pool, message_factory
pool = descriptor_pool.Default()
out = {}
for key, case in json.load(open(sys.argv[1])).items():
    cls = message_factory.GetMessageClass(pool.FindMessageTypeByName('tensorflow.' + case['type']))
    original = cls.FromString(base64.b64decode(case['original']))
    ours = cls.FromString(base64.b64decode(case['ours']))
    out[key] = original.SerializeToString(deterministic=True) == ours.SerializeToString(deterministic=True)
print(json.dumps(out))
`;

type FieldRow = [name: string, id: number, type: string, repeated: boolean, keyType: string | null];

/** Our declarations: every message and enum under package tensorflow, with each field's number and type. */
function declarations(): { messages: Record<string, FieldRow[]>; enums: Record<string, Record<string, number>> } {
  const messages: Record<string, FieldRow[]> = {};
  const enums: Record<string, Record<string, number>> = {};
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      const fullName = nested.fullName.slice(1);
      if (nested instanceof protobuf.Type && fullName.startsWith('tensorflow.')) {
        messages[fullName] = nested.fieldsArray.map((f) => {
          f.resolve();
          const type = f.resolvedType ? f.resolvedType.fullName.slice(1) : f.type;
          return [f.name, f.id, type, f.repeated, f instanceof protobuf.MapField ? f.keyType : null];
        });
      } else if (nested instanceof protobuf.Enum && fullName.startsWith('tensorflow.')) {
        enums[fullName] = { ...nested.values };
      }
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested as protobuf.NamespaceBase);
    }
  };
  visit(protoRoot());
  return { messages, enums };
}

/** Compares Python's JSON view with ours; fields we do not declare must be absent from ours (kept as unknown). */
function compare(type: protobuf.Type, py: Record<string, unknown>, ours: Record<string, unknown>, where: string, out: string[]): void {
  for (const [key, value] of Object.entries(py)) {
    const field = type.fields[key];
    if (!field) {
      if (key in ours) out.push(`${where}.${key}: present in ours but not declared`);
      continue;
    }
    field.resolve();
    compareValue(field, value, ours[key], `${where}.${key}`, out);
  }
  for (const key of Object.keys(ours)) {
    if (!(key in py)) out.push(`${where}.${key}: ours has ${JSON.stringify(ours[key]).slice(0, 80)}, Python nothing`);
  }
}

function compareValue(field: protobuf.Field, py: unknown, ours: unknown, where: string, out: string[]): void {
  if (field instanceof protobuf.MapField) {
    const p = py as Record<string, unknown>;
    const o = (ours ?? {}) as Record<string, unknown>;
    if (Object.keys(p).sort().join() !== Object.keys(o).sort().join()) out.push(`${where}: map keys differ`);
    for (const k of Object.keys(p)) compareScalarOrMessage(field, p[k], o[k], `${where}[${k}]`, out);
    return;
  }
  if (field.repeated) {
    const p = py as unknown[];
    const o = (ours ?? []) as unknown[];
    if (!Array.isArray(o) || p.length !== o.length) {
      out.push(`${where}: ${p.length} values in Python, ${Array.isArray(o) ? o.length : 'none'} in ours`);
      return;
    }
    p.forEach((v, i) => compareScalarOrMessage(field, v, o[i], `${where}[${i}]`, out));
    return;
  }
  compareScalarOrMessage(field, py, ours, where, out);
}

function compareScalarOrMessage(field: protobuf.Field, py: unknown, ours: unknown, where: string, out: string[]): void {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    if (rt.fullName === '.google.protobuf.Any') {
      // Both render an Any as {'@type': url, ...fields of the packed message}.
      const p = py as Record<string, unknown>;
      const o = ours as Record<string, unknown>;
      if (p['@type'] !== o?.['@type']) out.push(`${where}: Any of ${String(p['@type'])} vs ${String(o?.['@type'])}`);
      const packed = protoRoot().lookupType(String(p['@type']).split('/').pop()!);
      const { ['@type']: _a, ...pf } = p;
      const { ['@type']: _b, ...of } = o ?? {};
      compare(packed, pf, of, where, out);
      return;
    }
    compare(rt, py as Record<string, unknown>, (ours ?? {}) as Record<string, unknown>, where, out);
    return;
  }
  if (typeof py === 'number' && typeof ours === 'number') {
    // Python prints float fields at float precision; protobufjs gives the double of the float.
    const same = field.type === 'float' ? Math.fround(py) === Math.fround(ours) : py === ours;
    if (!same) out.push(`${where}: Python ${py}, ours ${ours}`);
    return;
  }
  if (py !== ours) out.push(`${where}: Python ${JSON.stringify(py)}, ours ${JSON.stringify(ours)}`);
}

describe('protocol buffers without Python', () => {
  test('fields we do not declare survive decode → encode, at any depth', () => {
    const unknownTop = Uint8Array.from([0xb8, 0x3e, 0x05, 0xc2, 0x3e, 0x02, 0x68, 0x69]); // 999: 5, 1000: 'hi'
    const node = Buffer.concat([Buffer.from(encode('NodeDef', { name: 'n', op: 'NoOp' })), unknownTop]);
    const bytes = Buffer.concat([Buffer.from([0x0a, node.length]), node, unknownTop]);
    const msg = decode('GraphDef', bytes);
    expect(msg.node[0].name).toBe('n');
    const again = Buffer.from(encode('GraphDef', msg));
    expect(again.includes(Buffer.from([0xc2, 0x3e, 0x02, 0x68, 0x69]))).toBe(true);
    const twice = decode('GraphDef', again);
    expect(twice.$unknown.map((b: Uint8Array) => Buffer.from(b).toString('hex'))).toEqual(['b83e05', 'c23e026869']);
    expect(twice.node[0].$unknown.map((b: Uint8Array) => Buffer.from(b).toString('hex'))).toEqual(['b83e05', 'c23e026869']);
    // A plain object that carries them (decoded, then edited) keeps them too.
    const edited = { ...msg.node[0], name: 'renamed' };
    Object.defineProperty(edited, '$unknown', { value: msg.node[0].$unknown });
    expect(decode('NodeDef', encode('NodeDef', edited)).$unknown).toHaveLength(2);
  });

  test('a type first reached through its parent\'s codec keeps unknown fields too', () => {
    // RunMetadata → StepStats → DeviceStepStats → NodeExecStats: no other test here uses these types, so
    // each one generates its codecs inside its parent's decode.
    const unknown = [0xb8, 0x3e, 0x05]; // 999: 5
    const nodeStats = [0x0a, 0x01, 0x61, ...unknown]; // node_name: 'a'
    const device = [0x0a, 0x01, 0x64, 0x12, nodeStats.length, ...nodeStats]; // device: 'd', node_stats
    const stepStats = [0x0a, device.length, ...device]; // dev_stats
    const bytes = Uint8Array.from([0x0a, stepStats.length, ...stepStats]); // step_stats
    const msg = decode('RunMetadata', bytes);
    const node = msg.step_stats.dev_stats[0].node_stats[0];
    expect(node.node_name).toBe('a');
    expect(node.$unknown.map((b: Uint8Array) => Buffer.from(b).toString('hex'))).toEqual(['b83e05']);
    expect(Buffer.from(encode('RunMetadata', msg))).toEqual(Buffer.from(bytes));
  });

  test('every declared message resolves', () => {
    const { messages } = declarations();
    expect(Object.keys(messages)).toEqual(
      expect.arrayContaining(['tensorflow.GraphDef', 'tensorflow.MetaGraphDef', 'tensorflow.ConfigProto', 'tensorflow.OpList']),
    );
    for (const name of Object.keys(messages)) expect(messageType(name.slice('tensorflow.'.length))).toBeDefined();
  });
});

describe('protos/tensorflow.json', () => {
  test('is what `npm run generate:protos` writes from the .proto files now', () => {
    expect(fs.readFileSync(generator.OUT, 'utf8')).toBe(generator.descriptorText());
  });

  test('gives every field the encoding the .proto files give it', () => {
    // The descriptor drops what protobufjs can derive (proto3 is its default syntax); check the derived
    // properties against a root parsed from the .proto text.
    const parsed = protobuf.Root.fromJSON(JSON.parse(generator.descriptorText()));
    const fromText = new protobuf.Root();
    const dir = path.dirname(generator.OUT);
    fromText.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(dir, target));
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith('.proto')) files.push(path.join(d, e.name));
      }
    };
    walk(dir);
    fromText.loadSync(files, { keepCase: true }).resolveAll();
    const fields = (root: protobuf.Root): string[] => {
      const out: string[] = [];
      const visit = (ns: protobuf.NamespaceBase): void => {
        for (const nested of ns.nestedArray) {
          if (nested instanceof protobuf.Type) {
            for (const f of nested.fieldsArray) {
              f.resolve();
              const fields = [f.fullName, f.id, f.type, f.repeated, f.packed, f.hasPresence, f.map];
              out.push([...fields, f.partOf?.name ?? '', f.resolvedType?.fullName ?? ''].join(' '));
            }
          }
          if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested as protobuf.NamespaceBase);
        }
      };
      visit(root);
      return out.sort();
    };
    const expected = fields(fromText);
    expect(expected.length).toBeGreaterThan(100);
    expect(fields(parsed)).toEqual(expected);
    expect(fields(protoRoot())).toEqual(expected);
  });
});

describePython('protocol buffers against Python TensorFlow', () => {
  let result: {
    problems: string[];
    undeclared: string[];
    samples: Record<string, { type: string; bytes: string; json: Record<string, unknown> }>;
  };
  beforeAll(() => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'ours.json');
      fs.writeFileSync(file, JSON.stringify(declarations()));
      result = JSON.parse(runPython(PY_SAMPLES, [file, JSON.stringify(PY_MODULES)]));
    } finally {
      cleanup();
    }
  });

  test("every field we declare has TensorFlow's number, name, type and label", () => {
    expect(result.problems).toEqual([]);
    // Fields TensorFlow has and we leave undeclared are kept as unknown fields (tested below).
    if (process.env.SHOW_UNDECLARED) console.log(result.undeclared.join('\n'));
  });

  test('messages Python writes decode here as Python decodes them', () => {
    const mismatches: string[] = [];
    for (const [key, sample] of Object.entries(result.samples)) {
      const type = messageType(sample.type);
      const options = { longs: String, enums: String, bytes: String, json: true };
      const ours = type.toObject(type.decode(Buffer.from(sample.bytes, 'base64')), options);
      compare(type, sample.json, ours, key, mismatches);
    }
    expect(mismatches).toEqual([]);
    expect(Object.keys(result.samples).sort()).toEqual([
      'bundle_entry', 'bundle_header', 'config', 'graph', 'kernels', 'meta', 'ops', 'run_metadata', 'run_options', 'saved_model',
      'server', 'tensor', 'unknown',
    ]);
  });

  test('decode → encode loses nothing Python wrote, unknown fields included', () => {
    const cases: Record<string, { type: string; original: string; ours: string }> = {};
    for (const [key, sample] of Object.entries(result.samples)) {
      const bytes = Buffer.from(sample.bytes, 'base64');
      const ours = Buffer.from(encode(sample.type, decode(sample.type, bytes))).toString('base64');
      cases[key] = { type: sample.type, original: sample.bytes, ours };
    }
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'cases.json');
      fs.writeFileSync(file, JSON.stringify(cases));
      const same = JSON.parse(runPython(PY_COMPARE, [file, JSON.stringify(PY_MODULES)])) as Record<string, boolean>;
      expect(same).toEqual(Object.fromEntries(Object.keys(cases).map((k) => [k, true])));
    } finally {
      cleanup();
    }
  });
});
