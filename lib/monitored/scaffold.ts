// SPDX-License-Identifier: Apache-2.0
// Python's tf.compat.v1.train.Scaffold: the pieces a MonitoredSession needs to create or recover a session
// (init op, ready ops, local init op, saver, summary op), each taken from its graph collection or built with
// Python's defaults when the session is first created.
import { Graph } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { Operation, Output } from '../graph/operation';
import type { Session } from '../session/session';
import type { Feeds } from '../session/types';
import { Saver } from '../checkpoint/saver';
import { mergeAll } from '../summary/summary-ops';
import { Variable } from '../variables/variable';
import { globalVariablesInitializer, group, localVariablesInitializer, reportUninitializedVariables } from '../variables/variable-init';
import { invalidArgument, optionalObject } from '../base/validate';

export interface ScaffoldOptions {
  /** Runs when the chief initializes the model (not after a restore). Default: the global variables' initializer. */
  initOp?: Operation | null;
  initFeeds?: Feeds;
  /** Called after `initOp` with the scaffold and the session (Python's `init_fn(scaffold, sess)`). */
  initFn?: (scaffold: Scaffold, session: Session) => void | Promise<void>;
  /** A string vector of what is not ready; empty when the model is. Default: `reportUninitializedVariables()`. */
  readyOp?: Output | null;
  /** What must be ready before `localInitOp` runs. Default: the uninitialized global variables. */
  readyForLocalInitOp?: Output | null;
  /** Runs on every worker once the model is ready for it. Default: local variables' and tables' initializers. */
  localInitOp?: Operation | null;
  /** The summaries the SummarySaverHook writes. Default: `tf.summary.mergeAll()` (none when there are none). */
  summaryOp?: Output | null;
  /** Default: the Saver of the SAVERS collection, or a sharded Saver of all global variables (allowEmpty). */
  saver?: Saver;
  /** The graph of the model (default: the graph of the given ops, else the default graph). */
  graph?: Graph;
}

const defaultSavers = new WeakMap<Graph, Saver>();

/**
 * The graph's Saver (Python's `_get_saver_or_default`): the one in the SAVERS collection, else a sharded Saver of the
 * global variables (allowEmpty), made once per graph. It is kept aside, not in SAVERS as Python does: exporting a
 * MetaGraphDef (every checkpoint's .meta) cannot write a Saver object held in a collection, and would warn each time.
 * @throws Error when SAVERS holds several.
 */
export function defaultSaver(g: Graph): Saver {
  const savers = g.getCollection<Saver>(GraphKeys.SAVERS).filter((x) => x instanceof Saver);
  if (savers.length > 1) throw moreThanOne(GraphKeys.SAVERS, 'saver');
  if (savers.length === 1) return savers[0];
  let saver = defaultSavers.get(g);
  if (!saver) {
    saver = new Saver({ graph: g, sharded: true, allowEmpty: true });
    defaultSavers.set(g, saver);
  }
  return saver;
}

const moreThanOne = (key: string, what: string) =>
  new Error(`More than one item in the collection "${key}". Pass the one to use to the Scaffold as its ${what} option.`);

/** Python's Scaffold: `finalize(graph)` fills what was not given, from the graph's collections or defaults. */
export class Scaffold {
  #given: ScaffoldOptions;
  #graph: Graph | undefined;
  #finalized = false;
  initOp: Operation | null = null;
  initFeeds: Feeds | undefined;
  initFn: ScaffoldOptions['initFn'];
  readyOp: Output | null = null;
  readyForLocalInitOp: Output | null = null;
  localInitOp: Operation | null = null;
  summaryOp: Output | null = null;
  saver: Saver | null = null;

  constructor(options: ScaffoldOptions = {}) {
    optionalObject(options, 'the options of tf.train.Scaffold');
    const check = (v: unknown, cls: typeof Operation | typeof Output, what: string) => {
      if (v !== undefined && v !== null && !(v instanceof cls)) throw invalidArgument(`an ${cls.name}`, `Scaffold: ${what}`, v);
    };
    check(options.initOp, Operation, 'initOp');
    check(options.localInitOp, Operation, 'localInitOp');
    check(options.readyOp, Output, 'readyOp');
    check(options.readyForLocalInitOp, Output, 'readyForLocalInitOp');
    check(options.summaryOp, Output, 'summaryOp');
    if (options.saver !== undefined && !(options.saver instanceof Saver)) {
      throw invalidArgument('a tf.train.Saver', 'Scaffold: saver', options.saver);
    }
    if (options.initFn !== undefined && typeof options.initFn !== 'function') {
      throw invalidArgument('a function', 'Scaffold: initFn', options.initFn);
    }
    if (options.graph !== undefined && !(options.graph instanceof Graph)) {
      throw invalidArgument('a Graph', 'Scaffold: graph', options.graph);
    }
    this.#given = { ...options };
    this.initFeeds = options.initFeeds;
    this.initFn = options.initFn;
    const fromOps = [options.initOp, options.localInitOp, options.readyOp, options.readyForLocalInitOp, options.summaryOp]
      .find((x) => x)?.graph ?? options.saver?.graph;
    this.#graph = options.graph ?? fromOps;
  }

  /** The graph given or implied by the given ops (undefined: the MonitoredSession's graph is used). */
  get graph(): Graph | undefined {
    return this.#graph;
  }

  get finalized(): boolean {
    return this.#finalized;
  }

  /**
   * Fills the missing pieces (Python's `finalize`; idempotent). The graph is not made read-only as Python's is:
   * Graph has no such state here.
   * @throws Error when a collection Python reads one item from holds several, or the graph differs from the scaffold's.
   */
  finalize(graph: Graph): this {
    if (this.#graph && this.#graph !== graph) throw new Error(`Scaffold: the scaffold was built for ${this.#graph}, not for ${graph}`);
    if (this.#finalized) return this;
    this.#graph = graph;
    const g = graph;
    const single = <T>(key: string, what: string, make: () => T | null): T | null => {
      const items = g.getCollection<T>(key);
      if (items.length > 1) throw moreThanOne(key, what);
      if (items.length === 1) return items[0];
      const made = make();
      if (made !== null) g.addToCollection(key, made);
      return made;
    };
    const given = this.#given;
    this.initOp = given.initOp !== undefined
      ? given.initOp
      : single<Operation>(GraphKeys.INIT_OP, 'initOp', () => globalVariablesInitializer(g));
    this.readyOp = given.readyOp !== undefined
      ? given.readyOp
      : single<Output>(GraphKeys.READY_OP, 'readyOp', () => reportUninitializedVariables(g));
    this.readyForLocalInitOp = given.readyForLocalInitOp !== undefined
      ? given.readyForLocalInitOp
      : single<Output>(GraphKeys.READY_FOR_LOCAL_INIT_OP, 'readyForLocalInitOp', () =>
        reportUninitializedVariables(g, g.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES).filter((v) => v instanceof Variable)));
    this.localInitOp = given.localInitOp !== undefined
      ? given.localInitOp
      : single<Operation>(GraphKeys.LOCAL_INIT_OP, 'localInitOp', () => {
        const tables = g.getCollection<Operation>(GraphKeys.TABLE_INITIALIZERS).filter((op) => op instanceof Operation);
        return group(g, [localVariablesInitializer(g), ...tables], 'init_all_tables_and_local');
      });
    this.summaryOp = given.summaryOp !== undefined
      ? given.summaryOp
      : single<Output>(GraphKeys.SUMMARY_OP, 'summaryOp', () => mergeAll(g));
    this.saver = given.saver ?? defaultSaver(g);
    this.#finalized = true;
    return this;
  }
}
