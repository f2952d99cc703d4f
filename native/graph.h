// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_GRAPH_H_
#define NATIVE_GRAPH_H_

#include <vector>

#include "common.h"
#include "external_memory.h"

namespace tfn {

class Operation;

// Wraps TF_Graph. Operations and sessions keep the Graph alive; the TF_Graph is deleted when the wrapper is
// collected (TensorFlow defers the deletion while sessions still use it).
//
// JS surface:
//   new Graph()
//   [sync] g.addOperation(type, name, device, spec, attrs) -> number (the new operation's id)
//     spec is an Int32Array: [outputs, numInputArgs, then per input arg: n (-1 for a single tensor, else the
//     list's length) followed by max(n, 1) pairs (operation id, output index), then numControlInputs and
//     their operation ids]. On success spec[0] is set to the new operation's number of outputs. attrs is an
//     array of [name, kind, value] (kinds in lib/native.ts), or undefined for none. Throws TypeError/
//     RangeError on malformed arguments, unknown ids or output indices, and the TensorFlow error
//     (InvalidArgumentError, NotFoundError for an unknown op type, ...) when TensorFlow rejects the
//     operation; the graph is unchanged then. An id is checked only against this graph's table: one of
//     another graph that happens to be in range names an operation here, so the façade (lib/graph.ts) checks
//     that inputs belong to the graph before it writes their ids.
//   [sync] g.operationId(name) -> number   the id of operation `name` (a new id on each call), -1 if none
//   [sync] g.operation(id) -> Operation   a new wrapper of operation `id`; RangeError for an unknown id
//   [sync] g.operationByName(name) -> Operation | undefined
//   [sync] g.operationNames() -> string[]   in creation order
//   [sync] g.numOperations() -> number
//   [sync] g.toGraphDef() -> Buffer (GraphDef with its function library)
//   [sync] g.opDef(type) -> Buffer (OpDef); throws NotFoundError for an unknown op type
//   [sync] g.tensorShape(op, index) -> number[] | null   -1 for unknown dimensions, null for unknown rank
//   [sync] g.setTensorShape(op, index, dims | null)   throws InvalidArgumentError when incompatible
//   [sync] g.importGraphDef(bytes, options) -> {outputs: [name, index][], operations: string[],
//     missingUnusedInputMappings: [name, index][]}; the graph is unchanged when it throws.
//   [sync] g.addGradients(prefix, yOps, yIdx, xOps, xIdx, dxOps | null, dxIdx | null) -> ([name, index] | null)[]
//   [sync] g.importFunctionDef(bytes)   adds a FunctionDef to the graph's library
//   [sync] g.functionDefs() -> Buffer[] (FunctionDef each)
//   [sync] g.updateEdge(srcOp, srcIndex, dstOp, dstInputIndex)   TF_UpdateEdge: input dstInputIndex of dstOp now
//     reads srcOp's output srcIndex; InvalidArgumentError for a dtype mismatch
//   [sync] g.toFunctionDef(name, ops | null, inOps, inIdx, outOps, outIdx, outputNames | null, controlOps,
//     description | null) -> Buffer (FunctionDef)   TF_GraphToFunctionWithControlOutputs over this graph: `ops`
//     the operations of the body (null: all of them), the inputs (placeholders) and outputs as matching arrays
//     of Operation wrappers and indices, output arg names (null: TensorFlow derives them), operations that must
//     run (control outputs, named after themselves). The graph is unchanged; nothing is added to any library.
//     Throws TypeError/Error/RangeError on malformed arguments and the TensorFlow error when it refuses.
class Graph : public Napi::ObjectWrap<Graph> {
 public:
  static Napi::Function Init(Napi::Env env);

  explicit Graph(const Napi::CallbackInfo& info);
  ~Graph() override;

  TF_Graph* graph() const { return graph_; }
  // Appends the outputs named by matching arrays of this graph's Operation wrappers and output indices, or
  // throws (TypeError, Error for another graph's operation, RangeError for an index it lacks) and returns false.
  bool ReadOutputs(Napi::Env env, Napi::Value ops, Napi::Value indices, const char* what, std::vector<TF_Output>* out);

  // The operation of id `id`, or nullptr when this graph gave out no such id.
  TF_Operation* OperationOfId(double id) const {
    return id >= 0 && id < static_cast<double>(ops_.size()) && id == static_cast<double>(static_cast<size_t>(id))
               ? ops_[static_cast<size_t>(id)]
               : nullptr;
  }

 private:
  Napi::Value AddOperation(const Napi::CallbackInfo& info);
  Napi::Value UpdateEdge(const Napi::CallbackInfo& info);
  Napi::Value OperationId(const Napi::CallbackInfo& info);
  Napi::Value OperationWrapper(const Napi::CallbackInfo& info);
  Napi::Value OperationByName(const Napi::CallbackInfo& info);
  Napi::Value OperationNames(const Napi::CallbackInfo& info);
  Napi::Value NumOperations(const Napi::CallbackInfo& info);
  Napi::Value ToGraphDef(const Napi::CallbackInfo& info);
  Napi::Value OpDef(const Napi::CallbackInfo& info);
  Napi::Value TensorShape(const Napi::CallbackInfo& info);
  Napi::Value SetTensorShape(const Napi::CallbackInfo& info);
  Napi::Value ImportGraphDef(const Napi::CallbackInfo& info);
  Napi::Value AddGradients(const Napi::CallbackInfo& info);
  Napi::Value ImportFunctionDef(const Napi::CallbackInfo& info);
  Napi::Value FunctionDefs(const Napi::CallbackInfo& info);
  Napi::Value ToFunctionDef(const Napi::CallbackInfo& info);
  bool ReadOperations(Napi::Env env, Napi::Value ops, const char* what, std::vector<const TF_Operation*>* out);
  // `value` as an operation of this graph, else nullptr with a JS exception pending.
  Operation* OwnOperation(Napi::Env env, Napi::Value value, const char* what);

  bool ReadOutput(Napi::Env env, Napi::Value op, Napi::Value index, TF_Output* out);

  double NewId(TF_Operation* op) {
    ops_.push_back(op);
    return static_cast<double>(ops_.size() - 1);
  }

  TF_Graph* graph_ = nullptr;
  // Reports the operations added since the last report to V8 (graph.cc says why); JS thread.
  void ReportGrowth(Napi::Env env);
  std::shared_ptr<ExternalMemory> external_memory_;
  ExternalCharge charge_;
  // Where ReportGrowth's TF_GraphNextOperation scan stopped, and the operations it counted.
  size_t scan_pos_ = 0;
  int64_t counted_ops_ = 0;
  // Operations added one by one since the last report (they are reported in batches).
  int64_t added_ = 0;
  // The operations the façade refers to by id (their index here). Ids rather than Operation wrappers cross
  // the boundary on the hot path (addOperation's inputs and result), because a wrapper costs a constructor
  // call, a napi_wrap, a reference to the graph and a finalizer per operation. An id means something only to
  // the graph that gave it out, is checked against this table before use, and needs no lifetime of its own:
  // TensorFlow frees the operations with the graph. Unlike tfjs-node's integer handles, nothing is freed
  // through an id, so there is nothing to leak or to free twice.
  std::vector<TF_Operation*> ops_;
};

}  // namespace tfn

#endif  // NATIVE_GRAPH_H_
