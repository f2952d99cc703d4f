// SPDX-License-Identifier: Apache-2.0
// Graph walks shared by the C++ fast path and the TypeScript driver, and the path that error messages show.
import type { Operation, Output } from '../graph/operation';

export function describeOp(op: Operation): string {
  return `'${op.name}' (${op.type})`;
}

/** Tensors (by name) that some y depends on through data edges, and the operations those edges pass. */
export function ancestorsOf(ys: Output[]): { tensors: Set<string>; ops: Set<Operation> } {
  const tensors = new Set<string>(ys.map((y) => y.name));
  const ops = new Set<Operation>();
  const stack = ys.map((y) => y.op);
  while (stack.length > 0) {
    const op = stack.pop()!;
    if (ops.has(op)) continue;
    ops.add(op);
    for (const input of op.inputs) {
      tensors.add(input.name);
      if (!ops.has(input.op)) stack.push(input.op);
    }
  }
  return { tensors, ops };
}

/** Operations on some path from an x to a y through data edges (Python's "between ops"). */
export function opsBetween(xs: Output[], ancestors: Set<Operation>): Set<Operation> {
  const between = new Set<Operation>();
  const stack = xs.map((x) => x.op).filter((op) => ancestors.has(op));
  while (stack.length > 0) {
    const op = stack.pop()!;
    if (between.has(op)) continue;
    between.add(op);
    for (const out of op.outputs) {
      for (const consumer of out.consumers()) {
        if (ancestors.has(consumer) && !between.has(consumer)) stack.push(consumer);
      }
    }
  }
  return between;
}

/** A shortest chain of operations from `from` back to one of `targets` through inputs, within `allowed`. */
export function pathBack(from: Operation, targets: Set<Operation>, allowed: Set<Operation>): Operation[] | undefined {
  const parent = new Map<Operation, Operation | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const op = queue[i];
    if (targets.has(op)) {
      const chain: Operation[] = [];
      for (let at: Operation | null = op; at; at = parent.get(at)!) chain.unshift(at);
      return chain;
    }
    for (const input of op.inputs) {
      if (allowed.has(input.op) && !parent.has(input.op)) {
        parent.set(input.op, op);
        queue.push(input.op);
      }
    }
  }
  return undefined;
}

/** "on the path from 'y' to 'x': 'y' (T) <- … <- 'x' (T)" through `culprit`, for error messages. */
export function describePath(culprit: Operation, ys: Output[], xs: Output[], between: Set<Operation>): string {
  const xOps = new Set(xs.map((x) => x.op));
  for (const y of ys) {
    const down = pathBack(y.op, new Set([culprit]), between);
    if (!down) continue;
    const up = pathBack(culprit, xOps, between) ?? [culprit];
    const chain = [...down, ...up.slice(1)];
    const x = xs.find((candidate) => candidate.op === chain[chain.length - 1]);
    return `on the path from '${y.name}' to ${x ? `'${x.name}'` : 'the xs'}: ${chain.map(describeOp).join(' <- ')}`;
  }
  return 'between the ys and the xs';
}
