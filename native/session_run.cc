// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "session_run.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "guards.h"
#include "status.h"
#include "v8_direct.h"

namespace tfn {
namespace {

// setTimeout's bound, which the façade applies as well.
constexpr double kMaxDeadlineMs = 2147483647.0;

// How long an environment's teardown, or exit(), waits for its steps once their sessions are closed.
constexpr auto kFinishWait = std::chrono::seconds(10);

// Steps running off their environment's JS thread (runner threads, deadline threads), by session, with the
// environment that started them. Runner and deadline threads are detached, so a step could outlive its environment (a
// worker terminated with runs in flight) and then the process: exit() destroys static state that TensorFlow's step
// still uses (oneDNN's JIT kernels, MLIR registries), and the process crashed in about one exit in four, under load,
// after worker.terminate() with four runs in flight. So an environment's teardown closes the sessions of its steps
// still running, which cancels them, and waits for them (kFinishWait at most: an op that ignores cancellation
// keeps going), as Node waited for a worker's libuv work. process.exit() in the main thread skips the teardown:
// an atexit handler does the same for every step left. Never destroyed, like the threads that use it.
struct StepsInFlight {
  struct Steps {
    int count = 0;
    napi_env env = nullptr;
  };
  std::mutex mu;
  std::condition_variable done;
  std::map<SessionHandle*, Steps> sessions;
  bool exiting = false;
  // Teardowns waiting in FinishSteps: only then does a finished step notify.
  int waiting = 0;
};

StepsInFlight& Steps() {
  static StepsInFlight* steps = new StepsInFlight();
  return *steps;
}

// Cancels and waits for the steps of `env`, or of every environment (null).
void FinishSteps(napi_env env) {
  StepsInFlight& steps = Steps();
  std::unique_lock<std::mutex> lock(steps.mu);
  if (env == nullptr) steps.exiting = true;
  auto mine = [&](const std::pair<SessionHandle* const, StepsInFlight::Steps>& s) {
    return env == nullptr || s.second.env == env;
  };
  StatusGuard status;
  for (const auto& s : steps.sessions) {
    if (mine(s)) Tf().TF_CloseSession(s.first->session, status);
  }
  ++steps.waiting;
  steps.done.wait_for(lock, kFinishWait,
                      [&] { return std::none_of(steps.sessions.begin(), steps.sessions.end(), mine); });
  --steps.waiting;
}

void FinishAllStepsAtExit() { FinishSteps(nullptr); }

void FinishEnvironmentSteps(void* env) { FinishSteps(static_cast<napi_env>(env)); }

// False once the process exits: the step must not start.
bool BeginStep(SessionHandle* session, napi_env env) {
  // Registered after libtensorflow was loaded (a step needs it), so that it runs before its destructors.
  static std::once_flag registered;
  std::call_once(registered, [] { std::atexit(FinishAllStepsAtExit); });
  StepsInFlight& steps = Steps();
  std::lock_guard<std::mutex> lock(steps.mu);
  if (steps.exiting) return false;
  StepsInFlight::Steps& s = steps.sessions[session];
  ++s.count;
  s.env = env;
  return true;
}

void EndStep(SessionHandle* session) {
  StepsInFlight& steps = Steps();
  std::lock_guard<std::mutex> lock(steps.mu);
  auto it = steps.sessions.find(session);
  if (--it->second.count == 0) steps.sessions.erase(it);
  if (steps.waiting > 0) steps.done.notify_all();
}

// Execute(), counted in StepsInFlight.
void ExecuteCounted(RunCall* call, SessionHandle* session) {
  if (!BeginStep(session, call->env)) {
    call->code = TF_CANCELLED;
    call->message = "The process is exiting";
    return;
  }
  call->Execute(session->session);
  EndStep(session);
}

}  // namespace

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

bool CanRunJs(napi_env env) {
  napi_value undefined;
  napi_value result;
  if (napi_get_undefined(env, &undefined) != napi_ok) return false;
  return napi_coerce_to_bool(env, undefined, &result) == napi_ok;
}

RunCall::~RunCall() {
  for (TF_Tensor* t : made) Tf().TF_DeleteTensor(t);
  for (TF_Tensor* t : output_values) {
    if (t != nullptr) Tf().TF_DeleteTensor(t);
  }
}

bool RunCall::Read(const Napi::CallbackInfo& info, uint64_t session_serial) {
  Napi::Env env = info.Env();
  this->env = env;
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
        Napi::Error::New(env, std::string("The Tensor fed to '") + Tf().TF_OperationName(signature->inputs[i].oper) +
                                  "' is disposed")
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
  may_complete_now = info.Length() > 5 && info[5].ToBoolean() && deadline_ms == 0 && !want_metadata;
  may_choose_intra_op = info.Length() > 6 && info[6].ToBoolean() && signature->intra_op && !want_metadata;
  return true;
}

void RunSignature::RecordStep(int64_t ns) const {
  // Concurrent runs may lose an update: this is a hint, not a count.
  int64_t floor = floor_step_ns.load(std::memory_order_relaxed);
  floor_step_ns.store(std::min(ns, floor + floor / 32 + 100), std::memory_order_relaxed);
  last_step_ns.store(ns, std::memory_order_relaxed);
}

namespace {

// kSmallStepNanos, unless NODE_LIBTENSORFLOW_SMALL_STEP_US (microseconds, 0 to 1000000) says otherwise: 0 keeps
// every step off the JS thread for the whole process; a machine with slower system calls may afford more.
int64_t SmallStepNanos() {
  static const int64_t nanos = [] {
    const char* setting = std::getenv("NODE_LIBTENSORFLOW_SMALL_STEP_US");
    if (setting == nullptr || *setting == '\0') return kSmallStepNanos;
    char* end = nullptr;
    double us = std::strtod(setting, &end);
    if (end == setting || *end != '\0' || !(us >= 0 && us <= 1e6)) return kSmallStepNanos;
    return static_cast<int64_t>(us * 1000);
  }();
  return nanos;
}

}  // namespace

bool RunSignature::IsSmall() const {
  int64_t limit = SmallStepNanos();
  return limit > 0 && floor_step_ns.load(std::memory_order_relaxed) <= limit &&
         last_step_ns.load(std::memory_order_relaxed) <= kSmallLastStepNanos;
}

void RunCall::Execute(TF_Session* session) {
  const RunSignature& sig = *signature;
  output_values.assign(sig.outputs.size(), nullptr);
  StatusGuard status;
  BufferGuard options(has_run_options ? Tf().TF_NewBufferFromString(run_options.data(), run_options.size()) : nullptr);
  BufferGuard meta(want_metadata ? Tf().TF_NewBuffer() : nullptr);
  size_t fed_bytes = 0;
  bool caller_thread = false;
  if (may_choose_intra_op) {
    for (TF_Tensor* t : input_values) fed_bytes += Tf().TF_TensorByteSize(t);
    caller_thread = sig.intra_op->CallerThread(fed_bytes);
  }
  auto start = std::chrono::steady_clock::now();
  // The same arguments: a run that may choose asks for no run metadata.
  (caller_thread ? IntraOpSessionRun() : Tf().TF_SessionRun)(
      session, options.get(), sig.inputs.data(), input_values.data(), static_cast<int>(sig.inputs.size()),
      sig.outputs.data(), output_values.data(), static_cast<int>(sig.outputs.size()), sig.targets.data(),
      static_cast<int>(sig.targets.size()), meta.get(), status);
  if (caller_thread) IntraOpChoice::ReleaseCallerSlot();
  code = status.code();
  // A traced step is slower than the same step untraced.
  if (!want_metadata) {
    int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    sig.RecordStep(ns);
    if (may_choose_intra_op && code == TF_OK) sig.intra_op->Record(fed_bytes, caller_thread, ns);
  }
  if (code != TF_OK) message = status.message();
  if (meta.get() != nullptr && code == TF_OK) {
    metadata.assign(static_cast<const char*>(meta.get()->data), meta.get()->length);
  }
}

Napi::Value RunCall::Results(Napi::Env env) {
  std::vector<napi_value> values(output_values.size());
  for (size_t i = 0; i < output_values.size(); ++i) {
    values[i] = Tensor::ToJs(env, output_values[i]);
    output_values[i] = nullptr;
  }
  Napi::Array results = NewArray(env, values.data(), values.size());
  if (!want_metadata) return results;
  Napi::Object object = Napi::Object::New(env);
  object.Set("outputs", results);
  object.Set("metadata",
             Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(metadata.data()), metadata.size()));
  return object;
}

