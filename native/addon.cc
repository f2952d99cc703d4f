// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
//
// Module init. Exports the wrapper classes and the library functions:
//   [sync] loadLibrary(dir: string) -> string   loads libtensorflow from dir, returns TF_Version();
//          throws Error naming the file and the loader's reason
//   [sync] isLoaded() -> boolean; libraryDirectory() -> string
//   [sync] intraOpUnavailable() -> string   why steps cannot keep intra-op work in the calling thread (loads
//          tfn_intra_op.so on first call; intra_op.h), or '' when they can
//   [sync] setErrorFactory((code, codeNumber, message) => Error)   installed once by lib/errors.ts
//   [sync] allOpList() -> Buffer (OpList); registeredKernelsForOp(name) -> Buffer (KernelList)
//   tensorAlignment: number   the alignment JS memory needs to be fed without a copy
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "checkpoint_reader.h"
#include "common.h"
#include "external_memory.h"
#include "graph.h"
#include "intra_op.h"
#include "operation.h"
#include "server.h"
#include "session.h"
#include "session_run.h"
#include "status.h"
#include "tensor.h"
#include "tensor_helper.h"
#include "tensor_view.h"

namespace tfn {

const napi_type_tag kGraphTag = {0x6e6c7466677261ULL, 0x7068000000000001ULL};
const napi_type_tag kOperationTag = {0x6e6c74666f7065ULL, 0x7261740000000002ULL};
const napi_type_tag kTensorTag = {0x6e6c746674656eULL, 0x736f720000000003ULL};
const napi_type_tag kSessionTag = {0x6e6c7466736573ULL, 0x73696f0000000004ULL};
const napi_type_tag kServerTag = {0x6e6c746673657aULL, 0x7276650000000005ULL};
const napi_type_tag kRunSignatureTag = {0x6e6c7466727573ULL, 0x6967000000000006ULL};

namespace {

Napi::Value LoadLibrary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "loadLibrary expects a directory",
               env.Undefined());
  std::string error;
  if (!LoadTensorFlow(info[0].As<Napi::String>().Utf8Value(), &error)) {
    Napi::Error::New(env, error).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::String::New(env, Tf().TF_Version());
}

Napi::Value IsLoaded(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), TensorFlowLoaded()); }

Napi::Value IntraOpUnavailable(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), IntraOpUnavailableReason());
}

Napi::Value LibraryDirectory(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), TensorFlowDirectory());
}

Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsFunction(), TypeError, env, "setErrorFactory expects a function",
               env.Undefined());
  Instance(env)->error_factory = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value AllOpList(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_LIBRARY(env, env.Undefined());
  BufferGuard buffer(Tf().TF_GetAllOpList());
  return BufferToJs(env, buffer.get());
}

Napi::Value RegisteredKernelsForOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_LIBRARY(env, env.Undefined());
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "Expected an op name", env.Undefined());
  StatusGuard status;
  BufferGuard buffer(Tf().TF_GetRegisteredKernelsForOp(info[0].As<Napi::String>().Utf8Value().c_str(), status));
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  return BufferToJs(env, buffer.get());
}

// A fresh process starts at glibc's 128 KB mmap threshold, and its trim threshold (twice the mmap one) grows only
// as large mmapped chunks are freed. Until then every arena gives the top of its heap back to the system after
// each step and takes it again at the next (page faults on gRPC's receive buffers): a Node parameter server
// spent about twice the CPU per step of a Python one, whose process has them raised by the time it trains.
// Freeing one mmapped chunk just under glibc's dynamic maximum (32 MB) raises them (to 31 and 62 MB) and keeps
// them dynamic. The chunk is never touched: two system calls, no memory.
#if defined(__GLIBC__)
void RaiseDynamicMmapThreshold() {
  // Through a volatile pointer: a compiler may drop a malloc/free pair whose memory is unused.
  void* (*volatile allocate)(size_t) = std::malloc;
  void (*volatile release)(void*) = std::free;
  release(allocate(static_cast<size_t>(31) << 20));
}
#endif

