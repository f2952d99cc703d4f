// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "graph.h"

#include <string>
#include <vector>

#include "import_options.h"
#include "operation.h"
#include "operation_description.h"
#include "status.h"

namespace tfn {

Napi::Function Graph::Init(Napi::Env env) {
  return DefineClass(env, "Graph",
                     {
                         InstanceMethod<&Graph::AddOperation>("addOperation"),
                         InstanceMethod<&Graph::UpdateEdge>("updateEdge"),
                         InstanceMethod<&Graph::OperationId>("operationId"),
                         InstanceMethod<&Graph::OperationWrapper>("operation"),
                         InstanceMethod<&Graph::OperationByName>("operationByName"),
                         InstanceMethod<&Graph::OperationNames>("operationNames"),
                         InstanceMethod<&Graph::NumOperations>("numOperations"),
                         InstanceMethod<&Graph::ToGraphDef>("toGraphDef"),
                         InstanceMethod<&Graph::OpDef>("opDef"),
                         InstanceMethod<&Graph::TensorShape>("tensorShape"),
                         InstanceMethod<&Graph::SetTensorShape>("setTensorShape"),
                         InstanceMethod<&Graph::ImportGraphDef>("importGraphDef"),
                         InstanceMethod<&Graph::AddGradients>("addGradients"),
                         InstanceMethod<&Graph::ImportFunctionDef>("importFunctionDef"),
                         InstanceMethod<&Graph::FunctionDefs>("functionDefs"),
                         InstanceMethod<&Graph::ToFunctionDef>("toFunctionDef"),
                     });
}

Graph::Graph(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Graph>(info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_LIBRARY(env, );
  graph_ = Tf().TF_NewGraph();
  napi_type_tag_object(env, info.This(), &kGraphTag);
}

Graph::~Graph() {
  if (external_memory_) external_memory_->Release(Env(), &charge_);
  if (graph_ != nullptr) Tf().TF_DeleteGraph(graph_);
}

namespace {

// What TensorFlow keeps per operation (the node, its attrs and shape-inference context, name and edge
// indexes): 3.3 KB by RSS after a 100,000-node import. Unreported, a graph looks like one small object to
// V8, which then leaves abandoned graphs of hundreds of MB uncollected: every new big graph faulted in fresh
// pages instead of reusing theirs (a 100,000-node import took 3x as long as C's, which deletes its graphs).
constexpr int64_t kBytesPerOperation = 3072;
// addOperation reports every this many operations, not on each call.
constexpr int64_t kReportEvery = 4096;

}  // namespace

void Graph::ReportGrowth(Napi::Env env) {
  added_ = 0;
  int64_t n = 0;
  while (Tf().TF_GraphNextOperation(graph_, &scan_pos_) != nullptr) ++n;
  if (n == 0) return;
  counted_ops_ += n;
  if (!external_memory_) external_memory_ = Instance(env)->external_memory;
  if (!external_memory_) return;
  external_memory_->Release(env, &charge_);
  external_memory_->ChargeNow(env, &charge_, counted_ops_ * kBytesPerOperation);
}

Napi::Value Graph::AddOperation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OperationDescription description;
  if (!description.Read(info, *this)) return env.Undefined();
  StatusGuard status;
  TF_Operation* op = description.Finish(graph_, status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  description.SetNumOutputs(Tf().TF_OperationNumOutputs(op));
  if (++added_ >= kReportEvery) ReportGrowth(env);
  return Napi::Number::New(env, NewId(op));
}

Napi::Value Graph::OperationId(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "Expected an operation name", env.Undefined());
  TF_Operation* op = Tf().TF_GraphOperationByName(graph_, info[0].As<Napi::String>().Utf8Value().c_str());
  return Napi::Number::New(env, op == nullptr ? -1 : NewId(op));
}

Napi::Value Graph::OperationWrapper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsNumber(), TypeError, env, "Expected an operation id", env.Undefined());
  TF_Operation* op = OperationOfId(info[0].As<Napi::Number>().DoubleValue());
  TFN_THROW_IF(op == nullptr, RangeError, env, "No operation of this graph has that id", env.Undefined());
  return Operation::NewInstance(env, Value(), op);
}

