// SPDX-License-Identifier: Apache-2.0
// C baseline for bench/training.js: SGD training steps of an MLP 784-512-10 (batch 128) through the same C API
// the addon uses, built as tf.compat.v1 builds it: resource variables, logits = relu(x·w1 + b1)·w2 + b2, mean
// softmax cross-entropy, gradients from TF_AddGradients with respect to the variable handles, and
// ResourceApplyGradientDescent grouped under one NoOp. Batches are fed from memory, rotating through a few.
// Usage: train_mlp [steps] [warmup]. Prints JSON: steps per second, CPU time per step (all threads), and the
// loss before and after.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tensorflow/c/c_api.h"

enum { kBatch = 128, kIn = 784, kHidden = 512, kOut = 10, kBatches = 8 };

static double clock_s(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check(TF_Status* s, const char* what) {
  if (TF_GetCode(s) != TF_OK) {
    fprintf(stderr, "%s: %s\n", what, TF_Message(s));
    exit(1);
  }
}

// The same deterministic stream as bench/training.js, so every contender trains on identical numbers.
static unsigned int seed_state = 12345u;
static float uniform(void) {
  seed_state = seed_state * 1664525u + 1013904223u;
  return (float)(seed_state / 4294967296.0);
}

static TF_Tensor* tensor2(int64_t rows, int64_t cols) {
  int64_t dims[2] = {rows, cols};
  return TF_AllocateTensor(TF_FLOAT, dims, 2, rows * cols * sizeof(float));
}

static TF_Tensor* tensor1(int64_t n) {
  int64_t dims[1] = {n};
  return TF_AllocateTensor(TF_FLOAT, dims, 1, n * sizeof(float));
}

static TF_Operation* finish(TF_OperationDescription* d, TF_Status* s, const char* what) {
  TF_Operation* op = TF_FinishOperation(d, s);
  check(s, what);
  return op;
}

static TF_Operation* placeholder(TF_Graph* g, TF_Status* s, const char* name, int64_t rows, int64_t cols) {
  TF_OperationDescription* d = TF_NewOperation(g, "Placeholder", name);
  int64_t dims[2] = {rows, cols};
  TF_SetAttrType(d, "dtype", TF_FLOAT);
  TF_SetAttrShape(d, "shape", dims, 2);
  return finish(d, s, name);
}

static TF_Operation* constant(TF_Graph* g, TF_Status* s, const char* name, TF_Tensor* value) {
  TF_OperationDescription* d = TF_NewOperation(g, "Const", name);
  TF_SetAttrType(d, "dtype", TF_TensorType(value));
  TF_SetAttrTensor(d, "value", value, s);
  check(s, name);
  return finish(d, s, name);
}

static TF_Operation* binary(TF_Graph* g, TF_Status* s, const char* type, const char* name, TF_Output a, TF_Output b) {
  TF_OperationDescription* d = TF_NewOperation(g, type, name);
  TF_AddInput(d, a);
  TF_AddInput(d, b);
  return finish(d, s, name);
}

typedef struct {
  TF_Operation* handle;
  TF_Operation* read;
  TF_Operation* init;
} Variable;

// A resource variable initialized from uniform values in [-scale, scale] (glorot-like), read once.
static Variable variable(TF_Graph* g, TF_Status* s, const char* name, int rank, int64_t d0, int64_t d1, float scale) {
  Variable v;
  int64_t dims[2] = {d0, d1};
  TF_OperationDescription* d = TF_NewOperation(g, "VarHandleOp", name);
  TF_SetAttrType(d, "dtype", TF_FLOAT);
  TF_SetAttrShape(d, "shape", dims, rank);
  TF_SetAttrString(d, "shared_name", name, strlen(name));
  v.handle = finish(d, s, name);
  TF_Tensor* init = rank == 2 ? tensor2(d0, d1) : tensor1(d0);
  float* p = (float*)TF_TensorData(init);
  for (int64_t i = 0; i < (rank == 2 ? d0 * d1 : d0); ++i) p[i] = scale * (2 * uniform() - 1);
  char buf[128];
  snprintf(buf, sizeof(buf), "%s/Initializer", name);
  TF_Operation* value = constant(g, s, buf, init);
  TF_DeleteTensor(init);
  snprintf(buf, sizeof(buf), "%s/Assign", name);
  d = TF_NewOperation(g, "AssignVariableOp", buf);
  TF_AddInput(d, (TF_Output){v.handle, 0});
  TF_AddInput(d, (TF_Output){value, 0});
  TF_SetAttrType(d, "dtype", TF_FLOAT);
  v.init = finish(d, s, buf);
  snprintf(buf, sizeof(buf), "%s/Read/ReadVariableOp", name);
  d = TF_NewOperation(g, "ReadVariableOp", buf);
  TF_AddInput(d, (TF_Output){v.handle, 0});
  TF_SetAttrType(d, "dtype", TF_FLOAT);
  v.read = finish(d, s, buf);
  return v;
}

int main(int argc, char** argv) {
  int steps = argc > 1 ? atoi(argv[1]) : 500;
  int warmup = argc > 2 ? atoi(argv[2]) : 20;
  TF_Status* s = TF_NewStatus();
  TF_Graph* g = TF_NewGraph();

  TF_Operation* x = placeholder(g, s, "x", kBatch, kIn);
  TF_Operation* y = placeholder(g, s, "y", kBatch, kOut);
  Variable w1 = variable(g, s, "w1", 2, kIn, kHidden, 0.08f);
  Variable b1 = variable(g, s, "b1", 1, kHidden, 0, 0.0f);
  Variable w2 = variable(g, s, "w2", 2, kHidden, kOut, 0.1f);
  Variable b2 = variable(g, s, "b2", 1, kOut, 0, 0.0f);

  TF_Operation* mm1 = binary(g, s, "MatMul", "MatMul", (TF_Output){x, 0}, (TF_Output){w1.read, 0});
  TF_Operation* add1 = binary(g, s, "AddV2", "add", (TF_Output){mm1, 0}, (TF_Output){b1.read, 0});
  TF_OperationDescription* d = TF_NewOperation(g, "Relu", "Relu");
  TF_AddInput(d, (TF_Output){add1, 0});
  TF_Operation* relu = finish(d, s, "Relu");
  TF_Operation* mm2 = binary(g, s, "MatMul", "MatMul_1", (TF_Output){relu, 0}, (TF_Output){w2.read, 0});
  TF_Operation* logits = binary(g, s, "AddV2", "add_1", (TF_Output){mm2, 0}, (TF_Output){b2.read, 0});
  TF_Operation* xent = binary(g, s, "SoftmaxCrossEntropyWithLogits", "xent", (TF_Output){logits, 0}, (TF_Output){y, 0});
  TF_Tensor* axis = TF_AllocateTensor(TF_INT32, NULL, 0, sizeof(int32_t));
  *(int32_t*)TF_TensorData(axis) = 0;
  TF_Operation* axis_op = constant(g, s, "Const", axis);
  TF_DeleteTensor(axis);
  TF_Operation* loss = binary(g, s, "Mean", "loss", (TF_Output){xent, 0}, (TF_Output){axis_op, 0});

  Variable* vars[4] = {&w1, &b1, &w2, &b2};
  TF_Output xs[4], dxs[4];
  for (int i = 0; i < 4; ++i) xs[i] = (TF_Output){vars[i]->handle, 0};
  TF_Output ys[1] = {{loss, 0}};
  TF_AddGradientsWithPrefix(g, "gradients", ys, 1, xs, 4, NULL, s, dxs);
  check(s, "gradients");

  TF_Tensor* lr = TF_AllocateTensor(TF_FLOAT, NULL, 0, sizeof(float));
  *(float*)TF_TensorData(lr) = 0.05f;
  TF_Operation* lr_op = constant(g, s, "GradientDescent/learning_rate", lr);
  TF_DeleteTensor(lr);
  TF_Operation* updates[4];
  for (int i = 0; i < 4; ++i) {
    char buf[64];
    snprintf(buf, sizeof(buf), "GradientDescent/update_%d", i);
    d = TF_NewOperation(g, "ResourceApplyGradientDescent", buf);
    TF_AddInput(d, xs[i]);
    TF_AddInput(d, (TF_Output){lr_op, 0});
    TF_AddInput(d, dxs[i]);
    TF_SetAttrType(d, "T", TF_FLOAT);
    updates[i] = finish(d, s, buf);
  }
  d = TF_NewOperation(g, "NoOp", "GradientDescent");
  for (int i = 0; i < 4; ++i) TF_AddControlInput(d, updates[i]);
  TF_Operation* train = finish(d, s, "GradientDescent");

  // Batches live in memory: x uniform in [0, 1), y one-hot of a pseudo-random class.
  TF_Tensor* xb[kBatches];
  TF_Tensor* yb[kBatches];
  for (int b = 0; b < kBatches; ++b) {
    xb[b] = tensor2(kBatch, kIn);
    yb[b] = tensor2(kBatch, kOut);
    float* px = (float*)TF_TensorData(xb[b]);
    float* py = (float*)TF_TensorData(yb[b]);
    for (int i = 0; i < kBatch * kIn; ++i) px[i] = uniform();
    memset(py, 0, kBatch * kOut * sizeof(float));
    for (int i = 0; i < kBatch; ++i) py[i * kOut + (int)(uniform() * kOut)] = 1.0f;
  }

  TF_SessionOptions* opts = TF_NewSessionOptions();
  TF_Session* sess = TF_NewSession(g, opts, s);
  check(s, "session");
  TF_Operation* inits[4] = {w1.init, b1.init, w2.init, b2.init};
  TF_SessionRun(sess, NULL, NULL, NULL, 0, NULL, NULL, 0, (const TF_Operation* const*)inits, 4, NULL, s);
  check(s, "init");

  TF_Output feeds[2] = {{x, 0}, {y, 0}};
  TF_Output loss_out = {loss, 0};
  float loss_before = 0, loss_after = 0;
  {
    TF_Tensor* values[2] = {xb[0], yb[0]};
    TF_Tensor* out = NULL;
    TF_SessionRun(sess, NULL, feeds, values, 2, &loss_out, &out, 1, NULL, 0, NULL, s);
    check(s, "loss");
    loss_before = *(float*)TF_TensorData(out);
    TF_DeleteTensor(out);
  }
  double t0 = 0, cpu0 = 0;
  for (int i = -warmup; i < steps; ++i) {
    if (i == 0) {
      t0 = clock_s(CLOCK_MONOTONIC);
      cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    }
    int b = (i + warmup) % kBatches;
    TF_Tensor* values[2] = {xb[b], yb[b]};
    TF_SessionRun(sess, NULL, feeds, values, 2, NULL, NULL, 0, (const TF_Operation* const*)&train, 1, NULL, s);
    check(s, "step");
  }
  double elapsed = clock_s(CLOCK_MONOTONIC) - t0;
  double cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  {
    TF_Tensor* values[2] = {xb[0], yb[0]};
    TF_Tensor* out = NULL;
    TF_SessionRun(sess, NULL, feeds, values, 2, &loss_out, &out, 1, NULL, 0, NULL, s);
    check(s, "loss");
    loss_after = *(float*)TF_TensorData(out);
    TF_DeleteTensor(out);
  }
  printf("{\"stepsPerSecond\": %.3f, \"cpuMsPerStep\": %.4f, \"steps\": %d, \"lossBefore\": %.6f, \"lossAfter\": %.6f}\n",
         steps / elapsed, cpu * 1000 / steps, steps, loss_before, loss_after);

  for (int b = 0; b < kBatches; ++b) {
    TF_DeleteTensor(xb[b]);
    TF_DeleteTensor(yb[b]);
  }
  TF_CloseSession(sess, s);
  TF_DeleteSession(sess, s);
  TF_DeleteSessionOptions(opts);
  TF_DeleteGraph(g);
  TF_DeleteStatus(s);
  return 0;
}
