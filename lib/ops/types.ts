// SPDX-License-Identifier: Apache-2.0
// The parameter types that the generated op signatures (generated.ts) are written in.
import type { DType } from '../base/dtypes';
import type { OutputLike } from '../graph/graph';
import type { Operation } from '../graph/operation';
import type { Tensor, TensorLike } from '../tensor/tensor';

export type { DType };

/** One op input: an Output (or a Variable), or a value that becomes a constant (number, array, Tensor…). */
export type OpInput = OutputLike | Tensor | TensorLike;

/** A list input (`N * T` or a type list): one entry per tensor. */
export type OpListInput = OpInput[];

/** The options every op builder takes besides its attrs. */
export interface OpOptions {
  /** The operation's name (made unique as Python does); default: the op type. */
  name?: string;
  /** A device for this operation, merged over the enclosing `g.device` scopes. */
  device?: string;
  /** Operations (or tensors, meaning their operations) that must run before this one. */
  controlInputs?: Array<Operation | OutputLike>;
}

/** A static shape attr: null entries are unknown dimensions; null is an unknown rank. */
export type Shape = Array<number | null> | null;

/** A tensor-valued attr. */
export type TensorValue = Tensor | TensorLike;

/** A function-valued attr: a function name in the graph's library, or the name with attrs. */
export type Func = string | { name: string; attr?: Record<string, unknown> };

// Short names keep generated.ts compact.
export type I = OpInput;
export type L = OpListInput;
export type O = OpOptions;
