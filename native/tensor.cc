// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#include "tensor.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "status.h"
#include "tensor_helper.h"
#include "tensor_staging.h"
#include "tensor_view.h"
#include "tensorflow/core/platform/ctstring.h"
#include "v8_direct.h"

namespace tfn {
namespace {

void FreeAligned(void* data, size_t, void*) { std::free(data); }

// Deallocator of a TF_Tensor over a view's memory (tensor_view.h): drops its share of the viewed tensor.
void ReleaseOwnerShare(void*, size_t, void* arg) { delete static_cast<std::shared_ptr<TensorOwner>*>(arg); }

void FreeStrings(void* data, size_t len, void*) {
  auto* strings = static_cast<TF_TString*>(data);
  size_t n = len / sizeof(TF_TString);
  for (size_t i = 0; i < n; ++i) TF_TString_Dealloc(&strings[i]);
  std::free(data);
}

void* AllocAligned(size_t bytes) {
  size_t rounded = (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  return std::aligned_alloc(kTensorAlignment, rounded == 0 ? kTensorAlignment : rounded);
}

Napi::Array DimsOf(Napi::Env env, TF_Tensor* tensor) {
  int n = Tf().TF_NumDims(tensor);
  std::vector<napi_value> dims(n);
  for (int i = 0; i < n; ++i) dims[i] = Napi::Number::New(env, static_cast<double>(Tf().TF_Dim(tensor, i)));
  return NewArray(env, dims.data(), dims.size());
}

// A number as JS prints it, for error messages.
std::string NumberString(Napi::Env env, double v) { return Napi::Number::New(env, v).ToString().Utf8Value(); }

template <typename T>
const char* DTypeName() {
  if (std::is_same<T, float>::value) return "float32";
  if (std::is_same<T, double>::value) return "float64";
  if (std::is_same<T, int32_t>::value) return "int32";
  if (std::is_same<T, int16_t>::value) return "int16";
  if (std::is_same<T, int8_t>::value) return "int8";
  if (std::is_same<T, uint8_t>::value) return "uint8";
  if (std::is_same<T, uint16_t>::value) return "uint16";
  return "uint32";
}

// Stores `v` as a T, refusing what a T cannot hold: a static_cast would wrap or truncate it silently (1.7 → 1,
// 1e20 and NaN → INT32_MIN). Floats keep C's conversion (overflow gives ±Infinity, as in TensorFlow).
template <typename T>
bool StoreNumber(Napi::Env env, double v, void* memory) {
  if (std::is_integral<T>::value) {
    if (!(v == std::trunc(v))) {
      Napi::TypeError::New(env, std::string("Element 0 of a scalar ") + DTypeName<T>() +
                                    " tensor must be an integer, not " + NumberString(env, v))
          .ThrowAsJavaScriptException();
      return false;
    }
    if (v < static_cast<double>(std::numeric_limits<T>::min()) ||
        v > static_cast<double>(std::numeric_limits<T>::max())) {
      Napi::RangeError::New(env, std::string("Element 0 (") + NumberString(env, v) + ") is out of range for a " +
                                     DTypeName<T>() + " tensor: [" + std::to_string(std::numeric_limits<T>::min()) +
                                     ", " + std::to_string(std::numeric_limits<T>::max()) + "]")
          .ThrowAsJavaScriptException();
      return false;
    }
  }
  *static_cast<T*>(memory) = static_cast<T>(v);
  return true;
}

}  // namespace

TensorOwner::~TensorOwner() {
  if (tensor != nullptr) Tf().TF_DeleteTensor(tensor);
}

Napi::Function Tensor::Init(Napi::Env env) {
  return DefineClass(env, "Tensor",
                     {
                         StaticMethod<&Tensor::FromView>("fromView"),
                         StaticMethod<&Tensor::Alloc>("alloc"),
                         StaticMethod<&Tensor::FromStrings>("fromStrings"),
                         StaticMethod<&Tensor::ReleaseView>("releaseView"),
                         StaticMethod<&Tensor::NumberDTypes>("numberDTypes"),
                         StaticMethod<&Tensor::StagingIdleBytes>("stagingIdleBytes"),
                         StaticMethod<&Tensor::SetViewMarker>("setViewMarker"),
                         InstanceMethod<&Tensor::DType>("dtype"),
                         InstanceMethod<&Tensor::Shape>("shape"),
                         InstanceMethod<&Tensor::ByteLength>("byteLength"),
                         InstanceMethod<&Tensor::Data>("data"),
                         InstanceMethod<&Tensor::Strings>("strings"),
                         InstanceMethod<&Tensor::IsZeroCopy>("isZeroCopy"),
                         InstanceMethod<&Tensor::Dispose>("dispose"),
                         InstanceMethod<&Tensor::IsDisposed>("isDisposed"),
                     });
}

Napi::Object Tensor::NewInstance(Napi::Env env, TF_Tensor* tensor, Charge charge) {
  Napi::External<TF_Tensor> external = Napi::External<TF_Tensor>::New(env, tensor);
  Napi::Object object = Instance(env)->tensor_ctor.New({external});
  // Memory TensorFlow allocated is invisible to V8's heap accounting; report it so GC runs in time.
  auto bytes = static_cast<int64_t>(Tf().TF_TensorByteSize(tensor));
  if (charge == Charge::kNone || bytes == 0 || env.IsExceptionPending()) return object;
  Tensor* wrapper = Unwrap(object);
  wrapper->external_memory_ = Instance(env)->external_memory;
  if (charge == Charge::kNow) {
    wrapper->external_memory_->ChargeNow(env, &wrapper->charge_, bytes);
  } else {
    wrapper->external_memory_->ChargeLater(&wrapper->charge_, bytes);
  }
  return object;
}

Tensor::Tensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Tensor>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal()) {
    Napi::TypeError::New(env, "Tensor cannot be constructed directly; use tf.tensor()").ThrowAsJavaScriptException();
    return;
  }
  TF_Tensor* tensor = info[0].As<Napi::External<TF_Tensor>>().Data();
  owner_ = std::make_shared<TensorOwner>(tensor);
  napi_type_tag_object(env, info.This(), &kTensorTag);
}

