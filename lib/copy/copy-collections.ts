// SPDX-License-Identifier: Apache-2.0
// What a copy adds besides operations: a Variable for each source variable it brought over, and the
// collections of the copied elements (Python's copy_op_to_graph).
import { VARIABLE_COLLECTIONS } from '../graph/graph-keys';
import { Operation, Output } from '../graph/operation';
import { Variable, VariableDefObject } from '../variables/variable';
import { WireGraphDef } from './node-index';
import { Closure, CopyRequest } from './closure';
import { CopyRecord } from './copy-records';

/** Sets flags[i] for each i of `nodes`; returns `flags`. */
export function setFlags(flags: Uint8Array, nodes: number[]): Uint8Array {
  for (let k = 0; k < nodes.length; k++) flags[nodes[k]] = 1;
  return flags;
}

/**
 * The nodes of this copy (flagged in `fresh`) whose copies the import returns, so that the results need no
 * lookup by name: the roots, the initializers of new variables, and the members of the source's collections.
 */
export function nodesToReturn(req: CopyRequest, def: WireGraphDef, closure: Closure, fresh: Uint8Array): number[] {
  const wanted = new Set<number>();
  const add = (name: string) => {
    const i = def.indexOf(name);
    if (i >= 0 && fresh[i]) wanted.add(i);
  };
  for (const r of req.roots) if (fresh[r]) wanted.add(r);
  for (const v of closure.newVariables) add(v.initializer.name);
  for (const key of req.source.collectionKeys) {
    for (const item of req.source.getCollection(key)) {
      if (item instanceof Operation) add(item.name);
      else if (item instanceof Output) add(item.op.name);
    }
  }
  return [...wanted];
}

/** Destination Variables for the source variables this copy brought over (`imported`: copies by source node). */
export function createVariables(
  req: CopyRequest,
  def: WireGraphDef,
  closure: Closure,
  record: CopyRecord,
  imported: Map<number, Operation>,
): Map<Variable, Variable> {
  const { toGraph, ns } = req;
  const prefix = ns ? `${ns}/` : '';
  const created = new Map<Variable, Variable>();
  for (const v of closure.newVariables) {
    // An initializer copied by an earlier call is not among this import's results.
    const initializer = imported.get(def.indexOf(v.initializer.name)) ?? toGraph.operation(prefix + v.initializer.name);
    if (!initializer) continue;
    const d: VariableDefObject = {
      variable_name: prefix + v.handle.name,
      initial_value_name: initializer.inputs[1]?.name,
      initializer_name: initializer.name,
      snapshot_name: prefix + v.value().name,
      is_resource: true,
      trainable: v.trainable,
    };
    const copy = Variable.fromProto(toGraph, d);
    record.variables.set(v, copy);
    created.set(v, copy);
  }
  return created;
}

const VARIABLE_COLLECTION_SET = new Set<string>(VARIABLE_COLLECTIONS);

/**
 * Python's copy_op_to_graph: a copied element joins `N/C` for each collection C of its original. Copied
 * variables also join C itself for the variable collections, so that the destination's initializers and
 * savers see them.
 */
export function copyCollections(
  req: CopyRequest,
  def: WireGraphDef,
  created: Map<Variable, Variable>,
  imported: Map<number, Operation>,
): void {
  const { source, toGraph, ns } = req;
  const prefix = ns ? `${ns}/` : '';
  for (const key of source.collectionKeys) {
    const target = prefix + key;
    for (const item of source.getCollection(key)) {
      if (item instanceof Variable) {
        const copy = created.get(item);
        if (!copy) continue;
        toGraph.addToCollection(target, copy);
        if (ns && VARIABLE_COLLECTION_SET.has(key)) toGraph.addToCollection(key, copy);
      } else if (item instanceof Operation || item instanceof Output) {
        if (item.graph !== source) continue;
        const opName = item instanceof Operation ? item.name : item.op.name;
        const op = imported.get(def.indexOf(opName));
        if (!op) continue; // not copied by this call
        toGraph.addToCollection(target, item instanceof Operation ? op : op.output(item.index));
      }
    }
  }
}

