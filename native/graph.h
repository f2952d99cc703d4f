// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_GRAPH_H_
#define NATIVE_GRAPH_H_

#include "common.h"

namespace tfn {

// Wraps TF_Graph. Operations and sessions keep the Graph alive; the TF_Graph is deleted when the wrapper is
// collected (TensorFlow defers the deletion while sessions still use it).
//
// JS surface:
//   new Graph()
//   [sync] g.addOperation(type, name, device, inputOps, inputIndices, controlInputs, attrs) -> Operation
//     inputOps[i] is an Operation or, for a list input, an array of them (inputIndices alike); attrs is an
//     array of [name, kind, value] (kinds in lib/native.ts). Throws TypeError/RangeError on malformed
//     arguments or inputs of another graph, and the TensorFlow error (InvalidArgumentError, NotFoundError
//     for an unknown op type, ...) when TensorFlow rejects the operation; the graph is unchanged then.
//   [sync] g.operationByName(name) -> Operation | undefined
//   [sync] g.operationNames() -> string[]   in creation order
//   [sync] g.numOperations() -> number
//   [sync] g.toGraphDef() -> Buffer (GraphDef with its function library)
//   [sync] g.opDef(type) -> Buffer (OpDef); throws NotFoundError for an unknown op type
//   [sync] g.tensorShape(op, index) -> number[] | null   -1 for unknown dimensions, null for unknown rank
//   [sync] g.setTensorShape(op, index, dims | null)   throws InvalidArgumentError when incompatible
//   [sync] g.importGraphDef(bytes, options) -> {outputs: [name, index][], operations: string[],
//     missingUnusedInputMappings: [name, index][]}; the graph is unchanged when it throws.
//   [sync] g.addGradients(prefix, yOps, yIdx, xOps, xIdx, dxOps | null, dxIdx | null) -> ([name, index] | null)[]
//   [sync] g.importFunctionDef(bytes)   adds a FunctionDef to the graph's library
//   [sync] g.functionDefs() -> Buffer[] (FunctionDef each)
class Graph : public Napi::ObjectWrap<Graph> {
 public:
  static Napi::Function Init(Napi::Env env);

  explicit Graph(const Napi::CallbackInfo& info);
  ~Graph() override;

  TF_Graph* graph() const { return graph_; }

 private:
  Napi::Value AddOperation(const Napi::CallbackInfo& info);
  Napi::Value OperationByName(const Napi::CallbackInfo& info);
  Napi::Value OperationNames(const Napi::CallbackInfo& info);
  Napi::Value NumOperations(const Napi::CallbackInfo& info);
  Napi::Value ToGraphDef(const Napi::CallbackInfo& info);
  Napi::Value OpDef(const Napi::CallbackInfo& info);
  Napi::Value TensorShape(const Napi::CallbackInfo& info);
  Napi::Value SetTensorShape(const Napi::CallbackInfo& info);
  Napi::Value ImportGraphDef(const Napi::CallbackInfo& info);
  Napi::Value AddGradients(const Napi::CallbackInfo& info);
  Napi::Value ImportFunctionDef(const Napi::CallbackInfo& info);
  Napi::Value FunctionDefs(const Napi::CallbackInfo& info);

  bool ReadOutputs(Napi::Env env, Napi::Value ops, Napi::Value indices, const char* what, std::vector<TF_Output>* out);
  bool ReadOutput(Napi::Env env, Napi::Value op, Napi::Value index, TF_Output* out);

  TF_Graph* graph_ = nullptr;
};

}  // namespace tfn

#endif  // NATIVE_GRAPH_H_
