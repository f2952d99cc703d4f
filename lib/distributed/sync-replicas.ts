// SPDX-License-Identifier: Apache-2.0
// tf.train.SyncReplicasOptimizer: Python's sync_replicas_optimizer. Each worker puts its gradients into
// ConditionalAccumulators on the variables' ps tasks (stale ones, computed before the last update, are dropped
// by TensorFlow's kernel); the chief's queue runner takes the average of `replicasToAggregate` of them, applies
// it with the wrapped optimizer and refills the token queue that lets every worker start its next step.
import type { DType } from '../base/dtypes';
import type { Graph, OutputLike } from '../graph/graph';
import { GraphKeys } from '../graph/graph-keys';
import { Operation, Output } from '../graph/operation';
import { IndexedSlices } from '../gradients/indexed-slices';
import type { Session } from '../session/session';
import { group } from '../train/optimizer-ops';
import { Optimizer } from '../train/optimizer';
import type { ApplyGradientsOptions, ComputeGradientsOptions, GradAndVar, MinimizeOptions } from '../train/optimizer';
import type { ExponentialMovingAverage } from '../train/moving-averages';
import { Variable, createVariable } from '../variables/variable';
import { reportUninitializedVariables } from '../variables/variable-init';
import { invalidArgument, optionalObject, optionalString, requireBoolean, requireInteger } from '../base/validate';
import { QueueRunner, type StopSignal } from './queue-runner';

export interface SyncReplicasOptions {
  /** How many gradients are averaged into each update. */
  replicasToAggregate: number;
  /** How many workers there are (default replicasToAggregate); more than replicasToAggregate makes spares. */
  totalNumReplicas?: number;
  /** Moving averages updated after each aggregated step (of `variablesToAverage`). */
  variableAverages?: ExponentialMovingAverage;
  variablesToAverage?: Variable[];
  useLocking?: boolean;
  /** The name scope of the accumulators (default 'sync_replicas'). */
  name?: string;
}

/** The graph ops of a session run hook (the subset of Python's SessionRunHook this hook implements). */
export interface SyncReplicasHook {
  begin(): void;
  afterCreateSession(session: Session, coord?: StopSignal): void;
  end(session: Session): void;
}

function onDevice<T>(g: Graph, device: string, fn: () => T): T {
  // Python's `ops.device(var.device)` on a placed variable: the variable's own device, whatever the scopes say.
  return g.device(null, () => (device === '' ? fn() : g.device(device, fn)));
}

function op(g: Graph, type: string, inputs: Array<OutputLike | OutputLike[]>, attrs: Record<string, unknown>, name?: string): Operation {
  return g.addOperation(type, { inputs, attrs, name });
}

/**
 * Synchronous data-parallel training over a cluster (Python's `tf.compat.v1.train.SyncReplicasOptimizer`):
 * wrap the optimizer, build the step with `minimize` (a global step is required) and hand
 * `makeSessionRunHook(isChief)` to the MonitoredTrainingSession, or run the hook's steps yourself.
 * @example
 * const opt = new tf.train.SyncReplicasOptimizer(new tf.train.GradientDescentOptimizer(0.1), { replicasToAggregate: 2 });
 * const step = opt.minimize(loss, { globalStep });
 * const hook = opt.makeSessionRunHook(isChief);
 */
export class SyncReplicasOptimizer extends Optimizer {
  readonly replicasToAggregate: number;
  readonly totalNumReplicas: number;
  /** The worker's copy of the global step its gradients were computed at (`sync_rep_local_step`). */
  localStep: Variable | null = null;
  /** Sets localStep to the global step; every worker runs it after its session is created. */
  localStepInitOp: Operation | null = null;
  /** The chief's init: localStepInitOp and each accumulator's global step. */
  chiefInitOp: Operation | null = null;
  /** The uninitialized global variables; empty once the chief has initialized the model. */
  readyForLocalInitOp: Output | null = null;
  readonly #opt: Optimizer;
  readonly #averages: ExponentialMovingAverage | undefined;
  readonly #toAverage: Variable[] | undefined;
  readonly #tokensPerStep: number;
  #globalStep: Variable | null = null;
  #tokenQueue: Output | null = null;
  #chiefQueueRunner: QueueRunner | null = null;
  #applied = false;

