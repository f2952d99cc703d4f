#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// `npm run generate:ops`: writes lib/ops/generated.ts, the typed signatures of `g.ops.*`, from the op
// registry of the libtensorflow the package loads (TF_GetAllOpList). Run `npx tsc -p tsconfig.json` first:
// the registry is read through dist/. Doc comments are the OpDef summaries; most registered OpDefs carry
// none (TensorFlow keeps its docs in ApiDef files that libtensorflow does not ship), so where Python
// TensorFlow is installed the first paragraph of `tf.raw_ops.<Op>.__doc__` (built from those ApiDefs) fills
// them in. Pass --no-python-docs to use the registry alone. test/ops/ops.test.ts re-renders the file from the
// live registry and compares everything but the doc comments.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const OUT = path.join(__dirname, '..', 'lib', 'ops', 'generated.ts');

// TF DataType numbers → node-libtensorflow DType names (lib/dtypes.ts); quantized types have none.
const DTYPE_NAMES = {
  1: 'float32', 2: 'float64', 3: 'int32', 4: 'uint8', 5: 'int16', 6: 'int8', 7: 'string', 8: 'complex64',
  9: 'int64', 10: 'bool', 14: 'bfloat16', 17: 'uint16', 18: 'complex128', 19: 'float16', 20: 'resource',
  21: 'variant', 22: 'uint32', 23: 'uint64',
};
const DTYPE_ORDER = Object.values(DTYPE_NAMES);

/**
 * The property name of an op in `g.ops`: lowerCamelCase, with a leading acronym lowered as a whole
 * (MatMul → matMul, LRN → lrn, CTCLoss → ctcLoss, FFT2D → fft2D); hidden ops keep their leading '_'.
 */
function opMethodName(type) {
  const m = /^(_*)(.*)$/.exec(type);
  const body = m[2];
  const acronym = /^[A-Z]+(?=[A-Z][a-z]|[0-9]|$)/.exec(body);
  const n = acronym ? acronym[0].length : 1;
  return m[1] + body.slice(0, n).toLowerCase() + body.slice(n);
}

/** An attr or output name as a TypeScript key: snake_case → camelCase; other names as they are (T, DstT). */
function camelKey(name) {
  return name.replace(/_([a-zA-Z0-9])/g, (_, c) => c.toUpperCase());
}

function isListArg(arg) {
  return Boolean(arg.number_attr || arg.type_list_attr);
}

function toNumber(v) {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v.toNumber === 'function') return v.toNumber();
  return Number(v);
}