Napi::Value Graph::OperationByName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "Expected an operation name", env.Undefined());
  TF_Operation* op = Tf().TF_GraphOperationByName(graph_, info[0].As<Napi::String>().Utf8Value().c_str());
  if (op == nullptr) return env.Undefined();
  return Operation::NewInstance(env, Value(), op);
}

Napi::Value Graph::OperationNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<TF_Operation*> ops;
  size_t pos = 0;
  while (TF_Operation* op = Tf().TF_GraphNextOperation(graph_, &pos)) ops.push_back(op);
  Napi::Array names = Napi::Array::New(env, ops.size());
  for (size_t i = 0; i < ops.size(); ++i) names.Set(i, Napi::String::New(env, Tf().TF_OperationName(ops[i])));
  return names;
}

Napi::Value Graph::NumOperations(const Napi::CallbackInfo& info) {
  size_t pos = 0, n = 0;
  while (Tf().TF_GraphNextOperation(graph_, &pos) != nullptr) ++n;
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

Napi::Value Graph::ToGraphDef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StatusGuard status;
  BufferGuard buffer(Tf().TF_NewBuffer());
  Tf().TF_GraphToGraphDef(graph_, buffer.get(), status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  return BufferToJs(env, buffer.get());
}

Napi::Value Graph::OpDef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "Expected an op type", env.Undefined());
  StatusGuard status;
  BufferGuard buffer(Tf().TF_NewBuffer());
  Tf().TF_GraphGetOpDef(graph_, info[0].As<Napi::String>().Utf8Value().c_str(), buffer.get(), status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  return BufferToJs(env, buffer.get());
}