Tensor::~Tensor() {
  // Runs during GC (see common.h): adjusting external memory is one of the calls allowed there.
  if (external_memory_) external_memory_->Release(Env(), &charge_);
}

bool Tensor::RequireLive(Napi::Env env) {
  if (owner_) return true;
  Napi::Error::New(env, "Tensor is disposed").ThrowAsJavaScriptException();
  return false;
}

TF_Tensor* Tensor::FromTypedArray(Napi::Env env, Napi::Value dtype_value, Napi::Value dims_value, Napi::Value data,
                                  bool allow_zero_copy, bool* zero_copy) {
  *zero_copy = false;
  if (!dtype_value.IsNumber() || !data.IsTypedArray()) {
    Napi::TypeError::New(env, "Expected a dtype number and a TypedArray for a tensor").ThrowAsJavaScriptException();
    return nullptr;
  }
  int dtype_number = dtype_value.As<Napi::Number>().Int32Value();
  if (!IsKnownDType(dtype_number) || FixedDTypeSize(static_cast<TF_DataType>(dtype_number)) == 0) {
    Napi::TypeError::New(env,
                         "Expected a fixed-size dtype for a TypedArray tensor, got " + std::to_string(dtype_number))
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  auto dtype = static_cast<TF_DataType>(dtype_number);
  size_t element_size = FixedDTypeSize(dtype);
  std::vector<int64_t> dims;
  int64_t count;
  if (!ReadShape(env, dims_value, "the tensor's shape", ShapeDims::kKnown, &dims, &count)) return nullptr;
  Napi::TypedArray view = data.As<Napi::TypedArray>();
  size_t byte_length = view.ByteLength();
  if (static_cast<uint64_t>(count) > SIZE_MAX / element_size ||
      static_cast<uint64_t>(count) * element_size != byte_length) {
    std::string shape;
    for (size_t i = 0; i < dims.size(); ++i) shape += (i ? "," : "") + std::to_string(dims[i]);
    Napi::RangeError::New(env, "The data has " + std::to_string(byte_length) + " bytes but shape [" + shape +
                                   "] of this dtype needs " + std::to_string(count) + " elements of " +
                                   std::to_string(element_size) + " bytes")
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  void* source = nullptr;
  napi_get_typedarray_info(env, view, nullptr, nullptr, &source, nullptr, nullptr);
  // Only TensorFlow memory shown by one of our views is used in place. Plain JS memory is always copied, so
  // that the run sees the values as they were when it was called (writes after run() change nothing), and
  // that no TF_Tensor points into an ArrayBuffer JS can transfer or detach while TensorFlow still reads it.
  std::shared_ptr<TensorOwner> owner = allow_zero_copy ? TensorViewOwner(env, view.ArrayBuffer()) : nullptr;
  if (owner) {
    uint8_t* bytes = static_cast<uint8_t*>(source);
    // The new tensor takes a share of the viewed one, so that disposing the viewed Tensor while a run uses the
    // memory frees nothing. TF_NewTensor copies memory that is not aligned as its kernels need and then
    // releases the share at once.
    auto* share = new std::shared_ptr<TensorOwner>(std::move(owner));
    TF_Tensor* tensor = Tf().TF_NewTensor(dtype, dims.data(), static_cast<int>(dims.size()), bytes, byte_length,
                                          ReleaseOwnerShare, share);
    if (tensor == nullptr) {
      Napi::Error::New(env, "TensorFlow refused to create the tensor").ThrowAsJavaScriptException();
      return nullptr;
    }
    *zero_copy = Tf().TF_TensorData(tensor) == bytes;
    return tensor;
  }
  // Reused memory (tensor_staging.h): a fresh large buffer costs its page faults on top of the copy.
  size_t capacity = 0;
  void* memory = StagingAcquire(byte_length, &capacity);
  if (memory == nullptr) {
    Napi::RangeError::New(env, "Out of memory allocating a tensor").ThrowAsJavaScriptException();
    return nullptr;
  }
  if (byte_length > 0) std::memcpy(memory, source, byte_length);
  TF_Tensor* tensor = Tf().TF_NewTensor(dtype, dims.data(), static_cast<int>(dims.size()), memory, byte_length,
                                        StagingRelease, reinterpret_cast<void*>(capacity));
  if (tensor == nullptr) Napi::Error::New(env, "TensorFlow refused to create the tensor").ThrowAsJavaScriptException();
  return tensor;
}

TF_Tensor* Tensor::FromNumber(Napi::Env env, TF_DataType dtype, double v) {
  size_t size = FixedDTypeSize(dtype);
  void* memory = size == 0 ? nullptr : AllocAligned(size);
  if (memory == nullptr) {
    Napi::TypeError::New(env, "Expected a numeric dtype for a scalar tensor").ThrowAsJavaScriptException();
    return nullptr;
  }
  bool stored = false;
  bool known = VisitNumberDType(dtype, [&](auto zero) { stored = StoreNumber<decltype(zero)>(env, v, memory); });
  if (!stored) {
    std::free(memory);
    if (!known) {
      Napi::TypeError::New(env, "A scalar number can be fed as float32, float64, int8/16/32 or uint8/16/32 only")
          .ThrowAsJavaScriptException();
    }
    return nullptr;
  }
  TF_Tensor* tensor = Tf().TF_NewTensor(dtype, nullptr, 0, memory, size, FreeAligned, nullptr);
  if (tensor == nullptr) Napi::Error::New(env, "TensorFlow refused to create the tensor").ThrowAsJavaScriptException();
  return tensor;
}

Napi::Value Tensor::NumberDTypes(const Napi::CallbackInfo& info) {
  std::vector<napi_value> dtypes;
  for (int d = 0; d < 128; ++d) {
    if (VisitNumberDType(static_cast<TF_DataType>(d), [](auto) {})) dtypes.push_back(Napi::Number::New(info.Env(), d));
  }
  return NewArray(info.Env(), dtypes.data(), dtypes.size());
}

Napi::Value Tensor::StagingIdleBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(tfn::StagingIdleBytes()));
}

