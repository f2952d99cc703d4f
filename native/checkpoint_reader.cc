// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "checkpoint_reader.h"

#include <string>
#include <utility>
#include <vector>

#include "status.h"
#include "tensor.h"

namespace tfn {

namespace {

// Owns the TF_Tensor a read returns until it is handed to Tensor::ToJs.
struct TensorGuard {
  TF_Tensor* tensor = nullptr;
  ~TensorGuard() {
    if (tensor != nullptr) Tf().TF_DeleteTensor(tensor);
  }
  TF_Tensor* release() { return std::exchange(tensor, nullptr); }
};

}  // namespace

CheckpointReader::Shared::~Shared() {
  if (reader != nullptr) Tf().TF_DeleteCheckpointReader(reader);
}

class CheckpointReadWorker : public Napi::AsyncWorker {
 public:
  CheckpointReadWorker(Napi::Env env, std::shared_ptr<CheckpointReader::Shared> shared, std::string name)
      : Napi::AsyncWorker(env, "node-libtensorflow:checkpointRead"),
        shared_(std::move(shared)),
        name_(std::move(name)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    if (shared_->reader == nullptr) {
      code_ = TF_FAILED_PRECONDITION;
      message_ = "CheckpointReader is closed";
      return;
    }
    StatusGuard status;
    result_.tensor = Tf().TF_CheckpointReaderGetTensor(shared_->reader, name_.c_str(), status);
    code_ = status.code();
    if (code_ != TF_OK) message_ = status.message();
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (code_ != TF_OK || result_.tensor == nullptr) {
      deferred_.Reject(StatusError(env, code_ != TF_OK ? code_ : TF_INTERNAL, message_));
      return;
    }
    deferred_.Resolve(Tensor::ToJs(env, result_.release()));
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  std::shared_ptr<CheckpointReader::Shared> shared_;
  std::string name_;
  Napi::Promise::Deferred deferred_;
  TensorGuard result_;
  TF_Code code_ = TF_OK;
  std::string message_;
};

Napi::Function CheckpointReader::Init(Napi::Env env) {
  return DefineClass(env, "CheckpointReader",
                     {
                         InstanceMethod<&CheckpointReader::Variables>("variables"),
                         InstanceMethod<&CheckpointReader::GetTensor>("getTensor"),
                         InstanceMethod<&CheckpointReader::GetTensorAsync>("getTensorAsync"),
                         InstanceMethod<&CheckpointReader::Close>("close"),
                     });
}

CheckpointReader::CheckpointReader(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CheckpointReader>(info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_LIBRARY(env, );
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "CheckpointReader expects a prefix", );
  std::string prefix = info[0].As<Napi::String>().Utf8Value();
  // TensorFlow would read a prefix cut at the NUL: a different checkpoint than the one named.
  TFN_THROW_IF(prefix.find('\0') != std::string::npos, TypeError, env, "A checkpoint prefix cannot contain NUL", );
  StatusGuard status;
  TF_CheckpointReader* reader = Tf().TF_NewCheckpointReader(prefix.c_str(), status);
  // On failure TF_NewCheckpointReader has already deleted its reader and returned null.
  if (ThrowIfNotOk(env, status)) return;
  shared_ = std::make_shared<Shared>();
  shared_->reader = reader;
}

CheckpointReader::~CheckpointReader() = default;

#define TFN_REQUIRE_READER(env) \
  TFN_THROW_IF(!shared_ || shared_->reader == nullptr, Error, env, "CheckpointReader is closed", env.Undefined())

Napi::Value CheckpointReader::Variables(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_READER(env);
  std::lock_guard<std::mutex> lock(shared_->mutex);
  TF_CheckpointReader* reader = shared_->reader;
  int n = Tf().TF_CheckpointReaderSize(reader);
  Napi::Array out = Napi::Array::New(env, n);
  std::vector<int64_t> dims;
  for (int i = 0; i < n; i++) {
    const char* name = Tf().TF_CheckpointReaderGetVariable(reader, i);
    int rank = Tf().TF_CheckpointReaderGetVariableNumDims(reader, name);
    dims.assign(rank > 0 ? rank : 0, 0);
    StatusGuard status;
    Tf().TF_CheckpointReaderGetVariableShape(reader, name, dims.data(), rank, status);
    if (ThrowIfNotOk(env, status)) return env.Undefined();
    Napi::Array shape = Napi::Array::New(env, dims.size());
    for (size_t d = 0; d < dims.size(); d++) shape.Set(d, Napi::Number::New(env, static_cast<double>(dims[d])));
    Napi::Array entry = Napi::Array::New(env, 3);
    entry.Set(0u, Napi::String::New(env, name));
    entry.Set(1u, Napi::Number::New(env, Tf().TF_CheckpointReaderGetVariableDataType(reader, name)));
    entry.Set(2u, shape);
    out.Set(i, entry);
  }
  return out;
}

Napi::Value CheckpointReader::GetTensor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_READER(env);
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "getTensor expects a tensor name",
               env.Undefined());
  std::string name = info[0].As<Napi::String>().Utf8Value();
  TensorGuard result;
  StatusGuard status;
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    result.tensor = Tf().TF_CheckpointReaderGetTensor(shared_->reader, name.c_str(), status);
  }
  if (ThrowIfNotOk(env, status)) return env.Undefined();
  TFN_THROW_IF(result.tensor == nullptr, Error, env, "TensorFlow returned no tensor for " + name, env.Undefined());
  return Tensor::ToJs(env, result.release());
}

Napi::Value CheckpointReader::GetTensorAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_READER(env);
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsString(), TypeError, env, "getTensorAsync expects a tensor name",
               env.Undefined());
  auto* worker = new CheckpointReadWorker(env, shared_, info[0].As<Napi::String>().Utf8Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value CheckpointReader::Close(const Napi::CallbackInfo& info) {
  // Dropping this share frees the reader now, or when the last read in flight lets go of its own.
  shared_.reset();
  return info.Env().Undefined();
}

}  // namespace tfn
