// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_STATUS_H_
#define NATIVE_STATUS_H_

#include <string>

#include "common.h"
#include "guards.h"

namespace tfn {

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