// TensorFlow allocates tensor buffers with posix_memalign. When a loop of runSync calls never yields and
// never disposes its large results, the GC frees them in batches between the small allocations of each run,
// and glibc (whose mmap threshold grows dynamically) cannot reuse the freed chunks for new aligned requests:
// the heap grows. A fixed threshold (e.g. 131072, glibc's initial one) keeps large buffers in mmap and returned
// at free, but makes every large buffer TensorFlow allocates a fresh mapping: training steps ran at half speed
// with it. So it is opt-in: NODE_LIBTENSORFLOW_MMAP_THRESHOLD=<bytes> (glibc's MALLOC_MMAP_THRESHOLD_ wins).
void ApplyMmapThreshold() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr) return;
    const char* setting = std::getenv("NODE_LIBTENSORFLOW_MMAP_THRESHOLD");
    long threshold = setting != nullptr ? std::atol(setting) : 0;
    if (threshold > 0) {
      mallopt(M_MMAP_THRESHOLD, static_cast<int>(threshold));
      return;
    }
    RaiseDynamicMmapThreshold();
  });
#endif
}

// Keeps this library loaded for the life of the process. Node unloads a worker's addons when the worker
// exits, but code in this library outlives any one environment: TensorFlow calls tensor deallocators from
// its own threads whenever it drops a buffer, and V8 calls view tokens' deleters and destroys backing stores
// made here while it tears the worker's heap down, after the unload.
void PinThisLibrary() {
  static std::once_flag once;
  std::call_once(once, [] {
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&PinThisLibrary), &info) != 0 && info.dli_fname != nullptr) {
      dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
    }
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  PinThisLibrary();
  ApplyMmapThreshold();
  FinishStepsOnTeardown(env);
  auto* data = new InstanceData();
  env.SetInstanceData<InstanceData>(data);
  data->external_memory = std::make_shared<ExternalMemory>();
  data->owner_key = Napi::Persistent(Napi::Symbol::New(env, "node-libtensorflow:owner"));
  data->tensor_views = NewTensorViewState();

  Napi::Function graph = Graph::Init(env);
  Napi::Function operation = Operation::Init(env);
  Napi::Function tensor = Tensor::Init(env);
  Napi::Function session = Session::Init(env);
  Napi::Function server = Server::Init(env);
  data->graph_ctor = Napi::Persistent(graph);
  data->operation_ctor = Napi::Persistent(operation);
  data->tensor_ctor = Napi::Persistent(tensor);
  data->session_ctor = Napi::Persistent(session);
  data->server_ctor = Napi::Persistent(server);

  exports.Set("Graph", graph);
  exports.Set("Operation", operation);
  exports.Set("Tensor", tensor);
  exports.Set("Session", session);
  exports.Set("Server", server);
  exports.Set("loadLibrary", Napi::Function::New(env, LoadLibrary, "loadLibrary"));
  exports.Set("isLoaded", Napi::Function::New(env, IsLoaded, "isLoaded"));
  exports.Set("libraryDirectory", Napi::Function::New(env, LibraryDirectory, "libraryDirectory"));
  exports.Set("intraOpUnavailable", Napi::Function::New(env, IntraOpUnavailable, "intraOpUnavailable"));
  exports.Set("setErrorFactory", Napi::Function::New(env, SetErrorFactory, "setErrorFactory"));
  exports.Set("allOpList", Napi::Function::New(env, AllOpList, "allOpList"));
  exports.Set("registeredKernelsForOp", Napi::Function::New(env, RegisteredKernelsForOp, "registeredKernelsForOp"));
  exports.Set("CheckpointReader", CheckpointReader::Init(env));
  exports.Set("tensorAlignment", Napi::Number::New(env, static_cast<double>(kTensorAlignment)));
  return exports;
}

}  // namespace
}  // namespace tfn

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tfn::Init(env, exports); }

NODE_API_MODULE(node_libtensorflow, InitModule)
