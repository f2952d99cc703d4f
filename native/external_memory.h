// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_EXTERNAL_MEMORY_H_
#define NATIVE_EXTERNAL_MEMORY_H_

#include <napi.h>

#include <cstdint>
#include <mutex>
#include <vector>

namespace tfn {

// What one holder of TensorFlow memory (a Tensor wrapper, a view's share) has told or will tell V8.
struct ExternalCharge {
  int64_t bytes = 0;
  bool reported = false;
  bool pending = false;
};

// Reports TensorFlow memory held by JS objects to V8, whose GC heuristics otherwise see only the objects.
//
// A run's large results are reported when the next run starts, and only if they are still alive then.
// V8 starts a major GC whenever external memory jumps by more than 64 MB since the last one, so reporting a
// 64 MB result at once cost a full GC per run even in a loop that disposes every result before the next run.
// Loops that keep their results are reported one run late, which is all the GC needs to keep up with them.
// Tensors the caller creates (alloc, fromView, strings) are reported at once: callers keep those.
//
// One per environment, shared with every holder of a charge, because holders can be freed after the
// environment's instance data is gone. Charges are made on the JS thread. They are released there too,
// except by views' shares (tensor_view.h), which V8 may free on a sweeper thread: those releases are
// recorded and reported at the next Settle.
class ExternalMemory {
 public:
  // Reports `bytes` now.
  void ChargeNow(Napi::Env env, ExternalCharge* charge, int64_t bytes);
  // Reports `bytes` at the next Settle, unless a release comes first.
  void ChargeLater(ExternalCharge* charge, int64_t bytes);
  // Reports every pending charge and every release from other threads: called when a run starts.
  void Settle(Napi::Env env);
  // Takes back what `charge` reported (or drops it if still pending). JS thread, also during GC; idempotent.
  void Release(Napi::Env env, ExternalCharge* charge);
  // The same from any thread, without touching V8: what was reported is taken back at the next Settle.
  void ReleaseFromAnyThread(ExternalCharge* charge);

 private:
  // Forgets `charge`; returns the reported bytes to take back. Called with mutex_ held.
  int64_t Forget(ExternalCharge* charge);

  std::mutex mutex_;
  std::vector<ExternalCharge*> pending_;
  int64_t released_ = 0;
};

}  // namespace tfn

#endif  // NATIVE_EXTERNAL_MEMORY_H_
