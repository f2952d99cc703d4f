// SPDX-License-Identifier: Apache-2.0
// Training-step parity with Python: a program written once in Python (tf.compat.v1 graph mode, resource variables)
// and once here. Python initializes, saves a checkpoint, then runs a few training steps; we build our graph, restore
// THAT checkpoint, and run the same steps. Compared: the nodes (forward part and whole graph), the variables, the
// forward values at the checkpoint, the loss of every step, and values after the steps (moving averages, slots).
// All the programs of a test file run in one Python process (Python's start-up is slow).
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '../../lib';
import { runPython, tempDir } from './python';

export interface TrainingProgram {
  /** Builds the model into the default graph `g`; defines `loss` (a scalar tensor). */
  body: string;
  /** Builds the training step; defines `train` (an op or tensor to run per step). */
  train: string;
  /** Tensors ('y:0') or variables ('w') evaluated at the checkpoint, before any step. */
  fetch?: string[];
  /** Tensors or variables evaluated after the steps. */
  after?: string[];
  /** Placeholders fed at every step: tensor name → nested list (float32 unless `feedTypes` says). */
  feeds?: Record<string, unknown>;
  feedTypes?: Record<string, string>;
  steps?: number;
}

export interface TrainingResult {
  /** The nodes built by `body` (the forward pass), then by `body` and `train` together. */
  forward: Array<[string, string]>;
  nodes: Array<[string, string]>;
  variables: string[];
  collections: Record<string, string[]>;
  values: Record<string, number[]>;
  losses: number[];
  after: Record<string, number[]>;
  /** Python's checkpoint prefix, saved before the first step. */
  checkpoint: string;
}

const PRELUDE = String.raw`
import json, os, sys, textwrap
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()
tf.compat.v1.enable_resource_variables()
v1 = tf.compat.v1

def flat(x):
    return [] if x is None else np.asarray(x).astype(np.float64).ravel().tolist()

def element(g, name):
    return g.get_tensor_by_name(name if ':' in name else name + '/Read/ReadVariableOp:0')

def run(key, p, out_dir):
    g = tf.Graph()
    ns = {'tf': tf, 'v1': v1, 'np': np, 'g': g}
    with g.as_default():
        exec(textwrap.dedent(p['body']), ns)
        forward = [[op.name, op.type] for op in g.get_operations()]
        exec(textwrap.dedent(p['train']), ns)
        nodes = [[op.name, op.type] for op in g.get_operations()]
        variables = [v.op.name for v in v1.global_variables()]
        keys = [k for k in g.get_all_collection_keys() if not k.startswith('__') and k != 'cond_context']
        colls = {k: [getattr(x, 'name', str(x)) for x in g.get_collection(k)] for k in keys}
        init = v1.global_variables_initializer()
        saver = v1.train.Saver()
    types = p.get('feedTypes', {})
    fd = {g.get_tensor_by_name(k): np.asarray(v, dtype=types.get(k, 'float32')) for k, v in p.get('feeds', {}).items()}
    with v1.Session(graph=g) as s:
        s.run(init)
        ckpt = saver.save(s, os.path.join(out_dir, key, 'model.ckpt'))
        values = {f: flat(v) for f, v in zip(p.get('fetch', []), s.run([element(g, f) for f in p.get('fetch', [])], fd))}
        losses = [float(s.run([ns['loss'], ns['train']], fd)[0]) for _ in range(p.get('steps', 3))]
        after = {f: flat(v) for f, v in zip(p.get('after', []), s.run([element(g, f) for f in p.get('after', [])], fd))}
    return {'forward': forward, 'nodes': nodes, 'variables': variables, 'collections': colls, 'values': values,
            'losses': losses, 'after': after, 'checkpoint': ckpt}

programs = json.load(open(sys.argv[1]))
print(json.dumps({k: run(k, p, sys.argv[2]) for k, p in programs.items()}))
`;

/**
 * Runs the Python programs in one process; their checkpoints live in a temporary directory until `cleanup`.
 */
export function trainInPython(programs: Record<string, TrainingProgram>): { results: Record<string, TrainingResult>; cleanup(): void } {
  const tmp = tempDir('tfn-train-parity-');
  const file = path.join(tmp.dir, 'programs.json');
  fs.writeFileSync(file, JSON.stringify(programs));
  try {
    return { results: JSON.parse(runPython(PRELUDE, [file, tmp.dir])) as Record<string, TrainingResult>, cleanup: tmp.cleanup };
  } catch (e) {
    tmp.cleanup();
    throw e;
  }
}

/** Our side of a program: the graph, how many of its nodes the forward pass built, the loss and the step. */
export interface OurProgram {
  g: tf.Graph;
  forwardNodes: number;
  loss: tf.Output;
  train: tf.Operation | tf.Output;
}

type Feeds = Record<string, tf.Tensor | number[] | number[][]>;

