// SPDX-License-Identifier: Apache-2.0
// node-libtensorflow: TensorFlow's graph runtime for Node.js.
import * as errors from './errors';
import * as init from './initializers';
import * as savedModel from './saved-model';
import * as train from './train';

export { library, version } from './library';
export type { DType, TypedArray } from './dtypes';
export { Tensor, tensor } from './tensor';
export type { TensorLike, NestedArray, Scalar } from './tensor';
export { Graph } from './graph';
export type { AddOperationOptions, DeviceFunction, ImportGraphDefOptions, ImportGraphDefResult, OpSpec, OutputLike } from './graph';
export { Operation, Output, toOutput } from './operation';
export type { Func, GeneratedOps, OpInput, OpListInput, OpOptions, Ops, Shape, TensorValue } from './ops';
export type { GradYLike } from './gradients';
export type { AttrValue, OutputConvertible } from './operation';
export { Session } from './session';
export type { Feeds, Fetches, GPUOptions, RunOptions, RunResult, SessionConfig, SessionOptions } from './session';
export { RunTrace } from './trace';
export { savedModel };
export { train };
export type { LoadOptions, SavedModel, SaveOptions as SavedModelSaveOptions, Signature, SignatureInputs, SignatureSpec, SignatureTensor } from './saved-model';
export { Server } from './server';
export type { ClusterSpec, ServerOptions } from './server';
export { GraphKeys } from './graph-keys';
export { Variable } from './variable';
export type { AssignOptions, InitialValue, VariableDefObject, VariableOptions } from './variable';
export { VariableScope } from './variable-scope';
export type { GetVariableOptions, InitializerLike, Reuse, VariableScopeOptions } from './variable-scope';
export { globalVariablesInitializer, localVariablesInitializer, reportUninitializedVariables, variablesInitializer } from './variable-init';
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
export type { Initializer } from './initializers';
export type { ExportMetaGraphOptions, ImportMetaGraphOptions, ImportMetaGraphResult } from './meta-graph';
export * as copy from './graph-copy';
export { errors };
