// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_SESSION_H_
#define NATIVE_SESSION_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "intra_op.h"
#include "session_blocking.h"

namespace tfn {

class Graph;
struct AsyncRun;
class RunCompletions;
struct RunCall;

// Shared ownership of a TF_Session: the Session wrapper holds one share and each run in flight another, so
// that a run given up at its deadline (session.cc, ExecuteWithin) never outlives the session it uses. The
// last share closes (when not yet closed) and deletes it.
struct SessionHandle {
  explicit SessionHandle(TF_Session* s) : session(s) {}
  ~SessionHandle();
  SessionHandle(const SessionHandle&) = delete;
  SessionHandle& operator=(const SessionHandle&) = delete;
  TF_Session* session;
  std::atomic<bool> closed{false};
};

// Wraps TF_Session; holds its Graph alive.
//
// JS surface:
//   new Session(graph, target: string | null, config: Uint8Array | null)   config is a serialized ConfigProto
//   [sync]  s.prepare(feedOps, feedIdx, fetchOps, fetchIdx, targets, choosesIntraOp?) -> RunSignature (an
//           opaque External). feedOps/fetchOps/targets: Operation[] of the session's graph, feedIdx/fetchIdx:
//           number[]. Checked once here, so that a serving loop's runs read only their values. Throws
//           TypeError/RangeError/Error for operations of another graph or outputs they do not have.
//           choosesIntraOp: the session's config leaves intra-op threading to the binding (intra_op.h).
//   [sync]  s.runSync(signature, feedValues, runOptions, wantMetadata, deadlineMs?, _, chooseIntraOp?)
//             -> Result[] | {outputs: Result[], metadata: Buffer}
//           feedValues[i]: a Tensor, a number (a scalar of the fed output's dtype) or [dtype, dims, TypedArray];
//           runOptions: Uint8Array (RunOptions) | null. Result: see Tensor::ToJs. Throws Error when closed,
//           given a signature of another session or disposed tensors, and the TensorFlow error of the run.
//           deadlineMs (1..2^31-1, else RangeError): throws DEADLINE_EXCEEDED by then even when TensorFlow
//           cannot end the run (it goes on in a detached thread; session.cc, ExecuteWithin).
//   [async] s.run(same arguments, completeNowIfSmall?: boolean) -> Promise of the same. Conversion happens on
//           the JS thread; TF_SessionRun runs on a runner thread (session_runner.h; not the libuv pool),
//           touching no JS value; results come back through the environment's RunCompletions. Every input
//           tensor and the session stay referenced until the run settles. With completeNowIfSmall (and no
//           deadline or metadata), a step whose recent runs took at most kSmallStepNanos (session_run.h)
//           runs in the JS thread instead, and the promise is returned settled. chooseIntraOp (the 7th
//           argument of both): this run may keep its intra-op work in the calling thread if the signature's
//           measurements say so (intra_op.h); only for a signature prepared with choosesIntraOp.
//   [sync]  s.stepMayBlock(signature) -> boolean   whether an op of the signature's step may wait for another
//           op of the step (a queue, a staging area, Recv, …; session_blocking.h): such a step must not run
//           in the calling thread (RunOptions.inter_op_thread_pool = -1). Throws TypeError for a non-signature.
//   [sync]  s.intraOpDecision(signature, fedBytes) -> number   where runs of the signature feeding that many bytes
//           keep their intra-op work (intra_op.h): 1 the calling thread, 0 the pool, -1 not decided yet, -2 the
//           signature has no choice. For tests and benchmarks.
//   [sync]  s.listDevices() -> {name, type, memoryBytes}[]
//   [async] s.close() -> Promise<void>   idempotent; closes the TF_Session at once, which cancels the runs in
//           flight (they reject with CANCELLED), then deletes it once they settle. Rejects with the error of
//           TF_CloseSession or TF_DeleteSession. Runs started after close() throw/reject "Session is closed".
//   [async] Session.loadSavedModel(graph, exportDir, tags: string[], config | null, runOptions | null)
//           -> Promise<{session: Session, metaGraphDef: Buffer}> over TF_LoadSessionFromSavedModel.
class Session : public Napi::ObjectWrap<Session> {
 public:
  static Napi::Function Init(Napi::Env env);

  explicit Session(const Napi::CallbackInfo& info);
  ~Session() override;

  std::shared_ptr<SessionHandle> handle() const { return handle_; }
  // JS thread: settles an async run (session.cc) and deletes it.
  void SettleRun(Napi::Env env, AsyncRun* run);

 private:
  // Called on the JS thread when an async run settles; can_run_js is false while the environment goes away.
  void RunFinished(bool can_run_js);
  // The environment's channel that brings async runs' results back (made on first use); null after throwing.
  static std::shared_ptr<RunCompletions> Completions(Napi::Env env);
  Napi::Value Prepare(const Napi::CallbackInfo& info);
  Napi::Value RunSync(const Napi::CallbackInfo& info);
  Napi::Value Run(const Napi::CallbackInfo& info);
  // Runs a small step (RunSignature::IsSmall) in the JS thread and returns its settled promise.
  Napi::Value CompleteNow(Napi::Env env, RunCall& call);
  Napi::Value StepMayBlock(const Napi::CallbackInfo& info);
  Napi::Value IntraOpDecision(const Napi::CallbackInfo& info);
  Napi::Value ListDevices(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  static Napi::Value LoadSavedModel(const Napi::CallbackInfo& info);

  void CloseHandle();
  void DeleteHandle();
  void SettleCloses(Napi::Env env, bool can_run_js);

  std::shared_ptr<SessionHandle> handle_;
  TF_Code close_code_ = TF_OK;
  std::string close_message_;
  uint64_t serial_ = 0;
  Graph* graph_ = nullptr;
  Napi::ObjectReference graph_ref_;
  BlockingScan blocking_;
  IntraOpChoices intra_op_choices_;
  bool closing_ = false;
  int active_runs_ = 0;
  std::vector<Napi::Promise::Deferred> pending_closes_;
};

}  // namespace tfn

#endif  // NATIVE_SESSION_H_