// Runs `call`, but gives up waiting at its deadline. TensorFlow's own timeout_in_ms cancels the step and then
// waits for its ops, which never return when an op ignores cancellation (MapPeek/Dequeue variants waiting on a
// condition variable) or a gRPC target has nothing listening. Such a run goes on in a detached thread that
// owns the call and a share of the session, so it frees the thread that waits for it, keeps nothing it uses from
// being deleted, and does not hold up process exit (which joins the pool's threads, not detached ones).
bool ExecuteWithin(std::shared_ptr<RunCall> call, std::shared_ptr<SessionHandle> session, bool on_js_thread) {
  if (call->deadline_ms == 0) {
    // A step on its environment's JS thread ends before the environment can.
    if (on_js_thread) {
      call->Execute(session->session);
    } else {
      ExecuteCounted(call.get(), session.get());
    }
    return true;
  }
  struct Done {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  auto done = std::make_shared<Done>();
  std::thread([call, session, done] {
    ExecuteCounted(call.get(), session.get());
    std::lock_guard<std::mutex> lock(done->mu);
    done->done = true;
    done->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(done->mu);
  // A little past the deadline, so that TensorFlow's own DeadlineExceeded (naming what timed out) wins
  // whenever TensorFlow can honour the deadline.
  return done->cv.wait_for(lock, std::chrono::milliseconds(call->deadline_ms + 50), [&] { return done->done; });
}

void FinishStepsOnTeardown(napi_env env) { napi_add_env_cleanup_hook(env, FinishEnvironmentSteps, env); }

Napi::Value DeadlineError(Napi::Env env, int64_t deadline_ms) {
  return StatusError(env, TF_DEADLINE_EXCEEDED,
                     "The run did not finish within its deadline of " + std::to_string(deadline_ms) +
                         " ms; it goes on in the background until TensorFlow returns (an op that ignores "
                         "cancellation, or an unreachable target)");
}

}  // namespace tfn
