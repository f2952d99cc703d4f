// SPDX-License-Identifier: Apache-2.0
// C baseline for bench/tensor.js: feed and fetch a float32 tensor of N bytes through Identity.
// Usage: identity <bytes> <iterations> <zerocopy|copy> [busy-microseconds]
//   zerocopy: one TensorFlow-allocated (aligned) input tensor fed every time; the result is read in place.
//   copy:     each iteration copies a user buffer into a new tensor and the result out into a user buffer.
//   busy:     spin this long between runs, as a binding's own work per run would: shows what that work
//             costs in TensorFlow's own run time, with its inter-op threads spinning for the next run.
// Prints JSON: milliseconds per iteration.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tensorflow/c/c_api.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void check(TF_Status* s, const char* what) {
  if (TF_GetCode(s) != TF_OK) {
    fprintf(stderr, "%s: %s\n", what, TF_Message(s));
    exit(1);
  }
}

int main(int argc, char** argv) {
  size_t bytes = argc > 1 ? strtoull(argv[1], NULL, 10) : (64u << 20);
  int iterations = argc > 2 ? atoi(argv[2]) : 50;
  int copy = argc > 3 && strcmp(argv[3], "copy") == 0;
  double busy_ms = argc > 4 ? atof(argv[4]) / 1000 : 0;
  int64_t n = (int64_t)(bytes / sizeof(float));
  TF_Status* s = TF_NewStatus();
  TF_Graph* g = TF_NewGraph();
  TF_OperationDescription* d = TF_NewOperation(g, "Placeholder", "x");
  TF_SetAttrType(d, "dtype", TF_FLOAT);
  TF_Operation* x = TF_FinishOperation(d, s);
  check(s, "x");
  d = TF_NewOperation(g, "Identity", "y");
  TF_AddInput(d, (TF_Output){x, 0});
  TF_Operation* y = TF_FinishOperation(d, s);
  check(s, "y");
  TF_SessionOptions* opts = TF_NewSessionOptions();
  TF_Session* sess = TF_NewSession(g, opts, s);
  check(s, "session");
  float* user_in = malloc(bytes);
  float* user_out = malloc(bytes);
  for (int64_t i = 0; i < n; ++i) user_in[i] = (float)i;
  TF_Tensor* fixed = TF_AllocateTensor(TF_FLOAT, &n, 1, bytes);
  memcpy(TF_TensorData(fixed), user_in, bytes);
  TF_Output in = {x, 0}, out = {y, 0};
  double checksum = 0, t0 = 0;
  for (int i = -2; i < iterations; ++i) {
    if (i == 0) t0 = now_ms();
    TF_Tensor* v = fixed;
    if (copy) {
      v = TF_AllocateTensor(TF_FLOAT, &n, 1, bytes);
      memcpy(TF_TensorData(v), user_in, bytes);
    }
    TF_Tensor* r = NULL;
    TF_SessionRun(sess, NULL, &in, &v, 1, &out, &r, 1, NULL, 0, NULL, s);
    check(s, "run");
    const float* result = TF_TensorData(r);
    if (copy) {
      memcpy(user_out, result, bytes);
      checksum += user_out[n - 1];
      TF_DeleteTensor(v);
    } else {
      checksum += result[n - 1];
    }
    TF_DeleteTensor(r);
    if (busy_ms > 0) {
      double until = now_ms() + busy_ms;
      while (now_ms() < until) {
      }
    }
  }
  double per = (now_ms() - t0) / iterations;
  printf("{\"msPerRun\": %.4f, \"checksum\": %.1f}\n", per, checksum);
  TF_DeleteTensor(fixed);
  TF_CloseSession(sess, s);
  TF_DeleteSession(sess, s);
  TF_DeleteGraph(g);
  TF_DeleteStatus(s);
  free(user_in);
  free(user_out);
  return 0;
}
