// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "intra_op.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>
#include <type_traits>

#include "guards.h"

namespace tfn {
namespace {

static_assert(std::is_same<TfnIntraOpSessionRunFn, decltype(&::TF_SessionRun)>::value,
              "tfn_intra_op_session_run takes TF_SessionRun's arguments");

struct Loaded {
  TfnIntraOpSessionRunFn run = nullptr;
  std::string unavailable;
};

void AnchorOfThisLibrary() {}

// versions.producer of an empty graph's GraphDef: the loaded library's TF_GRAPH_DEF_VERSION. GraphDef field 4
// (versions, a VersionDef) holds field 1 (producer, a varint); -1 if the bytes say otherwise.
int LibraryGraphDefVersion() {
  TF_Graph* graph = Tf().TF_NewGraph();
  BufferGuard def(Tf().TF_NewBuffer());
  StatusGuard status;
  Tf().TF_GraphToGraphDef(graph, def.get(), status);
  Tf().TF_DeleteGraph(graph);
  if (status.code() != TF_OK) return -1;
  const auto* bytes = static_cast<const uint8_t*>(def.get()->data);
  size_t n = def.get()->length;
  auto varint = [&](size_t* at, uint64_t* out) {
    *out = 0;
    for (int shift = 0; *at < n && shift < 64; shift += 7) {
      uint8_t b = bytes[(*at)++];
      *out |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  };
  // The empty library (field 2) comes first; skip every field but versions.
  size_t at = 0;
  uint64_t key = 0, value = 0;
  while (varint(&at, &key) && varint(&at, &value)) {
    if ((key & 7) == 2 && key >> 3 != 4) {
      at += value;
    } else if (key == ((4 << 3) | 2)) {
      uint64_t producer = 0;
      if (!varint(&at, &key) || key != ((1 << 3) | 0) || !varint(&at, &producer)) return -1;
      return static_cast<int>(producer);
    } else if ((key & 7) != 0) {
      return -1;
    }
  }
  return -1;
}

enum class Policy { kMeasure, kOff, kCaller };

// NODE_LIBTENSORFLOW_INTRA_OP_CHOICE: "0" leaves every step's intra-op work to TensorFlow's pool, "caller" keeps
// it in the calling thread wherever a step may choose (tests reach that path without depending on timings);
// unset (or anything else), measure.
Policy ChoicePolicy() {
  static const Policy policy = [] {
    const char* setting = std::getenv("NODE_LIBTENSORFLOW_INTRA_OP_CHOICE");
    std::string value = setting != nullptr ? setting : "";
    return value == "0" ? Policy::kOff : value == "caller" ? Policy::kCaller : Policy::kMeasure;
  }();
  return policy;
}

Loaded Load() {
  Loaded loaded;
  if (ChoicePolicy() == Policy::kOff) {
    loaded.unavailable = "turned off by NODE_LIBTENSORFLOW_INTRA_OP_CHOICE=0";
    return loaded;
  }
  Dl_info self;
  if (dladdr(reinterpret_cast<void*>(&AnchorOfThisLibrary), &self) == 0 || self.dli_fname == nullptr) {
    loaded.unavailable = "cannot tell where the addon was loaded from";
    return loaded;
  }
  std::string dir(self.dli_fname);
  dir = dir.substr(0, dir.find_last_of('/') + 1);
  const std::string file = dir + "tfn_intra_op.so";
  // Its libtensorflow dependencies resolve, by soname, to the copies already loaded (tf_api.cc).
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    loaded.unavailable = "cannot load " + file + ": " + (why != nullptr ? why : "unknown error");
    return loaded;
  }
  auto version = reinterpret_cast<TfnIntraOpGraphDefVersionFn>(dlsym(handle, "tfn_intra_op_graph_def_version"));
  auto run = reinterpret_cast<TfnIntraOpSessionRunFn>(dlsym(handle, "tfn_intra_op_session_run"));
  if (version == nullptr || run == nullptr) {
    loaded.unavailable = file + " does not export tfn_intra_op_graph_def_version and tfn_intra_op_session_run";
    return loaded;
  }
  // It reads TensorFlow's C++ objects (TF_Session's layout, Session's vtable): only the build whose headers it
  // was compiled against will do.
  int library = LibraryGraphDefVersion();
  if (version() != library) {
    loaded.unavailable = file + " was built against the headers of another TensorFlow (GraphDef version " +
                         std::to_string(version()) + ") than the one loaded (" + std::to_string(library) + ")";
    return loaded;
  }
  loaded.run = run;
  return loaded;
}

const Loaded& Library() {
  static const Loaded not_loaded{nullptr, "libtensorflow is not loaded"};
  if (!TensorFlowLoaded()) return not_loaded;
  static const Loaded loaded = Load();
  return loaded;
}

// The k-th fastest (from 0) of n timings.
int64_t Fastest(const int64_t* values, int n, int k) {
  int64_t sorted[IntraOpChoice::kProbeRuns];
  std::copy(values, values + n, sorted);
  std::nth_element(sorted, sorted + k, sorted + n);
  return sorted[k];
}

int SizeClass(size_t bytes) {
  int bits = 0;
  while (bytes > 0) {
    ++bits;
    bytes >>= 1;
  }
  return bits;
}

}  // namespace

TfnIntraOpSessionRunFn IntraOpSessionRun() { return Library().run; }

std::string IntraOpUnavailableReason() { return Library().unavailable; }

namespace {

bool SessionIsCpuOnly(TF_Session* session) {
  StatusGuard status;
  TF_DeviceList* devices = Tf().TF_SessionListDevices(session, status);
  if (devices == nullptr || status.code() != TF_OK) return false;
  bool cpu_only = true;
  int n = Tf().TF_DeviceListCount(devices);
  for (int i = 0; i < n && cpu_only; ++i) {
    const char* type = Tf().TF_DeviceListType(devices, i, status);
    cpu_only = status.code() == TF_OK && type != nullptr && std::string(type) == "CPU";
  }
  Tf().TF_DeleteDeviceList(devices);
  return cpu_only;
}

}  // namespace

std::shared_ptr<IntraOpChoice> IntraOpChoices::For(TF_Session* session, const std::vector<TF_Output>& inputs,
                                                   const std::vector<TF_Output>& outputs,
                                                   const std::vector<TF_Operation*>& targets) {
  if (IntraOpSessionRun() == nullptr) return nullptr;
  if (cpu_only_ < 0) cpu_only_ = SessionIsCpuOnly(session) ? 1 : 0;
  if (cpu_only_ == 0) return nullptr;
  std::vector<uintptr_t> key;
  key.reserve(2 * (inputs.size() + outputs.size()) + targets.size() + 2);
  for (const TF_Output& o : inputs) key.insert(key.end(), {reinterpret_cast<uintptr_t>(o.oper), uintptr_t(o.index)});
  key.push_back(UINTPTR_MAX);
  for (const TF_Output& o : outputs) key.insert(key.end(), {reinterpret_cast<uintptr_t>(o.oper), uintptr_t(o.index)});
  key.push_back(UINTPTR_MAX);
  for (TF_Operation* t : targets) key.push_back(reinterpret_cast<uintptr_t>(t));
  auto found = by_step_.find(key);
  if (found != by_step_.end()) return found->second;
  if (by_step_.size() >= kMaxSteps) return nullptr;
  auto choice = std::make_shared<IntraOpChoice>();
  by_step_.emplace(std::move(key), choice);
  return choice;
}

IntraOpChoice::Size& IntraOpChoice::At(size_t fed_bytes) { return sizes_[SizeClass(fed_bytes)]; }

namespace {

// Steps whose intra-op work runs in their calling thread, process-wide. Each keeps a thread busy for its whole
// step, where the pool's steps share its threads: 50 concurrent runs in the calling thread were 50 busy threads
// on 2 cores, and the event loop stalled for 580 ms (test/session/concurrency.test.ts). So at most one fewer
// than the cores (at least 1) run that way at once; the others use the pool.
std::atomic<int> g_caller_runs{0};

int MaxCallerRuns() {
  static const int most = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1);
  return most;
}

bool AcquireCallerSlot() {
  if (g_caller_runs.fetch_add(1, std::memory_order_relaxed) < MaxCallerRuns()) return true;
  g_caller_runs.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

}  // namespace

void IntraOpChoice::ReleaseCallerSlot() { g_caller_runs.fetch_sub(1, std::memory_order_relaxed); }

bool IntraOpChoice::CallerThread(size_t fed_bytes) {
  if (ChoicePolicy() == Policy::kCaller) return AcquireCallerSlot();
  bool caller = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    caller = WantsCallerThread(At(fed_bytes));
  }
  return caller && AcquireCallerSlot();
}

