// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
// Which steps may run in the calling thread (RunOptions.inter_op_thread_pool = -1): those whose ops never
// wait for another op of the same step. With no inter-op pool, an op that blocks its thread until another
// op runs (Unstage before Stage, a queue dequeue before its enqueue) waits for an op that thread would have
// run next, and the step never ends.
#ifndef NATIVE_SESSION_BLOCKING_H_
#define NATIVE_SESSION_BLOCKING_H_

#include <cstddef>
#include <vector>

#include "common.h"

namespace tfn {

// Whether ops of this type can wait for other ops: TensorFlow's registry (tf.raw_ops in 2.21) filtered to
// queues, barriers, staging areas and maps, accumulators' TakeGradient, Send/Recv, collectives, NCCL,
// mutexes, TPU in/outfeeds and RemoteCall.
bool OpTypeMayBlock(const char* type);

// What one session learned about its graph, scanned incrementally as the graph grows.
class BlockingScan {
 public:
  // Whether the step that computes `outputs` and runs `targets`, given `inputs` fed, contains an op that may
  // block (OpTypeMayBlock), or calls a function of the graph's library that may contain one. JS thread.
  bool StepMayBlock(TF_Graph* graph, const std::vector<TF_Output>& inputs, const std::vector<TF_Output>& outputs,
                    const std::vector<TF_Operation*>& targets);

 private:
  void ScanNewOperations(TF_Graph* graph);

  size_t scanned_pos_ = 0;
  // Whether any operation scanned so far may block: if none does, no step needs a walk.
  bool graph_may_block_ = false;
  int scanned_functions_ = 0;
  bool functions_may_block_ = false;
};

}  // namespace tfn

#endif  // NATIVE_SESSION_BLOCKING_H_
