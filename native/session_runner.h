// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
// The threads that run Session.run's steps, in place of the libuv pool, and the channel that brings their
// results back to the JS thread. Handing a step to a libuv thread costs a futex wake-up of a sleeping thread
// each way, and every run also allocates and tracks its own napi_async_work: together 30-50 us here, ten times
// a small step. These threads spin briefly for the next step before they sleep, so that a serving loop, whose
// next run comes within microseconds of the last result, hands it over without a wake-up.
#ifndef NATIVE_SESSION_RUNNER_H_
#define NATIVE_SESSION_RUNNER_H_

#include <node_api.h>
#include <uv.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace tfn {

// How long a runner thread spins for the next step before it sleeps (microseconds).
constexpr int kRunnerSpinMicros = 50;
// How long a sleeping runner thread waits for a step before it exits (milliseconds).
constexpr int kRunnerIdleMillis = 2000;

// A step for a runner thread: work(arg), then deliver(arg) (may be null), which must not block. The thread
// counts as idle while it delivers: the JS thread's next step, which the delivery itself often triggers,
// then goes to this thread instead of starting another one.
struct RunnerJob {
  void (*work)(void* arg) = nullptr;
  void (*deliver)(void* arg) = nullptr;
  void* arg = nullptr;
};

// Runs `job` on a runner thread. A step never waits behind another: when no thread is idle a new one is
// started (steps that block on each other, queue dequeues before their enqueues, need one thread each, as
// they had with the libuv pool, which is why this pool has no fixed size). Any thread.
void RunOnRunnerThread(RunnerJob job);

// One environment's channel from runner threads back to its JS thread (one per environment, InstanceData).
// It replaces a napi_threadsafe_function, which holds its lock across the write() that wakes the event loop:
// the JS thread it wakes then blocks on that lock at once and must be woken a second time, a futex wait and
// wake on every run. Here a result is queued under a lock held for a push, and the loop is woken after it is
// released. Every result queued by the time the loop turns is settled in one callback scope (microtasks run
// once, after all of them).
class RunCompletions {
 public:
  // JS thread; env is null when the environment is going away: only free `item`.
  using Settle = void (*)(napi_env env, void* item);

  // JS thread. Null when N-API or libuv refused (no exception is pending).
  static std::shared_ptr<RunCompletions> Create(napi_env env, Settle settle);

  // Any thread. False once the environment is going away: `item` is then still the caller's.
  bool Post(void* item);
  // JS thread: keep the event loop alive while results are due (one Ref per run in flight, one Unref each).
  void Ref();
  void Unref();

 private:
  RunCompletions() = default;
  static void OnAsync(uv_async_t* async);
  static void OnCleanup(napi_async_cleanup_hook_handle handle, void* data);
  static void OnClosed(uv_handle_t* handle);

  napi_env env_ = nullptr;
  Settle settle_ = nullptr;
  uv_async_t async_{};
  napi_async_context context_ = nullptr;
  napi_async_cleanup_hook_handle cleanup_ = nullptr;
  std::mutex mu_;
  std::vector<void*> ready_;
  // Set under mu_ when the environment goes away; no uv_async_send may start after it.
  bool closed_ = false;
  // Runner threads between queuing a result and their uv_async_send, which the handle must outlive.
  std::atomic<int> sending_{0};
  int refs_ = 0;
  // The environment's share: released once the handle has closed at the environment's teardown.
  std::shared_ptr<RunCompletions> self_;
};

}  // namespace tfn

#endif  // NATIVE_SESSION_RUNNER_H_
