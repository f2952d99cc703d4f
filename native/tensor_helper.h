// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_TENSOR_HELPER_H_
#define NATIVE_TENSOR_HELPER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common.h"

namespace tfn {

// TensorFlow's kernels want 64-byte aligned buffers (EIGEN_MAX_ALIGN_BYTES on AVX-512 builds); memory
// we allocate is aligned to this.
constexpr size_t kTensorAlignment = 64;

// TensorShape holds at most this many dimensions; TensorFlow CHECK-fails (aborts) beyond it.
constexpr size_t kMaxRank = 254;

// What a shape may hold: only known dimensions (a tensor's), or also -1/null for unknown ones (a shape attr's).
enum class ShapeDims { kKnown, kPartial };

// The one reader of shapes coming from JS, for tensors and shape attrs alike. Reads an array of dimensions
// into `dims`: at most kMaxRank of them, each a safe integer >= 0 (or -1/null when `kind` is kPartial), whose
// known dimensions multiply to at most INT64_MAX: TensorFlow aborts on the rest instead of returning an error.
// `count`, when given, receives the product of the known dimensions. Throws TypeError/RangeError naming
// `what` and returns false otherwise.
bool ReadShape(Napi::Env env, Napi::Value value, const std::string& what, ShapeDims kind, std::vector<int64_t>* dims,
               int64_t* count = nullptr);

Napi::Array DimsToJs(Napi::Env env, const int64_t* dims, int num_dims);

// Size in bytes of one element of a fixed-size dtype, 0 for variable-size ones (string, resource, variant).
size_t FixedDTypeSize(TF_DataType dtype);

bool IsKnownDType(int dtype);

// The dtypes that a JS number is fed as, and a scalar result comes back as, directly: the one list on the
// C++ side (lib/base/dtypes.ts NUMBER_DTYPES is the TypeScript one; test/native compares them through
// Tensor.numberDTypes). Calls `f` with a value of the dtype's C type and returns true, or returns false for
// any other dtype. A JS number holds every value of these types exactly.
template <typename F>
bool VisitNumberDType(TF_DataType dtype, F&& f) {
  switch (dtype) {
    case TF_FLOAT:
      f(float{});
      return true;
    case TF_DOUBLE:
      f(double{});
      return true;
    case TF_INT32:
      f(int32_t{});
      return true;
    case TF_INT16:
      f(int16_t{});
      return true;
    case TF_INT8:
      f(int8_t{});
      return true;
    case TF_UINT8:
      f(uint8_t{});
      return true;
    case TF_UINT16:
      f(uint16_t{});
      return true;
    case TF_UINT32:
      f(uint32_t{});
      return true;
    default:
      return false;
  }
}

}  // namespace tfn

#endif  // NATIVE_TENSOR_HELPER_H_
