// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "session_runner.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace tfn {
namespace {

struct Runners {
  std::mutex mu;
  std::condition_variable wake;
  std::deque<std::function<void()>> jobs;
  // Read by spinning threads without the lock.
  std::atomic<size_t> queued{0};
  size_t spinning = 0;
  size_t sleeping = 0;
};

// Never destroyed: runner threads are detached and may still use it while the process exits.
Runners& TheRunners() {
  static Runners* runners = new Runners();
  return *runners;
}

void RunnerLoop(Runners* r) {
  std::unique_lock<std::mutex> lock(r->mu);
  for (;;) {
    if (!r->jobs.empty()) {
      std::function<void()> job = std::move(r->jobs.front());
      r->jobs.pop_front();
      r->queued.fetch_sub(1, std::memory_order_relaxed);
      lock.unlock();
      job();
      job = nullptr;
      lock.lock();
      continue;
    }
    ++r->spinning;
    lock.unlock();
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kRunnerSpinMicros);
    // Yielding rather than pausing: where cores are oversubscribed the JS thread that will queue the next
    // step may be waiting for this very core.
    while (r->queued.load(std::memory_order_acquire) == 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::yield();
    }
    lock.lock();
    --r->spinning;
    if (!r->jobs.empty()) continue;
    ++r->sleeping;
    bool has_job =
        r->wake.wait_for(lock, std::chrono::milliseconds(kRunnerIdleMillis), [r] { return !r->jobs.empty(); });
    --r->sleeping;
    if (!has_job) return;
  }
}

}  // namespace

void RunOnRunnerThread(std::function<void()> job) {
  Runners& r = TheRunners();
  bool start_thread = false;
  {
    std::lock_guard<std::mutex> lock(r.mu);
    r.jobs.push_back(std::move(job));
    r.queued.fetch_add(1, std::memory_order_release);
    size_t waiting = r.jobs.size();
    // Spinning threads take queued steps without being woken; sleeping ones are woken for the rest; a new
    // thread is started for whatever no idle thread will take.
    if (waiting > r.spinning + r.sleeping) {
      start_thread = true;
    } else if (waiting > r.spinning) {
      r.wake.notify_one();
    }
  }
  // Detached: a step TensorFlow cannot interrupt must not hold up process exit.
  if (!start_thread) return;
  try {
    std::thread(RunnerLoop, &r).detach();
  } catch (const std::system_error&) {
    // Out of threads (tens of thousands of runs in flight): the step stays queued for the next runner that
    // finishes, rather than an uncaught exception ending the process.
  }
}

}  // namespace tfn