bool Graph::ReadOutputs(Napi::Env env, Napi::Value ops_value, Napi::Value indices_value, const char* what,
                        std::vector<TF_Output>* out) {
  if (!ops_value.IsArray() || !indices_value.IsArray() ||
      ops_value.As<Napi::Array>().Length() != indices_value.As<Napi::Array>().Length()) {
    Napi::TypeError::New(env, std::string("Expected matching arrays of operations and indices for ") + what)
        .ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array ops = ops_value.As<Napi::Array>(), indices = indices_value.As<Napi::Array>();
  for (uint32_t i = 0; i < ops.Length(); ++i) {
    Operation* op = OwnOperation(env, ops.Get(i), what);
    if (op == nullptr) return false;
    Napi::Value index = indices.Get(i);
    int32_t k = index.IsNumber() ? index.As<Napi::Number>().Int32Value() : -1;
    if (k < 0 || k >= Tf().TF_OperationNumOutputs(op->op())) {
      Napi::RangeError::New(env, std::string(what) + " '" + Tf().TF_OperationName(op->op()) + "' has no output " +
                                     (index.IsNumber() ? std::to_string(k) : std::string("of that index")))
          .ThrowAsJavaScriptException();
      return false;
    }
    out->push_back(TF_Output{op->op(), k});
  }
  return true;
}

bool Graph::ReadOutput(Napi::Env env, Napi::Value op, Napi::Value index, TF_Output* out) {
  Napi::Array ops = Napi::Array::New(env, 1), indices = Napi::Array::New(env, 1);
  ops.Set(0u, op);
  indices.Set(0u, index);
  std::vector<TF_Output> outputs;
  if (!ReadOutputs(env, ops, indices, "a tensor", &outputs)) return false;
  *out = outputs[0];
  return true;
}

Napi::Value Graph::TensorShape(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TF_Output output;
  if (!ReadOutput(env, info[0], info[1], &output)) return env.Undefined();
  StatusGuard status;
  int n = Tf().TF_GraphGetTensorNumDims(graph_, output, status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  if (n < 0) return env.Null();
  std::vector<int64_t> dims(n);
  Tf().TF_GraphGetTensorShape(graph_, output, dims.data(), n, status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  Napi::Array result = Napi::Array::New(env, n);
  for (int i = 0; i < n; ++i) result.Set(i, Napi::Number::New(env, static_cast<double>(dims[i])));
  return result;
}

Napi::Value Graph::SetTensorShape(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TF_Output output;
  if (!ReadOutput(env, info[0], info[1], &output)) return env.Undefined();
  Napi::Value shape = info[2];
  StatusGuard status;
  if (shape.IsNull() || shape.IsUndefined()) {
    Tf().TF_GraphSetTensorShape(graph_, output, nullptr, -1, status);
  } else {
    TFN_THROW_IF(!shape.IsArray(), TypeError, env, "Expected an array or null as the shape", env.Undefined());
    Napi::Array array = shape.As<Napi::Array>();
    std::vector<int64_t> dims(array.Length());
    for (uint32_t i = 0; i < array.Length(); ++i) {
      Napi::Value d = array.Get(i);
      dims[i] = d.IsNumber() ? d.As<Napi::Number>().Int64Value() : -1;
    }
    Tf().TF_GraphSetTensorShape(graph_, output, dims.data(), static_cast<int>(dims.size()), status);
  }
  ThrowIfNotOk(env, status);
  return env.Undefined();
}

Napi::Value Graph::ImportGraphDef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsTypedArray() ||
                   info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array,
               TypeError, env, "importGraphDef expects the GraphDef as a Uint8Array", env.Undefined());
  ImportOptions options;
  if (!options.Read(env, info.Length() > 1 ? info[1] : env.Undefined(), graph_)) return env.Undefined();
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  BufferGuard buffer(Tf().TF_NewBufferFromString(bytes.Data(), bytes.ByteLength()));
  StatusGuard status;
  ImportResultsGuard guard(Tf().TF_GraphImportGraphDefWithResults(graph_, buffer.get(), options.get(), status));
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  ReportGrowth(env);
  TF_ImportGraphDefResults* results = guard.get();
  Napi::Object result = Napi::Object::New(env);
  int n;
  TF_Output* outputs;
  Tf().TF_ImportGraphDefResultsReturnOutputs(results, &n, &outputs);
  Napi::Array out = Napi::Array::New(env, n);
  for (int i = 0; i < n; ++i) {
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::String::New(env, Tf().TF_OperationName(outputs[i].oper)));
    pair.Set(1u, Napi::Number::New(env, outputs[i].index));
    out.Set(i, pair);
  }
  result.Set("outputs", out);
  TF_Operation** ops;
  Tf().TF_ImportGraphDefResultsReturnOperations(results, &n, &ops);
  Napi::Array op_names = Napi::Array::New(env, n);
  for (int i = 0; i < n; ++i) op_names.Set(i, Napi::String::New(env, Tf().TF_OperationName(ops[i])));
  result.Set("operations", op_names);
  const char** names;
  int* indices;
  Tf().TF_ImportGraphDefResultsMissingUnusedInputMappings(results, &n, &names, &indices);
  Napi::Array missing = Napi::Array::New(env, n);
  for (int i = 0; i < n; ++i) {
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::String::New(env, names[i]));
    pair.Set(1u, Napi::Number::New(env, indices[i]));
    missing.Set(i, pair);
  }
  result.Set("missingUnusedInputMappings", missing);
  return result;
}

