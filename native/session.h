// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_SESSION_H_
#define NATIVE_SESSION_H_

#include <vector>

#include "common.h"

namespace tfn {

class Graph;

// Wraps TF_Session; holds its Graph alive.
//
// JS surface:
//   new Session(graph, target: string | null, config: Uint8Array | null)   config is a serialized ConfigProto
//   [sync]  s.runSync(feedOps, feedIdx, feedTensors, fetchOps, fetchIdx, targets, runOptions, wantMetadata)
//             -> Tensor[] | {outputs: Tensor[], metadata: Buffer}
//           feedOps/fetchOps: Operation[], feedIdx/fetchIdx: number[], feedTensors: Tensor[],
//           targets: Operation[], runOptions: Uint8Array (RunOptions) | null.
//           Throws Error when closed or given disposed tensors or operations of another graph, and the
//           TensorFlow error for the run's status.
//   [async] s.run(same arguments) -> Promise of the same. Conversion happens on the JS thread; TF_SessionRun
//           runs on the libuv thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise), touching no
//           JS value; every input tensor and the session stay referenced until the run settles.
//   [sync]  s.listDevices() -> {name, type, memoryBytes}[]
//   [async] s.close() -> Promise<void>   idempotent; waits for runs in flight, then closes and deletes the
//           TF_Session. Runs started after close() throw/reject "Session is closed".
//   [async] Session.loadSavedModel(graph, exportDir, tags: string[], config | null, runOptions | null)
//           -> Promise<{session: Session, metaGraphDef: Buffer}> over TF_LoadSessionFromSavedModel.
class Session : public Napi::ObjectWrap<Session> {
 public:
  static Napi::Function Init(Napi::Env env);

  explicit Session(const Napi::CallbackInfo& info);
  ~Session() override;

  TF_Session* session() const { return session_; }
  // Called on the JS thread when an async run settles.
  void RunFinished();

 private:
  friend class RunWorker;
  Napi::Value RunSync(const Napi::CallbackInfo& info);
  Napi::Value Run(const Napi::CallbackInfo& info);
  Napi::Value ListDevices(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  static Napi::Value LoadSavedModel(const Napi::CallbackInfo& info);

  void DoClose();

  TF_Session* session_ = nullptr;
  Graph* graph_ = nullptr;
  Napi::ObjectReference graph_ref_;
  bool closing_ = false;
  int active_runs_ = 0;
  std::vector<Napi::Promise::Deferred> pending_closes_;
};

}  // namespace tfn

#endif  // NATIVE_SESSION_H_
