// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "session.h"

#include <atomic>
#include <memory>
#include <string>

#include "external_memory.h"
#include "graph.h"
#include "guards.h"
#include "operation.h"
#include "session_run.h"
#include "status.h"
#include "tensor.h"

namespace tfn {

SessionHandle::~SessionHandle() {
  // The last share goes after every run that used the session: nobody is left to report failures to.
  if (session == nullptr) return;
  StatusGuard status;
  if (!closed) Tf().TF_CloseSession(session, status);
  Tf().TF_DeleteSession(session, status);
}

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

namespace {}  // namespace

Napi::Function Session::Init(Napi::Env env) {
  return DefineClass(env, "Session",
                     {
                         InstanceMethod<&Session::Prepare>("prepare"),
                         InstanceMethod<&Session::RunSync>("runSync"),
                         InstanceMethod<&Session::Run>("run"),
                         InstanceMethod<&Session::StepMayBlock>("stepMayBlock"),
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
    TFN_THROW_IF(
        op->graph() != graph_, Error, env,
        std::string("Target '") + Tf().TF_OperationName(op->op()) + "' belongs to another graph than the session's",
        env.Undefined());
    signature->targets[i] = op->op();
  }
  signature->may_block =
      blocking_.StepMayBlock(graph_->graph(), signature->inputs, signature->outputs, signature->targets);
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

Napi::Value Session::StepMayBlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool tagged = false;
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsExternal() ||
                   napi_check_object_type_tag(env, info[0], &kRunSignatureTag, &tagged) != napi_ok || !tagged,
               TypeError, env, "Expected a run signature from session.prepare()", env.Undefined());
  const auto& signature = *info[0].As<Napi::External<std::shared_ptr<const RunSignature>>>().Data();
  return Napi::Boolean::New(env, signature->may_block);
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

}  // namespace tfn
