// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "tensor_staging.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "tensor_helper.h"

namespace tfn {
namespace {

struct IdleBuffer {
  void* data;
  size_t capacity;
  int64_t since_ms;
};

struct Pool {
  std::mutex mu;
  std::vector<IdleBuffer> idle;  // oldest first
  size_t idle_bytes = 0;
  // Wakes the reaper, which frees buffers once idle for kStagingMaxIdleMs even when no tensor is made.
  std::condition_variable reap;
  bool reaper_started = false;
};

// Never destroyed: TensorFlow may free a tensor (and so call StagingRelease) during or after static
// destruction at process exit.
Pool& ThePool() {
  static Pool* pool = new Pool();
  return *pool;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Large buffers are rounded up to 64 KB so that feeds of nearly the same size share buffers.
size_t Capacity(size_t bytes) {
  size_t unit = bytes >= kStagingMinBytes ? size_t{64} << 10 : kTensorAlignment;
  size_t rounded = (bytes + unit - 1) / unit * unit;
  return rounded == 0 ? kTensorAlignment : rounded;
}

// Takes the buffers that must go out of the pool (too old, or beyond its bounds); called with mu held. They
// are freed after unlocking: freeing 64 MB (munmap) takes long enough to hold up other threads.
void Evict(Pool& pool, int64_t now, std::vector<void*>* out) {
  size_t drop = 0;
  while (drop < pool.idle.size() &&
         (now - pool.idle[drop].since_ms > kStagingMaxIdleMs || pool.idle_bytes > kStagingMaxIdleBytes ||
          pool.idle.size() - drop > kStagingMaxIdleBuffers)) {
    pool.idle_bytes -= pool.idle[drop].capacity;
    out->push_back(pool.idle[drop].data);
    ++drop;
  }
  pool.idle.erase(pool.idle.begin(), pool.idle.begin() + static_cast<std::ptrdiff_t>(drop));
}

void FreeAll(const std::vector<void*>& buffers) {
  for (void* p : buffers) std::free(p);
}

// Detached: it holds nothing that process exit must wait for, and the pool it uses is never destroyed.
void Reap(Pool* pool) {
  std::unique_lock<std::mutex> lock(pool->mu);
  for (;;) {
    if (pool->idle.empty()) {
      pool->reap.wait(lock);
      continue;
    }
    auto due = std::chrono::steady_clock::time_point(std::chrono::milliseconds(pool->idle.front().since_ms)) +
               std::chrono::milliseconds(kStagingMaxIdleMs + 1);
    pool->reap.wait_until(lock, due);
    std::vector<void*> evicted;
    Evict(*pool, NowMs(), &evicted);
    lock.unlock();
    FreeAll(evicted);
    lock.lock();
  }
}

}  // namespace

void* StagingAcquire(size_t bytes, size_t* capacity_out) {
  size_t capacity = Capacity(bytes);
  *capacity_out = capacity;
  if (capacity < kStagingMinBytes) return std::aligned_alloc(kTensorAlignment, capacity);
  Pool& pool = ThePool();
  std::vector<void*> evicted;
  void* found = nullptr;
  {
    std::lock_guard<std::mutex> lock(pool.mu);
    Evict(pool, NowMs(), &evicted);
    size_t best = pool.idle.size();
    for (size_t i = 0; i < pool.idle.size(); ++i) {
      size_t c = pool.idle[i].capacity;
      // A buffer much larger than needed is not handed out: a long-lived tensor would hold the excess.
      if (c >= capacity && c - capacity <= capacity / 4 && (best == pool.idle.size() || c < pool.idle[best].capacity)) {
        best = i;
      }
    }
    if (best < pool.idle.size()) {
      found = pool.idle[best].data;
      *capacity_out = pool.idle[best].capacity;
      pool.idle_bytes -= pool.idle[best].capacity;
      pool.idle.erase(pool.idle.begin() + static_cast<std::ptrdiff_t>(best));
    }
  }
  FreeAll(evicted);
  if (found != nullptr) return found;
  return std::aligned_alloc(kTensorAlignment, capacity);
}

void StagingRelease(void* data, size_t len, void* arg) {
  if (data == nullptr) return;
  // arg: the capacity StagingAcquire allocated, which can exceed what the tensor used.
  size_t capacity = arg != nullptr ? reinterpret_cast<size_t>(arg) : Capacity(len);
  if (capacity < kStagingMinBytes || capacity > kStagingMaxIdleBytes) {
    std::free(data);
    return;
  }
  Pool& pool = ThePool();
  std::vector<void*> evicted;
  {
    std::lock_guard<std::mutex> lock(pool.mu);
    int64_t now = NowMs();
    pool.idle.push_back({data, capacity, now});
    pool.idle_bytes += capacity;
    Evict(pool, now, &evicted);
    if (!pool.reaper_started) {
      pool.reaper_started = true;
      std::thread(Reap, &pool).detach();
    } else if (pool.idle.size() == 1) {
      pool.reap.notify_one();
    }
  }
  FreeAll(evicted);
}

void StagingTrim() {
  Pool& pool = ThePool();
  std::vector<void*> evicted;
  {
    std::lock_guard<std::mutex> lock(pool.mu);
    for (const IdleBuffer& b : pool.idle) evicted.push_back(b.data);
    pool.idle.clear();
    pool.idle_bytes = 0;
  }
  FreeAll(evicted);
}

size_t StagingIdleBytes() {
  Pool& pool = ThePool();
  std::lock_guard<std::mutex> lock(pool.mu);
  return pool.idle_bytes;
}

}  // namespace tfn
