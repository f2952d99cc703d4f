// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_STATUS_H_
#define NATIVE_STATUS_H_

#include <string>

#include "common.h"

namespace tfn {

// Owns a TF_Status for one call.
class StatusGuard {
 public:
  StatusGuard() : status_(Tf().TF_NewStatus()) {}
  ~StatusGuard() { Tf().TF_DeleteStatus(status_); }
  StatusGuard(const StatusGuard&) = delete;
  StatusGuard& operator=(const StatusGuard&) = delete;

  TF_Status* get() const { return status_; }
  operator TF_Status*() const { return status_; }
  bool ok() const { return Tf().TF_GetCode(status_) == TF_OK; }
  TF_Code code() const { return Tf().TF_GetCode(status_); }
  std::string message() const { return Tf().TF_Message(status_); }

 private:
  TF_Status* status_;
};

// Owns a TF_Buffer.
class BufferGuard {
 public:
  explicit BufferGuard(TF_Buffer* buffer) : buffer_(buffer) {}
  ~BufferGuard() {
    if (buffer_ != nullptr) Tf().TF_DeleteBuffer(buffer_);
  }
  BufferGuard(const BufferGuard&) = delete;
  BufferGuard& operator=(const BufferGuard&) = delete;
  TF_Buffer* get() const { return buffer_; }

 private:
  TF_Buffer* buffer_;
};

// The single mapping from a TensorFlow status to a JS error: the error factory installed by lib/errors.ts
// builds the tf.errors subclass for the code. A code and message captured off the main thread (async
// work) go through the same function.
Napi::Value StatusError(Napi::Env env, TF_Code code, const std::string& message);

// Throws the JS error for `status` and returns true when it is not OK.
bool ThrowIfNotOk(Napi::Env env, TF_Status* status);

// The TF_Code name, e.g. "INVALID_ARGUMENT".
const char* CodeName(TF_Code code);

// Copies a TF_Buffer into a new Node Buffer.
Napi::Buffer<uint8_t> BufferToJs(Napi::Env env, const TF_Buffer* buffer);

}  // namespace tfn

#endif  // NATIVE_STATUS_H_