Napi::Value Graph::AddGradients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 7 || !(info[0].IsString() || info[0].IsNull()), TypeError, env,
               "addGradients(prefix, yOps, yIdx, xOps, xIdx, dxOps, dxIdx) got arguments of the wrong types",
               env.Undefined());
  std::vector<TF_Output> ys, xs, dxs;
  if (!ReadOutputs(env, info[1], info[2], "a gradient target (y)", &ys)) return env.Undefined();
  if (!ReadOutputs(env, info[3], info[4], "a gradient source (x)", &xs)) return env.Undefined();
  bool has_dx = !info[5].IsNull() && !info[5].IsUndefined();
  if (has_dx) {
    if (!ReadOutputs(env, info[5], info[6], "an initial gradient (dy)", &dxs)) return env.Undefined();
    TFN_THROW_IF(dxs.size() != ys.size(), RangeError, env, "gradYs must have one entry per y", env.Undefined());
  }
  std::string prefix = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  std::vector<TF_Output> dy(xs.size());
  StatusGuard status;
  Tf().TF_AddGradientsWithPrefix(graph_, prefix.empty() ? nullptr : prefix.c_str(), ys.data(),
                                 static_cast<int>(ys.size()), xs.data(), static_cast<int>(xs.size()),
                                 has_dx ? dxs.data() : nullptr, status, dy.data());
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  Napi::Array result = Napi::Array::New(env, dy.size());
  for (size_t i = 0; i < dy.size(); ++i) {
    if (dy[i].oper == nullptr) {
      result.Set(i, env.Null());
      continue;
    }
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::String::New(env, Tf().TF_OperationName(dy[i].oper)));
    pair.Set(1u, Napi::Number::New(env, dy[i].index));
    result.Set(i, pair);
  }
  return result;
}

Napi::Value Graph::ImportFunctionDef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsTypedArray() ||
                   info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array,
               TypeError, env, "importFunctionDef expects the FunctionDef as a Uint8Array", env.Undefined());
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  StatusGuard status;
  FunctionGuard func(Tf().TF_FunctionImportFunctionDef(bytes.Data(), bytes.ByteLength(), status));
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  Tf().TF_GraphCopyFunction(graph_, func.get(), nullptr, status);
  ThrowIfNotOk(env, status);
  return env.Undefined();
}

Napi::Value Graph::FunctionDefs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = Tf().TF_GraphNumFunctions(graph_);
  std::vector<TF_Function*> funcs(n);
  StatusGuard status;
  n = Tf().TF_GraphGetFunctions(graph_, funcs.data(), n, status);
  // Each function returned is ours to delete, also when converting one of them fails.
  std::vector<FunctionGuard> owned;
  owned.reserve(n > 0 ? n : 0);
  for (int i = 0; i < n; ++i) owned.emplace_back(funcs[i]);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  Napi::Array result = Napi::Array::New(env, n);
  bool failed = false;
  for (int i = 0; i < n; ++i) {
    BufferGuard buffer(Tf().TF_NewBuffer());
    Tf().TF_FunctionToFunctionDef(funcs[i], buffer.get(), status);
    if (!failed && Tf().TF_GetCode(status) != TF_OK) failed = true;
    if (!failed) result.Set(i, BufferToJs(env, buffer.get()));
  }
  if (failed && ThrowIfNotOk(env, status)) return env.Undefined();
  return result;
}

// The forward While of a loop is rebuilt with accumulators when its gradient is taken (as Python's while_v2 rewrites
// it): its consumers move to the rebuilt op, which TensorFlow checks for a matching dtype.
Napi::Value Graph::UpdateEdge(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 4, TypeError, env, "updateEdge(srcOp, srcIndex, dstOp, dstInputIndex) needs 4 arguments",
               env.Undefined());
  TF_Output source;
  if (!ReadOutput(env, info[0], info[1], &source)) return env.Undefined();
  Operation* dst = UnwrapTagged<Operation>(env, info[2], kOperationTag, "the consumer of updateEdge");
  if (dst == nullptr) return env.Undefined();
  TFN_THROW_IF(dst->graph() != this, Error, env, "updateEdge: the consumer belongs to another graph", env.Undefined());
  int32_t k = info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : -1;
  TFN_THROW_IF(k < 0 || k >= Tf().TF_OperationNumInputs(dst->op()), RangeError, env,
               "updateEdge: the consumer has no input of that index", env.Undefined());
  StatusGuard status;
  Tf().TF_UpdateEdge(graph_, source, TF_Input{dst->op(), k}, status);
  ThrowIfNotOk(env, status);
  return env.Undefined();
}

