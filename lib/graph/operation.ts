// SPDX-License-Identifier: Apache-2.0
// Operation and Output: nodes of a Graph and the symbolic tensors they produce.
import { DType, dtypeFromNumber } from '../base/dtypes';
import type { Graph } from './graph';
import { Native } from '../binding/native';
import { TensorShapeProtoObject, shapeFromProto } from '../base/shape';
import { decode, toNumber } from '../proto';
import { tensorFromProto } from '../tensor/tensor-proto';
import type { Tensor } from '../tensor/tensor';

/** A value an attr may hold, as `op.attr(name)` returns it. */
export type AttrValue =
  | string
  | number
  | boolean
  | DType
  | Array<number | null>
  | null
  | Tensor
  | { name: string; attr: Record<string, AttrValue> }
  | AttrValue[];

const utf8 = new TextDecoder('utf-8');

interface NameAttrListProto {
  name: string;
  attr?: Record<string, AttrValueProto> | null;
}

/** @internal An AttrValue message as protobufjs decodes it (`value` names the oneof field that is set). */
export interface AttrValueProto {
  value?: string;
  s?: Uint8Array;
  i?: unknown;
  f?: number;
  b?: boolean;
  type?: number;
  shape?: TensorShapeProtoObject | null;
  tensor?: Record<string, unknown>;
  func?: NameAttrListProto;
  placeholder?: string;
  list?: {
    s?: Uint8Array[];
    i?: unknown[];
    f?: number[];
    b?: boolean[];
    type?: number[];
    shape?: TensorShapeProtoObject[];
    tensor?: Array<Record<string, unknown>>;
    func?: NameAttrListProto[];
  } | null;
}

/** @internal Converts a decoded AttrValue message to its JS form. */
export function attrValueToJs(value: AttrValueProto): AttrValue {
  switch (value.value) {
    case 's': return utf8.decode(value.s!);
    case 'i': return toNumber(value.i);
    case 'f': return value.f!;
    case 'b': return value.b!;
    case 'type': return dtypeFromNumber(value.type!);
    case 'shape': return shapeFromProto(value.shape);
    case 'tensor': return tensorFromProto(value.tensor!);
    case 'func': return funcToJs(value.func!);
    case 'placeholder': return value.placeholder!;
    case 'list': {
      const l = value.list ?? {};
      if (l.s?.length) return l.s.map((b) => utf8.decode(b));
      if (l.i?.length) return l.i.map(toNumber);
      if (l.f?.length) return [...l.f];
      if (l.b?.length) return [...l.b];
      if (l.type?.length) return l.type.map(dtypeFromNumber);
      if (l.shape?.length) return l.shape.map((sh) => shapeFromProto(sh));
      if (l.tensor?.length) return l.tensor.map((t) => tensorFromProto(t));
      if (l.func?.length) return l.func.map(funcToJs);
      return [];
    }
    default:
      return null;
  }
}

function funcToJs(func: NameAttrListProto): AttrValue {
  const attr: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(func.attr ?? {})) attr[k] = attrValueToJs(v);
  return { name: func.name, attr };
}

/** A node of a Graph. Obtain them from `g.addOperation`, `g.ops.*`, `g.operation(name)`. */
export class Operation {
  /** The graph that owns this operation. */
  readonly graph: Graph;
  /** The operation's unique name in its graph. */
  readonly name: string;
  /** The op type, e.g. `'MatMul'`. */
  readonly type: string;
  /** @internal The operation's id in its graph's native table (native/graph.h). */
  readonly _id: number;
  #native: Native.Operation | undefined;
  #numOutputs: number;
  #outputs: Output[] | undefined;

  /** @internal Use the Graph's methods to create or find operations. */
  constructor(graph: Graph, id: number, name: string, type?: string, numOutputs = -1) {
    this.graph = graph;
    this._id = id;
    this.name = name;
    this.#numOutputs = numOutputs;
    this.type = type ?? this._native.type();
  }

