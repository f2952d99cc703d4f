// SPDX-License-Identifier: Apache-2.0
// C baseline for bench/session.js: y = x + 1 on a fed float32 scalar, through the same C API the addon uses.
// Usage: scalar_add [iterations] [caller]   ("caller": ConfigProto inter_op_parallelism_threads = -1, which
// runs every op in the calling thread). Prints JSON: microseconds per TF_SessionRun (with a fresh input
// tensor each time, as the addon does) and the time from process start to the first result.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tensorflow/c/c_api.h"

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double process_start_us(void) {
  // Process start time from /proc/self/stat (field 22, in clock ticks since boot), in CLOCK_MONOTONIC terms.
  FILE* f = fopen("/proc/self/stat", "r");
  char buf[4096];
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = 0;
  char* p = strrchr(buf, ')') + 2;
  unsigned long long start = 0;
  for (int field = 3; field <= 22; ++field) {
    if (field == 22) start = strtoull(p, NULL, 10);
    p = strchr(p, ' ') + 1;
  }
  struct timespec boot;
  clock_gettime(CLOCK_BOOTTIME, &boot);
  double since_boot_us = boot.tv_sec * 1e6 + boot.tv_nsec / 1e3;
  double start_since_boot_us = start * 1e6 / sysconf(_SC_CLK_TCK);
  return now_us() - (since_boot_us - start_since_boot_us);
}

static void check(TF_Status* s, const char* what) {
  if (TF_GetCode(s) != TF_OK) {
    fprintf(stderr, "%s: %s\n", what, TF_Message(s));
    exit(1);
  }
}

static TF_Tensor* scalar(float v) {
  TF_Tensor* t = TF_AllocateTensor(TF_FLOAT, NULL, 0, sizeof(float));
  *(float*)TF_TensorData(t) = v;
  return t;
}

int main(int argc, char** argv) {
  double start = process_start_us();
  int iterations = argc > 1 ? atoi(argv[1]) : 20000;
  TF_Status* s = TF_NewStatus();
  TF_Graph* g = TF_NewGraph();
  TF_OperationDescription* d = TF_NewOperation(g, "Placeholder", "x");
  TF_SetAttrType(d, "dtype", TF_FLOAT);
  TF_Operation* x = TF_FinishOperation(d, s);
  check(s, "x");
  TF_Tensor* one = scalar(1.0f);
  d = TF_NewOperation(g, "Const", "one");
  TF_SetAttrType(d, "dtype", TF_FLOAT);
  TF_SetAttrTensor(d, "value", one, s);
  TF_Operation* c = TF_FinishOperation(d, s);
  check(s, "one");
  d = TF_NewOperation(g, "AddV2", "y");
  TF_AddInput(d, (TF_Output){x, 0});
  TF_AddInput(d, (TF_Output){c, 0});
  TF_Operation* y = TF_FinishOperation(d, s);
  check(s, "y");
  TF_SessionOptions* opts = TF_NewSessionOptions();
  if (argc > 2 && strcmp(argv[2], "caller") == 0) {
    // ConfigProto { inter_op_parallelism_threads (field 5): -1 } as a varint.
    static const unsigned char config[] = {0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    TF_SetConfig(opts, config, sizeof(config), s);
    check(s, "config");
  }
  TF_Session* sess = TF_NewSession(g, opts, s);
  check(s, "session");
  TF_Output in = {x, 0}, out = {y, 0};
  double first = 0;
  double t0 = 0;
  for (int i = -1; i < iterations; ++i) {
    if (i == 0) t0 = now_us();
    TF_Tensor* v = scalar((float)i);
    TF_Tensor* r = NULL;
    TF_SessionRun(sess, NULL, &in, &v, 1, &out, &r, 1, NULL, 0, NULL, s);
    check(s, "run");
    if (i == -1) first = now_us() - start;
    TF_DeleteTensor(v);
    TF_DeleteTensor(r);
  }
  double per_run = (now_us() - t0) / iterations;
  printf("{\"usPerRun\": %.3f, \"msToFirstResult\": %.3f, \"version\": \"%s\"}\n", per_run, first / 1000, TF_Version());
  TF_CloseSession(sess, s);
  TF_DeleteSession(sess, s);
  TF_DeleteGraph(g);
  TF_DeleteTensor(one);
  TF_DeleteStatus(s);
  return 0;
}
