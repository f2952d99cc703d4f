// SPDX-License-Identifier: Apache-2.0
// `g.ops`: a builder for every op of the loaded library's registry. The signatures are generated
// (generated.ts); the behaviour comes from the live OpDef of each op (op-def.ts):
//  - names, name scopes, devices and control dependencies go through Graph.addOperation, as for any op;
//  - an input given as a value (number, array, TypedArray, Tensor…) becomes a Const of the dtype that the
//    input's type attr resolves to: an explicit attr, else the dtype of another input of that attr, else the
//    attr's default, else the value's own dtype. As in Python, the op then opens a name scope of its own
//    name and the constants are named after the input args inside it ('AddV2/y' for the y of 'AddV2').
import { DType, dtypeOfTypedArray, isDType } from '../base/dtypes';
import type { AddOperationOptions, Graph, OutputLike } from '../graph/graph';
import { Operation, Output, isOutputConvertible } from '../graph/operation';
import { Tensor, TensorLike } from '../tensor/tensor';
import { invalidArgument } from '../base/validate';
import { GeneratedOps, OP_TYPES } from './generated';
import { getSeed } from '../graph/random-seed';
import { AttrInfo, InputArgInfo, OpInfo, allowsDType, camelKey, opInfo, opMethodName, registryMethods } from './op-def';

export type { GeneratedOps } from './generated';
export type { Func, OpInput, OpListInput, OpOptions, Shape, TensorValue } from './types';
export { OP_TYPES } from './generated';
export { opMethodName } from './op-def';

/** `g.ops`: one typed builder per registered op (see API.md). */
export type Ops = GeneratedOps;

const OPTION_KEYS = new Set(['name', 'device', 'controlInputs']);
// Most builds pass no options: nothing is ever written to this one.
const NO_OPTIONS: Record<string, unknown> = Object.freeze({});

function describeArgs(info: OpInfo): string {
  const n = info.inputs.length;
  return n ? `${n} input${n > 1 ? 's' : ''} (${info.inputs.map((a) => a.name).join(', ')})` : 'no inputs';
}

function isOutputValue(value: unknown): boolean {
  return value instanceof Output || isOutputConvertible(value);
}

function isLiteral(value: unknown): boolean {
  const t = typeof value;
  return (
    t === 'number' || t === 'bigint' || t === 'boolean' || t === 'string' ||
    value instanceof Tensor || Array.isArray(value) || ArrayBuffer.isView(value)
  );
}

/** The dtype a value implies on its own (as tf.tensor infers it). */
function ownDType(value: unknown): DType {
  if (value instanceof Tensor) return value.dtype;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return dtypeOfTypedArray(value) ?? 'float32';
  let v: unknown = value;
  while (Array.isArray(v)) v = v[0];
  if (typeof v === 'bigint') return 'int64';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string' || v instanceof Uint8Array) return 'string';
  return 'float32';
}

function allIntegers(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(allIntegers);
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}

/** A dtype for a value whose type attr nothing else decides: its own, or the nearest one the attr allows. */
function literalDType(value: unknown, attr: AttrInfo | undefined): DType {
  const own = ownDType(value);
  if (allowsDType(attr, own) || value instanceof Tensor || ArrayBuffer.isView(value)) return own;
  let first: unknown = value;
  while (Array.isArray(first)) first = first[0];
  if (typeof first === 'number') {
    const candidates: DType[] = allIntegers(value)
      ? ['int32', 'int64', 'float32', 'float64']
      : ['float32', 'float64', 'float16', 'bfloat16'];
    for (const c of candidates) if (allowsDType(attr, c)) return c;
  }
  return own; // TensorFlow reports the disallowed type
}

/** A JS value of a type attr as given in the options, validated. */
function explicitType(info: OpInfo, attr: AttrInfo, value: unknown): DType {
  if (!isDType(value)) throw new TypeError(`Unknown dtype ${JSON.stringify(value)} for attr '${attr.name}' of ${info.type}`);
  return value;
}

class OpBuilder {
  constructor(
    readonly graph: Graph,
    readonly info: OpInfo,
    readonly args: unknown[],
  ) {}

