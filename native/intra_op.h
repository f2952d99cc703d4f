// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
// Where a step's intra-op work runs when nobody configured intra-op threading: TensorFlow's intra-op pool, or
// the thread that runs the step (through tfn_intra_op.so, native/intra_op/intra_op_run.h), chosen per run
// signature and feed size by measuring both (docs/THREADING.md).
#ifndef NATIVE_INTRA_OP_H_
#define NATIVE_INTRA_OP_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "intra_op/intra_op_run.h"
#include "tf_api.h"

namespace tfn {

// tfn_intra_op.so's run function, loaded beside the addon on first use; null when it is not there or was
// built for another TensorFlow than the one loaded (IntraOpUnavailableReason says which).
TfnIntraOpSessionRunFn IntraOpSessionRun();
// "" when IntraOpSessionRun() is available.
std::string IntraOpUnavailableReason();

// The choice for one step, by feed size (total fed bytes, rounded up to a power of two): a batch-1 request and
// a batch-128 one share a step and want opposite answers. Each size's first kWarmupRuns runs (the first builds
// the executors) go to the pool unmeasured; the next 2 * kProbeRuns alternate between the ways in blocks of
// kProbeBlock runs (strict alternation would time the pool with its threads gone cold after every caller-thread
// run), and the calling thread is kept if its kProbeRank-th fastest time (from 0) is below kCallerMargin times the
// pool's. Not the median: other processes' threads (a peer that has just run, spinning) slow the pool more than the one
// calling thread, and on a shared machine the median chose the calling thread at batch 128 in one bench run of
// two, where it is 15% slower. Interference only adds time, so the fast end shows what each way can do.
// A first verdict for the calling thread is only taken for good if a second probe, kConfirmAfterRuns runs later
// (which go to the calling thread), agrees: a burst of interference on the pool then needs to last across both.
// The choice is never revisited: results stay bit-identical from then on (some reductions round differently
// with another number of threads).
class IntraOpChoice {
 public:
  static constexpr int kWarmupRuns = 2;
  static constexpr int kProbeBlock = 4;
  static constexpr int kProbeRuns = 16;
  static constexpr int kProbeRank = 2;
  // The pool is TensorFlow's own choice and scales with cores: the calling thread must win clearly.
  static constexpr double kCallerMargin = 0.85;
  static constexpr int kConfirmAfterRuns = 256;

  // Whether this run's intra-op work should stay in the calling thread. A true answer holds one of the process's
  // calling-thread slots, to give back with ReleaseCallerSlot() after the run.
  bool CallerThread(size_t fed_bytes);
  static void ReleaseCallerSlot();
  // A run's wall time, with the way it ran.
  void Record(size_t fed_bytes, bool caller_thread, int64_t ns);
  // For tests: 1 caller thread, 0 pool, -1 undecided.
  int Decided(size_t fed_bytes);

 private:
  struct Size {
    int started = 0;
    int warmup_seen = 0;
    int probe_runs = 0;
    bool confirming = false;
    int until_confirm = 0;
    int decided = -1;
    int count[2] = {0, 0};
    int64_t ns[2][kProbeRuns] = {};
  };
  Size& At(size_t fed_bytes);
  // The choice's answer for the next run of `size`, under mu_.
  static bool WantsCallerThread(Size& size);

  std::mutex mu_;
  std::map<int, Size> sizes_;
};

// A session's choices by step (the fed, fetched and targeted operations). A step is prepared again whenever a
// run names its fetches anew (session.run('y:0', …)), and its new signatures share the step's choice. JS thread.
class IntraOpChoices {
 public:
  static constexpr size_t kMaxSteps = 4096;

  // Null when the session cannot choose: tfn_intra_op.so is unavailable, the session has a device other than
  // the CPU (a GPU step's host-side work is not worth a choice), or it already keeps kMaxSteps choices.
  std::shared_ptr<IntraOpChoice> For(TF_Session* session, const std::vector<TF_Output>& inputs,
                                     const std::vector<TF_Output>& outputs, const std::vector<TF_Operation*>& targets);

 private:
  int cpu_only_ = -1;
  std::map<std::vector<uintptr_t>, std::shared_ptr<IntraOpChoice>> by_step_;
};

}  // namespace tfn

#endif  // NATIVE_INTRA_OP_H_
