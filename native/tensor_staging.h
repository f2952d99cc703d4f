// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
// Aligned memory for the tensors the binding fills from JS (copied feeds, Tensor.fromView, Tensor.alloc),
// reused across runs. A large buffer from malloc is a fresh mmap that the copy then page-faults in page by
// page: for a 64 MB feed that cost 20x the copy itself. Buffers freed by TensorFlow are kept for the next
// tensor of about the same size, so that a serving loop pays one memcpy per feed.
#ifndef NATIVE_TENSOR_STAGING_H_
#define NATIVE_TENSOR_STAGING_H_

#include <cstddef>
#include <cstdint>

namespace tfn {

// Buffers smaller than this come from malloc's heap, which already reuses them: not kept.
constexpr size_t kStagingMinBytes = size_t{256} << 10;
// At most this many bytes of idle buffers are kept (the oldest idle ones are freed first)...
constexpr size_t kStagingMaxIdleBytes = size_t{256} << 20;
// ... in at most this many buffers...
constexpr size_t kStagingMaxIdleBuffers = 8;
// ... and none idle for longer than this (checked whenever a buffer is taken or given back).
constexpr int64_t kStagingMaxIdleMs = 5000;

// Aligned (kTensorAlignment) memory of at least `bytes`, reused when a kept buffer fits: holds at least
// `bytes` and at most a quarter more. nullptr when out of memory. *capacity: its size, to pass (as a
// pointer-sized integer) as the deallocator argument of TF_NewTensor. Any thread.
void* StagingAcquire(size_t bytes, size_t* capacity);
// A TF_NewTensor deallocator for memory from StagingAcquire: keeps it for reuse or frees it. Any thread
// (TensorFlow calls it from whichever thread drops the tensor's last reference). Idle buffers are freed by a
// background thread once idle for kStagingMaxIdleMs.
void StagingRelease(void* data, size_t len, void* arg);
// Frees every idle buffer now.
void StagingTrim();
// Idle bytes kept now (tests and benchmarks).
size_t StagingIdleBytes();

}  // namespace tfn

#endif  // NATIVE_TENSOR_STAGING_H_
