// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "operation.h"

#include <string>
#include <vector>

#include "graph.h"
#include "status.h"

namespace tfn {

Napi::Function Operation::Init(Napi::Env env) {
  return DefineClass(env, "Operation",
                     {
                         InstanceMethod<&Operation::Name>("name"),
                         InstanceMethod<&Operation::Type>("type"),
                         InstanceMethod<&Operation::Device>("device"),
                         InstanceMethod<&Operation::NumInputs>("numInputs"),
                         InstanceMethod<&Operation::NumOutputs>("numOutputs"),
                         InstanceMethod<&Operation::OutputType>("outputType"),
                         InstanceMethod<&Operation::OutputListLength>("outputListLength"),
                         InstanceMethod<&Operation::InputListLength>("inputListLength"),
                         InstanceMethod<&Operation::Input>("input"),
                         InstanceMethod<&Operation::Consumers>("consumers"),
                         InstanceMethod<&Operation::ControlInputs>("controlInputs"),
                         InstanceMethod<&Operation::ControlOutputs>("controlOutputs"),
                         InstanceMethod<&Operation::AttrMetadata>("attrMetadata"),
                         InstanceMethod<&Operation::AttrValue>("attrValue"),
                         InstanceMethod<&Operation::NodeDef>("nodeDef"),
                     });
}

Napi::Object Operation::NewInstance(Napi::Env env, Napi::Object graph, TF_Operation* op) {
  return Instance(env)->operation_ctor.New({Napi::External<TF_Operation>::New(env, op), graph});
}

Operation::Operation(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Operation>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsExternal()) {
    Napi::TypeError::New(env, "Operation cannot be constructed directly; use graph.addOperation()")
        .ThrowAsJavaScriptException();
    return;
  }
  graph_ = UnwrapTagged<Graph>(env, info[1], kGraphTag, "a Graph");
  if (graph_ == nullptr) return;
  op_ = info[0].As<Napi::External<TF_Operation>>().Data();
  graph_ref_ = Napi::Persistent(info[1].As<Napi::Object>());
  napi_type_tag_object(env, info.This(), &kOperationTag);
}

bool Operation::ReadIndex(const Napi::CallbackInfo& info, int limit, const char* what, int* index) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, std::string("Expected a number for ") + what).ThrowAsJavaScriptException();
    return false;
  }
  double d = info[0].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d < limit) || d != static_cast<int>(d)) {
    Napi::RangeError::New(env, std::string("Operation '") + Tf().TF_OperationName(op_) + "' has no " + what + " " +
                                   std::to_string(d) + " (it has " + std::to_string(limit) + ")")
        .ThrowAsJavaScriptException();
    return false;
  }
  *index = static_cast<int>(d);
  return true;
}

Napi::Value Operation::Name(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Tf().TF_OperationName(op_));
}

Napi::Value Operation::Type(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Tf().TF_OperationOpType(op_));
}

Napi::Value Operation::Device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), Tf().TF_OperationDevice(op_));
}

Napi::Value Operation::NumInputs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Tf().TF_OperationNumInputs(op_));
}

Napi::Value Operation::NumOutputs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Tf().TF_OperationNumOutputs(op_));
}

Napi::Value Operation::OutputType(const Napi::CallbackInfo& info) {
  int index;
  if (!ReadIndex(info, Tf().TF_OperationNumOutputs(op_), "output", &index)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), Tf().TF_OperationOutputType(TF_Output{op_, index}));
}

Napi::Value Operation::OutputListLength(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "Expected an argument name", env.Undefined());
  StatusGuard status;
  int n = Tf().TF_OperationOutputListLength(op_, info[0].As<Napi::String>().Utf8Value().c_str(), status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  return Napi::Number::New(env, n);
}

Napi::Value Operation::InputListLength(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "Expected an argument name", env.Undefined());
  StatusGuard status;
  int n = Tf().TF_OperationInputListLength(op_, info[0].As<Napi::String>().Utf8Value().c_str(), status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  return Napi::Number::New(env, n);
}

Napi::Value Operation::Input(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int index;
  if (!ReadIndex(info, Tf().TF_OperationNumInputs(op_), "input", &index)) return env.Undefined();
  TF_Output source = Tf().TF_OperationInput(TF_Input{op_, index});
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(0u, Napi::String::New(env, Tf().TF_OperationName(source.oper)));
  pair.Set(1u, Napi::Number::New(env, source.index));
  return pair;
}

Napi::Value Operation::Consumers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int index;
  if (!ReadIndex(info, Tf().TF_OperationNumOutputs(op_), "output", &index)) return env.Undefined();
  TF_Output output{op_, index};
  int n = Tf().TF_OperationOutputNumConsumers(output);
  std::vector<TF_Input> consumers(n);
  n = Tf().TF_OperationOutputConsumers(output, consumers.data(), n);
  Napi::Array result = Napi::Array::New(env, n);
  for (int i = 0; i < n; ++i) {
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::String::New(env, Tf().TF_OperationName(consumers[i].oper)));
    pair.Set(1u, Napi::Number::New(env, consumers[i].index));
    result.Set(i, pair);
  }
  return result;
}

Napi::Value Operation::ControlInputs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = Tf().TF_OperationNumControlInputs(op_);
  std::vector<TF_Operation*> ops(n);
  n = Tf().TF_OperationGetControlInputs(op_, ops.data(), n);
  Napi::Array result = Napi::Array::New(env, n);
  for (int i = 0; i < n; ++i) result.Set(i, Napi::String::New(env, Tf().TF_OperationName(ops[i])));
  return result;
}

Napi::Value Operation::ControlOutputs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = Tf().TF_OperationNumControlOutputs(op_);
  std::vector<TF_Operation*> ops(n);
  n = Tf().TF_OperationGetControlOutputs(op_, ops.data(), n);
  Napi::Array result = Napi::Array::New(env, n);
  for (int i = 0; i < n; ++i) result.Set(i, Napi::String::New(env, Tf().TF_OperationName(ops[i])));
  return result;
}

Napi::Value Operation::AttrMetadata(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "Expected an attr name", env.Undefined());
  StatusGuard status;
  TF_AttrMetadata meta = Tf().TF_OperationGetAttrMetadata(op_, info[0].As<Napi::String>().Utf8Value().c_str(), status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  Napi::Object result = Napi::Object::New(env);
  result.Set("isList", Napi::Boolean::New(env, meta.is_list != 0));
  result.Set("listSize", Napi::Number::New(env, static_cast<double>(meta.list_size)));
  result.Set("type", Napi::Number::New(env, meta.type));
  result.Set("totalSize", Napi::Number::New(env, static_cast<double>(meta.total_size)));
  return result;
}

Napi::Value Operation::AttrValue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "Expected an attr name", env.Undefined());
  StatusGuard status;
  BufferGuard buffer(Tf().TF_NewBuffer());
  Tf().TF_OperationGetAttrValueProto(op_, info[0].As<Napi::String>().Utf8Value().c_str(), buffer.get(), status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  return BufferToJs(env, buffer.get());
}

Napi::Value Operation::NodeDef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StatusGuard status;
  BufferGuard buffer(Tf().TF_NewBuffer());
  Tf().TF_OperationToNodeDef(op_, buffer.get(), status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  return BufferToJs(env, buffer.get());
}

}  // namespace tfn