  build(): Operation | Output | Record<string, Output | Output[]> {
    const { info, args, graph } = this;
    const nIn = info.inputs.length;
    if (args.length < nIn || args.length > nIn + 1) {
      throw new TypeError(
        `g.ops.${info.method} takes ${describeArgs(info)} and an optional options object, ` +
          `but received ${args.length} argument${args.length === 1 ? '' : 's'}`,
      );
    }
    const rawOptions = args[nIn];
    const notOptions = (v: unknown) =>
      v === null || typeof v !== 'object' || Array.isArray(v) || isOutputValue(v) || v instanceof Tensor || v instanceof Operation;
    if (rawOptions !== undefined && notOptions(rawOptions)) {
      throw invalidArgument('an options object', `the last argument of g.ops.${info.method}`, rawOptions);
    }
    const options = (rawOptions ?? NO_OPTIONS) as Record<string, unknown>;
    const attrs: Record<string, unknown> = {};
    let nAttrs = 0;
    for (const key in options) {
      const value = options[key];
      if (value === undefined || OPTION_KEYS.has(key)) continue;
      const attr = info.attrByKey.get(key);
      if (attr === undefined) {
        if (key.startsWith('_')) {
          attrs[key] = value; // TensorFlow's internal attrs ('_class', …)
          nAttrs++;
          continue;
        }
        const known = info.attrs.map((a) => camelKey(a.name)).join(', ');
        throw new TypeError(
          `g.ops.${info.method} has no attr or option '${key}'; its attrs are: ${known || 'none'} (and name, device, controlInputs)`,
        );
      }
      if (attr.allowed) this.checkAllowed(attr, value);
      attrs[attr.name] = value;
      nAttrs++;
    }
    // As Python's random ops: with neither seed given, the pair comes from the graph seed (random_seed.get_seed).
    if (attrs.seed === undefined && attrs.seed2 === undefined && info.attrByKey.has('seed2') && info.attrByKey.has('seed')) {
      const [seed, seed2] = getSeed(graph);
      if (seed !== 0 || seed2 !== 0) {
        attrs.seed = seed;
        attrs.seed2 = seed2;
        nAttrs += 2;
      }
    }
    for (const attr of info.required) {
      if (attrs[attr.name] === undefined) {
        throw new TypeError(`g.ops.${info.method} needs attr '${attr.name}' (${attr.type}) in its options`);
      }
    }
    type InputArg = OutputLike | OutputLike[];
    const inputs: InputArg[] = args.length > nIn ? args.slice(0, nIn) as InputArg[] : args as InputArg[];
    let literals = false;
    for (let i = 0; i < nIn; i++) {
      const arg = info.inputs[i];
      const value = inputs[i];
      if (arg.kind === 'single') {
        if (!isOutputValue(value)) {
          this.checkValue(arg, value, -1);
          literals = true;
        }
      } else {
        if (!Array.isArray(value)) {
          throw invalidArgument('an array of Outputs or values', `input '${arg.name}' of g.ops.${info.method}`, value);
        }
        for (let j = 0; j < value.length; j++) {
          if (!isOutputValue(value[j])) {
            this.checkValue(arg, value[j], j);
            literals = true;
          }
        }
      }
    }
    const opOptions: AddOperationOptions = {
      inputs,
      attrs: nAttrs ? attrs : undefined,
      name: options.name as string | undefined,
      device: options.device as string | undefined,
      controlInputs: options.controlInputs as AddOperationOptions['controlInputs'],
    };
    let op: Operation;
    if (!literals) {
      op = graph.addOperation(info.type, opOptions);
    } else {
      // As Python's op builders: a name scope of the op's name holds the constants, and the op takes the
      // scope's name exactly (a trailing '/' tells addOperation not to uniquify it again).
      const name = options.name === undefined ? info.type : options.name;
      if (typeof name !== 'string') throw invalidArgument('a string', `the name of a ${info.type}`, name);
      op = graph.nameScope(name, (scope) => {
        opOptions.inputs = this.convertLiterals(inputs, attrs);
        opOptions.name = scope === '' ? info.type : scope;
        return graph.addOperation(info.type, opOptions);
      });
    }
    return this.result(op);
  }

