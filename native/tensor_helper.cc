// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "tensor_helper.h"

#include <cmath>
#include <string>

namespace tfn {

namespace {

// Number.MAX_SAFE_INTEGER: larger dimensions are not exact in JS, and no tensor has one.
// TensorFlow's dimensions are int64: every integral double below 2^63 is one exactly (2^62 included).
constexpr double kInt64Limit = 9223372036854775808.0;

// A value as error messages show it: numbers as JS prints them, anything else by its kind.
std::string Describe(Napi::Value value) {
  if (value.IsNumber()) return value.ToString().Utf8Value();
  switch (value.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "a boolean";
    case napi_string:
      return "a string";
    case napi_bigint:
      return "a bigint";
    case napi_symbol:
      return "a symbol";
    case napi_function:
      return "a function";
    default:
      return "an object";
  }
}

}  // namespace

bool ReadShape(Napi::Env env, Napi::Value value, const std::string& what, ShapeDims kind, std::vector<int64_t>* dims,
               int64_t* count) {
  bool partial = kind == ShapeDims::kPartial;
  if (!value.IsArray()) {
    Napi::TypeError::New(env, "Expected an array of dimensions for " + what).ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array array = value.As<Napi::Array>();
  uint32_t n = array.Length();
  if (n > kMaxRank) {
    Napi::RangeError::New(env, "A shape may have at most " + std::to_string(kMaxRank) + " dimensions, but " + what +
                                   " has " + std::to_string(n))
        .ThrowAsJavaScriptException();
    return false;
  }
  dims->resize(n);
  int64_t product = 1;
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value v = array.Get(i);
    if (partial && v.IsNull()) {
      (*dims)[i] = -1;
      continue;
    }
    if (!v.IsNumber()) {
      Napi::TypeError::New(env, std::string("Expected numbers") + (partial ? " or null" : "") +
                                    " as the dimensions of " + what + ", but dimension " + std::to_string(i) + " is " +
                                    Describe(v))
          .ThrowAsJavaScriptException();
      return false;
    }
    double d = v.As<Napi::Number>().DoubleValue();
    bool unknown = partial && d == -1;
    if (!unknown && (!(d >= 0) || d != std::floor(d) || d >= kInt64Limit)) {
      Napi::RangeError::New(env, std::string("Expected ") + (partial ? "-1, null or " : "") +
                                     "non-negative integers below 2^63 as the dimensions of " + what +
                                     ", but dimension " + std::to_string(i) + " is " + Describe(v))
          .ThrowAsJavaScriptException();
      return false;
    }
    int64_t dim = static_cast<int64_t>(d);
    (*dims)[i] = dim;
    if (unknown) continue;
    if (dim != 0 && product > INT64_MAX / dim) {
      Napi::RangeError::New(env, "The dimensions of " + what + " multiply to more elements than int64 holds")
          .ThrowAsJavaScriptException();
      return false;
    }
    product *= dim;
  }
  if (count != nullptr) *count = product;
  return true;
}

Napi::Array DimsToJs(Napi::Env env, const int64_t* dims, int num_dims) {
  Napi::Array array = Napi::Array::New(env, num_dims);
  for (int i = 0; i < num_dims; ++i) array.Set(i, Napi::Number::New(env, static_cast<double>(dims[i])));
  return array;
}

size_t FixedDTypeSize(TF_DataType dtype) {
  switch (dtype) {
    case TF_FLOAT:
    case TF_INT32:
    case TF_UINT32:
      return 4;
    case TF_DOUBLE:
    case TF_INT64:
    case TF_UINT64:
    case TF_COMPLEX64:
      return 8;
    case TF_COMPLEX128:
      return 16;
    case TF_HALF:
    case TF_BFLOAT16:
    case TF_INT16:
    case TF_UINT16:
      return 2;
    case TF_INT8:
    case TF_UINT8:
    case TF_BOOL:
      return 1;
    default:
      return 0;
  }
}

bool IsKnownDType(int dtype) {
  switch (dtype) {
    case TF_FLOAT:
    case TF_DOUBLE:
    case TF_INT32:
    case TF_UINT8:
    case TF_INT16:
    case TF_INT8:
    case TF_STRING:
    case TF_COMPLEX64:
    case TF_INT64:
    case TF_BOOL:
    case TF_BFLOAT16:
    case TF_UINT16:
    case TF_COMPLEX128:
    case TF_HALF:
    case TF_RESOURCE:
    case TF_VARIANT:
    case TF_UINT32:
    case TF_UINT64:
      return true;
    default:
      return false;
  }
}

}  // namespace tfn
