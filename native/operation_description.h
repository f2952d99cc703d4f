// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_OPERATION_DESCRIPTION_H_
#define NATIVE_OPERATION_DESCRIPTION_H_

#include <memory>
#include <string>
#include <vector>

#include "common.h"

namespace tfn {

class Graph;
struct TensorOwner;

// Attr kinds as lib/native.ts numbers them. List kinds are the scalar kind + kListOffset.
enum AttrKind {
  kAttrString = 0,
  kAttrInt = 1,
  kAttrFloat = 2,
  kAttrBool = 3,
  kAttrType = 4,
  kAttrShape = 5,
  kAttrTensor = 6,
  kAttrFunc = 7,
  kAttrProto = 8,  // a serialized AttrValue, for anything else (func with attrs, placeholders)
  kListOffset = 10,
};

// Everything a new operation needs, read from JS and checked before TensorFlow sees any of it, because a
// TF_OperationDescription cannot be abandoned: it is consumed only by TF_FinishOperation. Reading first
// means a bad argument throws with the graph unchanged.
class OperationDescription {
 public:
  // Reads (type, name, device, spec, attrs) from info[0..4] (see graph.h); throws and returns false on bad
  // input. The ids in spec are operations of `graph`.
  bool Read(const Napi::CallbackInfo& info, const Graph& graph);

  // Creates the operation. On failure sets `status` and leaves the graph unchanged.
  TF_Operation* Finish(TF_Graph* graph, TF_Status* status);

  // Answers the caller through spec[0].
  void SetNumOutputs(int n) { *outputs_slot_ = n; }

 private:
  struct Attr {
    std::string name;
    int kind = 0;
    std::vector<std::string> strings;
    std::vector<int64_t> ints;
    std::vector<float> floats;
    std::vector<std::vector<int64_t>> shapes;
    std::vector<int> ranks;
    std::vector<std::shared_ptr<TensorOwner>> tensors;
  };
  struct InputArg {
    bool is_list = false;
    std::vector<TF_Output> outputs;
  };

  bool ReadSpec(Napi::Env env, const int32_t* spec, size_t length, const Graph& graph);
  bool ReadOutput(Napi::Env env, const Graph& graph, int32_t id, int32_t index, int input, int list_index,
                  TF_Output* out);
  std::string InputName(int input, int list_index) const;
  bool ReadAttr(Napi::Env env, Napi::Value entry, Attr* attr);
  bool ReadShape(Napi::Env env, Napi::Value value, const std::string& attr, std::vector<int64_t>* dims, int* rank);
  // Descriptions for error messages, built only when an error is thrown.
  std::string AttrName(const std::string& attr) const;

  std::string type_;
  std::string name_;
  std::string device_;
  std::vector<InputArg> inputs_;
  std::vector<TF_Operation*> control_inputs_;
  std::vector<Attr> attrs_;
  int32_t* outputs_slot_ = nullptr;
};

}  // namespace tfn

#endif  // NATIVE_OPERATION_DESCRIPTION_H_
