// SPDX-License-Identifier: Apache-2.0
// node-libtensorflow: TensorFlow's graph runtime for Node.js.
import * as errors from './errors';

export { library, version } from './library';
export type { DType, TypedArray } from './dtypes';
export { Tensor, tensor } from './tensor';
export type { TensorLike, NestedArray, Scalar } from './tensor';
export { Graph } from './graph';
export type { AddOperationOptions, DeviceFunction, ImportGraphDefOptions, ImportGraphDefResult, OpSpec, OutputLike } from './graph';
export { Operation, Output, toOutput } from './operation';
export type { AttrValue, OutputConvertible } from './operation';
export { Session } from './session';
export type { Feeds, Fetches, GPUOptions, RunOptions, RunResult, SessionConfig, SessionOptions } from './session';
export { RunTrace } from './trace';
export { GraphKeys } from './graph-keys';
export { errors };
