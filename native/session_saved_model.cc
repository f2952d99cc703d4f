// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
// Session.loadSavedModel: TF_LoadSessionFromSavedModel on the libuv pool.
#include <memory>
#include <string>
#include <vector>

#include "graph.h"
#include "guards.h"
#include "session.h"
#include "session_run.h"
#include "status.h"

namespace tfn {
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
    BufferGuard run_options(
        run_options_.empty() ? nullptr : Tf().TF_NewBufferFromString(run_options_.data(), run_options_.size()));
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
    result.Set("metaGraphDef",
               Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(meta_graph_def_.data()),
                                           meta_graph_def_.size()));
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
  auto* worker =
      new LoadSavedModelWorker(env, info[0].As<Napi::Object>(), graph->graph(), info[1].As<Napi::String>().Utf8Value(),
                               std::move(tags), std::move(config), std::move(run_options));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace tfn
