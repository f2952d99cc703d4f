// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_COMMON_H_
#define NATIVE_COMMON_H_

#include <napi.h>

#include <memory>
#include <string>

#include "tf_api.h"

namespace tfn {

class ExternalMemory;
class RunCompletions;
struct TensorViewState;

// The addon is built with NAPI_EXPERIMENTAL for one reason: finalizers that only free native memory (the
// destructors of the wrapper classes) then run synchronously during garbage collection, instead of being
// queued until the event loop turns. Without that, a loop of runSync calls that never yields would keep every
// TensorFlow buffer it fetched alive. Destructors must therefore touch no JS: node-addon-api posts their
// reference deletions to run after the GC.
//
// Per-environment state (one per main thread or worker): constructors and the JS error factory. Nothing
// JS-related is process-wide, so worker_threads and repeated loading work.
struct InstanceData {
  Napi::FunctionReference graph_ctor;
  Napi::FunctionReference operation_ctor;
  Napi::FunctionReference tensor_ctor;
  Napi::FunctionReference session_ctor;
  Napi::FunctionReference server_ctor;
  // (code: string, codeNumber: number, message: string) => Error, installed by lib/errors.ts.
  Napi::FunctionReference error_factory;
  // worker_threads.markAsUntransferable, installed by lib/binding/library.ts (tensor_view.h).
  Napi::FunctionReference view_marker;
  std::shared_ptr<ExternalMemory> external_memory;
  // Where tensor views are unavailable (tensor_view.h): keys the property by which a Tensor's data()
  // ArrayBuffer keeps its Tensor wrapper alive.
  Napi::Reference<Napi::Symbol> owner_key;
  std::shared_ptr<TensorViewState> tensor_views;
  // Brings Session.run's results back from runner threads (session_runner.h); made on the first run.
  std::shared_ptr<RunCompletions> run_completions;
};

inline InstanceData* Instance(Napi::Env env) { return env.GetInstanceData<InstanceData>(); }

// Type tags so that unwrapping rejects, say, a Graph passed where a Session is expected.
extern const napi_type_tag kGraphTag;
extern const napi_type_tag kOperationTag;
extern const napi_type_tag kTensorTag;
extern const napi_type_tag kSessionTag;
extern const napi_type_tag kServerTag;
extern const napi_type_tag kRunSignatureTag;

// Unwraps `value` as T (tagged with `tag`) or throws a TypeError naming `what`; returns nullptr after throwing.
template <typename T>
T* UnwrapTagged(Napi::Env env, Napi::Value value, const napi_type_tag& tag, const char* what) {
  if (value.IsObject()) {
    bool ok = false;
    if (napi_check_object_type_tag(env, value, &tag, &ok) == napi_ok && ok) {
      return Napi::ObjectWrap<T>::Unwrap(value.As<Napi::Object>());
    }
  }
  Napi::TypeError::New(env, std::string("Expected ") + what).ThrowAsJavaScriptException();
  return nullptr;
}

}  // namespace tfn

// Guards at the top of methods: state first, then arguments. Each throws and returns `ret`.
#define TFN_THROW_IF(cond, ErrorType, env, msg, ret)               \
  do {                                                             \
    if (cond) {                                                    \
      Napi::ErrorType::New(env, msg).ThrowAsJavaScriptException(); \
      return ret;                                                  \
    }                                                              \
  } while (0)

#define TFN_REQUIRE_LIBRARY(env, ret) \
  TFN_THROW_IF(!::tfn::TensorFlowLoaded(), Error, env, "libtensorflow is not loaded; call loadLibrary first.", ret)

#endif  // NATIVE_COMMON_H_
