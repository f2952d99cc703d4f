// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_CHECKPOINT_READER_H_
#define NATIVE_CHECKPOINT_READER_H_

#include <memory>
#include <mutex>

#include "common.h"

namespace tfn {

// Wraps TF_CheckpointReader (tensorflow/c/c_api_experimental.h): TensorFlow's own checkpoint reader, which
// reads V2 (`prefix.index` + data shards) and V1 (TensorSliceReader) checkpoints and checks each tensor's
// CRC-32C.
//
// JS surface:
//   new CheckpointReader(prefix: string)   throws the TensorFlow error (NOT_FOUND, DATA_LOSS, ...)
//   [sync]  r.variables() -> Array<[name: string, dtype: number, dims: number[]]>   every tensor it holds
//   [sync]  r.getTensor(name: string) -> Result   as Session.run's results (Tensor::ToJs)
//   [async] r.getTensorAsync(name: string) -> Promise<Result>   the same, read on the libuv pool
//   [sync]  r.close()   frees the reader (once no read is in flight); idempotent; later calls throw
class CheckpointReader : public Napi::ObjectWrap<CheckpointReader> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit CheckpointReader(const Napi::CallbackInfo& info);
  ~CheckpointReader() override;

 private:
  // TensorFlow's reader keeps iterator state between lookups, so reads (JS thread and pool) take turns.
  struct Shared {
    std::mutex mutex;
    TF_CheckpointReader* reader = nullptr;
    ~Shared();
  };

  Napi::Value Variables(const Napi::CallbackInfo& info);
  Napi::Value GetTensor(const Napi::CallbackInfo& info);
  Napi::Value GetTensorAsync(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  // An async read holds a share, so closing (or collecting) the wrapper never frees a reader in use.
  std::shared_ptr<Shared> shared_;
  friend class CheckpointReadWorker;
};

}  // namespace tfn

#endif  // NATIVE_CHECKPOINT_READER_H_
