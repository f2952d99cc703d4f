// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "session_blocking.h"

#include <cstring>
#include <string>
#include <unordered_set>

#include "guards.h"

namespace tfn {
namespace {

bool StartsWith(const char* s, const char* prefix) { return std::strncmp(s, prefix, std::strlen(prefix)) == 0; }

bool EndsWith(const char* s, const char* suffix) {
  size_t n = std::strlen(s), m = std::strlen(suffix);
  return n >= m && std::strcmp(s + n - m, suffix) == 0;
}

// Pieces of op type names that may block, looked for in serialized FunctionDefs: a match in a node's name
// rather than its op type only costs the step its inline execution.
const char* const kBlockingNamePieces[] = {"Dequeue",      "Enqueue",    "Barrier", "Stage",     "MapPeek",
                                           "TakeGradient", "Collective", "Nccl",    "Recv",      "Send",
                                           "MutexLock",    "Infeed",     "Outfeed", "RemoteCall"};

bool BytesContain(const void* data, size_t length, const char* piece) {
  const char* begin = static_cast<const char*>(data);
  const char* end = begin + length;
  size_t n = std::strlen(piece);
  for (const char* p = begin; p + n <= end; ++p) {
    p = static_cast<const char*>(std::memchr(p, piece[0], static_cast<size_t>(end - p)));
    if (p == nullptr || p + n > end) return false;
    if (std::memcmp(p, piece, n) == 0) return true;
  }
  return false;
}

bool FunctionsMayBlock(TF_Graph* graph, int count) {
  std::vector<TF_Function*> functions(static_cast<size_t>(count), nullptr);
  StatusGuard status;
  int n = Tf().TF_GraphGetFunctions(graph, functions.data(), count, status);
  // Unknown bodies: assume the worst.
  if (!status.ok()) return true;
  bool blocks = false;
  for (int i = 0; i < n; ++i) {
    if (!blocks) {
      BufferGuard def(Tf().TF_NewBuffer());
      Tf().TF_FunctionToFunctionDef(functions[i], def.get(), status);
      if (!status.ok()) {
        blocks = true;
      } else {
        for (const char* piece : kBlockingNamePieces) {
          if (BytesContain(def.get()->data, def.get()->length, piece)) {
            blocks = true;
            break;
          }
        }
      }
    }
    Tf().TF_DeleteFunction(functions[i]);
  }
  return blocks;
}

struct OutputHash {
  size_t operator()(const TF_Output& o) const {
    return std::hash<const void*>()(o.oper) ^ (static_cast<size_t>(o.index) * 0x9e3779b97f4a7c15ULL);
  }
};
struct OutputEq {
  bool operator()(const TF_Output& a, const TF_Output& b) const { return a.oper == b.oper && a.index == b.index; }
};

}  // namespace

bool OpTypeMayBlock(const char* t) {
  if (StartsWith(t, "Queue")) return std::strstr(t, "Dequeue") != nullptr || std::strstr(t, "Enqueue") != nullptr;
  if (StartsWith(t, "Barrier") || StartsWith(t, "Collective") || StartsWith(t, "Nccl") || StartsWith(t, "Infeed") ||
      StartsWith(t, "Outfeed")) {
    return true;
  }
  // Stage, StagePeek, Unstage, (Ordered)MapStage/MapUnstage(NoKey)/MapPeek.
  if (std::strstr(t, "Unstage") != nullptr) return true;
  if (std::strstr(t, "Stage") != nullptr && std::strstr(t, "StageSize") == nullptr &&
      std::strstr(t, "StageClear") == nullptr) {
    return true;
  }
  if (EndsWith(t, "MapPeek") || EndsWith(t, "TakeGradient")) return true;
  static const char* const kExact[] = {"Send",      "Recv",      "_Send",     "_Recv",
                                       "_HostSend", "_HostRecv", "MutexLock", "RemoteCall"};
  for (const char* e : kExact) {
    if (std::strcmp(t, e) == 0) return true;
  }
  return false;
}

void BlockingScan::ScanNewOperations(TF_Graph* graph) {
  TF_Operation* op;
  while ((op = Tf().TF_GraphNextOperation(graph, &scanned_pos_)) != nullptr) {
    if (!graph_may_block_ && OpTypeMayBlock(Tf().TF_OperationOpType(op))) graph_may_block_ = true;
  }
  int functions = Tf().TF_GraphNumFunctions(graph);
  if (functions != scanned_functions_) {
    scanned_functions_ = functions;
    functions_may_block_ = functions > 0 && FunctionsMayBlock(graph, functions);
  }
}

bool BlockingScan::StepMayBlock(TF_Graph* graph, const std::vector<TF_Output>& inputs,
                                const std::vector<TF_Output>& outputs, const std::vector<TF_Operation*>& targets) {
  ScanNewOperations(graph);
  if (functions_may_block_) return true;
  if (!graph_may_block_) return false;
  // The ops the step runs, as TensorFlow prunes it: what the fetches and targets need, cut at fed tensors.
  std::unordered_set<TF_Output, OutputHash, OutputEq> fed(inputs.begin(), inputs.end());
  std::unordered_set<TF_Operation*> seen;
  std::vector<TF_Operation*> stack(targets.begin(), targets.end());
  for (const TF_Output& o : outputs) {
    if (fed.count(o) == 0) stack.push_back(o.oper);
  }
  std::vector<TF_Operation*> controls;
  while (!stack.empty()) {
    TF_Operation* op = stack.back();
    stack.pop_back();
    if (!seen.insert(op).second) continue;
    if (OpTypeMayBlock(Tf().TF_OperationOpType(op))) return true;
    int n = Tf().TF_OperationNumInputs(op);
    for (int i = 0; i < n; ++i) {
      TF_Output producer = Tf().TF_OperationInput(TF_Input{op, i});
      if (producer.oper != nullptr && fed.count(producer) == 0) stack.push_back(producer.oper);
    }
    int nc = Tf().TF_OperationNumControlInputs(op);
    if (nc > 0) {
      controls.resize(static_cast<size_t>(nc));
      Tf().TF_OperationGetControlInputs(op, controls.data(), nc);
      stack.insert(stack.end(), controls.begin(), controls.end());
    }
  }
  return false;
}

}  // namespace tfn
