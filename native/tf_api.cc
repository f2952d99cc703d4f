// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "tf_api.h"

#include <dlfcn.h>

#include <atomic>
#include <mutex>

namespace tfn {
namespace {

std::mutex g_load_mutex;
// Process-wide C state only (no JS values): the runtime is one per process whatever the number of
// Node environments.
TfApi g_api;
std::atomic<bool> g_loaded{false};
std::string g_dir;

}  // namespace

bool LoadTensorFlow(const std::string& dir, std::string* error) {
  std::lock_guard<std::mutex> lock(g_load_mutex);
  if (g_loaded) {
    if (dir == g_dir) return true;
    *error = "libtensorflow is already loaded from " + g_dir + " in this process; cannot also load it from " + dir;
    return false;
  }
  const std::string framework = dir + "/libtensorflow_framework.so.2";
  const std::string library = dir + "/libtensorflow_cc.so.2";
  // The framework library first and globally, so that the C API library and the kernels it loads later
  // resolve against this copy rather than searching the default paths.
  void* fw = dlopen(framework.c_str(), RTLD_LAZY | RTLD_GLOBAL);
  if (fw == nullptr) {
    *error = std::string("cannot load ") + framework + ": " + dlerror();
    return false;
  }
  void* handle = dlopen(library.c_str(), RTLD_LAZY | RTLD_GLOBAL);
  if (handle == nullptr) {
    *error = std::string("cannot load ") + library + ": " + dlerror();
    return false;
  }
  TfApi api;
  std::string missing;
#define TFN_RESOLVE(name)                                               \
  api.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name)); \
  if (api.name == nullptr) missing += (missing.empty() ? "" : ", ") + std::string(#name);
  TFN_API_FUNCTIONS(TFN_RESOLVE)
#undef TFN_RESOLVE
  if (!missing.empty()) {
    *error = library + " does not export the C API functions: " + missing;
    return false;
  }
  g_api = api;
  g_dir = dir;
  g_loaded.store(true, std::memory_order_release);
  return true;
}

bool TensorFlowLoaded() { return g_loaded.load(std::memory_order_acquire); }

std::string TensorFlowDirectory() {
  std::lock_guard<std::mutex> lock(g_load_mutex);
  return g_dir;
}

const TfApi& Tf() { return g_api; }

}  // namespace tfn
