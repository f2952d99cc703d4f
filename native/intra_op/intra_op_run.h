// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
// The C interface of tfn_intra_op.so (intra_op_run.cc), a library beside the addon that runs a step with its
// ops' intra-op work in the calling thread. The addon loads it after libtensorflow (native/intra_op.cc) and
// uses it only if both agree on TensorFlow's version.
#ifndef NATIVE_INTRA_OP_INTRA_OP_RUN_H_
#define NATIVE_INTRA_OP_INTRA_OP_RUN_H_

#include "tensorflow/c/c_api.h"

extern "C" {

// The TF_GRAPH_DEF_VERSION of the C++ headers the library was compiled against. The headers carry no release
// number, but this one changes with every TensorFlow build day, and the library puts it in every GraphDef.
typedef int (*TfnIntraOpGraphDefVersionFn)(void);

// TF_SessionRun, with the same arguments, except that every op's intra-op work (Eigen's and oneDNN's shards)
// runs in the thread that runs the op instead of TensorFlow's intra-op pool. The results are the tensors
// TF_SessionRun would return; only how their work is split between threads (and so, for some reductions, the
// rounding) differs. run_metadata must be null: a traced step is measured as TensorFlow runs it.
typedef void (*TfnIntraOpSessionRunFn)(TF_Session* session, const TF_Buffer* run_options, const TF_Output* inputs,
                                       TF_Tensor* const* input_values, int ninputs, const TF_Output* outputs,
                                       TF_Tensor** output_values, int noutputs, const TF_Operation* const* targets,
                                       int ntargets, TF_Buffer* run_metadata, TF_Status* status);
}

#endif  // NATIVE_INTRA_OP_INTRA_OP_RUN_H_
