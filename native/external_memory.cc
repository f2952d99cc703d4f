// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "external_memory.h"

#include <algorithm>

namespace tfn {

void ExternalMemory::ChargeNow(Napi::Env env, ExternalCharge* charge, int64_t bytes) {
  charge->bytes = bytes;
  if (bytes <= 0) return;
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  charge->reported = true;
}

void ExternalMemory::ChargeLater(ExternalCharge* charge, int64_t bytes) {
  charge->bytes = bytes;
  if (bytes <= 0) return;
  charge->pending = true;
  pending_.push_back(charge);
}

void ExternalMemory::Settle(Napi::Env env) {
  int64_t total = 0;
  for (ExternalCharge* charge : pending_) {
    charge->pending = false;
    charge->reported = true;
    total += charge->bytes;
  }
  pending_.clear();
  if (total > 0) Napi::MemoryManagement::AdjustExternalMemory(env, total);
}

void ExternalMemory::Release(Napi::Env env, ExternalCharge* charge) {
  if (charge->pending) {
    // Pending charges are few (one run's large results), so a linear search is cheapest.
    auto it = std::find(pending_.begin(), pending_.end(), charge);
    if (it != pending_.end()) pending_.erase(it);
    charge->pending = false;
  } else if (charge->reported) {
    Napi::MemoryManagement::AdjustExternalMemory(env, -charge->bytes);
    charge->reported = false;
  }
  charge->bytes = 0;
}

}  // namespace tfn
