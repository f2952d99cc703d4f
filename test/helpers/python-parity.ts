// SPDX-License-Identifier: Apache-2.0
// Python parity: a program written once in Python (tf.compat.v1, graph mode, resource variables) and once
// here, compared by the nodes of the GraphDef (name and op type), the variables and the values of a forward
// pass. All the Python programs of a test file run in one Python process (Python's start-up is slow).
import * as tf from '../../lib';
import { runPython } from './python';

/** What a program gives: its nodes, variables, collections and the values of its fetches. */
export interface ProgramSummary {
  nodes: Array<[string, string]>;
  variables: string[];
  collections: Record<string, string[]>;
  values: Record<string, number[]>;
}

/** One Python program: `body` builds into the default graph `g`; `fetch` names tensors ('y:0') to evaluate. */
export interface PythonProgram {
  body: string;
  fetch: string[];
  /** Values for placeholders: tensor name → nested list (fed as float32 unless `feedTypes` says). */
  feeds?: Record<string, unknown>;
  feedTypes?: Record<string, string>;
}

const PRELUDE = String.raw`
import json, sys, textwrap
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()
tf.compat.v1.enable_resource_variables()
v1 = tf.compat.v1

def name_of(x):
    n = getattr(x, 'name', None)
    if n is None: return str(x)
    return n[:-2] if n.endswith(':0') and hasattr(x, 'op') and getattr(x, 'dtype',
      None) is not None and 'Variable' in type(x).__name__ else n

def run(body, fetch, feeds, feed_types):
    g = tf.Graph()
    with g.as_default():
        exec(textwrap.dedent(body), {'tf': tf, 'v1': v1, 'np': np, 'g': g})
        variables = [v.op.name for v in v1.global_variables() + v1.local_variables()]
        inits = [v.initializer for v in v1.global_variables() + v1.local_variables()]
    nodes = [[op.name, op.type] for op in g.get_operations()]
    keys = [k for k in g.get_all_collection_keys() if not k.startswith('__') and k != 'cond_context']
    colls = {k: [name_of(x) for x in g.get_collection(k)] for k in keys}
    values = {}
    if fetch:
        with v1.Session(graph=g) as s:
            s.run(inits)
            fd = {g.get_tensor_by_name(k): np.asarray(v, dtype=feed_types.get(k, 'float32')) for k,
              v in feeds.items() if k.split(':')[0] in [o.name for o in g.get_operations()]}
            for name, val in zip(fetch, s.run([g.get_tensor_by_name(f) if ':' in f else g.get_operation_by_name(f) for f in fetch], fd)):
                values[name] = [] if val is None else np.asarray(val).astype(np.float64).ravel().tolist()
    return {'nodes': nodes, 'variables': variables, 'collections': colls, 'values': values}

programs = json.loads(sys.stdin.read() if False else open(sys.argv[1]).read())
print(json.dumps({k: run(p['body'], p['fetch'], p.get('feeds', {}), p.get('feedTypes', {})) for k, p in programs.items()}))
`;

/** Runs all the Python programs in one process; keyed as given. */
export function runPythonPrograms(programs: Record<string, PythonProgram>): Record<string, ProgramSummary> {
  const fs = require('fs') as typeof import('fs');
  const os = require('os') as typeof import('os');
  const path = require('path') as typeof import('path');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-parity-')), 'programs.json');
  fs.writeFileSync(file, JSON.stringify(programs));
  try {
    return JSON.parse(runPython(PRELUDE, [file])) as Record<string, ProgramSummary>;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/** The same summary of a graph built here; `feeds` as for Python (float32 unless a Tensor is given). */
export async function summarize(g: tf.Graph, fetch: string[], feeds: Record<string,
  tf.Tensor | number[] | number[][]> = {}): Promise<ProgramSummary> {
  const vars = [...g.globalVariables(), ...g.localVariables()];
  const nodes = g.operations().map((op): [string, string] => [op.name, op.type]);
  const collections: Record<string, string[]> = {};
  for (const key of g.collectionKeys) {
    collections[key] = g.getCollection(key).map((x) => String((x as { name?: unknown }).name ?? x));
  }
  const values: Record<string, number[]> = {};
  if (fetch.length) {
    const sess = new tf.Session(g);
    try {
      if (vars.length) await sess.run(tf.variablesInitializer(vars, { graph: g }));
      const present = Object.fromEntries(Object.entries(feeds).filter(([k]) => g.operation(k.split(':')[0]) !== undefined));
      const results = await sess.run(fetch.map((f) => (f.includes(':') ? f : g.operation(f)!)), present);
      fetch.forEach((f, i) => {
        const r = (results as Array<tf.Tensor | null>)[i];
        values[f] = r === null ? [] : Array.from(r.data() as ArrayLike<number | bigint | boolean>, (v) => Number(v));
      });
    } finally {
      await sess.close();
    }
  }
  return { nodes, variables: vars.map((v) => v.name), collections, values };
}

/** Jest expectations: same nodes (name and type) and values within `rtol` (relative, 1e-5 by default). */
export function expectParity(ours: ProgramSummary, python: ProgramSummary,
  options: { rtol?: number; atol?: number; nodes?: boolean } = {}): void {
  if (options.nodes !== false) expect(ours.nodes).toEqual(python.nodes);
  expect(ours.variables).toEqual(python.variables);
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-6;
  expect(Object.keys(ours.values).sort()).toEqual(Object.keys(python.values).sort());
  for (const [name, want] of Object.entries(python.values)) {
    const got = ours.values[name];
    expect({ name, length: got.length }).toEqual({ name, length: want.length });
    want.forEach((w, i) => {
      const ok = Number.isNaN(w) ? Number.isNaN(got[i]) : Math.abs(got[i] - w) <= atol + rtol * Math.abs(w);
      if (!ok) throw new Error(`${name}[${i}]: ours ${got[i]}, Python ${w}`);
    });
  }
}
