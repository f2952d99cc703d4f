// SPDX-License-Identifier: Apache-2.0
// Checks a gradient function of the TypeScript registry on one raw op, without the backprop driver: the op is
// built on fed inputs, its registered function is called with random upstream gradients dy (constants), and the
// gradients it returns are compared with central finite differences of sum(dy * y) and, where Python defines the
// gradient, with Python TensorFlow's (tf.GradientTape over the same raw op, with the same dy).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '../../lib';
import { lookupGradient } from '../../lib/gradients/registry';
import { IndexedSlices } from '../../lib/gradients/indexed-slices';
import '../../lib/gradients/ops';
import { runPython } from './python';

type Values = number[] | Float64Array | Float32Array | Int32Array;

/** One input of the op: its values, shape and dtype; `wrt` (default: float dtypes) marks what is differentiated. */
export interface InputSpec {
  values: Values;
  shape: number[];
  dtype: tf.DType;
  wrt?: boolean;
}

export interface GradCase {
  /** The test's title. */
  name: string;
  /** The op type, e.g. 'TopKV2'. */
  type: string;
  /** One spec per input arg of the OpDef, in order (an array of specs for a list arg such as ConcatV2's values). */
  inputs: Array<InputSpec | InputSpec[]>;
  /** Attrs by OpDef name that TensorFlow does not infer from the inputs (as Python's tf.raw_ops takes them). */
  attrs?: Record<string, unknown>;
  /** The outputs that receive an upstream gradient (default: every float output). */
  outputs?: number[];
  /** Finite-difference step and tolerance (defaults: float64 1e-6 / 1e-6, float32 1e-2 / 2e-3). */
  eps?: number;
  tol?: number;
  /**
   * Differentiated inputs (indices among them) whose finite differences do not measure the gradient Python defines
   * (an op that reads statistics of x from another input): those are checked against Python's only.
   */
  pythonOnly?: number[];
  /** Tolerance against Python's values (defaults: float64 1e-9, others 1e-5). */
  pythonTol?: number;
  /** Whether Python defines this gradient (false: only the finite differences are checked). */
  python?: boolean;
  /** Seed of the upstream gradients. */
  seed?: number;
}

/** A deterministic pseudo-random stream in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `n` values uniform in [lo, hi), deterministic in `seed`; `gap` keeps them at least that far from 0. */
export function uniform(n: number, seed: number, lo = -1, hi = 1, gap = 0): number[] {
  const next = rng(seed);
  return Array.from({ length: n }, () => {
    let v = lo + (hi - lo) * next();
    if (gap > 0 && Math.abs(v) < gap) v = Math.sign(v || 1) * (gap + Math.abs(v));
    return v;
  });
}

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

const FLOATS = new Set<tf.DType>(['float16', 'bfloat16', 'float32', 'float64']);

/** A float input of `shape` filled with uniform values. */
export function floats(shape: number[], seed: number, dtype: tf.DType = 'float64', lo = -1, hi = 1, gap = 0): InputSpec {
  return { values: uniform(sizeOf(shape), seed, lo, hi, gap), shape, dtype };
}

/** A non-differentiated integer input. */
export function ints(values: number[], shape: number[] = [values.length], dtype: tf.DType = 'int32'): InputSpec {
  return { values, shape, dtype, wrt: false };
}

const isWrt = (s: InputSpec) => s.wrt ?? FLOATS.has(s.dtype);
const flatSpecs = (c: GradCase): InputSpec[] => c.inputs.flatMap((s) => (Array.isArray(s) ? s : [s]));

function hostTensor(values: Values, shape: number[], dtype: tf.DType): tf.Tensor {
  if (dtype === 'int64') return tf.tensor(BigInt64Array.from(Array.from(values, (v) => BigInt(v))), shape, dtype);
  return tf.tensor(Array.from(values), shape, dtype);
}

/** The upstream gradient for each output that gets one, by output index. */
function upstream(c: GradCase, outputs: Array<{ dtype: tf.DType; shape: number[] }>): Map<number, InputSpec> {
  const chosen = c.outputs ?? outputs.map((o, i) => (FLOATS.has(o.dtype) ? i : -1)).filter((i) => i >= 0);
  const dys = new Map<number, InputSpec>();
  for (const i of chosen) {
    if (!outputs[i].shape || outputs[i].shape.some((d) => d === null)) throw new Error(`${c.name}: output ${i} has no static shape`);
  }
  chosen.forEach((i, k) => {
    const { shape, dtype } = outputs[i];
    dys.set(i, { values: uniform(sizeOf(shape), (c.seed ?? 7) * 131 + k, -1, 1), shape, dtype });
  });
  return dys;
}

/** The gradients of one case: ours (per differentiated input, null for none) and the finite differences. */
export interface CheckResult {
  ours: Array<Float64Array | null>;
  numeric: Float64Array[];
  dys: number[][];
}

