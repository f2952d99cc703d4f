// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
// tfn_intra_op.so: TF_SessionRun with the step's intra-op work in the calling thread.
//
// TensorFlow's intra-op pool is one per process, sized once (docs/THREADING.md), and its C API has no run
// option to bypass it. Its C++ Session::Run does: a ThreadPoolOptions whose intra_op_threadpool replaces the
// pool for that one run. For a step of small ops (an MLP at batch 1), handing shards to the pool and waiting
// for them costs more than the shards: 0.05 against 0.15 ms per step on a 2-vCPU VM.
//
// This is the one place the binding goes below the C API, so it lives in its own library, compiled against the
// C++ headers of the very libtensorflow it links to, loaded only when the versions match, and optional: the
// addon runs every step through TF_SessionRun without it. It does what TF_SessionRun does (c_api.cc), through
// exported functions only.
#include "intra_op_run.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tensorflow/c/c_api_internal.h"
#include "tensorflow/c/tf_tensor_internal.h"
#include "tensorflow/core/platform/threadpool_interface.h"
#include "tensorflow/core/platform/threadpool_options.h"
#include "tensorflow/core/protobuf/config.pb.h"
#include "tensorflow/core/public/version.h"
#include "tensorflow/core/public/session.h"

namespace {

// A pool of one thread that is the caller: Eigen's parallelFor and oneDNN's threadpool adapter see one thread
// and run every shard in place, without a hand-off.
class CallerThreadPool : public tsl::thread::ThreadPoolInterface {
 public:
  void Schedule(std::function<void()> fn) override { fn(); }
  int NumThreads() const override { return 1; }
  int CurrentThreadId() const override { return -1; }
};

std::string OutputName(const TF_Output& output) {
  return std::string(TF_OperationName(output.oper)) + ":" + std::to_string(output.index);
}

void SetStatus(TF_Status* status, const absl::Status& s) {
  TF_SetStatus(status, static_cast<TF_Code>(s.code()), std::string(s.message()).c_str());
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int tfn_intra_op_graph_def_version(void) { return TF_GRAPH_DEF_VERSION; }

__attribute__((visibility("default"))) void tfn_intra_op_session_run(
    TF_Session* session, const TF_Buffer* run_options, const TF_Output* inputs, TF_Tensor* const* input_values,
    int ninputs, const TF_Output* outputs, TF_Tensor** output_values, int noutputs,
    const TF_Operation* const* targets, int ntargets, TF_Buffer* run_metadata, TF_Status* status) {
  TF_SetStatus(status, TF_OK, "");
  for (int i = 0; i < noutputs; ++i) output_values[i] = nullptr;
  if (run_metadata != nullptr) {
    TF_SetStatus(status, TF_INVALID_ARGUMENT, "tfn_intra_op_session_run does not collect run metadata");
    return;
  }
  // Operations added to the graph since the last run reach the session first, as in TF_SessionRun.
  if (session->extend_before_run && !tensorflow::ExtendSessionGraphHelper(session, status)) return;
  tensorflow::RunOptions options;
  if (run_options != nullptr && !options.ParseFromArray(run_options->data, static_cast<int>(run_options->length))) {
    TF_SetStatus(status, TF_INVALID_ARGUMENT, "Unparseable RunOptions proto");
    return;
  }
  std::vector<std::pair<std::string, tensorflow::Tensor>> feeds(ninputs);
  for (int i = 0; i < ninputs; ++i) {
    feeds[i].first = OutputName(inputs[i]);
    absl::Status converted = tensorflow::TF_TensorToTensor(input_values[i], &feeds[i].second);
    if (!converted.ok()) return SetStatus(status, converted);
  }
  std::vector<std::string> fetches(noutputs);
  for (int i = 0; i < noutputs; ++i) fetches[i] = OutputName(outputs[i]);
  std::vector<std::string> target_names(ntargets);
  for (int i = 0; i < ntargets; ++i) target_names[i] = TF_OperationName(const_cast<TF_Operation*>(targets[i]));

  CallerThreadPool caller;
  tsl::thread::ThreadPoolOptions pools;
  pools.intra_op_threadpool = &caller;
  std::vector<tensorflow::Tensor> results;
  tensorflow::RunMetadata metadata;
  absl::Status ran = session->session->Run(options, feeds, fetches, target_names, &results, &metadata, pools);
  if (!ran.ok()) return SetStatus(status, ran);
  if (results.size() != static_cast<size_t>(noutputs)) {
    TF_SetStatus(status, TF_INTERNAL, "The session returned another number of results than it was asked for");
    return;
  }
  for (int i = 0; i < noutputs; ++i) {
    absl::Status made;
    output_values[i] = tensorflow::TF_TensorFromTensor(results[i], &made);
    if (!made.ok()) {
      for (int j = 0; j <= i; ++j) {
        if (output_values[j] != nullptr) TF_DeleteTensor(output_values[j]);
        output_values[j] = nullptr;
      }
      return SetStatus(status, made);
    }
  }
}

}  // extern "C"
