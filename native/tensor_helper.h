// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_TENSOR_HELPER_H_
#define NATIVE_TENSOR_HELPER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common.h"

namespace tfn {

// TensorFlow's kernels want 64-byte aligned buffers (EIGEN_MAX_ALIGN_BYTES on AVX-512 builds); memory
// we allocate is aligned to this, and JS memory with this alignment is wrapped without a copy.
constexpr size_t kTensorAlignment = 64;

// Releases JS references held by TF_Tensors that wrap JS memory. TensorFlow calls a tensor's deallocator
// on whatever thread drops the last reference to the buffer, or inside a GC finalizer; V8 may only be
// touched on the environment's own thread outside GC, so every release is posted through a thread-safe
// function.
class ReleaseQueue {
 public:
  static std::shared_ptr<ReleaseQueue> Create(Napi::Env env);
  ~ReleaseQueue();

  // Any thread.
  void Release(napi_ref ref);
  // Environment teardown: after this, late releases are dropped (the environment and its heap are gone).
  void Close();

 private:
  static void CallJs(napi_env env, napi_value, void*, void* data);
  std::mutex mutex_;
  napi_env env_ = nullptr;
  napi_threadsafe_function tsfn_ = nullptr;
  bool closed_ = false;
};

// Reads a JS array of non-negative safe integers into dims; throws a RangeError/TypeError naming `what`.
bool ReadDims(Napi::Env env, Napi::Value value, const char* what, std::vector<int64_t>* dims);

Napi::Array DimsToJs(Napi::Env env, const int64_t* dims, int num_dims);

// Size in bytes of one element of a fixed-size dtype, 0 for variable-size ones (string, resource, variant).
size_t FixedDTypeSize(TF_DataType dtype);

bool IsKnownDType(int dtype);

}  // namespace tfn

#endif  // NATIVE_TENSOR_HELPER_H_
