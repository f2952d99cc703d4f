// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
// The threads that run Session.run's steps, in place of the libuv pool. Handing a step to a libuv thread
// costs a futex wake-up of a sleeping thread each way, and every run also allocates and tracks its own
// napi_async_work: together 30-50 us here, ten times a small step. These threads spin briefly for the next
// step before they sleep, so that a serving loop, whose next run comes within microseconds of the last
// result, hands it over without a wake-up; results go back through one threadsafe function per session,
// which delivers every result ready by the time the event loop turns in one wake-up (session.cc).
#ifndef NATIVE_SESSION_RUNNER_H_
#define NATIVE_SESSION_RUNNER_H_

#include <functional>

namespace tfn {

// How long a runner thread spins for the next step before it sleeps (microseconds).
constexpr int kRunnerSpinMicros = 50;
// How long a sleeping runner thread waits for a step before it exits (milliseconds).
constexpr int kRunnerIdleMillis = 2000;

// Runs `job` on a runner thread. A step never waits behind another: when no thread is idle a new one is
// started (steps that block on each other, queue dequeues before their enqueues, need one thread each, as
// they had with the libuv pool, which is why this pool has no fixed size). Any thread.
void RunOnRunnerThread(std::function<void()> job);

}  // namespace tfn

#endif  // NATIVE_SESSION_RUNNER_H_
