// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "session.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "external_memory.h"
#include "graph.h"
#include "guards.h"
#include "operation.h"
#include "session_run.h"
#include "session_runner.h"
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

// One Session.run in flight. Created on the JS thread, executed on a runner thread (session_runner.h), and
// settled back on the JS thread through the environment's RunCompletions. Holds raw N-API handles, which
// need no JS to free: a run whose environment went away is deleted without settling, leaking them with
// the environment.
struct AsyncRun {
  Session* session = nullptr;
  // Keeps the wrapper (and so the Session) alive until the run settles.
  napi_ref session_ref = nullptr;
  napi_deferred deferred = nullptr;
  // The fed values need no reference of their own: the call holds their TF_Tensors, and a TF_Tensor over JS
  // memory holds a reference to that memory until TensorFlow releases it (Tensor::FromTypedArray).
  std::shared_ptr<RunCall> call;
  std::shared_ptr<SessionHandle> handle;
  std::shared_ptr<RunCompletions> completions;
  bool finished = true;
};

namespace {

void ExecuteRun(void* arg) {
  auto* run = static_cast<AsyncRun*>(arg);
  run->finished = ExecuteWithin(run->call, run->handle, false);
}

void DeliverRun(void* arg) {
  auto* run = static_cast<AsyncRun*>(arg);
  // The environment is gone: nobody to settle for.
  if (!run->completions->Post(run)) delete run;
}

void SettleOnJsThread(napi_env env, void* item) {
  auto* run = static_cast<AsyncRun*>(item);
  // env is null while the environment goes away with results still queued.
  if (env == nullptr) {
    delete run;
    return;
  }
  run->session->SettleRun(Napi::Env(env), run);
}

}  // namespace

Napi::Function Session::Init(Napi::Env env) {
  return DefineClass(env, "Session",
                     {
                         InstanceMethod<&Session::Prepare>("prepare"),
                         InstanceMethod<&Session::RunSync>("runSync"),
                         InstanceMethod<&Session::Run>("run"),
                         InstanceMethod<&Session::StepMayBlock>("stepMayBlock"),
                         InstanceMethod<&Session::IntraOpDecision>("intraOpDecision"),
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
  // A GC finalizer: no JS, and nobody to report a failure to (the handle's destructor drops it). No run is in
  // flight (each holds a reference to the wrapper); releasing the threadsafe function only signals the loop.
  handle_.reset();
}

std::shared_ptr<RunCompletions> Session::Completions(Napi::Env env) {
  InstanceData* instance = Instance(env);
  if (!instance->run_completions) instance->run_completions = RunCompletions::Create(env, SettleOnJsThread);
  if (!instance->run_completions) {
    Napi::Error::New(env, "Could not create the channel for run results").ThrowAsJavaScriptException();
  }
  return instance->run_completions;
}

void Session::SettleRun(Napi::Env env, AsyncRun* run) {
  run->handle.reset();
  bool can_run_js = CanRunJs(env);
  if (can_run_js) {
    // The environment is not going away: settle (else the results are freed with the call).
    Napi::HandleScope scope(env);
    const RunCall& call = *run->call;
    if (!run->finished) {
      napi_reject_deferred(env, run->deferred, DeadlineError(env, call.deadline_ms));
    } else if (call.code != TF_OK) {
      napi_reject_deferred(env, run->deferred, StatusError(env, call.code, call.message));
    } else {
      napi_resolve_deferred(env, run->deferred, run->call->Results(env));
    }
  }
  napi_ref session_ref = run->session_ref;
  run->completions->Unref();
  delete run;
  // After the run's own promise, so that a close() waiting for it settles after it.
  RunFinished(can_run_js);
  napi_delete_reference(env, session_ref);
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
  if (info.Length() > 5 && info[5].ToBoolean() && !signature->may_block) {
    signature->intra_op =
        intra_op_choices_.For(handle_->session, signature->inputs, signature->outputs, signature->targets);
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
  if (!ExecuteWithin(call, handle_, true)) {
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
  if (call->may_complete_now && call->signature->IsSmall()) return CompleteNow(env, *call);
  std::shared_ptr<RunCompletions> completions = Completions(env);
  if (!completions) return env.Undefined();
  auto* run = new AsyncRun();
  run->session = this;
  run->call = std::move(call);
  run->handle = handle_;
  run->completions = std::move(completions);
  napi_value promise;
  if (napi_create_promise(env, &run->deferred, &promise) != napi_ok ||
      napi_create_reference(env, Value(), 1, &run->session_ref) != napi_ok) {
    delete run;
    Napi::Error::New(env, "Could not start the run").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  ++active_runs_;
  run->completions->Ref();
  RunOnRunnerThread({ExecuteRun, DeliverRun, run});
  return Napi::Value(env, promise);
}

Napi::Value Session::CompleteNow(Napi::Env env, RunCall& call) {
  call.Execute(handle_->session);
  auto deferred = Napi::Promise::Deferred::New(env);
  if (call.code != TF_OK) {
    deferred.Reject(StatusError(env, call.code, call.message));
  } else {
    deferred.Resolve(call.Results(env));
  }
  return deferred.Promise();
}

namespace {

// The run signature passed as info[0], or null after throwing TypeError.
const RunSignature* SignatureArgument(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool tagged = false;
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsExternal() ||
                   napi_check_object_type_tag(env, info[0], &kRunSignatureTag, &tagged) != napi_ok || !tagged,
               TypeError, env, "Expected a run signature from session.prepare()", nullptr);
  return info[0].As<Napi::External<std::shared_ptr<const RunSignature>>>().Data()->get();
}

}  // namespace

Napi::Value Session::StepMayBlock(const Napi::CallbackInfo& info) {
  const RunSignature* signature = SignatureArgument(info);
  if (signature == nullptr) return info.Env().Undefined();
  return Napi::Boolean::New(info.Env(), signature->may_block);
}

Napi::Value Session::IntraOpDecision(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const RunSignature* signature = SignatureArgument(info);
  if (signature == nullptr) return env.Undefined();
  TFN_THROW_IF(info.Length() < 2 || !info[1].IsNumber() || !(info[1].As<Napi::Number>().DoubleValue() >= 0), TypeError,
               env, "Expected the fed bytes as a number", env.Undefined());
  if (!signature->intra_op) return Napi::Number::New(env, -2);
  return Napi::Number::New(env,
                           signature->intra_op->Decided(static_cast<size_t>(info[1].As<Napi::Number>().DoubleValue())));
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
