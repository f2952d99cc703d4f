// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "tensor_view.h"

#include <utility>

#include "common.h"
#include "external_memory.h"
#include "tensor.h"
#include "v8_direct.h"

namespace tfn {

struct TensorViewState {
  // Keys the property by which a view holds its token.
  v8::Global<v8::Private> token_key;
};

std::shared_ptr<TensorViewState> NewTensorViewState() { return std::make_shared<TensorViewState>(); }

namespace {

// What a token owns: a share of the tensor and the view's charge, if any.
struct TensorShare {
  std::shared_ptr<TensorOwner> owner;
  ExternalCharge charge;
  std::shared_ptr<ExternalMemory> memory;
};

// The token's deleter: V8 calls it when the token is collected (possibly on a sweeper thread) or detached.
void ReleaseShare(void*, size_t, void* arg) {
  auto* share = static_cast<TensorShare*>(arg);
  if (share->memory) share->memory->ReleaseFromAnyThread(&share->charge);
  delete share;
}

v8::Local<v8::Private> TokenKey(Napi::Env env, v8::Isolate* isolate) {
  TensorViewState* state = Instance(env)->tensor_views.get();
  if (state->token_key.IsEmpty()) {
    state->token_key.Reset(isolate, v8::Private::New(isolate, v8::String::NewFromUtf8Literal(isolate, "tensor")));
  }
  return state->token_key.Get(isolate);
}

// The token a view holds, or an empty handle.
v8::Local<v8::ArrayBuffer> TokenOf(Napi::Env env, v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (!value->IsArrayBuffer()) return {};
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Value> token;
  if (!value.As<v8::Object>()->GetPrivate(context, TokenKey(env, isolate)).ToLocal(&token) || !token->IsArrayBuffer()) {
    return {};
  }
  return token.As<v8::ArrayBuffer>();
}

}  // namespace

bool TensorViewsAvailable(Napi::Env env) { return V8Reachable(env); }

Napi::ArrayBuffer NewTensorView(Napi::Env env, std::shared_ptr<TensorOwner> owner, size_t charge_bytes) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::EscapableHandleScope scope(isolate);
  void* data = Tf().TF_TensorData(owner->tensor);
  size_t bytes = Tf().TF_TensorByteSize(owner->tensor);
  auto* share = new TensorShare{std::move(owner), {}, nullptr};
  if (charge_bytes > 0) {
    share->memory = Instance(env)->external_memory;
    share->memory->ChargeLater(&share->charge, static_cast<int64_t>(charge_bytes));
  }
  // The token's memory is the share itself, with a length of 0: V8 counts nothing, and the deleter gets
  // the share back.
  v8::Local<v8::ArrayBuffer> token =
      v8::ArrayBuffer::New(isolate, v8::ArrayBuffer::NewBackingStore(share, 0, ReleaseShare, share));
  // A zero-length tensor may have no memory; its view then has none either.
  v8::Local<v8::ArrayBuffer> view =
      data == nullptr || bytes == 0
          ? v8::ArrayBuffer::New(isolate, 0)
          : v8::ArrayBuffer::New(
                isolate, v8::ArrayBuffer::NewBackingStore(data, bytes, v8::BackingStore::EmptyDeleter, nullptr));
  if (!view->SetPrivate(isolate->GetCurrentContext(), TokenKey(env, isolate), token).FromMaybe(false)) {
    // Only while V8 terminates the thread. A view without its token would outlive the memory: release both.
    if (view->IsDetachable()) (void)view->Detach(v8::Local<v8::Value>()).FromMaybe(false);
    (void)token->Detach(v8::Local<v8::Value>()).FromMaybe(false);
    return Napi::ArrayBuffer(env, ToNapi(scope.Escape(view)));
  }
  // A view must never move to another ArrayBuffer: that one would hold no share and read freed memory after
  // dispose(). Transfer lists copy it once it is marked; beyond that, only the token (which the view holds)
  // may detach it, so ArrayBuffer.prototype.transfer throws, and Node 20's internal detaches (a BYOB stream
  // reader) abort rather than alias freed memory. The key is set only on marked views: Node 20 also aborts
  // when a transfer list meets a keyed buffer it was not told to copy.
  Napi::ArrayBuffer result(env, ToNapi(view));
  if (MarkUntransferable(env, result)) view->SetDetachKey(token);
  return Napi::ArrayBuffer(env, ToNapi(scope.Escape(view)));
}

std::shared_ptr<TensorOwner> TensorViewOwner(Napi::Env env, Napi::Value buffer) {
  if (!TensorViewsAvailable(env)) return nullptr;
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::HandleScope scope(isolate);
  v8::Local<v8::ArrayBuffer> token = TokenOf(env, isolate, FromNapi(buffer));
  if (token.IsEmpty()) return nullptr;
  // The backing store, not the buffer: V8 shows no data pointer for an empty buffer. A released token is
  // detached, and its backing store (with the share) is gone.
  std::shared_ptr<v8::BackingStore> store = token->GetBackingStore();
  if (!store || store->Data() == nullptr) return nullptr;
  return static_cast<TensorShare*>(store->Data())->owner;
}

void ReleaseTensorView(Napi::Env env, Napi::Value buffer) {
  if (!TensorViewsAvailable(env)) return;
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Value> view = FromNapi(buffer);
  v8::Local<v8::ArrayBuffer> token = TokenOf(env, isolate, view);
  if (token.IsEmpty()) return;
  // The view first, so that no JS view is left over freed memory; then the token, whose deleter runs now.
  v8::Local<v8::ArrayBuffer> buffer_view = view.As<v8::ArrayBuffer>();
  if (buffer_view->IsDetachable()) (void)buffer_view->Detach(token).FromMaybe(false);
  if (token->IsDetachable()) (void)token->Detach(v8::Local<v8::Value>()).FromMaybe(false);
}

bool MarkUntransferable(Napi::Env env, Napi::ArrayBuffer buffer) {
  InstanceData* data = Instance(env);
  if (data->view_marker.IsEmpty() || buffer.ByteLength() == 0) return false;
  if (!TensorViewsAvailable(env)) {
    napi_value argv[] = {buffer};
    napi_value ignored;
    return napi_call_function(env, env.Undefined(), data->view_marker.Value(), 1, argv, &ignored) == napi_ok;
  }
  // The same call through V8 directly: it is made for every large run result.
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Value> marker = FromNapi(data->view_marker.Value());
  v8::Local<v8::Value> argv[] = {FromNapi(buffer)};
  // Node's own function; it fails only while the thread terminates.
  v8::TryCatch try_catch(isolate);
  return !marker.As<v8::Function>()->Call(isolate->GetCurrentContext(), v8::Undefined(isolate), 1, argv).IsEmpty();
}

}  // namespace tfn