/** The case's op on fed (differentiated) and constant (other) inputs, with its upstream gradients. */
function buildCase(c: GradCase): { g: tf.Graph; op: tf.Operation; feeds: Array<[tf.Output, InputSpec]>; dys: Map<number, InputSpec> } {
  const g = new tf.Graph();
  const feeds: Array<[tf.Output, InputSpec]> = [];
  let k = 0;
  const toInput = (s: InputSpec): tf.Output => {
    const name = `in${k++}`;
    if (!isWrt(s)) return g.constant(hostTensor(s.values, s.shape, s.dtype), { name });
    const p = g.placeholder(s.dtype, s.shape, name);
    feeds.push([p, s]);
    return p;
  };
  const inputs = c.inputs.map((s) => (Array.isArray(s) ? s.map(toInput) : toInput(s)));
  const op = g.addOperation(c.type, { inputs, attrs: c.attrs ?? {} });
  const outShapes = op.outputs.map((o) => ({ dtype: o.dtype, shape: o.shape as number[] }));
  // Where shape inference cannot tell (a segment count), the shape the op computes on these inputs.
  const unknown = outShapes.map((o, i) => (o.shape === null || o.shape.some((d) => d === null) ? i : -1)).filter((i) => i >= 0);
  if (unknown.length) {
    const sess = new tf.Session(g);
    const fed = new Map(feeds.map(([p, s]) => [p, hostTensor(s.values, s.shape, s.dtype)]));
    const values = sess.runSync(unknown.map((i) => op.outputs[i]), fed) as tf.Tensor[];
    unknown.forEach((i, k) => (outShapes[i].shape = values[k].shape));
    sess.close();
  }
  return { g, op, feeds, dys: upstream(c, outShapes) };
}

/**
 * Builds the case's op, calls its registered gradient function, runs what it returns and the finite differences.
 * @returns per differentiated input (in flattened input order): our gradient (null where the function gave null)
 * and the finite-difference one.
 */
export function computeGradients(c: GradCase): CheckResult {
  const fn = lookupGradient(c.type);
  if (fn === undefined) throw new Error(`No TypeScript gradient function is registered for ${c.type}`);
  const { g, op, feeds, dys } = buildCase(c);
  const specs = flatSpecs(c);
  const dyOutputs = op.outputs.map((_, i) => {
    const dy = dys.get(i);
    return dy ? g.constant(hostTensor(dy.values, dy.shape, dy.dtype), { name: `dy${i}` }) : null;
  });
  // A declared non-differentiable op gives null for every input, as the driver will.
  const grads = fn === 'none' ? op.inputs.map(() => null) : fn(op, ...dyOutputs);
  const inputGrads = grads.length === op.numInputs ? grads : null;
  if (inputGrads === null) throw new Error(`${c.name}: ${grads.length} gradients for ${op.numInputs} inputs`);
  // The loss sum(dy * y), summed in float64 so that float32 ops lose no precision in the sum.
  const terms = [...dys.keys()].map((i) => {
    const y64 = g.ops.cast(op.outputs[i], { DstT: 'float64' });
    const dy64 = g.ops.cast(dyOutputs[i]!, { DstT: 'float64' });
    const prod = g.ops.mul(y64, dy64);
    return g.ops.sum(prod, g.ops.range(0, g.ops.rank(prod), 1));
  });
  const loss = terms.length === 1 ? terms[0] : g.ops.addN(terms);
  const wrtIndex = specs.map((s, i) => (isWrt(s) ? i : -1)).filter((i) => i >= 0);
  const fetches: tf.Output[] = [];
  const fetchAt = wrtIndex.map((i) => {
    let d = inputGrads[i];
    if (d === null) return -1;
    if (d instanceof IndexedSlices) {
      const n = g.ops.gatherV2(d.denseShape!, 0, 0);
      d = g.ops.unsortedSegmentSum(d.values, d.indices, n);
    }
    fetches.push(g.ops.cast(d as tf.Output, { DstT: 'float64' }));
    return fetches.length - 1;
  });
  const sess = new tf.Session(g);
  const base = new Map<tf.Output, tf.Tensor>(feeds.map(([p, s]) => [p, hostTensor(s.values, s.shape, s.dtype)]));
  const results = fetches.length ? (sess.runSync(fetches, base) as tf.Tensor[]) : [];
  const ours = fetchAt.map((at) => (at < 0 ? null : Float64Array.from(results[at].data() as Float64Array)));
  const numeric = feeds.map(([p, s]) => {
    const eps = c.eps ?? (s.dtype === 'float64' ? 1e-6 : 1e-2);
    const out = new Float64Array(s.values.length);
    for (let j = 0; j < s.values.length; j++) {
      const at = (delta: number): number => {
        const v = Array.from(s.values);
        v[j] += delta;
        const f = new Map(base);
        f.set(p, hostTensor(v, s.shape, s.dtype));
        return (sess.runSync(loss, f) as tf.Tensor).item() as number;
      };
      out[j] = (at(eps) - at(-eps)) / (2 * eps);
    }
    return out;
  });
  sess.close();
  return { ours, numeric, dys: [...dys.entries()].sort((a, b) => a[0] - b[0]).map(([, d]) => Array.from(d.values)) };
}