Napi::Value Tensor::FromView(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_LIBRARY(env, env.Undefined());
  TFN_THROW_IF(info.Length() < 3, TypeError, env, "Tensor.fromView(dtype, dims, typedArray) needs three arguments",
               env.Undefined());
  bool zero_copy;
  TF_Tensor* tensor = FromTypedArray(env, info[0], info[1], info[2], true, &zero_copy);
  if (tensor == nullptr) return env.Undefined();
  // Zero-copy memory belongs to V8 and is already counted there.
  Napi::Object result = NewInstance(env, tensor, zero_copy ? Charge::kNone : Charge::kNow);
  Unwrap(result)->zero_copy_ = zero_copy;
  return result;
}

Napi::Value Tensor::ToJs(Napi::Env env, TF_Tensor* tensor) {
  TF_DataType dtype = Tf().TF_TensorType(tensor);
  size_t bytes = Tf().TF_TensorByteSize(tensor);
  if (FixedDTypeSize(dtype) == 0) return NewInstance(env, tensor, Charge::kAtNextRun);
  if (bytes > kSmallTensorBytes) {
    if (!TensorViewsAvailable(env)) return NewInstance(env, tensor, Charge::kAtNextRun);
    // [dtype, dims, view, true]: a view that owns the tensor (tensor_view.h), without a wrapper object.
    napi_value result[] = {Napi::Number::New(env, dtype), DimsOf(env, tensor),
                           NewTensorView(env, std::make_shared<TensorOwner>(tensor), bytes),
                           Napi::Boolean::New(env, true)};
    return NewArray(env, result, 4);
  }
  int n = Tf().TF_NumDims(tensor);
  if (n == 0) {
    // Losses, counters, accuracies: a number costs one value where an array, dims and an ArrayBuffer cost four.
    const void* p = Tf().TF_TensorData(tensor);
    double v = 0;
    bool exact = VisitNumberDType(dtype, [&](auto zero) { v = *static_cast<const decltype(zero)*>(p); });
    if (exact) {
      Tf().TF_DeleteTensor(tensor);
      return Napi::Number::New(env, v);
    }
  }
  Napi::Array dims = DimsOf(env, tensor);
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) std::memcpy(buffer.Data(), Tf().TF_TensorData(tensor), bytes);
  Tf().TF_DeleteTensor(tensor);
  napi_value triple[] = {Napi::Number::New(env, dtype), dims, buffer};
  return NewArray(env, triple, 3);
}