  /**
   * @throws TypeError for an optimizer that is not a tf.train.Optimizer; RangeError for counts below 1
   */
  constructor(opt: Optimizer, options: SyncReplicasOptions) {
    const o = optionalObject(options, 'the options of SyncReplicasOptimizer') as Partial<SyncReplicasOptions>;
    super(optionalString(o.name, 'the name of SyncReplicasOptimizer') ?? 'sync_replicas', o.useLocking ?? false);
    if (!(opt instanceof Optimizer)) throw invalidArgument('a tf.train.Optimizer', 'the optimizer of SyncReplicasOptimizer', opt);
    if (opt instanceof SyncReplicasOptimizer) throw new TypeError('SyncReplicasOptimizer cannot wrap another SyncReplicasOptimizer');
    this.replicasToAggregate = requireInteger(o.replicasToAggregate, 'replicasToAggregate of SyncReplicasOptimizer', 1);
    this.totalNumReplicas = o.totalNumReplicas === undefined
      ? this.replicasToAggregate
      : requireInteger(o.totalNumReplicas, 'totalNumReplicas of SyncReplicasOptimizer', 1);
    this.#opt = opt;
    this.#averages = o.variableAverages;
    if (o.variablesToAverage !== undefined && !Array.isArray(o.variablesToAverage)) {
      throw invalidArgument('an array of Variables', 'variablesToAverage of SyncReplicasOptimizer', o.variablesToAverage);
    }
    this.#toAverage = o.variablesToAverage;
    this.#tokensPerStep = Math.max(this.totalNumReplicas, this.replicasToAggregate);
  }

  /** The wrapped optimizer's gradients. */
  override computeGradients(loss: OutputLike, varList?: Variable[], options: ComputeGradientsOptions = {}): GradAndVar[] {
    return this.#opt.computeGradients(loss, varList, options);
  }

  /** The wrapped optimizer's gradients applied through the accumulators (a global step is required). */
  override minimize(loss: OutputLike, options: MinimizeOptions = {}): Operation {
    return super.minimize(loss, options);
  }