Operation* Graph::OwnOperation(Napi::Env env, Napi::Value value, const char* what) {
  Operation* op = UnwrapTagged<Operation>(env, value, kOperationTag, what);
  if (op == nullptr) return nullptr;
  if (op->graph() != this) {
    Napi::Error::New(env, std::string(what) + " '" + Tf().TF_OperationName(op->op()) + "' belongs to another graph")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return op;
}

bool Graph::ReadOperations(Napi::Env env, Napi::Value ops_value, const char* what,
                           std::vector<const TF_Operation*>* out) {
  if (!ops_value.IsArray()) {
    Napi::TypeError::New(env, std::string("Expected an array of operations for ") + what).ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array ops = ops_value.As<Napi::Array>();
  for (uint32_t i = 0; i < ops.Length(); ++i) {
    Operation* op = OwnOperation(env, ops.Get(i), what);
    if (op == nullptr) return false;
    out->push_back(op->op());
  }
  return true;
}

Napi::Value Graph::ToFunctionDef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 9 || !info[0].IsString(), TypeError, env,
               "toFunctionDef(name, ops, inOps, inIdx, outOps, outIdx, outputNames, controlOps, description) got "
               "arguments of the wrong types",
               env.Undefined());
  std::string name = info[0].As<Napi::String>().Utf8Value();
  bool all_ops = info[1].IsNull() || info[1].IsUndefined();
  std::vector<const TF_Operation*> body;
  if (!all_ops && !ReadOperations(env, info[1], "a function body operation", &body)) return env.Undefined();
  std::vector<TF_Output> inputs, outputs;
  if (!ReadOutputs(env, info[2], info[3], "a function input", &inputs)) return env.Undefined();
  if (!ReadOutputs(env, info[4], info[5], "a function output", &outputs)) return env.Undefined();
  std::vector<std::string> names;
  if (!info[6].IsNull() && !info[6].IsUndefined()) {
    TFN_THROW_IF(!info[6].IsArray() || info[6].As<Napi::Array>().Length() != outputs.size(), TypeError, env,
                 "Expected one output name per function output", env.Undefined());
    Napi::Array array = info[6].As<Napi::Array>();
    for (uint32_t i = 0; i < array.Length(); ++i) {
      TFN_THROW_IF(!array.Get(i).IsString(), TypeError, env, "Expected strings as output names", env.Undefined());
      names.push_back(array.Get(i).As<Napi::String>().Utf8Value());
    }
  }
  std::vector<const TF_Operation*> controls;
  if (!ReadOperations(env, info[7], "a function control output", &controls)) return env.Undefined();
  std::vector<std::string> control_names;
  for (const TF_Operation* op : controls) control_names.push_back(Tf().TF_OperationName(const_cast<TF_Operation*>(op)));
  std::vector<const char*> name_ptrs, control_name_ptrs;
  for (const std::string& n : names) name_ptrs.push_back(n.c_str());
  for (const std::string& n : control_names) control_name_ptrs.push_back(n.c_str());
  std::string description = info[8].IsString() ? info[8].As<Napi::String>().Utf8Value() : "";
  StatusGuard status;
  FunctionGuard func(Tf().TF_GraphToFunctionWithControlOutputs(
      graph_, name.c_str(), 0, all_ops ? -1 : static_cast<int>(body.size()), all_ops ? nullptr : body.data(),
      static_cast<int>(inputs.size()), inputs.data(), static_cast<int>(outputs.size()), outputs.data(),
      names.empty() ? nullptr : name_ptrs.data(), static_cast<int>(controls.size()), controls.data(),
      control_name_ptrs.empty() ? nullptr : control_name_ptrs.data(), nullptr,
      description.empty() ? nullptr : description.c_str(), status));
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  BufferGuard buffer(Tf().TF_NewBuffer());
  Tf().TF_FunctionToFunctionDef(func.get(), buffer.get(), status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  return BufferToJs(env, buffer.get());
}

}  // namespace tfn
