// SPDX-License-Identifier: Apache-2.0
// C baseline for bench/ops-build.js: builds N AddV2 operations in a chain (each adding the placeholder to the
// previous sum) through TF_NewOperation/TF_AddInput/TF_FinishOperation, naming them as g.ops does (AddV2,
// AddV2_1, …). Prints JSON: wall and CPU microseconds per operation.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tensorflow/c/c_api.h"

static double now_us(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10000;
  TF_Status* s = TF_NewStatus();
  TF_Graph* g = TF_NewGraph();
  TF_OperationDescription* d = TF_NewOperation(g, "Placeholder", "x");
  TF_SetAttrType(d, "dtype", TF_FLOAT);
  int64_t dims[2] = {2, 2};
  TF_SetAttrShape(d, "shape", dims, 2);
  TF_Operation* x = TF_FinishOperation(d, s);
  TF_Output y = {x, 0};
  char name[64];
  double wall = now_us(CLOCK_MONOTONIC), cpu = now_us(CLOCK_PROCESS_CPUTIME_ID);
  for (int i = 0; i < n; ++i) {
    if (i == 0) snprintf(name, sizeof(name), "AddV2");
    else snprintf(name, sizeof(name), "AddV2_%d", i);
    d = TF_NewOperation(g, "AddV2", name);
    TF_AddInput(d, y);
    TF_AddInput(d, (TF_Output){x, 0});
    y.oper = TF_FinishOperation(d, s);
    if (TF_GetCode(s) != TF_OK) {
      fprintf(stderr, "%s\n", TF_Message(s));
      return 1;
    }
  }
  wall = now_us(CLOCK_MONOTONIC) - wall;
  cpu = now_us(CLOCK_PROCESS_CPUTIME_ID) - cpu;
  printf("{\"usPerOp\": %.3f, \"cpuUsPerOp\": %.3f}\n", wall / n, cpu / n);
  TF_DeleteGraph(g);
  TF_DeleteStatus(s);
  return 0;
}
