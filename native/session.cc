// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "session.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "external_memory.h"
#include "graph.h"
#include "guards.h"
#include "operation.h"
#include "status.h"
#include "tensor.h"
#include "v8_direct.h"

namespace tfn {
namespace {

bool ReadBytes(Napi::Env env, Napi::Value value, const char* what, std::string* out) {
  if (value.IsNull() || value.IsUndefined()) return true;
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, std::string("Expected a Uint8Array or null for ") + what).ThrowAsJavaScriptException();
    return false;
  }
  Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  out->assign(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
  return true;
}

// Whether this environment may still run JS. While a worker is terminated (or calls process.exit), Node
// completes the async work it was waiting for but refuses to call into JS: resolving a promise or making an
// error then fails, which node-addon-api turns into a fatal napi_throw. napi_coerce_to_bool has no side
// effect and, like every call into JS, fails exactly then (napi_cannot_run_js / napi_pending_exception).
bool CanRunJs(napi_env env) {
  napi_value undefined;
  napi_value result;
  if (napi_get_undefined(env, &undefined) != napi_ok) return false;
  return napi_coerce_to_bool(env, undefined, &result) == napi_ok;
}

}  // namespace

SessionHandle::~SessionHandle() {
  // The last share goes after every run that used the session: nobody is left to report failures to.
  if (session == nullptr) return;
  StatusGuard status;
  if (!closed) Tf().TF_CloseSession(session, status);
  Tf().TF_DeleteSession(session, status);
}

// What a run feeds, fetches and targets, checked once by prepare() (the JS surface in session.h).
struct RunSignature {
  uint64_t session_serial = 0;
  std::vector<TF_Output> inputs;
  std::vector<TF_DataType> input_types;
  std::vector<TF_Output> outputs;
  std::vector<TF_Operation*> targets;
};

namespace {

// setTimeout's bound, which the façade applies as well.
constexpr double kMaxDeadlineMs = 2147483647.0;

// Everything one TF_SessionRun call needs, read on the JS thread.
struct RunCall {
  std::shared_ptr<const RunSignature> signature;
  std::vector<TF_Tensor*> input_values;
  // Tensors made for this run only, deleted with it.
  std::vector<TF_Tensor*> made;
  // Shares of fed Tensor wrappers' tensors: the caller may dispose them while the run is in flight.
  std::vector<std::shared_ptr<TensorOwner>> borrowed;
  std::string run_options;
  bool has_run_options = false;
  bool want_metadata = false;
  // 0: none. Else the run settles (DEADLINE_EXCEEDED) after this long even if TensorFlow does not.
  int64_t deadline_ms = 0;
  // Results.
  std::vector<TF_Tensor*> output_values;
  std::string metadata;
  TF_Code code = TF_OK;
  std::string message;

  ~RunCall() {
    for (TF_Tensor* t : made) Tf().TF_DeleteTensor(t);
    for (TF_Tensor* t : output_values) {
      if (t != nullptr) Tf().TF_DeleteTensor(t);
    }
  }

