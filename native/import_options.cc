// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "import_options.h"

#include "graph.h"
#include "operation.h"

namespace tfn {
namespace {

Operation* OperationOfGraph(Napi::Env env, Napi::Value value, TF_Graph* graph, const char* what) {
  Operation* op = UnwrapTagged<Operation>(env, value, kOperationTag, what);
  if (op == nullptr) return nullptr;
  if (op->graph()->graph() != graph) {
    Napi::Error::New(env, std::string(what) + " '" + Tf().TF_OperationName(op->op()) +
                              "' belongs to another graph than the one imported into")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return op;
}

}  // namespace

ImportOptions::ImportOptions() : options_(Tf().TF_NewImportGraphDefOptions()) {}

ImportOptions::~ImportOptions() { Tf().TF_DeleteImportGraphDefOptions(options_); }

bool ImportOptions::Read(Napi::Env env, Napi::Value value, TF_Graph* graph) {
  const TfApi& tf = Tf();
  if (value.IsUndefined() || value.IsNull()) return true;
  if (!value.IsObject()) {
    Napi::TypeError::New(env, "Expected an options object for importGraphDef").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Object options = value.As<Napi::Object>();
  auto str = [&](Napi::Value v, const char* what, std::string* out) {
    if (!v.IsString()) {
      Napi::TypeError::New(env, std::string("Expected a string for ") + what).ThrowAsJavaScriptException();
      return false;
    }
    *out = v.As<Napi::String>().Utf8Value();
    return true;
  };
  auto index = [&](Napi::Value v, const char* what, int* out) {
    if (!v.IsNumber() || v.As<Napi::Number>().Int32Value() < 0) {
      Napi::TypeError::New(env, std::string("Expected a non-negative index for ") + what).ThrowAsJavaScriptException();
      return false;
    }
    *out = v.As<Napi::Number>().Int32Value();
    return true;
  };
  std::string s;
  if (options.Has("prefix") && !options.Get("prefix").IsUndefined()) {
    if (!str(options.Get("prefix"), "prefix", &s)) return false;
    tf.TF_ImportGraphDefOptionsSetPrefix(options_, s.c_str());
  }
  if (options.Has("defaultDevice") && !options.Get("defaultDevice").IsUndefined()) {
    if (!str(options.Get("defaultDevice"), "defaultDevice", &s)) return false;
    tf.TF_ImportGraphDefOptionsSetDefaultDevice(options_, s.c_str());
  }
  if (options.Get("uniquifyNames").ToBoolean()) tf.TF_ImportGraphDefOptionsSetUniquifyNames(options_, 1);
  if (options.Get("uniquifyPrefix").ToBoolean()) tf.TF_ImportGraphDefOptionsSetUniquifyPrefix(options_, 1);
  Napi::Value validate = options.Get("validateColocationConstraints");
  if (validate.IsBoolean()) {
    tf.TF_ImportGraphDefOptionsSetValidateColocationConstraints(options_, validate.As<Napi::Boolean>() ? 1 : 0);
  }
  auto array = [&](const char* key, Napi::Array* out) {
    Napi::Value v = options.Get(key);
    if (v.IsUndefined() || v.IsNull()) return true;
    if (!v.IsArray()) {
      Napi::TypeError::New(env, std::string("Expected an array for ") + key).ThrowAsJavaScriptException();
      return false;
    }
    *out = v.As<Napi::Array>();
    return true;
  };
  Napi::Array list;
  if (!array("inputMap", &list)) return false;
  for (uint32_t i = 0; !list.IsEmpty() && i < list.Length(); ++i) {
    Napi::Value entry = list.Get(i);
    if (!entry.IsArray() || entry.As<Napi::Array>().Length() != 4) {
      Napi::TypeError::New(env, "Expected [srcName, srcIndex, Operation, index] in inputMap")
          .ThrowAsJavaScriptException();
      return false;
    }
    Napi::Array e = entry.As<Napi::Array>();
    std::string src;
    int src_index, dst_index;
    if (!str(e.Get(0u), "an inputMap source name", &src) || !index(e.Get(1u), "an inputMap source", &src_index))
      return false;
    Operation* dst = OperationOfGraph(env, e.Get(2u), graph, "inputMap target");
    if (dst == nullptr || !index(e.Get(3u), "an inputMap target", &dst_index)) return false;
    if (dst_index >= tf.TF_OperationNumOutputs(dst->op())) {
      Napi::RangeError::New(env, "inputMap target '" + std::string(tf.TF_OperationName(dst->op())) +
                                     "' has no output " + std::to_string(dst_index))
          .ThrowAsJavaScriptException();
      return false;
    }
    tf.TF_ImportGraphDefOptionsAddInputMapping(options_, src.c_str(), src_index, TF_Output{dst->op(), dst_index});
  }
  list = Napi::Array();
  if (!array("remapControlDependencies", &list)) return false;
  for (uint32_t i = 0; !list.IsEmpty() && i < list.Length(); ++i) {
    Napi::Value entry = list.Get(i);
    if (!entry.IsArray() || entry.As<Napi::Array>().Length() != 2) {
      Napi::TypeError::New(env, "Expected [srcName, Operation] in remapControlDependencies")
          .ThrowAsJavaScriptException();
      return false;
    }
    std::string src;
    if (!str(entry.As<Napi::Array>().Get(0u), "a remapped control dependency", &src)) return false;
    Operation* dst = OperationOfGraph(env, entry.As<Napi::Array>().Get(1u), graph, "control dependency target");
    if (dst == nullptr) return false;
    tf.TF_ImportGraphDefOptionsRemapControlDependency(options_, src.c_str(), dst->op());
  }
  list = Napi::Array();
  if (!array("controlDependencies", &list)) return false;
  for (uint32_t i = 0; !list.IsEmpty() && i < list.Length(); ++i) {
    Operation* op = OperationOfGraph(env, list.Get(i), graph, "control dependency");
    if (op == nullptr) return false;
    tf.TF_ImportGraphDefOptionsAddControlDependency(options_, op->op());
  }
  list = Napi::Array();
  if (!array("returnOutputs", &list)) return false;
  for (uint32_t i = 0; !list.IsEmpty() && i < list.Length(); ++i) {
    Napi::Value entry = list.Get(i);
    if (!entry.IsArray() || entry.As<Napi::Array>().Length() != 2) {
      Napi::TypeError::New(env, "Expected [name, index] in returnOutputs").ThrowAsJavaScriptException();
      return false;
    }
    std::string name;
    int idx;
    if (!str(entry.As<Napi::Array>().Get(0u), "a returned output", &name) ||
        !index(entry.As<Napi::Array>().Get(1u), "a returned output", &idx))
      return false;
    tf.TF_ImportGraphDefOptionsAddReturnOutput(options_, name.c_str(), idx);
    ++num_return_outputs_;
  }
  list = Napi::Array();
  if (!array("returnOperations", &list)) return false;
  for (uint32_t i = 0; !list.IsEmpty() && i < list.Length(); ++i) {
    std::string name;
    if (!str(list.Get(i), "a returned operation", &name)) return false;
    tf.TF_ImportGraphDefOptionsAddReturnOperation(options_, name.c_str());
  }
  return true;
}

}  // namespace tfn
