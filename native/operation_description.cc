// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "operation_description.h"

#include <cmath>

#include "graph.h"
#include "status.h"
#include "tensor.h"
#include "tensor_helper.h"

namespace tfn {
namespace {

// A string argument in one call where it fits a stack buffer: names and op types nearly always do, and each
// N-API call counts on this path.
bool ReadUtf8(napi_env env, napi_value value, std::string* out) {
  char buffer[128];
  size_t length;
  if (napi_get_value_string_utf8(env, value, buffer, sizeof(buffer), &length) != napi_ok) return false;
  // A longer string is cut at a character boundary, which leaves at most 3 of the 127 bytes unused.
  if (length + 4 < sizeof(buffer)) {
    out->assign(buffer, length);
    return true;
  }
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) return false;
  out->resize(length + 1);
  if (napi_get_value_string_utf8(env, value, &(*out)[0], length + 1, &length) != napi_ok) return false;
  out->resize(length);
  return true;
}

}  // namespace

std::string OperationDescription::InputName(int input, int list_index) const {
  std::string where = "input " + std::to_string(input);
  if (list_index >= 0) where += "[" + std::to_string(list_index) + "]";
  return where;
}

bool OperationDescription::ReadOutput(Napi::Env env, const Graph& graph, int32_t id, int32_t index, int input,
                                      int list_index, TF_Output* out) {
  // Messages are built only on failure: this runs for every input of every operation.
  TF_Operation* op = graph.OperationOfId(id);
  if (op == nullptr) {
    Napi::RangeError::New(env, InputName(input, list_index) + " of '" + name_ + "' names operation id " +
                                   std::to_string(id) + ", which this graph never gave out")
        .ThrowAsJavaScriptException();
    return false;
  }
  int n = Tf().TF_OperationNumOutputs(op);
  if (index < 0 || index >= n) {
    Napi::RangeError::New(env, InputName(input, list_index) + " of '" + name_ + "' names output " +
                                   std::to_string(index) + " of '" + Tf().TF_OperationName(op) + "', which has " +
                                   std::to_string(n) + " outputs")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = TF_Output{op, index};
  return true;
}

std::string OperationDescription::AttrName(const std::string& attr) const {
  return "attr '" + attr + "' of '" + name_ + "'";
}

bool OperationDescription::ReadShape(Napi::Env env, Napi::Value value, const std::string& attr,
                                     std::vector<int64_t>* dims, int* rank) {
  if (value.IsNull() || value.IsUndefined()) {
    *rank = -1;
    return true;
  }
  if (!tfn::ReadShape(env, value, AttrName(attr), ShapeDims::kPartial, dims)) return false;
  *rank = static_cast<int>(dims->size());
  return true;
}

bool OperationDescription::ReadAttr(Napi::Env env, Napi::Value entry, Attr* attr) {
  if (!entry.IsArray() || entry.As<Napi::Array>().Length() != 3) {
    Napi::TypeError::New(env, "Expected [name, kind, value] for an attr").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array triple = entry.As<Napi::Array>();
  Napi::Value name = triple.Get(0u), kind = triple.Get(1u), value = triple.Get(2u);
  if (!name.IsString() || !kind.IsNumber()) {
    Napi::TypeError::New(env, "Expected [name, kind, value] for an attr").ThrowAsJavaScriptException();
    return false;
  }
  attr->name = name.As<Napi::String>().Utf8Value();
  attr->kind = kind.As<Napi::Number>().Int32Value();

  bool is_list = attr->kind >= kListOffset;
  int scalar = is_list ? attr->kind - kListOffset : attr->kind;
  std::vector<Napi::Value> items;
  if (is_list) {
    if (!value.IsArray()) {
      Napi::TypeError::New(env, "Expected an array for " + AttrName(attr->name)).ThrowAsJavaScriptException();
      return false;
    }
    Napi::Array array = value.As<Napi::Array>();
    for (uint32_t i = 0; i < array.Length(); ++i) items.push_back(array.Get(i));
  } else {
    items.push_back(value);
  }
  for (Napi::Value item : items) {
    switch (scalar) {
      case kAttrString:
      case kAttrFunc:
        if (item.IsString()) {
          attr->strings.push_back(item.As<Napi::String>().Utf8Value());
        } else if (item.IsTypedArray() && item.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
          Napi::Uint8Array bytes = item.As<Napi::Uint8Array>();
          attr->strings.emplace_back(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
        } else {
          Napi::TypeError::New(env, "Expected a string for " + AttrName(attr->name)).ThrowAsJavaScriptException();
          return false;
        }
        break;
      case kAttrProto:
        if (!item.IsTypedArray() || item.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
          Napi::TypeError::New(env, "Expected AttrValue bytes for " + AttrName(attr->name))
              .ThrowAsJavaScriptException();
          return false;
        }
        {
          Napi::Uint8Array bytes = item.As<Napi::Uint8Array>();
          attr->strings.emplace_back(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
        }
        break;
      case kAttrInt:
      case kAttrType:
        if (item.IsBigInt()) {
          bool lossless;
          attr->ints.push_back(item.As<Napi::BigInt>().Int64Value(&lossless));
          if (!lossless) {
            Napi::RangeError::New(env, "Integer out of int64 range for " + AttrName(attr->name))
                .ThrowAsJavaScriptException();
            return false;
          }
        } else if (item.IsNumber() &&
                   item.As<Napi::Number>().DoubleValue() == std::floor(item.As<Napi::Number>().DoubleValue())) {
          attr->ints.push_back(item.As<Napi::Number>().Int64Value());
        } else {
          Napi::TypeError::New(env, "Expected an integer for " + AttrName(attr->name)).ThrowAsJavaScriptException();
          return false;
        }
        break;
      case kAttrFloat:
        if (!item.IsNumber()) {
          Napi::TypeError::New(env, "Expected a number for " + AttrName(attr->name)).ThrowAsJavaScriptException();
          return false;
        }
        attr->floats.push_back(item.As<Napi::Number>().FloatValue());
        break;
      case kAttrBool:
        if (!item.IsBoolean()) {
          Napi::TypeError::New(env, "Expected a boolean for " + AttrName(attr->name)).ThrowAsJavaScriptException();
          return false;
        }
        attr->ints.push_back(item.As<Napi::Boolean>().Value() ? 1 : 0);
        break;
      case kAttrShape: {
        std::vector<int64_t> dims;
        int rank;
        if (!ReadShape(env, item, attr->name, &dims, &rank)) return false;
        attr->shapes.push_back(std::move(dims));
        attr->ranks.push_back(rank);
        break;
      }
      case kAttrTensor: {
        Tensor* tensor = UnwrapTagged<Tensor>(env, item, kTensorTag, ("a Tensor for " + AttrName(attr->name)).c_str());
        if (tensor == nullptr) return false;
        if (tensor->tensor() == nullptr) {
          Napi::Error::New(env, "Tensor for " + AttrName(attr->name) + " is disposed").ThrowAsJavaScriptException();
          return false;
        }
        attr->tensors.push_back(tensor->owner());
        break;
      }
      default:
        Napi::TypeError::New(env, "Unknown attr kind " + std::to_string(attr->kind) + " for " + AttrName(attr->name))
            .ThrowAsJavaScriptException();
        return false;
    }
  }
  return true;
}

bool OperationDescription::ReadSpec(Napi::Env env, const int32_t* spec, size_t length, const Graph& graph) {
  // Every count is checked against what is left of the array before it is used.
  size_t at = 1;
  auto next = [&](int32_t* value) {
    if (at >= length) return false;
    *value = spec[at++];
    return true;
  };
  auto malformed = [&]() {
    Napi::RangeError::New(env, "The input spec of '" + name_ + "' is malformed").ThrowAsJavaScriptException();
    return false;
  };
  int32_t num_args;
  if (!next(&num_args) || num_args < 0 || static_cast<size_t>(num_args) > length) return malformed();
  inputs_.resize(num_args);
  for (int32_t i = 0; i < num_args; ++i) {
    int32_t n;
    if (!next(&n) || n < -1 || (n > 0 && static_cast<size_t>(n) * 2 > length - at)) return malformed();
    inputs_[i].is_list = n >= 0;
    inputs_[i].outputs.resize(n < 0 ? 1 : n);
    for (size_t j = 0; j < inputs_[i].outputs.size(); ++j) {
      int32_t id, index;
      if (!next(&id) || !next(&index)) return malformed();
      if (!ReadOutput(env, graph, id, index, i, n < 0 ? -1 : static_cast<int>(j), &inputs_[i].outputs[j])) {
        return false;
      }
    }
  }
  int32_t num_controls;
  if (!next(&num_controls) || num_controls < 0 || static_cast<size_t>(num_controls) > length - at) return malformed();
  control_inputs_.resize(num_controls);
  for (int32_t i = 0; i < num_controls; ++i) {
    int32_t id = spec[at++];
    control_inputs_[i] = graph.OperationOfId(id);
    if (control_inputs_[i] == nullptr) {
      Napi::RangeError::New(env, "Control input " + std::to_string(i) + " of '" + name_ + "' names operation id " +
                                     std::to_string(id) + ", which this graph never gave out")
          .ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

bool OperationDescription::Read(const Napi::CallbackInfo& info, const Graph& graph) {
  Napi::Env env = info.Env();
  napi_typedarray_type spec_type;
  size_t spec_length = 0;
  void* spec_data = nullptr;
  bool ok = info.Length() >= 5 && ReadUtf8(env, info[0], &type_) && ReadUtf8(env, info[1], &name_) &&
            ReadUtf8(env, info[2], &device_) &&
            napi_get_typedarray_info(env, info[3], &spec_type, &spec_length, &spec_data, nullptr, nullptr) == napi_ok &&
            spec_type == napi_int32_array && spec_length >= 1 && (info[4].IsUndefined() || info[4].IsArray());
  if (!ok) {
    Napi::TypeError::New(env, "addOperation(type, name, device, spec, attrs) got arguments of the wrong types")
        .ThrowAsJavaScriptException();
    return false;
  }
  outputs_slot_ = static_cast<int32_t*>(spec_data);
  if (!ReadSpec(env, outputs_slot_, spec_length, graph)) return false;
  if (info[4].IsUndefined()) return true;
  Napi::Array attrs = info[4].As<Napi::Array>();
  attrs_.resize(attrs.Length());
  for (uint32_t i = 0; i < attrs.Length(); ++i) {
    if (!ReadAttr(env, attrs.Get(i), &attrs_[i])) return false;
  }
  return true;
}

TF_Operation* OperationDescription::Finish(TF_Graph* graph, TF_Status* status) {
  const TfApi& tf = Tf();
  TF_OperationDescription* desc = tf.TF_NewOperation(graph, type_.c_str(), name_.c_str());
  if (!device_.empty()) tf.TF_SetDevice(desc, device_.c_str());
  for (const InputArg& input : inputs_) {
    if (input.is_list) {
      tf.TF_AddInputList(desc, input.outputs.data(), static_cast<int>(input.outputs.size()));
    } else {
      tf.TF_AddInput(desc, input.outputs[0]);
    }
  }
  for (TF_Operation* control : control_inputs_) tf.TF_AddControlInput(desc, control);
  for (const Attr& attr : attrs_) {
    const char* name = attr.name.c_str();
    switch (attr.kind) {
      case kAttrString:
        tf.TF_SetAttrString(desc, name, attr.strings[0].data(), attr.strings[0].size());
        break;
      case kAttrFunc:
        tf.TF_SetAttrFuncName(desc, name, attr.strings[0].data(), attr.strings[0].size());
        break;
      case kAttrInt:
        tf.TF_SetAttrInt(desc, name, attr.ints[0]);
        break;
      case kAttrFloat:
        tf.TF_SetAttrFloat(desc, name, attr.floats[0]);
        break;
      case kAttrBool:
        tf.TF_SetAttrBool(desc, name, static_cast<unsigned char>(attr.ints[0]));
        break;
      case kAttrType:
        tf.TF_SetAttrType(desc, name, static_cast<TF_DataType>(attr.ints[0]));
        break;
      case kAttrShape:
        tf.TF_SetAttrShape(desc, name, attr.shapes[0].data(), attr.ranks[0]);
        break;
      case kAttrTensor:
        tf.TF_SetAttrTensor(desc, name, attr.tensors[0]->tensor, status);
        if (tf.TF_GetCode(status) != TF_OK) {
          // The description must still be consumed; the failure is the one already in `status`.
          StatusGuard discard;
          tf.TF_FinishOperation(desc, discard);
          return nullptr;
        }
        break;
      case kAttrProto:
        tf.TF_SetAttrValueProto(desc, name, attr.strings[0].data(), attr.strings[0].size(), status);
        if (tf.TF_GetCode(status) != TF_OK) {
          StatusGuard discard;
          tf.TF_FinishOperation(desc, discard);
          return nullptr;
        }
        break;
      case kListOffset + kAttrString: {
        std::vector<const void*> values;
        std::vector<size_t> lengths;
        for (const std::string& s : attr.strings) {
          values.push_back(s.data());
          lengths.push_back(s.size());
        }
        tf.TF_SetAttrStringList(desc, name, values.data(), lengths.data(), static_cast<int>(values.size()));
        break;
      }
      case kListOffset + kAttrInt:
        tf.TF_SetAttrIntList(desc, name, attr.ints.data(), static_cast<int>(attr.ints.size()));
        break;
      case kListOffset + kAttrFloat:
        tf.TF_SetAttrFloatList(desc, name, attr.floats.data(), static_cast<int>(attr.floats.size()));
        break;
      case kListOffset + kAttrBool: {
        std::vector<unsigned char> values(attr.ints.begin(), attr.ints.end());
        tf.TF_SetAttrBoolList(desc, name, values.data(), static_cast<int>(values.size()));
        break;
      }
      case kListOffset + kAttrType: {
        std::vector<TF_DataType> values;
        for (int64_t t : attr.ints) values.push_back(static_cast<TF_DataType>(t));
        tf.TF_SetAttrTypeList(desc, name, values.data(), static_cast<int>(values.size()));
        break;
      }
      case kListOffset + kAttrShape: {
        std::vector<const int64_t*> dims;
        for (const auto& shape : attr.shapes) dims.push_back(shape.data());
        tf.TF_SetAttrShapeList(desc, name, dims.data(), attr.ranks.data(), static_cast<int>(dims.size()));
        break;
      }
      case kListOffset + kAttrTensor: {
        std::vector<TF_Tensor*> values;
        for (const auto& owner : attr.tensors) values.push_back(owner->tensor);
        tf.TF_SetAttrTensorList(desc, name, values.data(), static_cast<int>(values.size()), status);
        if (tf.TF_GetCode(status) != TF_OK) {
          StatusGuard discard;
          tf.TF_FinishOperation(desc, discard);
          return nullptr;
        }
        break;
      }
      default:
        break;
    }
  }
  return tf.TF_FinishOperation(desc, status);
}

}  // namespace tfn
