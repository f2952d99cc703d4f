// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_V8_DIRECT_H_
#define NATIVE_V8_DIRECT_H_

#include <napi.h>
#include <v8.h>

#include <cstddef>
#include <cstring>

namespace tfn {

// Node's V8, used directly for the few things Node-API cannot express (buffers V8 does not count, owners
// without finalizers: tensor_view.h) or makes slow on the run path (arrays built element by element).
//
// It needs the addon to run in the Node whose headers it was built with, and Node-API to hand out a
// v8::Local<v8::Value> as napi_value (src/js_native_api_v8.h). Nothing public converts one into the other,
// so V8Reachable checks both at first use; callers fall back to Node-API where it is false.
bool V8Reachable(Napi::Env env);

static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>), "napi_value is not a v8::Local here");

inline napi_value ToNapi(v8::Local<v8::Value> local) {
  napi_value value;
  std::memcpy(&value, &local, sizeof(value));
  return value;
}

inline v8::Local<v8::Value> FromNapi(napi_value value) {
  v8::Local<v8::Value> local;
  std::memcpy(static_cast<void*>(&local), &value, sizeof(value));
  return local;
}

// A JS array of `n` values, packed in one allocation where V8 is reachable (Node-API's
// napi_set_element takes V8's generic property path for every element).
Napi::Array NewArray(Napi::Env env, const napi_value* values, size_t n);

}  // namespace tfn

#endif  // NATIVE_V8_DIRECT_H_
