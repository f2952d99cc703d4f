// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "operation_description.h"

#include <cmath>

#include "graph.h"
#include "operation.h"
#include "status.h"
#include "tensor.h"

namespace tfn {

std::string OperationDescription::InputName(int input, int list_index) const {
  std::string where = "input " + std::to_string(input);
  if (list_index >= 0) where += "[" + std::to_string(list_index) + "]";
  return where;
}

bool OperationDescription::ReadOutput(Napi::Env env, Napi::Value op_value, Napi::Value index_value, TF_Graph* graph,
                                      int input, int list_index, TF_Output* out) {
  // Messages are built only on failure: this runs for every input of every operation.
  bool tagged = false;
  if (op_value.IsObject()) napi_check_object_type_tag(env, op_value, &kOperationTag, &tagged);
  if (!tagged) {
    Napi::TypeError::New(env, "Expected an Operation for " + InputName(input, list_index) + " of '" + name_ + "'")
        .ThrowAsJavaScriptException();
    return false;
  }
  Operation* op = Operation::Unwrap(op_value.As<Napi::Object>());
  if (op->graph()->graph() != graph) {
    Napi::Error::New(env, InputName(input, list_index) + " of '" + name_ + "' comes from operation '" +
                              Tf().TF_OperationName(op->op()) + "' of another graph")
        .ThrowAsJavaScriptException();
    return false;
  }
  if (!index_value.IsNumber()) {
    Napi::TypeError::New(env, "Expected an output index for " + InputName(input, list_index) + " of '" + name_ + "'")
        .ThrowAsJavaScriptException();
    return false;
  }
  double d = index_value.As<Napi::Number>().DoubleValue();
  int n = Tf().TF_OperationNumOutputs(op->op());
  if (!(d >= 0 && d < n) || d != std::floor(d)) {
    Napi::RangeError::New(env, InputName(input, list_index) + " of '" + name_ + "' names output " +
                                   std::to_string(d) + " of '" + Tf().TF_OperationName(op->op()) + "', which has " +
                                   std::to_string(n) + " outputs")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = TF_Output{op->op(), static_cast<int>(d)};
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
  if (!value.IsArray()) {
    Napi::TypeError::New(env, "Expected an array or null as the shape for " + AttrName(attr)).ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array array = value.As<Napi::Array>();
  uint32_t n = array.Length();
  dims->resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value v = array.Get(i);
    if (v.IsNull()) {
      (*dims)[i] = -1;
      continue;
    }
    if (!v.IsNumber()) {
      Napi::TypeError::New(env, "Expected numbers or null in the shape for " + AttrName(attr)).ThrowAsJavaScriptException();
      return false;
    }
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= -1) || d != std::floor(d)) {
      Napi::RangeError::New(env, "Invalid dimension " + std::to_string(d) + " in the shape for " + AttrName(attr))
          .ThrowAsJavaScriptException();
      return false;
    }
    (*dims)[i] = static_cast<int64_t>(d);
  }
  *rank = static_cast<int>(n);
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
          Napi::TypeError::New(env, "Expected AttrValue bytes for " + AttrName(attr->name)).ThrowAsJavaScriptException();
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
            Napi::RangeError::New(env, "Integer out of int64 range for " + AttrName(attr->name)).ThrowAsJavaScriptException();
            return false;
          }
        } else if (item.IsNumber() && item.As<Napi::Number>().DoubleValue() ==
                                          std::floor(item.As<Napi::Number>().DoubleValue())) {
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

bool OperationDescription::Read(const Napi::CallbackInfo& info, TF_Graph* graph) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || !info[0].IsString() || !info[1].IsString() || !info[2].IsString() || !info[3].IsArray() ||
      !info[4].IsArray() || !info[5].IsArray() || !info[6].IsArray()) {
    Napi::TypeError::New(env,
                         "addOperation(type, name, device, inputOps, inputIndices, controlInputs, attrs) got "
                         "arguments of the wrong types")
        .ThrowAsJavaScriptException();
    return false;
  }
  type_ = info[0].As<Napi::String>().Utf8Value();
  name_ = info[1].As<Napi::String>().Utf8Value();
  device_ = info[2].As<Napi::String>().Utf8Value();
  Napi::Array ops = info[3].As<Napi::Array>();
  Napi::Array indices = info[4].As<Napi::Array>();
  if (ops.Length() != indices.Length()) {
    Napi::TypeError::New(env, "inputOps and inputIndices differ in length").ThrowAsJavaScriptException();
    return false;
  }
  inputs_.resize(ops.Length());
  for (uint32_t i = 0; i < ops.Length(); ++i) {
    Napi::Value op = ops.Get(i), index = indices.Get(i);
    if (op.IsArray()) {
      Napi::Array list_ops = op.As<Napi::Array>();
      if (!index.IsArray() || index.As<Napi::Array>().Length() != list_ops.Length()) {
        Napi::TypeError::New(env, "Expected matching index arrays for list " + InputName(static_cast<int>(i), -1))
            .ThrowAsJavaScriptException();
        return false;
      }
      Napi::Array list_indices = index.As<Napi::Array>();
      inputs_[i].is_list = true;
      inputs_[i].outputs.resize(list_ops.Length());
      for (uint32_t j = 0; j < list_ops.Length(); ++j) {
        if (!ReadOutput(env, list_ops.Get(j), list_indices.Get(j), graph, static_cast<int>(i), static_cast<int>(j),
                        &inputs_[i].outputs[j]))
          return false;
      }
    } else {
      inputs_[i].outputs.resize(1);
      if (!ReadOutput(env, op, index, graph, static_cast<int>(i), -1, &inputs_[i].outputs[0])) return false;
    }
  }
  Napi::Array controls = info[5].As<Napi::Array>();
  for (uint32_t i = 0; i < controls.Length(); ++i) {
    Operation* op = UnwrapTagged<Operation>(env, controls.Get(i), kOperationTag, "an Operation as a control input");
    if (op == nullptr) return false;
    if (op->graph()->graph() != graph) {
      Napi::Error::New(env, "Control input '" + std::string(Tf().TF_OperationName(op->op())) + "' of '" + name_ +
                                "' belongs to another graph")
          .ThrowAsJavaScriptException();
      return false;
    }
    control_inputs_.push_back(op->op());
  }
  Napi::Array attrs = info[6].As<Napi::Array>();
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
      case kAttrString: tf.TF_SetAttrString(desc, name, attr.strings[0].data(), attr.strings[0].size()); break;
      case kAttrFunc: tf.TF_SetAttrFuncName(desc, name, attr.strings[0].data(), attr.strings[0].size()); break;
      case kAttrInt: tf.TF_SetAttrInt(desc, name, attr.ints[0]); break;
      case kAttrFloat: tf.TF_SetAttrFloat(desc, name, attr.floats[0]); break;
      case kAttrBool: tf.TF_SetAttrBool(desc, name, static_cast<unsigned char>(attr.ints[0])); break;
      case kAttrType: tf.TF_SetAttrType(desc, name, static_cast<TF_DataType>(attr.ints[0])); break;
      case kAttrShape: tf.TF_SetAttrShape(desc, name, attr.shapes[0].data(), attr.ranks[0]); break;
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
