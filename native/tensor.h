// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_TENSOR_H_
#define NATIVE_TENSOR_H_

#include <memory>

#include "common.h"
#include "external_memory.h"

namespace tfn {

// Shared ownership of one TF_Tensor: the JS wrapper holds one reference and every external ArrayBuffer
// that views the tensor's memory holds another, so a view never outlives the memory it shows.
struct TensorOwner {
  explicit TensorOwner(TF_Tensor* t) : tensor(t) {}
  ~TensorOwner();
  TF_Tensor* tensor;
};

// Results up to this size are copied into JS memory: cheaper than tracking TensorFlow's buffer.
constexpr size_t kSmallTensorBytes = 4096;

// Wraps TF_Tensor.
//
// JS surface (all [sync]):
//   Tensor.fromView(dtype: number, dims: number[], view: ArrayBufferView) -> Tensor
//     Copies the view's data once into aligned memory, except when it is TensorFlow memory shown by a tensor
//     view (tensor_view.h): the new tensor then shares that tensor. Plain JS memory is never used in place.
//     Throws TypeError/RangeError when the shape is invalid (ReadShape) or does not match the data's size.
//   Tensor.alloc(dtype: number, dims: number[]) -> Tensor   zero-filled, aligned, fixed-size dtypes only.
//   Tensor.fromStrings(dims: number[], values: Array<string | Uint8Array>) -> Tensor   a TF_STRING tensor.
//   t.dtype() -> number; t.shape() -> number[]; t.byteLength() -> number
//   Tensor.releaseView(buffer: ArrayBuffer)   detaches a tensor view (tensor_view.h) and frees its share now;
//     does nothing to other values.
//   t.data() -> ArrayBuffer   the tensor's own memory, no copy: a tensor view, or where those are unavailable
//     an external ArrayBuffer that keeps this wrapper alive through a symbol-keyed property. Throws for
//     string/resource/variant tensors.
//   t.isZeroCopy() -> boolean   whether the tensor shares the memory of the tensor view it was created from.
//   Tensor.numberDTypes() -> number[]   the dtypes a JS number is fed as directly (VisitNumberDType).
//   Tensor.stagingIdleBytes() -> number   bytes of reusable tensor memory kept idle now (tensor_staging.h).
//   Tensor.setViewMarker(marker: (buffer: ArrayBuffer) => void)   installs what marks every buffer over
//     TensorFlow memory as untransferable (tensor_view.h, MarkUntransferable). Throws TypeError.
//   t.strings() -> Buffer[]   copies of the elements of a string tensor.
//   t.dispose()   frees now (views of the memory are detached); idempotent.
//   t.isDisposed() -> boolean
class Tensor : public Napi::ObjectWrap<Tensor> {
 public:
  static Napi::Function Init(Napi::Env env);
  // Takes ownership of `tensor` and returns a new JS wrapper. A run's results are charged to V8 late (see
  // external_memory.h); tensors the caller creates are charged at once.
  enum class Charge { kNow, kAtNextRun, kNone };
  static Napi::Object NewInstance(Napi::Env env, TF_Tensor* tensor, Charge charge = Charge::kNow);

  // A new TF_Tensor (owned by the caller) holding a TypedArray's data: sharing the tensor when the data is a
  // tensor view's and allow_zero_copy (*zero_copy then says whether TensorFlow took the memory as is), copied
  // once otherwise. Throws TypeError/RangeError and returns nullptr on bad input.
  static TF_Tensor* FromTypedArray(Napi::Env env, Napi::Value dtype, Napi::Value dims, Napi::Value data,
                                   bool allow_zero_copy, bool* zero_copy);
  // A new scalar TF_Tensor (owned by the caller) holding `number` as `dtype` (one of VisitNumberDType's):
  // the fast path for feeding a JS number, with no TypedArray to create or read. Throws TypeError for a
  // non-integral number fed as an integer dtype and RangeError for one out of its range (never wraps).
  static TF_Tensor* FromNumber(Napi::Env env, TF_DataType dtype, double number);
  // A run result for JS, taking ownership of `tensor`: for a numeric tensor of more than kSmallTensorBytes,
  // [dtype, dims, view, true] with a tensor view that owns it (a Tensor wrapper where views are unavailable,
  // and for string, resource and variant tensors), or, for a numeric tensor of at most
  // kSmallTensorBytes, [dtype, dims, ArrayBuffer] with a copy of the data (TensorFlow's buffer is freed at
  // once: a copy of a few bytes costs less than a finalizer), or, for a scalar of a dtype a JS number holds
  // exactly (float32/64, int8/16/32, uint8/16/32), that number: the caller knows the fetched dtype.
  static Napi::Value ToJs(Napi::Env env, TF_Tensor* tensor);

  explicit Tensor(const Napi::CallbackInfo& info);
  ~Tensor() override;

  // nullptr once disposed.
  TF_Tensor* tensor() const { return owner_ ? owner_->tensor : nullptr; }
  std::shared_ptr<TensorOwner> owner() const { return owner_; }

 private:
  static Napi::Value FromView(const Napi::CallbackInfo& info);
  static Napi::Value Alloc(const Napi::CallbackInfo& info);
  static Napi::Value FromStrings(const Napi::CallbackInfo& info);
  static Napi::Value ReleaseView(const Napi::CallbackInfo& info);
  static Napi::Value NumberDTypes(const Napi::CallbackInfo& info);
  static Napi::Value StagingIdleBytes(const Napi::CallbackInfo& info);
  static Napi::Value SetViewMarker(const Napi::CallbackInfo& info);
  Napi::Value DType(const Napi::CallbackInfo& info);
  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value ByteLength(const Napi::CallbackInfo& info);
  Napi::Value Data(const Napi::CallbackInfo& info);
  Napi::Value Strings(const Napi::CallbackInfo& info);
  Napi::Value IsZeroCopy(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsDisposed(const Napi::CallbackInfo& info);

  bool RequireLive(Napi::Env env);
  void Free(Napi::Env env);

  std::shared_ptr<TensorOwner> owner_;
  Napi::Reference<Napi::ArrayBuffer> view_;  // weak
  bool zero_copy_ = false;
  ExternalCharge charge_;
  std::shared_ptr<ExternalMemory> external_memory_;
};

}  // namespace tfn

#endif  // NATIVE_TENSOR_H_