/** Python's gradients of one case, per differentiated input (null for none), or why Python could not give them. */
export type PythonResult = Array<number[] | null> | { error: string };

/** Python's gradients of the same cases, in one Python process: per case, per differentiated input, values or null. */
export function pythonGradients(cases: GradCase[]): PythonResult[] {
  const payload = cases.map((c) => {
    const fake = computeShapes(c);
    return {
      type: c.type,
      args: c.inputs.map((s) => (Array.isArray(s) ? s.map(specJson) : specJson(s))),
      attrs: c.attrs ?? {},
      dys: fake.dys,
    };
  });
  const script = `
import inspect, json, sys
import numpy as np
import tensorflow as tf
cases = json.load(open(sys.argv[1]))
def flat(r):
  if isinstance(r, (list, tuple)):
    return [t for x in r for t in flat(x)]
  return [r]
out = []
def run(c):
  watched = []
  with tf.GradientTape(persistent=True) as tape:
    def make(s):
      t = tf.constant(np.array(s['values'], dtype=s['dtype']).reshape(s['shape']))
      if s['wrt']:
        tape.watch(t); watched.append(t)
      return t
    kwargs = {}
    fn = getattr(tf.raw_ops, c['type'])
    # Python renames some input args (reduction_indices -> axis): they come first, in OpDef order.
    for name, a in zip(inspect.signature(fn).parameters, c['args']):
      kwargs[name] = [make(s) for s in a] if isinstance(a, list) else make(a)
    ys = flat(fn(**kwargs, **c['attrs']))
  targets = [ys[i] for i, _ in c['dys']]
  dys = [tf.constant(np.array(d['values'], dtype=d['dtype']).reshape(d['shape'])) for _, d in c['dys']]
  grads = tape.gradient(targets, watched, output_gradients=dys)
  return [None if d is None else np.asarray(tf.convert_to_tensor(d), dtype=np.float64).ravel().tolist() for d in grads]
out = []
for c in cases:
  try:
    out.append(run(c))
  except Exception as e:
    out.append({'error': '%s: %s' % (type(e).__name__, e)})
print(json.dumps(out))
`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfn-gradcheck-'));
  const file = path.join(dir, 'cases.json');
  fs.writeFileSync(file, JSON.stringify(payload));
  try {
    return JSON.parse(runPython(script, [file]).trim().split('\n').pop()!);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function specJson(s: InputSpec) {
  return { values: Array.from(s.values), shape: s.shape, dtype: s.dtype, wrt: isWrt(s) };
}

/** The case's upstream gradients, as the JS side draws them. */
function computeShapes(c: GradCase): { dys: Array<[number, { values: number[]; shape: number[]; dtype: string }]> } {
  const { dys } = buildCase(c);
  return {
    dys: [...dys.entries()].map(([i, d]) => [i, { values: Array.from(d.values), shape: d.shape, dtype: d.dtype }]),
  };
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): string | null {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])))) return `element ${i}: ${a[i]} vs ${b[i]}`;
  }
  return null;
}

/**
 * Jest tests for `cases`: each case's gradient against finite differences, and against Python's (computed once for
 * the file, in one Python process) where `python` is not false and Python TensorFlow is installed.
 */
export function describeGradients(title: string, cases: GradCase[], hasPython: boolean): void {
  describe(title, () => {
    let python: PythonResult[] | undefined;
    const withPython = cases.filter((c) => c.python !== false);
    beforeAll(() => {
      if (hasPython && withPython.length) python = pythonGradients(withPython);
    }, 300_000);
    for (const c of cases) {
      it(`${c.name}`, () => {
        const r = computeGradients(c);
        const dtype = flatSpecs(c).find(isWrt)?.dtype ?? 'float64';
        const tol = c.tol ?? (dtype === 'float64' ? 1e-6 : 2e-3);
        r.numeric.forEach((n, i) => {
          if (c.pythonOnly?.includes(i)) return;
          const ours = r.ours[i] ?? new Float64Array(n.length);
          const why = close(ours, n, tol);
          if (why) throw new Error(`${c.name}: input ${i} differs from finite differences at ${why}`);
        });
        if (python && c.python !== false) {
          const py = python[withPython.indexOf(c)];
          if (!Array.isArray(py)) throw new Error(`${c.name}: Python failed: ${py.error}`);
          const ptol = c.pythonTol ?? (dtype === 'float64' ? 1e-9 : 1e-5);
          py.forEach((p, i) => {
            const ours = r.ours[i];
            if (p === null || ours === null) {
              // Python and we agree on "no gradient", or one of us gives an all-zero one.
              const other = p ?? ours;
              if (other !== null && other.some((v: number) => v !== 0)) {
                throw new Error(`${c.name}: input ${i}: ${p === null ? 'Python gives none' : 'we give none'}`);
              }
              return;
            }
            const why = close(ours, p, ptol);
            if (why) throw new Error(`${c.name}: input ${i} differs from Python's at ${why}`);
          });
        }
      });
    }
  });
}
