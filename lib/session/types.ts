// SPDX-License-Identifier: Apache-2.0
// The public types of what Session.run fetches and feeds.
import { Operation, Output, OutputConvertible } from '../graph/operation';
import { Tensor, TensorLike } from '../tensor/tensor';

export type Fetchable = Output | Operation | OutputConvertible | string;
export type Fetches = Fetchable | readonly Fetches[] | { readonly [key: string]: Fetches };
export type FeedValue = Tensor | TensorLike;
export type Feeds = Map<Output | OutputConvertible | string, FeedValue> | Record<string, FeedValue>;

/** The result structure for a fetch structure: a Tensor per Output, null per Operation. */
export type RunResult<F> = F extends Operation
  ? null
  : F extends Fetchable
    ? Tensor
    : F extends readonly unknown[]
      ? { [K in keyof F]: RunResult<F[K]> }
      : F extends Record<string, unknown>
        ? { [K in keyof F]: RunResult<F[K]> }
        : never;