  /**
   * @internal The addon's wrapper, made on first use: building needs only the id, and a wrapper per
   * operation would cost a native object, a reference and a finalizer each (native/graph.h).
   */
  get _native(): Native.Operation {
    return (this.#native ??= this.graph._native.operation(this._id));
  }

  /** The device the operation was placed on when built (`''` when unconstrained). */
  get device(): string {
    return this._native.device();
  }

  get numOutputs(): number {
    return this.outputs.length;
  }

  get numInputs(): number {
    return this._native.numInputs();
  }

  /** The outputs, as symbolic tensors. */
  get outputs(): Output[] {
    if (!this.#outputs) {
      const n = this.#numOutputs >= 0 ? this.#numOutputs : this._native.numOutputs();
      this.#outputs = new Array(n);
      for (let i = 0; i < n; i++) this.#outputs[i] = new Output(this, i);
    }
    return this.#outputs;
  }

  /** The tensors this operation consumes, in input order. */
  get inputs(): Output[] {
    const n = this._native.numInputs();
    const inputs: Output[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const [name, index] = this._native.input(i);
      inputs[i] = this.graph.operation(name)!.output(index);
    }
    return inputs;
  }

  /** Operations that must run before this one. */
  get controlInputs(): Operation[] {
    return this._native.controlInputs().map((n) => this.graph.operation(n)!);
  }

  /** Operations that have this one as a control input. */
  get controlOutputs(): Operation[] {
    return this._native.controlOutputs().map((n) => this.graph.operation(n)!);
  }

  /**
   * Output `index`.
   * @throws RangeError when the operation has no such output.
   */
  output(index: number): Output {
    const outputs = this.outputs;
    if (!Number.isInteger(index) || index < 0 || index >= outputs.length) {
      throw new RangeError(`Operation '${this.name}' (${this.type}) has ${outputs.length} outputs; there is no output ${index}`);
    }
    return outputs[index];
  }

  /**
   * The value of attr `name`.
   * @throws InvalidArgumentError when the operation has no such attr.
   * @example g.operation('x').attr('dtype') // 'float32'
   */
  attr(name: string): AttrValue {
    if (typeof name !== 'string') throw new TypeError(`Expected a string attr name but received ${typeof name}`);
    return attrValueToJs(decode('AttrValue', this._native.attrValue(name)));
  }

  /** The operation's NodeDef as a serialized protocol buffer. */
  toNodeDef(): Uint8Array {
    return this._native.nodeDef();
  }

  toString(): string {
    return `Operation '${this.name}' (${this.type})`;
  }
}

/** A symbolic tensor: output `index` of an operation. */
export class Output {
  readonly op: Operation;
  readonly index: number;

  /** @internal Use `op.output(i)`. */
  constructor(op: Operation, index: number) {
    this.op = op;
    this.index = index;
  }

  /** `"op:index"`, as TensorFlow names tensors. */
  get name(): string {
    return `${this.op.name}:${this.index}`;
  }

  get graph(): Graph {
    return this.op.graph;
  }

  #dtype: DType | undefined;

  get dtype(): DType {
    // An output's dtype never changes once the operation exists.
    return (this.#dtype ??= dtypeFromNumber(this.op._native.outputType(this.index)));
  }

  /** The static shape: null for an unknown rank, null entries for unknown dimensions. */
  get shape(): Array<number | null> | null {
    const dims = this.op.graph._native.tensorShape(this.op._native, this.index);
    return dims === null ? null : dims.map((d) => (d < 0 ? null : d));
  }

  /** The operations that consume this tensor. */
  consumers(): Operation[] {
    return this.op._native.consumers(this.index).map(([name]) => this.op.graph.operation(name)!);
  }

  toString(): string {
    return `Output '${this.name}'`;
  }
}

/**
 * Objects that stand for an Output wherever one is accepted (a Variable stands for its value). Implement
 * `[toOutput](context?)` to join in.
 */
export const toOutput: unique symbol = Symbol('node-libtensorflow.toOutput');

/** Where the Output is wanted: as an input of an op built under control dependencies, or elsewhere. */
export interface ToOutputContext {
  /** True when the consuming op is built inside `g.controlDependencies([...], …)`. */
  underControlDependencies: boolean;
}

export interface OutputConvertible {
  [toOutput](context?: ToOutputContext): Output;
}

export function isOutputConvertible(value: unknown): value is OutputConvertible {
  return typeof value === 'object' && value !== null && typeof (value as OutputConvertible)[toOutput] === 'function';
}
