// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "v8_direct.h"

#include <memory>
#include <utility>
#include <vector>

namespace tfn {
namespace {

#if defined(V8_ENABLE_SANDBOX)
// V8's sandbox forbids ArrayBuffers over memory allocated outside it, which is what V8 is reached for.
bool Probe(Napi::Env) { return false; }
#else
// Makes a buffer over a static byte through V8 and reads it back through Node-API, then reads a Node-API
// value through V8.
bool Probe(Napi::Env env) {
  static char probe[8];
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) return false;
  v8::HandleScope scope(isolate);
  std::unique_ptr<v8::BackingStore> store =
      v8::ArrayBuffer::NewBackingStore(probe, sizeof(probe), v8::BackingStore::EmptyDeleter, nullptr);
  napi_value value = ToNapi(v8::ArrayBuffer::New(isolate, std::move(store)));
  bool is_array_buffer = false;
  void* data = nullptr;
  size_t length = 0;
  if (napi_is_arraybuffer(env, value, &is_array_buffer) != napi_ok || !is_array_buffer ||
      napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok || data != probe || length != sizeof(probe)) {
    return false;
  }
  napi_value number;
  if (napi_create_double(env, 12.5, &number) != napi_ok) return false;
  v8::Local<v8::Value> local = FromNapi(number);
  return local->IsNumber() && local.As<v8::Number>()->Value() == 12.5;
}
#endif

// -1 unchecked, 0 no, 1 yes. The answer is a property of the Node binary, not of an environment, so one
// check per process is enough; threads that check at the same time reach the same answer.
int reachable = -1;

}  // namespace

bool V8Reachable(Napi::Env env) {
  int state = __atomic_load_n(&reachable, __ATOMIC_ACQUIRE);
  if (state < 0) {
    state = Probe(env) ? 1 : 0;
    __atomic_store_n(&reachable, state, __ATOMIC_RELEASE);
  }
  return state == 1;
}

Napi::Array NewArray(Napi::Env env, const napi_value* values, size_t n) {
  if (!V8Reachable(env)) {
    Napi::Array array = Napi::Array::New(env, n);
    for (size_t i = 0; i < n; ++i) array.Set(static_cast<uint32_t>(i), Napi::Value(env, values[i]));
    return array;
  }
  v8::Local<v8::Value> few[8];
  std::vector<v8::Local<v8::Value>> many;
  v8::Local<v8::Value>* elements = few;
  if (n > 8) {
    many.resize(n);
    elements = many.data();
  }
  for (size_t i = 0; i < n; ++i) elements[i] = FromNapi(values[i]);
  return Napi::Array(env, ToNapi(v8::Array::New(v8::Isolate::GetCurrent(), elements, n)));
}

}  // namespace tfn
