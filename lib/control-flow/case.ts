// SPDX-License-Identifier: Apache-2.0
// tf.case as Python 2.21's graph mode builds it (control_flow_case._case_helper over cond_v2): nested conds under
// a `case` scope, the first pair's cond outermost, each later one inside the previous cond's false branch.
// Without a default the last pair's function is the default, guarded by an Assert that its predicate holds;
// `exclusive` asserts that at most one predicate holds.
import { invalidArgument, optionalObject, requireFunction } from '../base/validate';
import { buildingGraphFor, graphOf } from '../graph/default-graph';
import { Graph, OutputLike } from '../graph/graph';
import { Output } from '../graph/operation';
import { cond } from './cond';

export interface CaseOptions {
  /** What to return when no predicate holds (default: the last pair's function, asserting its predicate). */
  default?: () => unknown;
  /** Assert that at most one predicate holds (default false: the first that holds wins). */
  exclusive?: boolean;
  name?: string;
}

/** Python's _assert_at_most_n_true: an Assert that at most `n` of the bool scalars `preds` are true. */
function assertAtMostNTrue(g: Graph, preds: Output[], n: number, message: string): Output['op'] {
  return g.nameScope('assert_at_most_n_true', () => {
    const stacked = g.addOperation('Pack', { inputs: [preds], attrs: { N: preds.length, T: 'bool', axis: 0 }, name: 'preds_c' }).output(0);
    const ints = g.addOperation('Cast', { inputs: [stacked], attrs: { SrcT: 'bool', DstT: 'int32' } }).output(0);
    const axis = g.constant([0], { dtype: 'int32', name: 'Const' });
    const sumAttrs = { T: 'int32', Tidx: 'int32', keep_dims: false };
    const count = g.addOperation('Sum', { inputs: [ints, axis], attrs: sumAttrs, name: 'num_true_conds' }).output(0);
    const limit = g.constant(n, { dtype: 'int32', name: 'n_true_conds' });
    const ok = g.addOperation('LessEqual', { inputs: [count, limit], attrs: { T: 'int32' } }).output(0);
    const msg = g.constant(message, { dtype: 'string' });
    return g.addOperation('Assert', { inputs: [ok, [msg, stacked]], attrs: { T: ['string', 'bool'], summarize: 3 }, name: 'Assert' });
  });
}

/**
 * Python's `tf.case(pred_fn_pairs, default=None, exclusive=False, name='case')`: the function of the first pair
 * whose predicate (a bool scalar) holds at run time, else `default`; built as nested tf.cond.
 * @throws TypeError for malformed pairs; what tf.cond throws for bad predicates or mismatched branches.
 * @example tf.case([[tf.less(x, 0), () => tf.negative(x)], [tf.less(x, 1), () => x]], { default: () => tf.square(x) })
 */
export function switchCase(pairs: Array<[OutputLike, () => unknown]>, options: CaseOptions = {}): unknown {
  optionalObject(options, 'the options of case');
  if (!Array.isArray(pairs) || pairs.length === 0) {
    throw invalidArgument('a non-empty array of [pred, fn] pairs', 'the pairs of case', pairs);
  }
  for (const [i, p] of pairs.entries()) {
    if (!Array.isArray(p) || p.length !== 2) throw invalidArgument('a [pred, fn] pair', `pair ${i} of case`, p);
    requireFunction(p[1], `the function of pair ${i} of case`);
  }
  if (options.default !== undefined) requireFunction(options.default, 'the default of case');
  const g = graphOf(pairs.map((p) => p[0]), 'case');
  let predicates = pairs.map(([p], i) => g._toOutput(p, `the predicate of pair ${i} of case`));
  let actions = pairs.map(([, fn]) => fn);
  predicates.forEach((p, i) => {
    if (p.dtype !== 'bool') throw new TypeError(`case: the predicate of pair ${i} must be a bool tensor but ${p} is ${p.dtype}`);
  });
  return g.nameScope(options.name ?? 'case', () => {
    let fallback = options.default;
    if (fallback === undefined) {
      const k = predicates.length - 1;
      const [last, lastAction, all] = [predicates[k], actions[k], predicates];
      predicates = predicates.slice(0, k);
      actions = actions.slice(0, k);
      fallback = () => {
        // Inside the previous pair's false branch (a function body) unless it is the only pair.
        const h = buildingGraphFor(g);
        const inner = h.constant('Input error: None of conditions evaluated as True:', { dtype: 'string' });
        const stacked = h.addOperation('Pack', { inputs: [all], attrs: { N: all.length, T: 'bool', axis: 0 }, name: 'preds_c' }).output(0);
        const check = h.addOperation('Assert', { inputs: [last, [inner, stacked]], attrs: { T: ['string', 'bool'], summarize: 3 } });
        return h.controlDependencies([check], lastAction);
      };
    }
    let fn: () => unknown = fallback;
    for (let i = predicates.length - 1; i >= 0; i--) {
      const [p, action, next] = [predicates[i], actions[i], fn];
      fn = () => cond(p, action, next);
    }
    if (options.exclusive && predicates.length + (options.default === undefined ? 1 : 0) > 1) {
      const all = options.default === undefined ? pairs.map(([p]) => g._toOutput(p, 'a predicate of case')) : predicates;
      const check = assertAtMostNTrue(g, all, 1, 'Input error: exclusive=True');
      return g.controlDependencies([check], fn);
    }
    return fn();
  });
}
