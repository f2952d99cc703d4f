// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_EXTERNAL_MEMORY_H_
#define NATIVE_EXTERNAL_MEMORY_H_

#include <napi.h>

#include <cstdint>
#include <vector>

namespace tfn {

// What one Tensor wrapper has told (or will tell) V8 about the TensorFlow memory it holds.
struct ExternalCharge {
  int64_t bytes = 0;
  bool reported = false;
  bool pending = false;
};

// Reports TensorFlow memory held by JS wrappers to V8, whose GC heuristics otherwise see only the wrappers.
//
// A run's large results are reported when the next run starts, and only if they are still alive then.
// V8 starts a major GC whenever external memory jumps by more than 64 MB since the last one, so reporting a
// 64 MB result at once cost a full GC per run even in a loop that disposes every result before the next run.
// Loops that keep their results are reported one run late, which is all the GC needs to keep up with them.
// Tensors the caller creates (alloc, fromView, strings) are reported at once: callers keep those.
//
// One per environment, shared with every wrapper that holds a charge, because wrapper destructors can run
// after the environment's instance data is gone. JS thread only (destructors run there too, during GC).
class ExternalMemory {
 public:
  // Reports `bytes` now.
  void ChargeNow(Napi::Env env, ExternalCharge* charge, int64_t bytes);
  // Reports `bytes` at the next Settle, unless Release comes first.
  void ChargeLater(ExternalCharge* charge, int64_t bytes);
  // Reports every pending charge: called when a run starts.
  void Settle(Napi::Env env);
  // Takes back what `charge` reported (or drops it if still pending). Safe during GC; idempotent.
  void Release(Napi::Env env, ExternalCharge* charge);

 private:
  std::vector<ExternalCharge*> pending_;
};

}  // namespace tfn

#endif  // NATIVE_EXTERNAL_MEMORY_H_