  bool Read(const Napi::CallbackInfo& info, uint64_t session_serial) {
    Napi::Env env = info.Env();
    if (info.Length() < 4) {
      Napi::TypeError::New(env, "run(signature, feedValues, runOptions, wantMetadata) needs four arguments")
          .ThrowAsJavaScriptException();
      return false;
    }
    bool tagged = false;
    if (!info[0].IsExternal() || napi_check_object_type_tag(env, info[0], &kRunSignatureTag, &tagged) != napi_ok ||
        !tagged) {
      Napi::TypeError::New(env, "Expected a run signature from session.prepare()").ThrowAsJavaScriptException();
      return false;
    }
    signature = *info[0].As<Napi::External<std::shared_ptr<const RunSignature>>>().Data();
    if (signature->session_serial != session_serial) {
      Napi::Error::New(env, "The run signature was prepared by another session").ThrowAsJavaScriptException();
      return false;
    }
    size_t n = signature->inputs.size();
    if (!info[1].IsArray() || info[1].As<Napi::Array>().Length() != n) {
      Napi::TypeError::New(env, "Expected one value per fed tensor").ThrowAsJavaScriptException();
      return false;
    }
    Napi::Array values = info[1].As<Napi::Array>();
    input_values.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      Napi::Value value = values.Get(i);
      TF_Tensor* tensor = nullptr;
      if (value.IsNumber()) {
        tensor = Tensor::FromNumber(env, signature->input_types[i], value.As<Napi::Number>().DoubleValue());
      } else if (value.IsArray()) {
        // [dtype, dims, TypedArray]: a tensor made for this run only.
        Napi::Array triple = value.As<Napi::Array>();
        bool zero_copy;
        tensor = Tensor::FromTypedArray(env, triple.Get(0u), triple.Get(1u), triple.Get(2u), true, &zero_copy);
      } else {
        Tensor* t =
            UnwrapTagged<Tensor>(env, value, kTensorTag, "a Tensor, a number or [dtype, dims, TypedArray] to feed");
        if (t == nullptr) return false;
        if (t->tensor() == nullptr) {
          Napi::Error::New(env, std::string("The Tensor fed to '") +
                                    Tf().TF_OperationName(signature->inputs[i].oper) + "' is disposed")
              .ThrowAsJavaScriptException();
          return false;
        }
        borrowed.push_back(t->owner());
        input_values[i] = t->tensor();
        continue;
      }
      if (tensor == nullptr) return false;
      made.push_back(tensor);
      input_values[i] = tensor;
    }
    has_run_options = !info[2].IsNull() && !info[2].IsUndefined();
    if (!ReadBytes(env, info[2], "runOptions", &run_options)) return false;
    want_metadata = info[3].ToBoolean();
    if (info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsNull()) {
      double ms = info[4].IsNumber() ? info[4].As<Napi::Number>().DoubleValue() : -1;
      if (!(ms > 0 && ms <= kMaxDeadlineMs)) {
        Napi::RangeError::New(env, "Expected a deadline between 1 and 2147483647 ms").ThrowAsJavaScriptException();
        return false;
      }
      deadline_ms = static_cast<int64_t>(ms);
    }
    return true;
  }

  // Any thread; touches only TensorFlow.
  void Execute(TF_Session* session) {
    const RunSignature& sig = *signature;
    output_values.assign(sig.outputs.size(), nullptr);
    StatusGuard status;
    BufferGuard options(has_run_options ? Tf().TF_NewBufferFromString(run_options.data(), run_options.size())
                                        : nullptr);
    BufferGuard meta(want_metadata ? Tf().TF_NewBuffer() : nullptr);
    Tf().TF_SessionRun(session, options.get(), sig.inputs.data(), input_values.data(),
                       static_cast<int>(sig.inputs.size()), sig.outputs.data(), output_values.data(),
                       static_cast<int>(sig.outputs.size()), sig.targets.data(), static_cast<int>(sig.targets.size()),
                       meta.get(), status);
    code = status.code();
    if (code != TF_OK) message = status.message();
    if (meta.get() != nullptr && code == TF_OK) {
      metadata.assign(static_cast<const char*>(meta.get()->data), meta.get()->length);
    }
  }

  // JS thread: the results, or the error to throw.
  Napi::Value Results(Napi::Env env) {
    std::vector<napi_value> values(output_values.size());
    for (size_t i = 0; i < output_values.size(); ++i) {
      values[i] = Tensor::ToJs(env, output_values[i]);
      output_values[i] = nullptr;
    }
    Napi::Array results = NewArray(env, values.data(), values.size());
    if (!want_metadata) return results;
    Napi::Object object = Napi::Object::New(env);
    object.Set("outputs", results);
    object.Set("metadata", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(metadata.data()),
                                                       metadata.size()));
    return object;
  }
};

