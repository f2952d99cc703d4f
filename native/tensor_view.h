// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_TENSOR_VIEW_H_
#define NATIVE_TENSOR_VIEW_H_

#include <napi.h>

#include <cstddef>
#include <memory>

namespace tfn {

struct TensorOwner;
struct TensorViewState;

// A TensorFlow tensor's memory shown to JS as an ArrayBuffer (a "view") that owns a share of the tensor.
//
// The view is made with V8's EmptyDeleter, which V8 does not count as external memory: the tensor's bytes are
// reported once, by ExternalMemory. Counted buffers started a full GC on every run of a 64 MB result.
// Through a V8 private property, which JS cannot read or delete, the view holds a "token": an empty
// ArrayBuffer whose backing-store deleter releases the share. V8 frees the token once neither is reachable,
// during or after a GC and on whatever thread it sweeps on, so a view costs no weak handle, no finalizer and
// no Node-API reference, and a loop of runSync calls that never yields still gets its memory back.
//
// All of this needs Node's V8 directly (v8_direct.h). Where it cannot be reached, TensorViewsAvailable is
// false and callers use Tensor wrappers and Node-API buffers instead.
bool TensorViewsAvailable(Napi::Env env);

// A view of all of `owner`'s tensor. When `charge_bytes` > 0 the view's share reports that many bytes to V8
// at the next run if it is still alive then (ExternalMemory::ChargeLater): for run results, which the
// caller did not ask to keep. JS thread; TensorViewsAvailable must be true.
Napi::ArrayBuffer NewTensorView(Napi::Env env, std::shared_ptr<TensorOwner> owner, size_t charge_bytes);

// The tensor behind `buffer` when it is a live view made above; nullptr for any other value (never throws).
std::shared_ptr<TensorOwner> TensorViewOwner(Napi::Env env, Napi::Value buffer);

// Detaches a view and its token, which releases the view's share now. Harmless for other values and for
// views already released.
void ReleaseTensorView(Napi::Env env, Napi::Value buffer);

// Marks a buffer over TensorFlow memory (a view, or the Node-API fallback's external buffer) with the
// function lib/binding/library.ts installs (Tensor.setViewMarker: worker_threads.markAsUntransferable), so
// that a transfer list (postMessage, structuredClone) copies it (Node 20) or refuses it (Node 21+) instead of
// moving TensorFlow's memory into an ArrayBuffer that nothing ties to the tensor. Returns whether it was
// marked (false before a marker is installed). JS thread; never throws.
bool MarkUntransferable(Napi::Env env, Napi::ArrayBuffer buffer);

// Per-environment state (the private key); owned by InstanceData.
std::shared_ptr<TensorViewState> NewTensorViewState();

}  // namespace tfn

#endif  // NATIVE_TENSOR_VIEW_H_
