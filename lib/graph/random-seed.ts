// SPDX-License-Identifier: Apache-2.0
// Python's random_seed.get_seed: the (seed, seed2) pair a random op gets from the graph-level seed
// (`g.seed`) and its own op-level seed, so seeded graphs draw the values Python's draw.
import type { Graph } from './graph';

/** Python's DEFAULT_GRAPH_SEED: the graph-level seed used when only an op-level seed is given. */
export const DEFAULT_GRAPH_SEED = 87654321;
const MAXINT32 = 2 ** 31 - 1;

// Python keeps one counter per graph (`_graph_to_seed_dict`): the op seed of the n-th random op that has a
// graph seed but no op seed is n.
const opSeedCounters = new WeakMap<Graph, number>();

function truncate(seed: number): number {
  return ((seed % MAXINT32) + MAXINT32) % MAXINT32;
}

/**
 * The `[seed, seed2]` attrs for a random op, as Python's `tf.compat.v1.random.get_seed(op_seed)`: with a
 * graph seed, `[graphSeed, opSeed ?? next counter]`; with only an op seed, `[87654321, opSeed]`; with
 * neither, `[0, 0]` (nondeterministic). `[0, 0]` from explicit seeds becomes `[0, 2^31 - 1]`.
 */
export function getSeed(g: Graph, opSeed?: number | null): [number, number] {
  if (opSeed !== undefined && opSeed !== null && (typeof opSeed !== 'number' || !Number.isInteger(opSeed))) {
    throw new TypeError(`Expected an integer seed but received ${String(opSeed)}`);
  }
  const graphSeed = g.seed;
  if (graphSeed !== undefined && graphSeed !== null && (typeof graphSeed !== 'number' || !Number.isInteger(graphSeed))) {
    throw new TypeError(`Expected an integer graph seed (g.seed) but received ${String(graphSeed)}`);
  }
  let seeds: [number, number];
  if (graphSeed !== undefined && graphSeed !== null) {
    let op = opSeed;
    if (op === undefined || op === null) {
      op = opSeedCounters.get(g) ?? 0;
      opSeedCounters.set(g, op + 1);
    }
    seeds = [truncate(graphSeed), truncate(op)];
  } else if (opSeed !== undefined && opSeed !== null) {
    seeds = [DEFAULT_GRAPH_SEED, truncate(opSeed)];
  } else {
    return [0, 0];
  }
  if (seeds[0] === 0 && seeds[1] === 0) return [0, MAXINT32];
  return seeds;
}
