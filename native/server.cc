// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "server.h"

#include <string>

#include "status.h"

namespace tfn {

class JoinWorker : public Napi::AsyncWorker {
 public:
  JoinWorker(Napi::Env env, Server* server, Napi::Object server_object)
      : Napi::AsyncWorker(env, "node-libtensorflow:join"),
        server_(server),
        deferred_(Napi::Promise::Deferred::New(env)) {
    server_ref_ = Napi::Persistent(server_object);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    StatusGuard status;
    Tf().TF_ServerJoin(server_->server_, status);
    code_ = status.code();
    if (code_ != TF_OK) message_ = status.message();
  }
  void OnOK() override {
    Napi::HandleScope scope(Env());
    if (--server_->joins_in_flight_ == 0 && server_->close_requested_ && server_->server_ != nullptr &&
        !server_->started_) {
      Tf().TF_DeleteServer(server_->server_);
      server_->server_ = nullptr;
    }
    if (code_ != TF_OK) {
      deferred_.Reject(StatusError(Env(), code_, message_));
    } else {
      deferred_.Resolve(Env().Undefined());
    }
  }

 private:
  Server* server_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference server_ref_;
  TF_Code code_ = TF_OK;
  std::string message_;
};

Napi::Function Server::Init(Napi::Env env) {
  return DefineClass(env, "Server",
                     {
                         InstanceMethod<&Server::Start>("start"),
                         InstanceMethod<&Server::Stop>("stop"),
                         InstanceMethod<&Server::Join>("join"),
                         InstanceMethod<&Server::Target>("target"),
                         InstanceMethod<&Server::Close>("close"),
                     });
}

Server::Server(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Server>(info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_LIBRARY(env, );
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsTypedArray() ||
                   info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array,
               TypeError, env, "Server expects a serialized ServerDef as a Uint8Array", );
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  StatusGuard status;
  TF_Server* server = Tf().TF_NewServer(bytes.Data(), bytes.ByteLength(), status);
  if (ThrowIfNotOk(env, status)) return;
  server_ = server;
  napi_type_tag_object(env, info.This(), &kServerTag);
}

Server::~Server() {
  // A started server is deliberately leaked: deleting it aborts the process (see server.h).
  if (server_ != nullptr && !started_) Tf().TF_DeleteServer(server_);
}

#define TFN_REQUIRE_SERVER(env) \
  TFN_THROW_IF(server_ == nullptr || close_requested_, Error, env, "Server is closed", env.Undefined())

Napi::Value Server::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_SERVER(env);
  StatusGuard status;
  Tf().TF_ServerStart(server_, status);
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  started_ = true;
  return env.Undefined();
}

Napi::Value Server::Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_SERVER(env);
  StatusGuard status;
  Tf().TF_ServerStop(server_, status);
  ThrowIfNotOk(env, status);
  return env.Undefined();
}

Napi::Value Server::Join(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_SERVER(env);
  auto* worker = new JoinWorker(env, this, Value());
  ++joins_in_flight_;
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value Server::Target(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_SERVER(env);
  return Napi::String::New(env, Tf().TF_ServerTarget(server_));
}

Napi::Value Server::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (server_ == nullptr || close_requested_) return env.Undefined();
  close_requested_ = true;
  if (started_) return env.Undefined();
  StatusGuard status;
  Tf().TF_ServerStop(server_, status);
  // A join in flight still uses the server: the last one to finish deletes it.
  if (joins_in_flight_ == 0) {
    Tf().TF_DeleteServer(server_);
    server_ = nullptr;
  }
  return env.Undefined();
}

}  // namespace tfn