/** Builds `forward` then `train` in a fresh graph (the default graph meanwhile), counting the forward nodes. */
export function buildHere(forward: (g: tf.Graph) => tf.Output, train: (g: tf.Graph, loss: tf.Output) => tf.Operation | tf.Output,
  seed?: number): OurProgram {
  const g = new tf.Graph();
  return g.asDefault(() => {
    if (seed !== undefined) tf.setRandomSeed(seed);
    const loss = forward(g);
    const forwardNodes = g.operations().length;
    return { g, forwardNodes, loss, train: train(g, loss) };
  });
}

const flat = (t: tf.Tensor | null): number[] =>
  t === null ? [] : Array.from(t.data() as ArrayLike<number | bigint | boolean>, (v) => Number(v));

/** Restores Python's checkpoint into our graph and runs the program's fetches and steps as Python did. */
export async function trainHere(ours: OurProgram, program: TrainingProgram, python: TrainingResult,
  feeds: Feeds = {}): Promise<TrainingResult> {
  const { g } = ours;
  const nodes = g.operations().map((op): [string, string] => [op.name, op.type]);
  const variables = g.globalVariables().map((v) => v.name);
  const collections: Record<string, string[]> = {};
  for (const key of g.collectionKeys) collections[key] = g.getCollection(key).map((x) => String((x as { name?: unknown }).name ?? x));
  const saver = new tf.train.Saver({ graph: g });
  const sess = new tf.Session(g);
  // A variable's name stands for its value: the snapshot read both sides make when creating it.
  const element = (name: string) => (name.includes(':') ? name : `${name}/Read/ReadVariableOp:0`);
  try {
    await saver.restore(sess, python.checkpoint);
    const run = async (names: string[]) => {
      if (!names.length) return {};
      const r = (await sess.run(names.map(element), feeds)) as Array<tf.Tensor | null>;
      return Object.fromEntries(names.map((n, i) => [n, flat(r[i])]));
    };
    const values = await run(program.fetch ?? []);
    const losses: number[] = [];
    for (let i = 0; i < (program.steps ?? 3); i++) {
      const [l] = (await sess.run([ours.loss, ours.train] as Array<tf.Output | tf.Operation>, feeds)) as Array<tf.Tensor | null>;
      losses.push(flat(l)[0]);
    }
    const after = await run(program.after ?? []);
    return { forward: nodes.slice(0, ours.forwardNodes), nodes, variables, collections, values, losses, after,
      checkpoint: python.checkpoint };
  } finally {
    await sess.close();
  }
}

function expectClose(what: string, got: number[], want: number[], rtol: number, atol: number): void {
  if (got.length !== want.length) throw new Error(`${what}: ours has ${got.length} numbers, Python ${want.length}`);
  want.forEach((w, i) => {
    const ok = Number.isNaN(w) ? Number.isNaN(got[i]) : Math.abs(got[i] - w) <= atol + rtol * Math.abs(w);
    if (!ok) throw new Error(`${what}[${i}]: ours ${got[i]}, Python ${w} (relative error ${Math.abs(got[i] - w) / Math.abs(w)})`);
  });
}

/**
 * The nodes without the reads Python makes at each use of a resource variable (`Conv2D/ReadVariableOp`, in the
 * consumer's name scope): ours hand every consumer the variable's one snapshot (`w/Read/ReadVariableOp`), a known
 * difference of lib/variables that changes no value. Every other node must match.
 */
export function withoutUseReads(nodes: Array<[string, string]>): Array<[string, string]> {
  return nodes.filter(([name, type]) => type !== 'ReadVariableOp' || name.endsWith('/Read/ReadVariableOp'));
}

/**
 * Jest expectations: the variables, the forward nodes (and all nodes unless `allNodes` is false), the values at the
 * checkpoint, each step's loss and the values after the steps, within `rtol` (1e-5 by default) relative.
 */
export function expectTrainingParity(ours: TrainingResult, python: TrainingResult,
  options: { rtol?: number; atol?: number; forwardNodes?: boolean; allNodes?: boolean } = {}): void {
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-7;
  expect(ours.variables).toEqual(python.variables);
  if (options.forwardNodes !== false) expect(withoutUseReads(ours.forward)).toEqual(withoutUseReads(python.forward));
  // The gradients/ scope is built by TensorFlow's C++ gradient functions here, Python's own there: other nodes,
  // the same values. The optimizer's nodes (slots, apply ops, global step) must match.
  const outsideGradients = (nodes: Array<[string, string]>) => withoutUseReads(nodes).filter(([n]) => !n.startsWith('gradients/'));
  if (options.allNodes !== false) expect(outsideGradients(ours.nodes)).toEqual(outsideGradients(python.nodes));
  for (const [k, want] of Object.entries(python.values)) expectClose(k, ours.values[k] ?? [], want, rtol, atol);
  expectClose('loss', ours.losses, python.losses, rtol, atol);
  for (const [k, want] of Object.entries(python.after)) expectClose(`${k} after the steps`, ours.after[k] ?? [], want, rtol, atol);
  // The steps must train: a loss that does not move would make the comparison vacuous.
  expect(new Set(python.losses).size).toBe(python.losses.length);
}
