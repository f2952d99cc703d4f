// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_OPERATION_H_
#define NATIVE_OPERATION_H_

#include "common.h"

namespace tfn {

class Graph;

// Wraps a TF_Operation, which its TF_Graph owns: the wrapper keeps the Graph alive.
// Queries that name other operations return their names; lib/graph.ts maps names to its Operation objects.
//
// JS surface (all [sync]):
//   op.name() / op.type() / op.device() -> string
//   op.numInputs() / op.numOutputs() -> number
//   op.outputType(i) -> number (TF_DataType)
//   op.outputListLength(argName) / op.inputListLength(argName) -> number; throw InvalidArgumentError
//   op.input(i) -> [opName, index]
//   op.consumers(i) -> Array<[opName, index]>
//   op.controlInputs() / op.controlOutputs() -> string[]
//   op.attrMetadata(name) -> {isList, listSize, type, totalSize}; throws InvalidArgumentError for an unknown attr
//   op.attrValue(name) -> Buffer (serialized AttrValue); throws InvalidArgumentError for an unknown attr
//   op.nodeDef() -> Buffer (serialized NodeDef)
// Index arguments are checked: RangeError outside [0, n).
class Operation : public Napi::ObjectWrap<Operation> {
 public:
  static Napi::Function Init(Napi::Env env);
  static Napi::Object NewInstance(Napi::Env env, Napi::Object graph, TF_Operation* op);

  explicit Operation(const Napi::CallbackInfo& info);

  TF_Operation* op() const { return op_; }
  Graph* graph() const { return graph_; }

 private:
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value Type(const Napi::CallbackInfo& info);
  Napi::Value Device(const Napi::CallbackInfo& info);
  Napi::Value NumInputs(const Napi::CallbackInfo& info);
  Napi::Value NumOutputs(const Napi::CallbackInfo& info);
  Napi::Value OutputType(const Napi::CallbackInfo& info);
  Napi::Value OutputListLength(const Napi::CallbackInfo& info);
  Napi::Value InputListLength(const Napi::CallbackInfo& info);
  Napi::Value Input(const Napi::CallbackInfo& info);
  Napi::Value Consumers(const Napi::CallbackInfo& info);
  Napi::Value ControlInputs(const Napi::CallbackInfo& info);
  Napi::Value ControlOutputs(const Napi::CallbackInfo& info);
  Napi::Value AttrMetadata(const Napi::CallbackInfo& info);
  Napi::Value AttrValue(const Napi::CallbackInfo& info);
  Napi::Value NodeDef(const Napi::CallbackInfo& info);

  bool ReadIndex(const Napi::CallbackInfo& info, int limit, const char* what, int* index);

  TF_Operation* op_ = nullptr;
  Graph* graph_ = nullptr;
  Napi::ObjectReference graph_ref_;
};

}  // namespace tfn

#endif  // NATIVE_OPERATION_H_
