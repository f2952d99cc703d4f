// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "session_runner.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <system_error>
#include <thread>
#include <utility>

namespace tfn {
namespace {

struct Runners {
  std::mutex mu;
  std::condition_variable wake;
  std::deque<RunnerJob> jobs;
  // Read by spinning threads without the lock.
  std::atomic<size_t> queued{0};
  size_t spinning = 0;
  size_t sleeping = 0;
  // Threads delivering a result (RunnerJob::deliver): raised without the lock, lowered under it.
  std::atomic<size_t> delivering{0};
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
      RunnerJob job = r->jobs.front();
      r->jobs.pop_front();
      r->queued.fetch_sub(1, std::memory_order_relaxed);
      lock.unlock();
      job.work(job.arg);
      if (job.deliver != nullptr) {
        r->delivering.fetch_add(1, std::memory_order_relaxed);
        job.deliver(job.arg);
        lock.lock();
        r->delivering.fetch_sub(1, std::memory_order_relaxed);
      } else {
        lock.lock();
      }
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

void RunOnRunnerThread(RunnerJob job) {
  Runners& r = TheRunners();
  bool start_thread = false;
  {
    std::lock_guard<std::mutex> lock(r.mu);
    r.jobs.push_back(job);
    r.queued.fetch_add(1, std::memory_order_release);
    size_t waiting = r.jobs.size();
    // Spinning and delivering threads take queued steps without being woken; sleeping ones are woken for the
    // rest; a new thread is started for whatever no idle thread will take. A thread that delivered the result
    // this step follows usually still delivers (the JS thread woke up before its write() returned): counting
    // it as busy started a thread per run or two, which then all spun for the next step.
    size_t ready = r.spinning + r.delivering.load(std::memory_order_relaxed);
    if (waiting > ready + r.sleeping) {
      start_thread = true;
    } else if (waiting > ready) {
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

std::shared_ptr<RunCompletions> RunCompletions::Create(napi_env env, Settle settle) {
  std::shared_ptr<RunCompletions> c(new RunCompletions());
  c->env_ = env;
  c->settle_ = settle;
  uv_loop_t* loop = nullptr;
  napi_value name;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr ||
      napi_create_string_utf8(env, "node-libtensorflow:run", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, nullptr, name, &c->context_) != napi_ok) {
    return nullptr;
  }
  if (uv_async_init(loop, &c->async_, OnAsync) != 0) {
    napi_async_destroy(env, c->context_);
    return nullptr;
  }
  c->async_.data = c.get();
  c->self_ = c;
  // Referenced only while runs are in flight: an idle session does not keep the process alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(&c->async_));
  // Asynchronous, so that the environment (a worker's loop in particular) waits for the handle to close.
  if (napi_add_async_cleanup_hook(env, OnCleanup, c.get(), &c->cleanup_) != napi_ok) {
    napi_async_destroy(env, c->context_);
    uv_close(reinterpret_cast<uv_handle_t*>(&c->async_), OnClosed);
    return nullptr;
  }
  return c;
}

bool RunCompletions::Post(void* item) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    ready_.push_back(item);
    sending_.fetch_add(1, std::memory_order_relaxed);
  }
  uv_async_send(&async_);
  sending_.fetch_sub(1, std::memory_order_release);
  return true;
}

void RunCompletions::Ref() {
  if (refs_++ == 0 && !closed_) uv_ref(reinterpret_cast<uv_handle_t*>(&async_));
}

void RunCompletions::Unref() {
  if (--refs_ == 0 && !closed_) uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
}

void RunCompletions::OnAsync(uv_async_t* async) {
  auto* c = static_cast<RunCompletions*>(async->data);
  std::vector<void*> items;
  {
    std::lock_guard<std::mutex> lock(c->mu_);
    items.swap(c->ready_);
  }
  if (items.empty()) return;
  napi_env env = c->env_;
  Settle settle = c->settle_;
  napi_handle_scope handles;
  napi_callback_scope scope;
  if (napi_open_handle_scope(env, &handles) != napi_ok) {
    for (void* item : items) settle(nullptr, item);
    return;
  }
  // Closing the outermost callback scope runs the microtasks (the awaits of these results) and process.nextTick.
  bool scoped = napi_open_callback_scope(env, nullptr, c->context_, &scope) == napi_ok;
  for (void* item : items) settle(env, item);
  if (scoped) napi_close_callback_scope(env, scope);
  napi_close_handle_scope(env, handles);
}

void RunCompletions::OnCleanup(napi_async_cleanup_hook_handle handle, void* data) {
  auto* c = static_cast<RunCompletions*>(data);
  {
    std::lock_guard<std::mutex> lock(c->mu_);
    c->closed_ = true;
  }
  // A runner that queued its result just before may still be inside uv_async_send: a few instructions.
  while (c->sending_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  napi_async_destroy(c->env_, c->context_);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->async_), OnClosed);
}

void RunCompletions::OnClosed(uv_handle_t* handle) {
  auto* c = static_cast<RunCompletions*>(handle->data);
  std::vector<void*> items;
  {
    std::lock_guard<std::mutex> lock(c->mu_);
    items.swap(c->ready_);
  }
  for (void* item : items) c->settle_(nullptr, item);
  napi_async_cleanup_hook_handle cleanup = c->cleanup_;
  std::shared_ptr<RunCompletions> self = std::move(c->self_);
  if (cleanup != nullptr) napi_remove_async_cleanup_hook(cleanup);
}

}  // namespace tfn