  /**
   * Puts this worker's gradients into the accumulators, then waits for a token and sets the local step to it:
   * the returned step is the worker's training step. Builds the chief's aggregation (see getChiefQueueRunner).
   * @throws Error without a global step (it tells stale gradients), or when called twice
   */
  override applyGradients(pairs: ReadonlyArray<GradAndVar>, options: ApplyGradientsOptions = {}): Operation {
    optionalObject(options, `the options of ${this.name}.applyGradients`);
    if (!Array.isArray(pairs) || pairs.length === 0) throw new Error('Must supply at least one variable');
    const globalStep = options.globalStep;
    if (globalStep === undefined) throw new Error('Global step is required to check staleness');
    if (!(globalStep instanceof Variable)) throw invalidArgument('a Variable', `globalStep of ${this.name}`, globalStep);
    if (this.#applied) throw new Error(`${this.name}.applyGradients was called already; a SyncReplicasOptimizer serves one training step`);
    // Checked before anything is built, so that a bad pair leaves the graph as it was.
    for (const [i, pair] of pairs.entries()) {
      if (!Array.isArray(pair) || pair.length !== 2 || !(pair[1] instanceof Variable)) {
        throw invalidArgument('a [gradient, variable] pair', `pairs[${i}] of ${this.name}.applyGradients`, pair);
      }
    }
    const g = globalStep.graph;
    const stepType = globalStep.dtype;
    this.#globalStep = globalStep;

    // The local step lives on this worker: an anchor op takes the worker's device from the device function.
    const anchor = g.addOperation('NoOp', {});
    const localStep = onDevice(g, anchor.device, () => createVariable(g, 0, {
      name: 'sync_rep_local_step', dtype: stepType, trainable: false, collections: [GraphKeys.LOCAL_VARIABLES],
    }));
    this.localStep = localStep;
    this.localStepInitOp = localStep.assign(globalStep, { readValue: false });
    const chiefInit: Operation[] = [this.localStepInitOp];
    this.readyForLocalInitOp = reportUninitializedVariables(g, g.getCollection<Variable>(GraphKeys.GLOBAL_VARIABLES));

    const applyOps: Operation[] = [];
    const aggregated: GradAndVar[] = [];
    const accumulators: Array<[Output, string]> = [];
    const scope = g.uniqueName(this.name);
    g.nameScope(`${scope}/`, () => {
      const step64 = this.#asInt64(g, localStep.readValue());
      for (const [grad, v] of pairs) {
        if (grad === null || grad === undefined) {
          aggregated.push([null, v]);
          continue;
        }
        onDevice(g, v.device, () => {
          // The shared name is Python's (`w:0/grad_accum`), so that Python workers of the job share it too.
          const sharedName = `${v.name}:0/grad_accum`;
          if (grad instanceof IndexedSlices) {
            const accum = op(g, 'SparseConditionalAccumulator', [], { dtype: v.dtype, shape: [], shared_name: sharedName },
              'conditional_accumulator').output(0);
            const shape = grad.denseShape ? [this.#asInt64(g, grad.denseShape)] : [g.constant([] as number[], { dtype: 'int64' })];
            applyOps.push(op(g, 'SparseAccumulatorApplyGradient',
              [accum, step64, this.#asInt64(g, grad.indices), grad.values, ...shape],
              { dtype: v.dtype, has_known_shape: grad.denseShape !== undefined && grad.denseShape !== null }));
            const taken = op(g, 'SparseAccumulatorTakeGradient', [accum, g.constant(this.replicasToAggregate, { dtype: 'int32' })],
              { dtype: v.dtype });
            aggregated.push([new IndexedSlices(taken.output(1), taken.output(0), taken.output(2)), v]);
            accumulators.push([accum, v.device]);
          } else {
            const gradOut = g._toOutput(grad, `the gradient of '${v.name}'`);
            const accum = op(g, 'ConditionalAccumulator', [], { dtype: v.dtype as DType, shape: v.shape ?? null,
              shared_name: sharedName }, 'conditional_accumulator').output(0);
            applyOps.push(op(g, 'AccumulatorApplyGradient', [accum, step64, gradOut], { dtype: v.dtype }));
            const taken = op(g, 'AccumulatorTakeGradient', [accum, g.constant(this.replicasToAggregate, { dtype: 'int32' })],
              { dtype: v.dtype });
            aggregated.push([taken.output(0), v]);
            accumulators.push([accum, v.device]);
          }
        });
      }
    });
    if (accumulators.length === 0) {
      throw new Error(`No gradients provided for any variable: [${pairs.map(([, v]) => `'${v.name}'`).join(', ')}].`);
    }

    const onStep = <T>(fn: () => T): T => g.nameScope('', () => onDevice(g, globalStep.device, fn));
    const update = onStep(() => this.#opt.applyGradients(aggregated, { globalStep, name: options.name }));
    const queue = onStep(() => op(g, 'FIFOQueueV2', [], {
      component_types: [stepType], shapes: [[]], capacity: -1, shared_name: 'sync_token_q',
    }, 'sync_token_q').output(0));
    this.#tokenQueue = queue;
    const trainOp = onStep(() => {
      const token = g.controlDependencies(applyOps, () =>
        op(g, 'QueueDequeueV2', [queue], { component_types: [stepType] }, 'sync_token_q_Dequeue').output(0));
      return localStep.assign(token, { readValue: false });
    });
    let syncOp = onStep(() => g.controlDependencies([update], () => this.#enqueueTokens(g, this.#tokensPerStep)));
    if (this.#averages) {
      const averages = this.#averages;
      const vars = this.#toAverage ?? g.trainableVariables();
      syncOp = onStep(() => g.controlDependencies([syncOp], () => averages.apply(vars)));
    }
    this.#chiefQueueRunner = onStep(() => new QueueRunner(queue, [syncOp]));
    for (const [accum, device] of accumulators) {
      chiefInit.push(onDevice(g, device, () => op(g, 'AccumulatorSetGlobalStep', [accum, this.#asInt64(g, globalStep.readValue())], {},
        'SetGlobalStep')));
    }
    this.chiefInitOp = group(g, chiefInit, null);
    this.#applied = true;
    return trainOp;
  }

  /** The chief's queue runner: it aggregates, updates the variables and hands out the next step's tokens. */
  getChiefQueueRunner(): QueueRunner {
    if (!this.#chiefQueueRunner) throw new Error('Should be called after apply_gradients().');
    return this.#chiefQueueRunner;
  }

  /**
   * The op that puts the first tokens into the queue (default replicasToAggregate of them), which the chief
   * runs once: without tokens no worker finishes its first step.
   * @throws Error before applyGradients, or for fewer tokens than spare workers need
   */
  getInitTokensOp(numTokens = -1): Operation {
    if (!this.#applied || !this.#globalStep) throw new Error('getInitTokensOp() should be called after applyGradients().');
    requireInteger(numTokens, 'numTokens of getInitTokensOp', -1);
    const needed = this.replicasToAggregate - this.totalNumReplicas;
    const n = numTokens === -1 ? this.replicasToAggregate : numTokens;
    if (numTokens !== -1 && numTokens < needed) {
      throw new RangeError(`Too few tokens to finish the first step: ${numTokens} (given) vs ${needed} (needed)`);
    }
    const g = this.#globalStep.graph;
    if (n === 0) return g.nameScope('', () => g.addOperation('NoOp', { name: 'no_init_tokens' }));
    return g.nameScope('', () => onDevice(g, (this.#globalStep as Variable).device, () => this.#enqueueTokens(g, n)));
  }

  /**
   * A hook for MonitoredTrainingSession (Python's `make_session_run_hook`): after the session is created it runs
   * the local init (the chief's: chiefInitOp and the initial tokens) and, on the chief, starts the queue runner.
   */
  makeSessionRunHook(isChief: boolean, numTokens = -1): SyncReplicasHook {
    requireBoolean(isChief, 'isChief of makeSessionRunHook');
    requireInteger(numTokens, 'numTokens of makeSessionRunHook', -1);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const sync = this;
    let localInit: Operation;
    let ready: Output;
    let runner: QueueRunner | null = null;
    let tokens: Operation | null = null;
    return {
      begin(): void {
        if (!sync.#applied) throw new Error('SyncReplicasOptimizer.applyGradients should be called before using the hook.');
        localInit = (isChief ? sync.chiefInitOp : sync.localStepInitOp) as Operation;
        ready = sync.readyForLocalInitOp as Output;
        if (isChief) {
          runner = sync.getChiefQueueRunner();
          tokens = sync.getInitTokensOp(numTokens);
        }
      },
      afterCreateSession(session: Session, coord?: StopSignal): void {
        // Init ops are short: run them before the first step, whether or not the caller awaits hooks.
        const missing = session.runSync(ready).data() as unknown as string[];
        if (missing.length > 0) {
          throw new Error(`Init operations did not make model ready for SyncReplicasOptimizer local_init. Init op: ` +
            `${localInit.name}, error: Variables not initialized: ${missing.join(', ')}`);
        }
        session.runSync(localInit);
        if (tokens) session.runSync(tokens);
        if (!runner) return;
        const loops = runner.createThreads(session, { coord });
        // MonitoredSession's Coordinator tracks background loops (Python's threads) so that close() joins them.
        if (coord && typeof coord.register === 'function') for (const loop of loops) coord.register(loop);
      },
      end(session: Session): void {
        if (runner) void runner.stop(session);
      },
    };
  }

  /** The wrapped optimizer's slot. */
  override getSlot(variable: Variable, slotName: string): Variable | null {
    return this.#opt.getSlot(variable, slotName);
  }

  override getSlotNames(): string[] {
    return this.#opt.getSlotNames();
  }

  /** The wrapped optimizer's variables (the local step is a local variable, not among them). */
  override variables(graph?: Graph): Variable[] {
    return this.#opt.variables(graph);
  }

  protected prepare(): void {
    throw new Error('SyncReplicasOptimizer applies gradients through its wrapped optimizer');
  }

  protected applyDense(): Operation {
    throw new Error('SyncReplicasOptimizer applies gradients through its wrapped optimizer');
  }

  #asInt64(g: Graph, x: Output): Output {
    return x.dtype === 'int64' ? x : g.addOperation('Cast', { inputs: [x], attrs: { DstT: 'int64' }, name: 'Cast' }).output(0);
  }

  #enqueueTokens(g: Graph, n: number): Operation {
    const step = (this.#globalStep as Variable).readValue();
    const dims = g.constant([n], { dtype: 'int32' });
    const filled = g.addOperation('Fill', { inputs: [dims, step], attrs: { T: step.dtype } }).output(0);
    return op(g, 'QueueEnqueueManyV2', [this.#tokenQueue as Output, [filled]], { Tcomponents: [step.dtype] }, 'sync_token_q_EnqueueMany');
  }
}
