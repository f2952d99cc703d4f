// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
// The RAII owners of TensorFlow's transient C objects: every TF_New* in native/ is owned by one of these in
// the scope that made it, so an early return or a thrown JS error never leaks it.
#ifndef NATIVE_GUARDS_H_
#define NATIVE_GUARDS_H_

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

// Owns a TF_SessionOptions.
class SessionOptionsGuard {
 public:
  SessionOptionsGuard() : options_(Tf().TF_NewSessionOptions()) {}
  ~SessionOptionsGuard() { Tf().TF_DeleteSessionOptions(options_); }
  SessionOptionsGuard(const SessionOptionsGuard&) = delete;
  SessionOptionsGuard& operator=(const SessionOptionsGuard&) = delete;
  TF_SessionOptions* get() const { return options_; }

 private:
  TF_SessionOptions* options_;
};

// Owns a TF_ImportGraphDefResults.
class ImportResultsGuard {
 public:
  explicit ImportResultsGuard(TF_ImportGraphDefResults* results) : results_(results) {}
  ~ImportResultsGuard() {
    if (results_ != nullptr) Tf().TF_DeleteImportGraphDefResults(results_);
  }
  ImportResultsGuard(const ImportResultsGuard&) = delete;
  ImportResultsGuard& operator=(const ImportResultsGuard&) = delete;
  TF_ImportGraphDefResults* get() const { return results_; }

 private:
  TF_ImportGraphDefResults* results_;
};

// Owns a TF_Function.
class FunctionGuard {
 public:
  explicit FunctionGuard(TF_Function* function = nullptr) : function_(function) {}
  ~FunctionGuard() {
    if (function_ != nullptr) Tf().TF_DeleteFunction(function_);
  }
  FunctionGuard(FunctionGuard&& other) noexcept : function_(other.function_) { other.function_ = nullptr; }
  FunctionGuard(const FunctionGuard&) = delete;
  FunctionGuard& operator=(const FunctionGuard&) = delete;
  TF_Function* get() const { return function_; }

 private:
  TF_Function* function_;
};

}  // namespace tfn

#endif  // NATIVE_GUARDS_H_
