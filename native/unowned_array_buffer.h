// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_UNOWNED_ARRAY_BUFFER_H_
#define NATIVE_UNOWNED_ARRAY_BUFFER_H_

#include <napi.h>

#include <cstddef>

namespace tfn {

// An ArrayBuffer over `bytes` of memory that something else owns and has already reported to V8 (a Tensor
// wrapper, see external_memory.h). The caller keeps the memory alive as long as the buffer is reachable and
// detaches the buffer before freeing it.
//
// Node-API's external ArrayBuffers make V8 count their bytes as external memory again, and creating one over
// a 64 MB result started a full GC on every run. Where Node's V8 is reachable (the addon is built against the
// headers of the Node it runs in), the buffer is made with V8's EmptyDeleter, which V8 does not count; a
// check at load time falls back to Node-API otherwise.
Napi::ArrayBuffer NewUnownedArrayBuffer(Napi::Env env, void* data, size_t bytes);

// Whether NewUnownedArrayBuffer goes through V8 directly (false: plain Node-API). For tests and diagnostics.
bool UnownedArrayBuffersUncounted(Napi::Env env);

}  // namespace tfn

#endif  // NATIVE_UNOWNED_ARRAY_BUFFER_H_