Napi::Value Tensor::Alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_LIBRARY(env, env.Undefined());
  TFN_THROW_IF(info.Length() < 2 || !info[0].IsNumber(), TypeError, env,
               "Tensor.alloc(dtype, dims) expects a dtype number and dims", env.Undefined());
  int dtype_number = info[0].As<Napi::Number>().Int32Value();
  TFN_THROW_IF(!IsKnownDType(dtype_number), TypeError, env, "Unknown dtype " + std::to_string(dtype_number),
               env.Undefined());
  auto dtype = static_cast<TF_DataType>(dtype_number);
  size_t element_size = FixedDTypeSize(dtype);
  TFN_THROW_IF(element_size == 0, TypeError, env, "Tensor.alloc needs a fixed-size dtype", env.Undefined());
  std::vector<int64_t> dims;
  int64_t count;
  if (!ReadShape(env, info[1], "the tensor's shape", ShapeDims::kKnown, &dims, &count)) return env.Undefined();
  TFN_THROW_IF(static_cast<uint64_t>(count) > (uint64_t{1} << 47) / element_size, RangeError, env,
               "The tensor is too large to allocate", env.Undefined());
  size_t bytes = static_cast<size_t>(count) * element_size;
  size_t capacity = 0;
  void* memory = StagingAcquire(bytes, &capacity);
  TFN_THROW_IF(memory == nullptr, RangeError, env,
               "Out of memory allocating a tensor of " + std::to_string(bytes) + " bytes", env.Undefined());
  std::memset(memory, 0, bytes);
  TF_Tensor* tensor = Tf().TF_NewTensor(dtype, dims.data(), static_cast<int>(dims.size()), memory, bytes,
                                        StagingRelease, reinterpret_cast<void*>(capacity));
  TFN_THROW_IF(tensor == nullptr, Error, env, "TensorFlow refused to create the tensor", env.Undefined());
  return NewInstance(env, tensor);
}