  checkAllowed(attr: AttrInfo, value: unknown): void {
    const allowed = attr.allowed!;
    const list = attr.type.startsWith('list(');
    const values = list && Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v === 'string' && !allowed.has(v)) {
        throw new TypeError(
          `Attr '${attr.name}' of ${this.info.type} is ${JSON.stringify(v)}, ` +
            `which is not one of the allowed values: ${[...allowed].join(', ')}`,
        );
      }
    }
  }

  checkValue(arg: InputArgInfo, value: unknown, index: number): void {
    if (!isLiteral(value)) {
      const what = `input '${arg.name}'${index >= 0 ? `[${index}]` : ''} of g.ops.${this.info.method}`;
      throw invalidArgument('an Output, a Variable, a Tensor or a value (number, array, …)', what, value);
    }
    if (arg.fixed === 'resource' || arg.fixed === 'variant') {
      throw new TypeError(`Input '${arg.name}' of ${this.info.type} is a ${arg.fixed} tensor; pass an Output, not a value`);
    }
  }

  /** Replaces values among the inputs by constants (inside the op's name scope). */
  convertLiterals(inputs: Array<OutputLike | OutputLike[]>, attrs: Record<string, unknown>): Array<OutputLike | OutputLike[]> {
    const { info, graph } = this;
    // Resolve each type attr: explicit, else from an Output among its inputs, else its default.
    const resolved = new Map<string, DType>();
    for (const attr of info.attrs) {
      if (attr.type === 'type' && attrs[attr.name] !== undefined) resolved.set(attr.name, explicitType(info, attr, attrs[attr.name]));
    }
    for (let i = 0; i < info.inputs.length; i++) {
      const arg = info.inputs[i];
      if (!arg.typeAttr || resolved.has(arg.typeAttr)) continue;
      const values = arg.kind === 'single' ? [inputs[i]] : (inputs[i] as unknown[]);
      const out = values.find(isOutputValue);
      if (out !== undefined) resolved.set(arg.typeAttr, graph._toOutput(out, `input '${arg.name}' of ${info.type}`).dtype);
    }
    for (const attr of info.attrs) {
      if (attr.type === 'type' && !resolved.has(attr.name) && isDType(attr.defaultValue)) resolved.set(attr.name, attr.defaultValue);
    }
    const constant = (value: unknown, dtype: DType, name: string): Output => {
      try {
        if (value instanceof Tensor && value.dtype === dtype) return graph.constant(value, { name });
        return graph.constant(value instanceof Tensor ? value : (value as TensorLike), { dtype, name });
      } catch (err) {
        // Say which input the value was for; keep the class (TypeError, RangeError, tf.errors.*).
        if (err instanceof Error) err.message = `Input '${name}' of g.ops.${info.method} as a ${dtype} constant: ${err.message}`;
        throw err;
      }
    };
    return inputs.map((input, i) => {
      const arg = info.inputs[i];
      const dtypeFor = (value: unknown, j: number): DType => {
        if (arg.fixed !== undefined) {
          if (arg.fixed === null) {
            throw new TypeError(
              `Input '${arg.name}' of ${info.type} has a dtype node-libtensorflow cannot build constants of; pass an Output`,
            );
          }
          return arg.fixed;
        }
        if (arg.typeListAttr) {
          const list = attrs[arg.typeListAttr];
          if (Array.isArray(list) && isDType(list[j])) return list[j];
          return literalDType(value, undefined);
        }
        const attrName = arg.typeAttr!;
        let dtype = resolved.get(attrName);
        if (dtype === undefined) {
          dtype = literalDType(value, info.attrByKey.get(attrName));
          resolved.set(attrName, dtype); // the other values of this attr follow the first
        }
        return dtype;
      };
      if (arg.kind === 'single') {
        return isOutputValue(input) ? input : constant(input, dtypeFor(input, 0), arg.name);
      }
      // As Python's convert_n_to_tensor: the constants of a list input are named '<arg>_<index>'.
      return (input as unknown[]).map((v, j) => (isOutputValue(v) ? v : constant(v, dtypeFor(v, j), `${arg.name}_${j}`))) as OutputLike[];
    });
  }

  result(op: Operation): Operation | Output | Record<string, Output | Output[]> {
    const { info } = this;
    if (info.result === 'output') return op.output(0);
    if (info.result === 'operation') return op;
    const all = op.outputs;
    const struct: Record<string, Output | Output[]> = {};
    let next = 0;
    for (const arg of info.outputs) {
      let value: Output | Output[];
      if (arg.isList) {
        const n = op._native.outputListLength(arg.name);
        value = all.slice(next, next + n);
        next += n;
      } else {
        value = all[next++];
      }
      struct[arg.key] = value;
      // The OpDef's own name as well, for those who think in Python's names.
      if (arg.name !== arg.key) Object.defineProperty(struct, arg.name, { value, enumerable: false });
    }
    return struct;
  }
}

/** The builder behind `g.ops.<method>` for an op type. */
function builder(type: string) {
  let info: OpInfo | undefined; // OpInfos are per process (op-def.ts): this saves the lookup per call
  return function buildOp(this: OpsImpl, ...args: unknown[]) {
    const graph = this._graph;
    return new OpBuilder(graph, (info ??= opInfo(graph._native, type)), args).build();
  };
}

interface OpsImpl {
  readonly _graph: Graph;
}

let prototype: object | undefined;

function opsPrototype(): object {
  if (prototype) return prototype;
  // Ops the registry has but generated.ts does not (another library build) are found on first use.
  const fallback = new Proxy(Object.create(Object.prototype) as object, {
    get(target, prop, receiver) {
      if (typeof prop === 'symbol' || prop in target || prop === 'then' || !/^_*[a-z][A-Za-z0-9]*$/.test(prop)) {
        return Reflect.get(target, prop, receiver);
      }
      const type = registryMethods().get(prop);
      if (type === undefined) return undefined;
      const fn = builder(type);
      Object.defineProperty(proto, prop, { value: fn, writable: true, configurable: true });
      return fn;
    },
  });
  const proto = Object.create(fallback) as Record<string, unknown>;
  for (const type of OP_TYPES) {
    Object.defineProperty(proto, opMethodName(type), { value: builder(type), writable: true, configurable: true });
  }
  prototype = proto;
  return proto;
}

/** @internal A new `g.ops` object for a graph (the Graph keeps it: one per graph). */
export function opsFor(graph: Graph): Ops {
  return Object.create(opsPrototype(), { _graph: { value: graph } }) as Ops;
}
