// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
// One TF_SessionRun call: read on the JS thread, executed on any thread (with a deadline, if it has one),
// turned into JS values back on the JS thread. Session::run and Session::runSync both use it.
#ifndef NATIVE_SESSION_RUN_H_
#define NATIVE_SESSION_RUN_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "intra_op.h"
#include "session.h"
#include "tensor.h"

namespace tfn {

// What a run feeds, fetches and targets, checked once by prepare() (the JS surface in session.h).
struct RunSignature {
  uint64_t session_serial = 0;
  std::vector<TF_Output> inputs;
  std::vector<TF_DataType> input_types;
  std::vector<TF_Output> outputs;
  std::vector<TF_Operation*> targets;
  // Whether an op of the step may wait for another one (session_blocking.h): such a step needs the pools.
  bool may_block = true;
  // Where runs' intra-op work goes (intra_op.h), for a step that cannot block, of a CPU-only session whose config
  // leaves intra-op threading unset, where tfn_intra_op.so is available; else null.
  std::shared_ptr<IntraOpChoice> intra_op;
  // TF_SessionRun times of this signature's runs (wall-clock, ns), by which Session::run decides whether a
  // step is small enough to complete in the JS thread (session.h). floor: a minimum that forgets slowly (it
  // drops to any faster run and rises 1/32 per slower one), because on a busy machine a small step is often
  // preempted, which an average counts as a big step, and once on the runner threads it stays there. last:
  // the latest run, so that a step that just took long never runs next in the JS thread.
  mutable std::atomic<int64_t> floor_step_ns{INT64_MAX / 2};
  mutable std::atomic<int64_t> last_step_ns{INT64_MAX / 2};

  void RecordStep(int64_t ns) const;
  bool IsSmall() const;
};

// The longest step time (ns, the floor above) that Session::run may complete in the JS thread. Sending a
// step to a runner thread and settling its result costs the JS thread itself 8-10 us more than running a
// small step inline (docs/THREADING.md has the measurements), so below this the event loop is held for less
// time inline than by the hop.
// NODE_LIBTENSORFLOW_SMALL_STEP_US overrides it (session_run.cc).
constexpr int64_t kSmallStepNanos = 5000;
// And the longest that the latest run may have taken: a preempted small step takes up to a few hundred us.
constexpr int64_t kSmallLastStepNanos = 250000;

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
  // The environment that started the run.
  napi_env env = nullptr;
  // Session::run only: the caller allows completing the step in the JS thread if it is small.
  bool may_complete_now = false;
  // The run leaves intra-op threading to the binding (no explicit callerThread) and its signature has a choice.
  bool may_choose_intra_op = false;
  // Results.
  std::vector<TF_Tensor*> output_values;
  std::string metadata;
  TF_Code code = TF_OK;
  std::string message;

  ~RunCall();
  // JS thread: the arguments of run/runSync (session.h). False after throwing.
  bool Read(const Napi::CallbackInfo& info, uint64_t session_serial);
  // Any thread; touches only TensorFlow.
  void Execute(TF_Session* session);
  // JS thread: the results, or the error to throw.
  Napi::Value Results(Napi::Env env);
};

// Reads an optional Uint8Array argument (null/undefined: leaves `out` empty). False after throwing TypeError.
bool ReadBytes(Napi::Env env, Napi::Value value, const char* what, std::string* out);

// Whether this environment may still run JS. While a worker is terminated (or calls process.exit), Node
// completes the async work it was waiting for but refuses to call into JS: resolving a promise or making an
// error then fails, which node-addon-api turns into a fatal napi_throw. napi_coerce_to_bool has no side
// effect and, like every call into JS, fails exactly then (napi_cannot_run_js / napi_pending_exception).
bool CanRunJs(napi_env env);

// Runs `call`, giving up waiting at its deadline (session_run.cc says how). Returns false when it gave up:
// the call then belongs to the thread that still runs it and must not be read. When its environment is torn
// down, or the process exits, the sessions of steps still running here are closed and the teardown waits for
// them (session_run.cc, StepsInFlight); a step that would start after exit() fails with CANCELLED.
bool ExecuteWithin(std::shared_ptr<RunCall> call, std::shared_ptr<SessionHandle> session, bool on_js_thread);

// Called once per environment (addon.cc): its teardown cancels and waits for the steps it started that still run
// off its JS thread, which must not outlive it (session_run.cc, StepsInFlight).
void FinishStepsOnTeardown(napi_env env);

// The DEADLINE_EXCEEDED error of a run given up at its deadline.
Napi::Value DeadlineError(Napi::Env env, int64_t deadline_ms);

}  // namespace tfn

#endif  // NATIVE_SESSION_RUN_H_
