// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_SERVER_H_
#define NATIVE_SERVER_H_

#include "common.h"

namespace tfn {

// Wraps TF_Server (an in-process gRPC TensorFlow server).
//
// JS surface:
//   new Server(serverDef: Uint8Array)   a serialized ServerDef; throws the TensorFlow error when invalid
//   [sync]  s.start(), s.stop()
//   [async] s.join() -> Promise<void>   resolves when the server has stopped (runs on the libuv pool)
//   [sync]  s.target() -> string   "grpc://host:port"
//   [sync]  s.close()   frees a server that was never started; idempotent. TensorFlow cannot shut a started
//           gRPC server down (its destructor CHECK-fails), so a started server is left to the process, as
//           Python leaves it: close() only marks the wrapper closed.
class Server : public Napi::ObjectWrap<Server> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Server(const Napi::CallbackInfo& info);
  ~Server() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Join(const Napi::CallbackInfo& info);
  Napi::Value Target(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  TF_Server* server_ = nullptr;
  bool started_ = false;
  int joins_in_flight_ = 0;
  bool close_requested_ = false;
  friend class JoinWorker;
};

}  // namespace tfn

#endif  // NATIVE_SERVER_H_
