// SPDX-License-Identifier: Apache-2.0
// C baseline for bench/graph-import.js: imports a binary GraphDef file into a fresh graph with a prefix through
// TF_GraphImportGraphDefWithResults, `reps` times. Prints JSON: wall and CPU milliseconds of each import.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tensorflow/c/c_api.h"

static double now_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: import_graphdef GRAPHDEF PREFIX [REPS]\n");
    return 2;
  }
  int reps = argc > 3 ? atoi(argv[3]) : 5;
  FILE* f = fopen(argv[1], "rb");
  if (f == NULL) {
    perror(argv[1]);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* data = malloc(size);
  if (fread(data, 1, size, f) != (size_t)size) return 1;
  fclose(f);
  TF_Status* s = TF_NewStatus();
  printf("{\"wallMs\": [");
  double* cpu = calloc(reps, sizeof(double));
  for (int r = 0; r < reps; ++r) {
    TF_Graph* g = TF_NewGraph();
    double wall = now_ms(CLOCK_MONOTONIC), c = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    TF_Buffer* buffer = TF_NewBufferFromString(data, size);
    TF_ImportGraphDefOptions* options = TF_NewImportGraphDefOptions();
    TF_ImportGraphDefOptionsSetPrefix(options, argv[2]);
    TF_ImportGraphDefResults* results = TF_GraphImportGraphDefWithResults(g, buffer, options, s);
    if (TF_GetCode(s) != TF_OK) {
      fprintf(stderr, "%s\n", TF_Message(s));
      return 1;
    }
    TF_DeleteImportGraphDefResults(results);
    TF_DeleteImportGraphDefOptions(options);
    TF_DeleteBuffer(buffer);
    wall = now_ms(CLOCK_MONOTONIC) - wall;
    cpu[r] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c;
    printf("%s%.3f", r ? ", " : "", wall);
    TF_DeleteGraph(g);
  }
  printf("], \"cpuMs\": [");
  for (int r = 0; r < reps; ++r) printf("%s%.3f", r ? ", " : "", cpu[r]);
  printf("]}\n");
  free(cpu);
  free(data);
  TF_DeleteStatus(s);
  return 0;
}