Napi::Value Tensor::FromStrings(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_REQUIRE_LIBRARY(env, env.Undefined());
  TFN_THROW_IF(info.Length() < 2 || !info[1].IsArray(), TypeError, env,
               "Tensor.fromStrings(dims, values) expects dims and an array of strings or Uint8Arrays", env.Undefined());
  std::vector<int64_t> dims;
  int64_t count;
  if (!ReadShape(env, info[0], "the tensor's shape", ShapeDims::kKnown, &dims, &count)) return env.Undefined();
  Napi::Array values = info[1].As<Napi::Array>();
  TFN_THROW_IF(
      static_cast<int64_t>(values.Length()) != count, RangeError, env,
      "Got " + std::to_string(values.Length()) + " strings for a shape of " + std::to_string(count) + " elements",
      env.Undefined());
  size_t bytes = static_cast<size_t>(count) * sizeof(TF_TString);
  auto* strings = static_cast<TF_TString*>(AllocAligned(bytes));
  TFN_THROW_IF(strings == nullptr, RangeError, env, "Out of memory allocating a string tensor", env.Undefined());
  for (int64_t i = 0; i < count; ++i) TF_TString_Init(&strings[i]);
  for (int64_t i = 0; i < count; ++i) {
    Napi::Value v = values.Get(static_cast<uint32_t>(i));
    if (v.IsString()) {
      std::string s = v.As<Napi::String>().Utf8Value();
      TF_TString_Copy(&strings[i], s.data(), s.size());
    } else if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
      Napi::Uint8Array bytes_view = v.As<Napi::Uint8Array>();
      // TF_TString stores sizes in 62 bits; anything a JS engine can hold fits, but say so if not.
      if (bytes_view.ByteLength() > (size_t{1} << 62) - 1) {
        FreeStrings(strings, bytes, nullptr);
        Napi::RangeError::New(env, "A string element is too large for TF_TString").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      TF_TString_Copy(&strings[i], reinterpret_cast<const char*>(bytes_view.Data()), bytes_view.ByteLength());
    } else {
      FreeStrings(strings, bytes, nullptr);
      Napi::TypeError::New(env,
                           "Expected a string or a Uint8Array for element " + std::to_string(i) + " of a string tensor")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  TF_Tensor* tensor =
      Tf().TF_NewTensor(TF_STRING, dims.data(), static_cast<int>(dims.size()), strings, bytes, FreeStrings, nullptr);
  TFN_THROW_IF(tensor == nullptr, Error, env, "TensorFlow refused to create the string tensor", env.Undefined());
  return NewInstance(env, tensor);
}

Napi::Value Tensor::ReleaseView(const Napi::CallbackInfo& info) {
  if (info.Length() > 0) ReleaseTensorView(info.Env(), info[0]);
  return info.Env().Undefined();
}

Napi::Value Tensor::SetViewMarker(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TFN_THROW_IF(info.Length() < 1 || !info[0].IsFunction(), TypeError, env,
               "Tensor.setViewMarker(marker) expects a function", env.Undefined());
  Instance(env)->view_marker = Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value Tensor::DType(const Napi::CallbackInfo& info) {
  if (!RequireLive(info.Env())) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), Tf().TF_TensorType(owner_->tensor));
}

Napi::Value Tensor::Shape(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!RequireLive(env)) return env.Undefined();
  return DimsOf(env, owner_->tensor);
}