function jsString(s) {
  return JSON.stringify(s).replace(/'/g, "\\'").replace(/^"|"$/g, "'").replace(/\\"/g, '"');
}

/** Renders a default AttrValue for a doc comment. */
function defaultText(attrType, value) {
  if (!value) return undefined;
  const dec = (b) => Buffer.from(b).toString('utf8');
  const shape = (s) => {
    if (!s || s.unknown_rank) return 'unknown';
    return `[${(s.dim || []).map((d) => (toNumber(d.size) < 0 ? 'null' : toNumber(d.size))).join(', ')}]`;
  };
  const type = (t) => DTYPE_NAMES[t] || `DT#${t}`;
  if (attrType.startsWith('list(')) {
    const l = value.list || {};
    const items = [
      ...(l.s || []).map((b) => jsString(dec(b))),
      ...(l.i || []).map((i) => String(toNumber(i))),
      ...(l.f || []).map(String),
      ...(l.b || []).map(String),
      ...(l.type || []).map((t) => jsString(type(t))),
      ...(l.shape || []).map(shape),
    ];
    return `[${items.join(', ')}]`;
  }
  switch (value.value) {
    case 's': return jsString(dec(value.s));
    case 'i': return String(toNumber(value.i));
    case 'f': return String(+value.f.toPrecision(7)); // float32 defaults, as written in the OpDef
    case 'b': return String(value.b);
    case 'type': return jsString(type(value.type));
    case 'shape': return shape(value.shape);
    case 'tensor': return 'a tensor';
    case 'func': return jsString(value.func.name);
    default: return undefined;
  }
}

function docText(text) {
  return text.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim();
}

/**
 * The text of lib/ops/generated.ts for decoded OpDefs (protobufjs messages or plain objects with the proto
 * field names; enum fields as numbers).
 * @param {object[]} opDefs
 * @param {{ docs?: Record<string, string>, version?: string }} [options] docs: summaries for ops whose
 *   OpDef has none.
 */
function renderOps(opDefs, options = {}) {
  const docs = options.docs || {};
  const ops = [...opDefs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const unions = new Map(); // union text → alias
  const unionAlias = (members) => {
    if (members.length === 0) return 'never';
    const text = members.map(jsString).join(' | ');
    if (members.length === 1) return text;
    if (!unions.has(text)) unions.set(text, `U${unions.size}`);
    return unions.get(text);
  };
  const methods = [];
  const seen = new Map();
  for (const op of ops) {
    const method = opMethodName(op.name);
    if (seen.has(method)) throw new Error(`Ops ${seen.get(method)} and ${op.name} would both be g.ops.${method}`);
    seen.set(method, op.name);
    const inputs = op.input_arg || [];
    const outputs = op.output_arg || [];
    const attrs = op.attr || [];
    const inferred = new Set();
    for (const a of inputs) for (const k of ['type_attr', 'number_attr', 'type_list_attr']) if (a[k]) inferred.add(a[k]);
    const reserved = new Set(['name', 'device', 'controlInputs']);
    const props = [];
    const defaults = [];
    let required = false;
    for (const attr of attrs) {
      const key = camelKey(attr.name);
      if (reserved.has(key)) throw new Error(`Attr '${attr.name}' of ${op.name} collides with another option`);
      reserved.add(key);
      const list = attr.type.startsWith('list(');
      const scalar = list ? attr.type.slice(5, -1) : attr.type;
      let t;
      const allowed = attr.allowed_values && attr.allowed_values.list;
      switch (scalar) {
        case 'type': {
          if (allowed && (allowed.type || []).length) {
            const names = new Set(allowed.type.map((n) => DTYPE_NAMES[n]).filter(Boolean));
            t = unionAlias(DTYPE_ORDER.filter((d) => names.has(d)));
          } else t = 'DType';
          break;
        }
        case 'string':
          t = allowed && (allowed.s || []).length ? unionAlias(allowed.s.map((b) => Buffer.from(b).toString('utf8'))) : 'string';
          break;
        case 'int': t = 'number'; break;
        case 'float': t = 'number'; break;
        case 'bool': t = 'boolean'; break;
        case 'shape': t = 'Shape'; break;
        case 'tensor': t = 'TensorValue'; break;
        case 'func': t = 'Func'; break;
        default: throw new Error(`Attr '${attr.name}' of ${op.name} has type ${attr.type}, which the generator does not know`);
      }
      if (list) t = /^[A-Za-z0-9]+$/.test(t) ? `${t}[]` : `Array<${t}>`;
      const optional = Boolean(attr.default_value) || inferred.has(attr.name);
      if (!optional) required = true;
      props.push(`${/^[A-Za-z_$][\w$]*$/.test(key) ? key : jsString(key)}${optional ? '?' : ''}: ${t}`);
      const d = defaultText(attr.type, attr.default_value);
      if (d !== undefined) defaults.push(`${key} = ${d}`);
    }
    const params = inputs.map((a) => `${safeParam(a.name)}: ${isListArg(a) ? 'L' : 'I'}`);
    const optionsType = props.length ? `O & { ${props.join('; ')} }` : 'O';
    params.push(`options${required ? '' : '?'}: ${optionsType}`);
    let ret;
    if (outputs.length === 0) ret = 'Operation';
    else if (outputs.length === 1 && !isListArg(outputs[0])) ret = 'Output';
    else ret = `{ ${outputs.map((a) => `${camelKey(a.name)}: ${isListArg(a) ? 'Output[]' : 'Output'}`).join('; ')} }`;
    const summary = docText(op.summary || docs[op.name] || '');
    const doc = [`\`${op.name}\`${summary ? `: ${summary}` : '.'}`];
    if (defaults.length) doc.push(`Defaults: ${defaults.join(', ')}.`);
    if (op.deprecation && op.deprecation.version) {
      doc.push(`@deprecated since GraphDef version ${op.deprecation.version}: ${docText(op.deprecation.explanation || '')}`);
    }
    methods.push(`  /** ${doc.map(docText).join(' ')} */\n  ${method}(${params.join(', ')}): ${ret};`);
  }
  const lines = [
    '// SPDX-License-Identifier: Apache-2.0',
    '// GENERATED by `npm run generate:ops` (scripts/generate-ops.js) from the op registry of libtensorflow' +
      `${options.version ? ` ${options.version}` : ''}:`,
    `// ${ops.length} ops. Do not edit; test/ops/ops.test.ts checks it against the registry of the loaded library.`,
    "import type { Operation, Output } from '../graph/operation';",
    "import type { DType, Func, I, L, O, Shape, TensorValue } from './types';",
    '',
    ...[...unions].map(([text, alias]) => `type ${alias} = ${text};`),
    '',
    '/** The op types of the registry this file was generated from, sorted. */',
    `export const OP_TYPES: readonly string[] = ${jsString(ops.map((o) => o.name).join(' '))}.split(' ');`,
    '',
    '/**',
    ' * A typed builder for every registered op: inputs positional in OpDef order (an Output, a Variable, or a',
    " * value that becomes a constant of the dtype the op's type attr resolves to), then an options object with",
    ' * the attrs (camelCase; the OpDef\'s snake_case names work too) and `name`, `device`, `controlInputs`.',
    ' */',
    'export interface GeneratedOps {',
    ...methods,
    '}',
    '',
  ];
  return lines.join('\n');
}

const RESERVED_PARAMS = new Set(['arguments', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger',
  'default', 'delete', 'do', 'else', 'enum', 'eval', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if',
  'implements', 'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'options', 'package', 'private',
  'protected', 'public', 'return', 'static', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var',
  'void', 'while', 'with', 'yield']);

function safeParam(name) {
  const camel = camelKey(name);
  return RESERVED_PARAMS.has(camel) ? `${camel}_` : camel;
}

/** First paragraphs of `tf.raw_ops.<Op>.__doc__` from Python TensorFlow, or {} where it is not installed. */
function pythonDocs(names) {
  const script = [
    'import json, sys',
    'import tensorflow as tf',
    'out = {}',
    'for name in json.load(sys.stdin):',
    '    f = getattr(tf.raw_ops, name, None)',
    '    doc = (getattr(f, "__doc__", None) or "").strip()',
    '    first = doc.split("\\n\\n")[0].strip()',
    '    if first and not first.startswith("TODO") and not first.startswith("Args:"):',
    '        out[name] = " ".join(first.split())',
    'print(json.dumps(out))',
  ].join('\n');
  const r = spawnSync(process.env.PYTHON || 'python3', ['-c', script], {
    input: JSON.stringify(names),
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    console.warn('Python TensorFlow is not available; doc comments come from the OpDef summaries alone.');
    return {};
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function main() {
  process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL || '2';
  let dist;
  try {
    dist = { library: require('../dist/binding/library'), proto: require('../dist/proto') };
  } catch (err) {
    console.error(`Cannot load dist/ (${err.message.split('\n')[0]}). Run \`npx tsc -p tsconfig.json\` first.`);
    process.exit(1);
  }
  const addon = dist.library.tfAddon();
  const opList = dist.proto.decode('OpList', addon.allOpList());
  const docs = process.argv.includes('--no-python-docs') ? {} : pythonDocs(opList.op.filter((o) => !o.summary).map((o) => o.name));
  const text = renderOps(opList.op, { docs, version: dist.library.version.tensorflow });
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, text);
  console.log(
    `Wrote ${path.relative(process.cwd(), OUT)}: ${opList.op.length} ops, ${Object.keys(docs).length} summaries from Python, ` +
      `${(text.length / 1024).toFixed(0)} KiB.`,
  );
}

module.exports = { renderOps, opMethodName, camelKey };

if (require.main === module) main();
