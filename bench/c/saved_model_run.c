// SPDX-License-Identifier: Apache-2.0
// C baseline for bench/inference.js: a SavedModel's signature run through TF_SessionRun with default
// session options, as a C service would: one TensorFlow-allocated input tensor fed at every run, the output
// read and freed. Usage: saved_model_run <dir> <input op> <input index> <output op> <output index> <batch>
// <features> <iterations>. Prints JSON: microseconds per run and the first row of the output.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tensorflow/c/c_api.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void check(TF_Status* s, const char* what) {
  if (TF_GetCode(s) != TF_OK) {
    fprintf(stderr, "%s: %s\n", what, TF_Message(s));
    exit(1);
  }
}

static TF_Operation* op(TF_Graph* g, const char* name) {
  TF_Operation* o = TF_GraphOperationByName(g, name);
  if (!o) {
    fprintf(stderr, "no operation %s in the SavedModel's graph\n", name);
    exit(1);
  }
  return o;
}

int main(int argc, char** argv) {
  if (argc < 9) {
    fprintf(stderr, "usage: saved_model_run dir in_op in_idx out_op out_idx batch features iterations\n");
    return 2;
  }
  int64_t batch = atoll(argv[6]), features = atoll(argv[7]);
  int iterations = atoi(argv[8]);
  TF_Status* s = TF_NewStatus();
  TF_Graph* g = TF_NewGraph();
  TF_SessionOptions* opts = TF_NewSessionOptions();
  const char* tags[] = {"serve"};
  TF_Session* sess = TF_LoadSessionFromSavedModel(opts, NULL, argv[1], tags, 1, g, NULL, s);
  check(s, "load");
  TF_Output in = {op(g, argv[2]), atoi(argv[3])}, out = {op(g, argv[4]), atoi(argv[5])};
  int64_t dims[2] = {batch, features};
  TF_Tensor* x = TF_AllocateTensor(TF_FLOAT, dims, 2, (size_t)(batch * features) * sizeof(float));
  float* data = TF_TensorData(x);
  for (int64_t i = 0; i < batch * features; ++i) data[i] = (float)((double)(i % features) / (double)features);
  TF_Tensor* first = NULL;
  double t0 = 0;
  int warmup = iterations / 10 + 1;
  for (int i = -warmup; i < iterations; ++i) {
    if (i == 0) t0 = now_us();
    TF_Tensor* r = NULL;
    TF_SessionRun(sess, NULL, &in, &x, 1, &out, &r, 1, NULL, 0, NULL, s);
    check(s, "run");
    if (!first) {
      first = r;
    } else {
      TF_DeleteTensor(r);
    }
  }
  double per_run = (now_us() - t0) / iterations;
  const float* row = TF_TensorData(first);
  int64_t width = TF_NumDims(first) == 2 ? TF_Dim(first, 1) : 1;
  printf("{\"usPerRun\": %.3f, \"row\": [", per_run);
  // %.17g: the exact value, so that a bit-identical output compares equal in JavaScript.
  for (int64_t i = 0; i < width; ++i) printf(i ? ", %.17g" : "%.17g", (double)row[i]);
  printf("], \"version\": \"%s\"}\n", TF_Version());
  TF_DeleteTensor(first);
  TF_DeleteTensor(x);
  TF_CloseSession(sess, s);
  TF_DeleteSession(sess, s);
  TF_DeleteSessionOptions(opts);
  TF_DeleteGraph(g);
  TF_DeleteStatus(s);
  return 0;
}
