// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "unowned_array_buffer.h"

#include <v8.h>

#include <cstring>
#include <memory>
#include <utility>

namespace tfn {
namespace {

// Node-API hands out a v8::Local<v8::Value> as napi_value (src/js_native_api_v8.h); nothing in the public
// API converts one into the other, so the representation is checked once (DirectPathWorks) before use.
static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>), "napi_value is not a v8::Local here");

napi_value ToNapi(v8::Local<v8::Value> local) {
  napi_value value;
  std::memcpy(&value, &local, sizeof(value));
  return value;
}

#if defined(V8_ENABLE_SANDBOX)
// V8's sandbox forbids ArrayBuffers over memory allocated outside it.
bool DirectPathWorks(Napi::Env) { return false; }
Napi::ArrayBuffer NewDirect(Napi::Env env, void* data, size_t bytes) { return Napi::ArrayBuffer::New(env, data, bytes); }
#else
napi_value NewDirectValue(void* data, size_t bytes) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store =
      v8::ArrayBuffer::NewBackingStore(data, bytes, v8::BackingStore::EmptyDeleter, nullptr);
  return ToNapi(v8::ArrayBuffer::New(isolate, std::move(store)));
}

Napi::ArrayBuffer NewDirect(Napi::Env env, void* data, size_t bytes) {
  return Napi::ArrayBuffer(env, NewDirectValue(data, bytes));
}

// Makes a buffer over a static byte the direct way and reads it back through Node-API.
bool DirectPathWorks(Napi::Env env) {
  static char probe[8];
  if (v8::Isolate::GetCurrent() == nullptr) return false;
  napi_value value = NewDirectValue(probe, sizeof(probe));
  bool is_array_buffer = false;
  void* data = nullptr;
  size_t length = 0;
  return napi_is_arraybuffer(env, value, &is_array_buffer) == napi_ok && is_array_buffer &&
         napi_get_arraybuffer_info(env, value, &data, &length) == napi_ok && data == probe &&
         length == sizeof(probe);
}
#endif

// -1 unchecked, 0 Node-API, 1 direct. The answer is a property of the Node binary, not of an environment,
// so one check per process is enough; threads that check at the same time reach the same answer.
int direct_state = -1;

bool UseDirect(Napi::Env env) {
  int state = __atomic_load_n(&direct_state, __ATOMIC_ACQUIRE);
  if (state < 0) {
    state = DirectPathWorks(env) ? 1 : 0;
    __atomic_store_n(&direct_state, state, __ATOMIC_RELEASE);
  }
  return state == 1;
}

}  // namespace

Napi::ArrayBuffer NewUnownedArrayBuffer(Napi::Env env, void* data, size_t bytes) {
  if (UseDirect(env)) return NewDirect(env, data, bytes);
  return Napi::ArrayBuffer::New(env, data, bytes);
}

bool UnownedArrayBuffersUncounted(Napi::Env env) { return UseDirect(env); }

}  // namespace tfn
