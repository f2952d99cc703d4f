// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "tensor_helper.h"

#include <cmath>
#include <string>

namespace tfn {

std::shared_ptr<ReleaseQueue> ReleaseQueue::Create(Napi::Env env) {
  auto queue = std::shared_ptr<ReleaseQueue>(new ReleaseQueue());
  queue->env_ = env;
  napi_value name;
  napi_create_string_utf8(env, "node-libtensorflow:release", NAPI_AUTO_LENGTH, &name);
  napi_status status = napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr,
                                                       queue.get(), &ReleaseQueue::CallJs, &queue->tsfn_);
  if (status != napi_ok) {
    Napi::Error::New(env, "cannot create the tensor release queue").ThrowAsJavaScriptException();
    return nullptr;
  }
  // The queue must not keep the process alive.
  napi_unref_threadsafe_function(env, queue->tsfn_);
  return queue;
}

ReleaseQueue::~ReleaseQueue() = default;

void ReleaseQueue::CallJs(napi_env env, napi_value, void*, void* data) {
  if (env != nullptr) napi_delete_reference(env, static_cast<napi_ref>(data));
}

void ReleaseQueue::Release(napi_ref ref) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;
  // Always posted, even from the environment's own thread: a deallocator may run inside a GC finalizer,
  // where deleting a reference is not allowed.
  napi_call_threadsafe_function(tsfn_, ref, napi_tsfn_nonblocking);
}

void ReleaseQueue::Close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;
  closed_ = true;
  napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
}

bool ReadDims(Napi::Env env, Napi::Value value, const char* what, std::vector<int64_t>* dims) {
  if (!value.IsArray()) {
    Napi::TypeError::New(env, std::string("Expected an array of dimensions for ") + what).ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array array = value.As<Napi::Array>();
  uint32_t n = array.Length();
  dims->resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value v = array.Get(i);
    if (!v.IsNumber()) {
      Napi::TypeError::New(env, std::string("Expected numbers as the dimensions of ") + what)
          .ThrowAsJavaScriptException();
      return false;
    }
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d != std::floor(d) || d > 9007199254740991.0) {
      Napi::RangeError::New(env, std::string("Expected non-negative integer dimensions for ") + what + " but got " +
                                     std::to_string(d))
          .ThrowAsJavaScriptException();
      return false;
    }
    (*dims)[i] = static_cast<int64_t>(d);
  }
  return true;
}

Napi::Array DimsToJs(Napi::Env env, const int64_t* dims, int num_dims) {
  Napi::Array array = Napi::Array::New(env, num_dims);
  for (int i = 0; i < num_dims; ++i) array.Set(i, Napi::Number::New(env, static_cast<double>(dims[i])));
  return array;
}

size_t FixedDTypeSize(TF_DataType dtype) {
  switch (dtype) {
    case TF_FLOAT: case TF_INT32: case TF_UINT32: return 4;
    case TF_DOUBLE: case TF_INT64: case TF_UINT64: case TF_COMPLEX64: return 8;
    case TF_COMPLEX128: return 16;
    case TF_HALF: case TF_BFLOAT16: case TF_INT16: case TF_UINT16: return 2;
    case TF_INT8: case TF_UINT8: case TF_BOOL: return 1;
    default: return 0;
  }
}

bool IsKnownDType(int dtype) {
  switch (dtype) {
    case TF_FLOAT: case TF_DOUBLE: case TF_INT32: case TF_UINT8: case TF_INT16: case TF_INT8: case TF_STRING:
    case TF_COMPLEX64: case TF_INT64: case TF_BOOL: case TF_BFLOAT16: case TF_UINT16: case TF_COMPLEX128:
    case TF_HALF: case TF_RESOURCE: case TF_VARIANT: case TF_UINT32: case TF_UINT64:
      return true;
    default:
      return false;
  }
}

}  // namespace tfn
