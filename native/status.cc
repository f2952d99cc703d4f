// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "status.h"

namespace tfn {

const char* CodeName(TF_Code code) {
  switch (code) {
    case TF_OK:
      return "OK";
    case TF_CANCELLED:
      return "CANCELLED";
    case TF_UNKNOWN:
      return "UNKNOWN";
    case TF_INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case TF_DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case TF_NOT_FOUND:
      return "NOT_FOUND";
    case TF_ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case TF_PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case TF_UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case TF_RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case TF_FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case TF_ABORTED:
      return "ABORTED";
    case TF_OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case TF_UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case TF_INTERNAL:
      return "INTERNAL";
    case TF_UNAVAILABLE:
      return "UNAVAILABLE";
    case TF_DATA_LOSS:
      return "DATA_LOSS";
  }
  return "UNKNOWN";
}

Napi::Value StatusError(Napi::Env env, TF_Code code, const std::string& message) {
  InstanceData* data = Instance(env);
  if (data != nullptr && !data->error_factory.IsEmpty()) {
    Napi::Value error =
        data->error_factory.Call({Napi::String::New(env, CodeName(code)),
                                  Napi::Number::New(env, static_cast<int>(code)), Napi::String::New(env, message)});
    if (!env.IsExceptionPending() && error.IsObject()) return error;
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
  }
  // Before lib/errors.ts installed its factory: a plain Error that still carries the code.
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, CodeName(code)));
  error.Set("codeNumber", Napi::Number::New(env, static_cast<int>(code)));
  return error.Value();
}

bool ThrowIfNotOk(Napi::Env env, TF_Status* status) {
  TF_Code code = Tf().TF_GetCode(status);
  if (code == TF_OK) return false;
  Napi::Error(env, StatusError(env, code, Tf().TF_Message(status))).ThrowAsJavaScriptException();
  return true;
}

Napi::Buffer<uint8_t> BufferToJs(Napi::Env env, const TF_Buffer* buffer) {
  return Napi::Buffer<uint8_t>::Copy(env, static_cast<const uint8_t*>(buffer->data), buffer->length);
}

}  // namespace tfn
