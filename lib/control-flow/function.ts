// SPDX-License-Identifier: Apache-2.0
// tf.defineFunction and g.functions(): graph functions built from a JS callback (Python's @tf.function traced
// once for one input signature, called in graph mode through PartitionedCall / StatefulPartitionedCall).
import { DType, dtypeFromNumber, requireDType } from '../base/dtypes';
import { StaticShape, requireShape } from '../base/shape';
import { invalidArgument, requireFunction, requireString } from '../base/validate';
import { getDefaultGraph, graphOf } from '../graph/default-graph';
import { Graph, OutputLike } from '../graph/graph';
import { checkOpName } from '../graph/names';
import { Output } from '../graph/operation';
import { decode } from '../proto';
import { ArgSpec, BuiltFunction, attachFunction, finishFunction, packStructure, traceFunction } from './func-graph';

/** One function of a graph's library, as g.functions() lists it. */
export interface FunctionInfo {
  name: string;
  /** dtype null: a polymorphic argument (its type is an attr of the function). */
  inputs: Array<{ name: string; dtype: DType | null }>;
  outputs: Array<{ name: string; dtype: DType | null }>;
  isStateful: boolean;
  /** The binary FunctionDef. */
  functionDef: Uint8Array;
}

declare module '../graph/graph' {
  interface Graph {
    /** The functions of this graph's library (functions defined, cond branches, loop bodies, imported ones). */
    functions(): FunctionInfo[];
  }
}

interface ArgDefProto {
  name: string;
  type?: number;
}

function argInfo(a: ArgDefProto): { name: string; dtype: DType | null } {
  if (!a.type) return { name: a.name, dtype: null };
  try {
    return { name: a.name, dtype: dtypeFromNumber(a.type) };
  } catch {
    return { name: a.name, dtype: null }; // a dtype this package does not name
  }
}

Graph.prototype.functions = function functions(this: Graph): FunctionInfo[] {
  return this._native.functionDefs().map((bytes) => {
    const sig = decode('FunctionDef', bytes).signature ?? {};
    return {
      name: sig.name as string,
      inputs: ((sig.input_arg ?? []) as ArgDefProto[]).map(argInfo),
      outputs: ((sig.output_arg ?? []) as ArgDefProto[]).map(argInfo),
      isStateful: sig.is_stateful === true,
      functionDef: new Uint8Array(bytes),
    };
  });
};

/** An argument of tf.defineFunction's input signature: a dtype, or a dtype with a shape. */
export type InputSpec = DType | { dtype: DType; shape?: StaticShape | null; name?: string };

/** What tf.defineFunction returns: call it with one Output-like per argument to add a call op. */
export interface DefinedFunction {
  (...args: OutputLike[]): Output | Output[] | unknown;
  /** The function's name in the library. */
  readonly functionName: string;
  /** The FunctionDef of the graph the function was first traced for. */
  readonly definition: BuiltFunction;
}

function argSpecs(inputSignature: unknown): ArgSpec[] {
  if (!Array.isArray(inputSignature)) throw invalidArgument('an array of dtypes or {dtype, shape}', 'the input signature', inputSignature);
  return inputSignature.map((s, i) => {
    const what = `argument ${i} of the input signature`;
    if (typeof s === 'string') return { dtype: requireDType(s, what) };
    if (s === null || typeof s !== 'object') throw invalidArgument('a dtype or {dtype, shape}', what, s);
    const spec = s as { dtype: unknown; shape?: unknown; name?: unknown };
    return {
      dtype: requireDType(spec.dtype, what),
      shape: spec.shape === undefined || spec.shape === null ? null : requireShape(spec.shape, what),
      name: spec.name === undefined ? undefined : requireString(spec.name, `the name of ${what}`),
    };
  });
}

/**
 * A graph function built from `fn` (called once per graph, on placeholders for `inputSignature`); calling the
 * result adds a `PartitionedCall` (`StatefulPartitionedCall` when the body is stateful) to the graph of its
 * arguments (else the default graph), with the function in that graph's library. Outer tensors and variables
 * the body uses become extra inputs of the call.
 * @throws TypeError for a malformed signature, an argument of another dtype; Error from the body.
 * @example const sq = tf.defineFunction('square', (x) => tf.multiply(x, x), ['float32']); const y = sq(x);
 */
export function defineFunction(name: string, fn: (...args: Output[]) => unknown, inputSignature: InputSpec[]): DefinedFunction {
  requireString(name, 'the name of defineFunction');
  checkOpName(name, 'the name of defineFunction');
  requireFunction(fn, `the body of function '${name}'`);
  const specs = argSpecs(inputSignature);
  const traced = new WeakMap<Graph, { built: BuiltFunction; structure: unknown }>();
  let first: BuiltFunction | undefined;
  const call = (...args: OutputLike[]): unknown => {
    if (args.length !== specs.length) {
      throw new TypeError(`Function '${name}' takes ${specs.length} arguments but received ${args.length}`);
    }
    const g = args.length ? graphOf(args, name) : getDefaultGraph();
    let entry = traced.get(g);
    if (!entry) {
      const t = traceFunction(g, name, specs, fn, `the body of function '${name}'`);
      entry = { built: finishFunction(t.graph), structure: t.structure };
      traced.set(g, entry);
      first ??= entry.built;
    }
    const { built, structure } = entry;
    const inputs = args.map((a, i) => {
      const out = g._toOutput(a, `argument ${i} of function '${name}'`);
      if (out.dtype !== specs[i].dtype) {
        throw new TypeError(`Argument ${i} of function '${name}' must be ${specs[i].dtype} but ${out} is ${out.dtype}`);
      }
      return out;
    });
    const allInputs = [...inputs, ...built.captures.map((c) => g._toOutput(c, `a capture of function '${name}'`))];
    attachFunction(g, built);
    const op = g.addOperation(built.isStateful ? 'StatefulPartitionedCall' : 'PartitionedCall', {
      inputs: [allInputs],
      attrs: { Tin: allInputs.map((o) => o.dtype), Tout: built.outputDTypes, f: name },
      name,
    });
    const outs = op.outputs;
    outs.forEach((o, i) => {
      const shape = built.outputShapes[i];
      if (shape) g._native.setTensorShape(o.op._native, i, shape);
    });
    return packStructure(structure, outs);
  };
  Object.defineProperty(call, 'functionName', { value: name });
  Object.defineProperty(call, 'definition', { get: () => first });
  return call as DefinedFunction;
}
