// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "external_memory.h"

#include <algorithm>

namespace tfn {

void ExternalMemory::ChargeNow(Napi::Env env, ExternalCharge* charge, int64_t bytes) {
  charge->bytes = bytes;
  if (bytes <= 0) return;
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  charge->reported = true;
}

void ExternalMemory::ChargeLater(ExternalCharge* charge, int64_t bytes) {
  charge->bytes = bytes;
  if (bytes <= 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  charge->pending = true;
  pending_.push_back(charge);
}

void ExternalMemory::Settle(Napi::Env env) {
  int64_t change = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_.empty() && released_ == 0) return;
    for (ExternalCharge* charge : pending_) {
      charge->pending = false;
      charge->reported = true;
      change += charge->bytes;
    }
    pending_.clear();
    change -= released_;
    released_ = 0;
  }
  if (change != 0) Napi::MemoryManagement::AdjustExternalMemory(env, change);
}

int64_t ExternalMemory::Forget(ExternalCharge* charge) {
  int64_t reported = 0;
  if (charge->pending) {
    // Pending charges are few (one run's large results), so a linear search is cheapest.
    auto it = std::find(pending_.begin(), pending_.end(), charge);
    if (it != pending_.end()) pending_.erase(it);
    charge->pending = false;
  } else if (charge->reported) {
    reported = charge->bytes;
    charge->reported = false;
  }
  charge->bytes = 0;
  return reported;
}

void ExternalMemory::Release(Napi::Env env, ExternalCharge* charge) {
  int64_t reported;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reported = Forget(charge);
  }
  if (reported != 0) Napi::MemoryManagement::AdjustExternalMemory(env, -reported);
}

void ExternalMemory::ReleaseFromAnyThread(ExternalCharge* charge) {
  std::lock_guard<std::mutex> lock(mutex_);
  released_ += Forget(charge);
}

}  // namespace tfn
