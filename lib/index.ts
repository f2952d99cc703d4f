// SPDX-License-Identifier: Apache-2.0
// node-libtensorflow: TensorFlow's graph runtime for Node.js.
import * as errors from './binding/errors';
// Methods that higher layers attach to Graph (docs/ARCHITECTURE.md): loaded before anything is exported.
import './gradients/graph-methods';
import './gradients/ops';
import './gradients/override-map';
// The optimizers' sparse (IndexedSlices) updates register themselves.
import './train/sparse-updates';
import './variables/graph-methods';
import './meta-graph/graph-methods';
import * as init from './variables/initializers';
import * as savedModel from './saved-model/saved-model';
import * as train from './train';

export { library, version } from './binding/library';
export type { DType, TypedArray } from './base/dtypes';
export { Tensor, tensor } from './tensor/tensor';
export type { TensorLike, NestedArray, Scalar } from './tensor/tensor';
export { Graph } from './graph/graph';
export type { AddOperationOptions, DeviceFunction, ImportGraphDefOptions, ImportGraphDefResult, OpSpec, OutputLike } from './graph/graph';
export { Operation, Output, toOutput } from './graph/operation';
export type { Func, GeneratedOps, OpInput, OpListInput, OpOptions, Ops, Shape, TensorValue } from './ops';
export type { GradYLike } from './gradients/gradients';
export type { AttrValue, OutputConvertible } from './graph/operation';
export { Session } from './session/session';
export type { Feeds, Fetches, GPUOptions, RunOptions, RunResult, SessionConfig, SessionOptions } from './session/session';
export { RunTrace } from './session/trace';
export { savedModel };
export { train };
export type {
  LoadOptions,
  SavedModel,
  SaveOptions as SavedModelSaveOptions,
  Signature,
  SignatureInputs,
  SignatureSpec,
  SignatureTensor,
} from './saved-model/saved-model';
export { Server } from './distributed/server';
export type { ClusterSpec, ServerOptions } from './distributed/server';
export { GraphKeys } from './graph/graph-keys';
export { Variable } from './variables/variable';
export type { AssignOptions, InitialValue, VariableDefObject, VariableOptions } from './variables/variable';
export { VariableScope } from './variables/variable-scope';
export type { GetVariableOptions, InitializerLike, Reuse, VariableScopeOptions } from './variables/variable-scope';
export { variablesInitializer } from './variables/variable-init';
/** Python's tf.compat.v1 initializers, for `getVariable` and `variableScope`. */
export const initializers = {
  zeros: init.zeros,
  ones: init.ones,
  constant: init.constant,
  randomNormal: init.randomNormal,
  truncatedNormal: init.truncatedNormal,
  randomUniform: init.randomUniform,
  varianceScaling: init.varianceScaling,
  glorotUniform: init.glorotUniform,
  glorotNormal: init.glorotNormal,
  heNormal: init.heNormal,
  heUniform: init.heUniform,
  lecunNormal: init.lecunNormal,
  lecunUniform: init.lecunUniform,
  orthogonal: init.orthogonal,
};
export type { Initializer } from './variables/initializers';
export type { ExportMetaGraphOptions, ImportMetaGraphOptions, ImportMetaGraphResult } from './meta-graph/meta-graph';
export * as copy from './copy/graph-copy';
export * as summary from './summary';
export * as graphUtil from './tools/graph-util';
export { errors };
export { gradients, registerGradient, noGradient, IndexedSlices, convertToTensor } from './gradients/api';
export type { Gradient, GradientsOptions } from './gradients/gradients';
export type { GradientFunction, InputGradient } from './gradients/registry';
// Part 2: the tf.compat.v1 surface (API.md "The default graph", "Graph-building functions on tf").
export { getDefaultGraph, resetDefaultGraph } from './graph/default-graph';
export {
  cast, concat, constant, expandDims, fill, gather, gatherNd, identity, oneHot, ones, onesLike, pad, placeholder, placeholderWithDefault,
  range, rank, reshape, shape, size, slice, split, squeeze, stack, stopGradient, tile, transpose, unstack, where, zeros, zerosLike,
} from './math/array-ops';
export * from './math/math-ops';
export { clipByGlobalNorm, clipByNorm, clipByValue, globalNorm } from './math/clip-ops';
export * from './math/graph-functions';
export type { NameOption, TensorInput } from './math/common';
export * as math from './math';
export * as random from './random';
export * as nn from './nn';
export * as losses from './losses';
export * as layers from './layers';
export * as metrics from './metrics';
export { defineFunction } from './control-flow/function';
export type { DefinedFunction, FunctionInfo, InputSpec } from './control-flow/function';
export { cond } from './control-flow/cond';
export type { CondOptions } from './control-flow/cond';
// The gradients of If/StatelessIf register themselves.
import './control-flow/cond-gradient';
export { switchCase as case } from './control-flow/case';
export type { CaseOptions } from './control-flow/case';
export { whileLoop } from './control-flow/while-loop';
export type { WhileLoopOptions, LoopVar } from './control-flow/while-loop';