Napi::Value Tensor::ByteLength(const Napi::CallbackInfo& info) {
  if (!RequireLive(info.Env())) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), static_cast<double>(Tf().TF_TensorByteSize(owner_->tensor)));
}

Napi::Value Tensor::Data(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!RequireLive(env)) return env.Undefined();
  TF_DataType dtype = Tf().TF_TensorType(owner_->tensor);
  TFN_THROW_IF(FixedDTypeSize(dtype) == 0, TypeError, env,
               "data() is only available for numeric and bool tensors; use strings() for string tensors",
               env.Undefined());
  if (!view_.IsEmpty()) {
    Napi::ArrayBuffer cached = view_.Value();
    if (!cached.IsEmpty()) return cached;
  }
  size_t bytes = Tf().TF_TensorByteSize(owner_->tensor);
  void* data = Tf().TF_TensorData(owner_->tensor);
  Napi::ArrayBuffer buffer;
  if (bytes == 0 || data == nullptr) {
    buffer = Napi::ArrayBuffer::New(env, 0);
  } else if (TensorViewsAvailable(env)) {
    // The wrapper's charge (external_memory.h) stays the only report of this memory to V8: a view kept
    // after its wrapper is collected goes unreported, where reporting both would count it twice.
    buffer = NewTensorView(env, owner_, 0);
  } else {
    // A Node-API buffer over the memory keeps this wrapper alive through a symbol-keyed property: the memory
    // is freed by the wrapper's finalizer, which runs during GC itself (see common.h), only once neither the
    // wrapper nor any view of the buffer is reachable. An owning finalizer on the buffer would run only when
    // the event loop turns, and a loop of runSync calls would keep every result alive.
    buffer = Napi::ArrayBuffer::New(env, data, bytes);
    buffer.Set(Instance(env)->owner_key.Value(), Value());
    MarkUntransferable(env, buffer);
  }
  view_ = Napi::Reference<Napi::ArrayBuffer>::New(buffer, 0);
  return buffer;
}

Napi::Value Tensor::Strings(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!RequireLive(env)) return env.Undefined();
  TFN_THROW_IF(Tf().TF_TensorType(owner_->tensor) != TF_STRING, TypeError, env, "strings() needs a string tensor",
               env.Undefined());
  int64_t count = Tf().TF_TensorElementCount(owner_->tensor);
  const auto* strings = static_cast<const TF_TString*>(Tf().TF_TensorData(owner_->tensor));
  Napi::Array result = Napi::Array::New(env, static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const char* p = TF_TString_GetDataPointer(&strings[i]);
    size_t n = TF_TString_GetSize(&strings[i]);
    result.Set(static_cast<uint32_t>(i), Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(p), n));
  }
  return result;
}

Napi::Value Tensor::IsZeroCopy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), zero_copy_ && owner_ != nullptr);
}

void Tensor::Free(Napi::Env env) {
  if (!owner_) return;
  if (!view_.IsEmpty()) {
    Napi::ArrayBuffer view = view_.Value();
    // Detaching drops the view's share of the memory and leaves JS views empty instead of dangling.
    if (!view.IsEmpty() && TensorViewsAvailable(env)) {
      ReleaseTensorView(env, view);
    } else if (!view.IsEmpty() && view.ByteLength() > 0) {
      view.Detach();
    }
    view_.Reset();
  }
  owner_.reset();
  if (external_memory_) external_memory_->Release(env, &charge_);
}

Napi::Value Tensor::Dispose(const Napi::CallbackInfo& info) {
  Free(info.Env());
  return info.Env().Undefined();
}

Napi::Value Tensor::IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), owner_ == nullptr);
}

}  // namespace tfn