bool IntraOpChoice::WantsCallerThread(Size& size) {
  if (size.decided >= 0) return size.decided == 1;
  if (size.started < kWarmupRuns) {
    ++size.started;
    return false;
  }
  // Between the two probes, the calling thread, which the first one chose.
  if (size.until_confirm > 0) {
    --size.until_confirm;
    return true;
  }
  return (size.probe_runs++ / kProbeBlock) % 2 == 1;
}

void IntraOpChoice::Record(size_t fed_bytes, bool caller_thread, int64_t ns) {
  if (ChoicePolicy() == Policy::kCaller) return;
  std::lock_guard<std::mutex> lock(mu_);
  Size& size = At(fed_bytes);
  if (size.decided >= 0 || size.until_confirm > 0) return;
  if (size.warmup_seen < kWarmupRuns && !caller_thread) {
    ++size.warmup_seen;
    return;
  }
  int way = caller_thread ? 1 : 0;
  if (size.count[way] < kProbeRuns) size.ns[way][size.count[way]++] = ns;
  if (size.count[0] < kProbeRuns || size.count[1] < kProbeRuns) return;
  bool caller =
      Fastest(size.ns[1], kProbeRuns, kProbeRank) < kCallerMargin * Fastest(size.ns[0], kProbeRuns, kProbeRank);
  if (caller && !size.confirming) {
    size.confirming = true;
    size.until_confirm = kConfirmAfterRuns;
    size.probe_runs = 0;
    size.count[0] = size.count[1] = 0;
    return;
  }
  size.decided = caller ? 1 : 0;
}

int IntraOpChoice::Decided(size_t fed_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  return At(fed_bytes).decided;
}

}  // namespace tfn