// Runs `call`, but gives up waiting at its deadline. TensorFlow's own timeout_in_ms cancels the step and then
// waits for its ops, which never return when an op ignores cancellation (MapPeek/Dequeue variants waiting on a
// condition variable) or a gRPC target has nothing listening. Such a run goes on in a detached thread that
// owns the call and a share of the session, so it frees the libuv pool thread, keeps nothing it uses from
// being deleted, and does not hold up process exit (which joins the pool's threads, not detached ones).
// Returns false when it gave up: the call then belongs to that thread and must not be read.
bool ExecuteWithin(std::shared_ptr<RunCall> call, std::shared_ptr<SessionHandle> session) {
  if (call->deadline_ms == 0) {
    call->Execute(session->session);
    return true;
  }
  struct Done {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  auto done = std::make_shared<Done>();
  std::thread([call, session, done] {
    call->Execute(session->session);
    std::lock_guard<std::mutex> lock(done->mu);
    done->done = true;
    done->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(done->mu);
  // A little past the deadline, so that TensorFlow's own DeadlineExceeded (naming what timed out) wins
  // whenever TensorFlow can honour the deadline.
  return done->cv.wait_for(lock, std::chrono::milliseconds(call->deadline_ms + 50), [&] { return done->done; });
}

Napi::Value DeadlineError(Napi::Env env, int64_t deadline_ms) {
  return StatusError(env, TF_DEADLINE_EXCEEDED,
                     "The run did not finish within its deadline of " + std::to_string(deadline_ms) +
                         " ms; it goes on in the background until TensorFlow returns (an op that ignores "
                         "cancellation, or an unreachable target)");
}

}  // namespace

// Async run on the libuv pool: the constructor has already read the call on the JS thread; Execute only
// calls TensorFlow; OnOK builds the results (or the error) back on the JS thread.
class RunWorker : public Napi::AsyncWorker {
 public:
  // The fed values need no reference of their own: the call holds their TF_Tensors, and a TF_Tensor over JS
  // memory holds a reference to that memory until TensorFlow releases it (Tensor::FromTypedArray).
  RunWorker(Napi::Env env, Session* session, Napi::Object session_object, std::shared_ptr<RunCall> call)
      : Napi::AsyncWorker(env, "node-libtensorflow:run"),
        session_(session),
        handle_(session->handle()),
        deferred_(Napi::Promise::Deferred::New(env)),
        call_(std::move(call)) {
    session_ref_ = Napi::Persistent(session_object);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { finished_ = ExecuteWithin(call_, handle_); }

  void OnOK() override {
    Napi::Env env = Env();
    handle_.reset();
    if (!CanRunJs(env)) {
      // The environment is going away: settle nothing, free the results (call_'s destructor).
      session_->RunFinished(false);
      return;
    }
    Napi::HandleScope scope(env);
    if (!finished_) {
      deferred_.Reject(DeadlineError(env, call_->deadline_ms));
    } else if (call_->code != TF_OK) {
      deferred_.Reject(StatusError(env, call_->code, call_->message));
    } else {
      deferred_.Resolve(call_->Results(env));
    }
    // After the run's own promise, so that a close() waiting for it settles after it.
    session_->RunFinished(true);
  }

  void OnError(const Napi::Error& error) override {
    handle_.reset();
    bool can_run_js = CanRunJs(Env());
    if (can_run_js) deferred_.Reject(error.Value());
    session_->RunFinished(can_run_js);
  }

 private:
  Session* session_;
  std::shared_ptr<SessionHandle> handle_;
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<RunCall> call_;
  Napi::ObjectReference session_ref_;
  bool finished_ = true;
};

namespace {

class LoadSavedModelWorker : public Napi::AsyncWorker {
 public:
  LoadSavedModelWorker(Napi::Env env, Napi::Object graph_object, TF_Graph* graph, std::string dir,
                       std::vector<std::string> tags, std::string config, std::string run_options)
      : Napi::AsyncWorker(env, "node-libtensorflow:loadSavedModel"),
        deferred_(Napi::Promise::Deferred::New(env)),
        graph_(graph),
        dir_(std::move(dir)),
        tags_(std::move(tags)),
        config_(std::move(config)),
        run_options_(std::move(run_options)) {
    graph_ref_ = Napi::Persistent(graph_object);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    SessionOptionsGuard options;
    StatusGuard status;
    if (!config_.empty()) {
      Tf().TF_SetConfig(options.get(), config_.data(), config_.size(), status);
      if (!status.ok()) {
        code_ = status.code();
        message_ = status.message();
        return;
      }
    }
    std::vector<const char*> tags;
    for (const std::string& t : tags_) tags.push_back(t.c_str());
    BufferGuard run_options(run_options_.empty() ? nullptr
                                                 : Tf().TF_NewBufferFromString(run_options_.data(), run_options_.size()));
    BufferGuard meta(Tf().TF_NewBuffer());
    session_ = Tf().TF_LoadSessionFromSavedModel(options.get(), run_options.get(), dir_.c_str(), tags.data(),
                                                 static_cast<int>(tags.size()), graph_, meta.get(), status);
    code_ = status.code();
    if (code_ != TF_OK) {
      message_ = status.message();
      session_ = nullptr;
    } else {
      meta_graph_def_.assign(static_cast<const char*>(meta.get()->data), meta.get()->length);
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!CanRunJs(env)) {
      // The environment is going away: nobody will use the session.
      if (session_ != nullptr) SessionHandle discard(session_);
      return;
    }
    Napi::HandleScope scope(env);
    if (code_ != TF_OK) {
      deferred_.Reject(StatusError(env, code_, message_));
      return;
    }
    Napi::Object session =
        Instance(env)->session_ctor.New({Napi::External<TF_Session>::New(env, session_), graph_ref_.Value()});
    Napi::Object result = Napi::Object::New(env);
    result.Set("session", session);
    result.Set("metaGraphDef", Napi::Buffer<uint8_t>::Copy(
                                   env, reinterpret_cast<const uint8_t*>(meta_graph_def_.data()), meta_graph_def_.size()));
    deferred_.Resolve(result);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference graph_ref_;
  TF_Graph* graph_;
  std::string dir_;
  std::vector<std::string> tags_;
  std::string config_;
  std::string run_options_;
  TF_Session* session_ = nullptr;
  std::string meta_graph_def_;
  TF_Code code_ = TF_OK;
  std::string message_;
};

}  // namespace

Napi::Function Session::Init(Napi::Env env) {
  return DefineClass(env, "Session",
                     {
                         InstanceMethod<&Session::Prepare>("prepare"),
                         InstanceMethod<&Session::RunSync>("runSync"),
                         InstanceMethod<&Session::Run>("run"),
                         InstanceMethod<&Session::ListDevices>("listDevices"),
                         InstanceMethod<&Session::Close>("close"),
                         StaticMethod<&Session::LoadSavedModel>("loadSavedModel"),
                     });
}

Session::Session(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Session>(info) {
  Napi::Env env = info.Env();
  // Signatures name operations by pointer; the serial proves one was checked against this session's graph.
  static std::atomic<uint64_t> next_serial{1};
  serial_ = next_serial.fetch_add(1, std::memory_order_relaxed);
  TFN_REQUIRE_LIBRARY(env, );
  // Internal form: (External<TF_Session>, graph) from loadSavedModel.
  if (info.Length() == 2 && info[0].IsExternal()) {
    graph_ = UnwrapTagged<Graph>(env, info[1], kGraphTag, "a Graph");
    if (graph_ == nullptr) return;
    graph_ref_ = Napi::Persistent(info[1].As<Napi::Object>());
    handle_ = std::make_shared<SessionHandle>(info[0].As<Napi::External<TF_Session>>().Data());
    napi_type_tag_object(env, info.This(), &kSessionTag);
    return;
  }
  graph_ = UnwrapTagged<Graph>(env, info.Length() > 0 ? info[0] : env.Undefined(), kGraphTag,
                               "a Graph as the first argument of Session");
  if (graph_ == nullptr) return;
  std::string target, config;
  if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) {
    TFN_THROW_IF(!info[1].IsString(), TypeError, env, "Expected a string target", );
    target = info[1].As<Napi::String>().Utf8Value();
  }
  if (!ReadBytes(env, info.Length() > 2 ? info[2] : env.Undefined(), "config", &config)) return;
  SessionOptionsGuard options;
  StatusGuard status;
  if (!target.empty()) Tf().TF_SetTarget(options.get(), target.c_str());
  if (!config.empty()) {
    Tf().TF_SetConfig(options.get(), config.data(), config.size(), status);
    if (ThrowIfNotOk(env, status)) return;
  }
  TF_Session* session = Tf().TF_NewSession(graph_->graph(), options.get(), status);
  if (ThrowIfNotOk(env, status)) return;
  handle_ = std::make_shared<SessionHandle>(session);
  graph_ref_ = Napi::Persistent(info[0].As<Napi::Object>());
  napi_type_tag_object(env, info.This(), &kSessionTag);
}

Session::~Session() {
  // A GC finalizer: no JS, and nobody to report a failure to (the handle's destructor drops it).
  handle_.reset();
}

void Session::CloseHandle() {
  if (handle_ == nullptr || handle_->closed) return;
  handle_->closed = true;
  // TF_CloseSession cancels the runs in flight (DirectSession::Close starts its cancellation manager: a
  // blocked Dequeue returns CANCELLED) and makes later TF_SessionRun calls fail with CANCELLED.
  StatusGuard status;
  Tf().TF_CloseSession(handle_->session, status);
  if (!status.ok() && close_code_ == TF_OK) {
    close_code_ = status.code();
    close_message_ = status.message();
  }
}

void Session::DeleteHandle() {
  if (handle_ == nullptr) return;
  if (handle_.use_count() == 1) {
    StatusGuard status;
    Tf().TF_DeleteSession(handle_->session, status);
    if (!status.ok() && close_code_ == TF_OK) {
      close_code_ = status.code();
      close_message_ = status.message();
    }
    handle_->session = nullptr;
  }
  // Else a run abandoned at its deadline still uses it: its thread deletes it when TensorFlow returns.
  handle_.reset();
}

void Session::SettleCloses(Napi::Env env, bool can_run_js) {
  std::vector<Napi::Promise::Deferred> closes;
  closes.swap(pending_closes_);
  if (!can_run_js) return;
  for (auto& deferred : closes) {
    if (close_code_ == TF_OK) {
      deferred.Resolve(env.Undefined());
    } else {
      deferred.Reject(StatusError(env, close_code_, close_message_));
    }
  }
}

void Session::RunFinished(bool can_run_js) {
  --active_runs_;
  if (active_runs_ == 0 && closing_) {
    DeleteHandle();
    SettleCloses(Env(), can_run_js);
  }
}

Napi::Value Session::Prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(handle_ == nullptr || closing_, Error, env, "Session is closed", env.Undefined());
  TFN_THROW_IF(info.Length() < 5 || !info[4].IsArray(), TypeError, env,
               "prepare(feedOps, feedIdx, fetchOps, fetchIdx, targets) needs five arrays", env.Undefined());
  auto signature = std::make_shared<RunSignature>();
  signature->session_serial = serial_;
  if (!graph_->ReadOutputs(env, info[0], info[1], "a fed tensor", &signature->inputs)) return env.Undefined();
  if (!graph_->ReadOutputs(env, info[2], info[3], "a fetched tensor", &signature->outputs)) return env.Undefined();
  for (const TF_Output& input : signature->inputs) signature->input_types.push_back(Tf().TF_OperationOutputType(input));
  Napi::Array target_ops = info[4].As<Napi::Array>();
  signature->targets.resize(target_ops.Length());
  for (uint32_t i = 0; i < target_ops.Length(); ++i) {
    Operation* op = UnwrapTagged<Operation>(env, target_ops.Get(i), kOperationTag, "an Operation as a run target");
    if (op == nullptr) return env.Undefined();
    TFN_THROW_IF(op->graph() != graph_, Error, env,
                 std::string("Target '") + Tf().TF_OperationName(op->op()) +
                     "' belongs to another graph than the session's",
                 env.Undefined());
    signature->targets[i] = op->op();
  }
  auto* holder = new std::shared_ptr<const RunSignature>(std::move(signature));
  auto external = Napi::External<std::shared_ptr<const RunSignature>>::New(
      env, holder, [](Napi::BasicEnv, std::shared_ptr<const RunSignature>* h) { delete h; });
  napi_type_tag_object(env, external, &kRunSignatureTag);
  return external;
}

Napi::Value Session::RunSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(handle_ == nullptr || closing_, Error, env, "Session is closed", env.Undefined());
  // The previous runs' results that are still alive are reported to V8 now (external_memory.h).
  Instance(env)->external_memory->Settle(env);
  auto call = std::make_shared<RunCall>();
  if (!call->Read(info, serial_)) return env.Undefined();
  if (!ExecuteWithin(call, handle_)) {
    Napi::Error(env, DeadlineError(env, call->deadline_ms)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (call->code != TF_OK) {
    Napi::Error(env, StatusError(env, call->code, call->message)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return call->Results(env);
}

Napi::Value Session::Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(handle_ == nullptr || closing_, Error, env, "Session is closed", env.Undefined());
  // The previous runs' results that are still alive are reported to V8 now (external_memory.h).
  Instance(env)->external_memory->Settle(env);
  auto call = std::make_shared<RunCall>();
  if (!call->Read(info, serial_)) return env.Undefined();
  auto* worker = new RunWorker(env, this, Value(), std::move(call));
  ++active_runs_;
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value Session::ListDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(handle_ == nullptr || closing_, Error, env, "Session is closed", env.Undefined());
  StatusGuard status;
  TF_DeviceList* list = Tf().TF_SessionListDevices(handle_->session, status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  int n = Tf().TF_DeviceListCount(list);
  Napi::Array result = Napi::Array::New(env, n);
  for (int i = 0; i < n; ++i) {
    Napi::Object device = Napi::Object::New(env);
    const char* name = Tf().TF_DeviceListName(list, i, status);
    const char* type = Tf().TF_DeviceListType(list, i, status);
    int64_t memory = Tf().TF_DeviceListMemoryBytes(list, i, status);
    device.Set("name", Napi::String::New(env, name != nullptr ? name : ""));
    device.Set("type", Napi::String::New(env, type != nullptr ? type : ""));
    device.Set("memoryBytes", Napi::Number::New(env, static_cast<double>(memory)));
    result.Set(i, device);
  }
  Tf().TF_DeleteDeviceList(list);
  return result;
}

Napi::Value Session::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto deferred = Napi::Promise::Deferred::New(env);
  if (closing_ && handle_ == nullptr && pending_closes_.empty()) {
    // Already closed: the first close() reported what failed.
    deferred.Resolve(env.Undefined());
    return deferred.Promise();
  }
  closing_ = true;
  CloseHandle();
  pending_closes_.push_back(deferred);
  // The runs in flight settle first (cancelled); the last one deletes the session and settles the closes.
  if (active_runs_ == 0) {
    DeleteHandle();
    SettleCloses(env, true);
  }
  return deferred.Promise();
}

Napi::Value Session::LoadSavedModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_LIBRARY(env, env.Undefined());
  Graph* graph = UnwrapTagged<Graph>(env, info.Length() > 0 ? info[0] : env.Undefined(), kGraphTag, "a Graph");
  if (graph == nullptr) return env.Undefined();
  TFN_THROW_IF(info.Length() < 3 || !info[1].IsString() || !info[2].IsArray(), TypeError, env,
               "loadSavedModel(graph, exportDir, tags, config, runOptions) got arguments of the wrong types",
               env.Undefined());
  std::vector<std::string> tags;
  Napi::Array tag_array = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < tag_array.Length(); ++i) {
    Napi::Value tag = tag_array.Get(i);
    TFN_THROW_IF(!tag.IsString(), TypeError, env, "Expected strings as SavedModel tags", env.Undefined());
    tags.push_back(tag.As<Napi::String>().Utf8Value());
  }
  std::string config, run_options;
  if (!ReadBytes(env, info.Length() > 3 ? info[3] : env.Undefined(), "config", &config)) return env.Undefined();
  if (!ReadBytes(env, info.Length() > 4 ? info[4] : env.Undefined(), "runOptions", &run_options))
    return env.Undefined();
  auto* worker = new LoadSavedModelWorker(env, info[0].As<Napi::Object>(), graph->graph(),
                                          info[1].As<Napi::String>().Utf8Value(), std::move(tags), std::move(config),
                                          std::move(run_options));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace tfn
