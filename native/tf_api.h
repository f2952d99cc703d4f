// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_TF_API_H_
#define NATIVE_TF_API_H_

// The addon never links against libtensorflow: it resolves the C API at run time from the directory the
// loader chose, so one built (or prebuilt) addon serves a CPU or a GPU libtensorflow. Every C API function
// the addon uses is listed once here and called through Tf().Name(...).

#include <string>

#include "tensorflow/c/c_api.h"
#include "tensorflow/c/c_api_experimental.h"

#define TFN_API_FUNCTIONS(X)                                  \
  X(TF_Version)                                               \
  X(TF_NewStatus)                                             \
  X(TF_DeleteStatus)                                          \
  X(TF_GetCode)                                               \
  X(TF_Message)                                               \
  X(TF_NewBuffer)                                             \
  X(TF_NewBufferFromString)                                   \
  X(TF_DeleteBuffer)                                          \
  X(TF_GetAllOpList)                                          \
  X(TF_GetRegisteredKernelsForOp)                             \
  X(TF_DataTypeSize)                                          \
  X(TF_NewTensor)                                             \
  X(TF_AllocateTensor)                                        \
  X(TF_DeleteTensor)                                          \
  X(TF_TensorType)                                            \
  X(TF_NumDims)                                               \
  X(TF_Dim)                                                   \
  X(TF_TensorByteSize)                                        \
  X(TF_TensorData)                                            \
  X(TF_TensorElementCount)                                    \
  X(TF_NewGraph)                                              \
  X(TF_DeleteGraph)                                           \
  X(TF_GraphOperationByName)                                  \
  X(TF_GraphNextOperation)                                    \
  X(TF_GraphToGraphDef)                                       \
  X(TF_GraphGetOpDef)                                         \
  X(TF_GraphGetTensorNumDims)                                 \
  X(TF_GraphGetTensorShape)                                   \
  X(TF_GraphSetTensorShape)                                   \
  X(TF_GraphImportGraphDefWithResults)                        \
  X(TF_ImportGraphDefResultsReturnOutputs)                    \
  X(TF_ImportGraphDefResultsReturnOperations)                 \
  X(TF_ImportGraphDefResultsMissingUnusedInputMappings)       \
  X(TF_DeleteImportGraphDefResults)                           \
  X(TF_NewImportGraphDefOptions)                              \
  X(TF_DeleteImportGraphDefOptions)                           \
  X(TF_ImportGraphDefOptionsSetPrefix)                        \
  X(TF_ImportGraphDefOptionsSetDefaultDevice)                 \
  X(TF_ImportGraphDefOptionsSetUniquifyNames)                 \
  X(TF_ImportGraphDefOptionsSetUniquifyPrefix)                \
  X(TF_ImportGraphDefOptionsAddInputMapping)                  \
  X(TF_ImportGraphDefOptionsRemapControlDependency)           \
  X(TF_ImportGraphDefOptionsAddControlDependency)             \
  X(TF_ImportGraphDefOptionsAddReturnOutput)                  \
  X(TF_ImportGraphDefOptionsAddReturnOperation)               \
  X(TF_ImportGraphDefOptionsSetValidateColocationConstraints) \
  X(TF_AddGradientsWithPrefix)                                \
  X(TF_FunctionImportFunctionDef)                             \
  X(TF_FunctionToFunctionDef)                                 \
  X(TF_DeleteFunction)                                        \
  X(TF_GraphCopyFunction)                                     \
  X(TF_GraphNumFunctions)                                     \
  X(TF_GraphGetFunctions)                                     \
  X(TF_NewOperation)                                          \
  X(TF_SetDevice)                                             \
  X(TF_AddInput)                                              \
  X(TF_AddInputList)                                          \
  X(TF_AddControlInput)                                       \
  X(TF_SetAttrString)                                         \
  X(TF_SetAttrStringList)                                     \
  X(TF_SetAttrInt)                                            \
  X(TF_SetAttrIntList)                                        \
  X(TF_SetAttrFloat)                                          \
  X(TF_SetAttrFloatList)                                      \
  X(TF_SetAttrBool)                                           \
  X(TF_SetAttrBoolList)                                       \
  X(TF_SetAttrType)                                           \
  X(TF_SetAttrTypeList)                                       \
  X(TF_SetAttrShape)                                          \
  X(TF_SetAttrShapeList)                                      \
  X(TF_SetAttrTensor)                                         \
  X(TF_SetAttrTensorList)                                     \
  X(TF_SetAttrValueProto)                                     \
  X(TF_SetAttrFuncName)                                       \
  X(TF_FinishOperation)                                       \
  X(TF_OperationName)                                         \
  X(TF_OperationOpType)                                       \
  X(TF_OperationDevice)                                       \
  X(TF_OperationNumOutputs)                                   \
  X(TF_OperationOutputType)                                   \
  X(TF_OperationOutputListLength)                             \
  X(TF_OperationNumInputs)                                    \
  X(TF_OperationInputListLength)                              \
  X(TF_OperationInput)                                        \
  X(TF_OperationOutputNumConsumers)                           \
  X(TF_OperationOutputConsumers)                              \
  X(TF_OperationNumControlInputs)                             \
  X(TF_OperationGetControlInputs)                             \
  X(TF_OperationNumControlOutputs)                            \
  X(TF_OperationGetControlOutputs)                            \
  X(TF_OperationGetAttrMetadata)                              \
  X(TF_OperationGetAttrValueProto)                            \
  X(TF_OperationToNodeDef)                                    \
  X(TF_NewSessionOptions)                                     \
  X(TF_DeleteSessionOptions)                                  \
  X(TF_SetTarget)                                             \
  X(TF_SetConfig)                                             \
  X(TF_NewSession)                                            \
  X(TF_CloseSession)                                          \
  X(TF_DeleteSession)                                         \
  X(TF_SessionRun)                                            \
  X(TF_SessionListDevices)                                    \
  X(TF_DeleteDeviceList)                                      \
  X(TF_DeviceListCount)                                       \
  X(TF_DeviceListName)                                        \
  X(TF_DeviceListType)                                        \
  X(TF_DeviceListMemoryBytes)                                 \
  X(TF_LoadSessionFromSavedModel)                             \
  X(TF_NewServer)                                             \
  X(TF_ServerStart)                                           \
  X(TF_ServerStop)                                            \
  X(TF_ServerJoin)                                            \
  X(TF_ServerTarget)                                          \
  X(TF_DeleteServer)                                          \
  X(TF_NewCheckpointReader)                                   \
  X(TF_DeleteCheckpointReader)                                \
  X(TF_CheckpointReaderSize)                                  \
  X(TF_CheckpointReaderGetVariable)                           \
  X(TF_CheckpointReaderGetVariableDataType)                   \
  X(TF_CheckpointReaderGetVariableNumDims)                    \
  X(TF_CheckpointReaderGetVariableShape)                      \
  X(TF_CheckpointReaderGetTensor)                             \
  X(TF_GraphToFunctionWithControlOutputs)                     \
  X(TF_UpdateEdge)

namespace tfn {

struct TfApi {
#define TFN_DECLARE_POINTER(name) decltype(&::name) name = nullptr;
  TFN_API_FUNCTIONS(TFN_DECLARE_POINTER)
#undef TFN_DECLARE_POINTER
};

// Loads libtensorflow_cc.so.2 (and, through its own dependencies, libtensorflow_framework.so.2) from `dir`
// and resolves every function above. Safe to call from several threads (worker_threads) and more than once;
// a second call with another directory fails, because one process can hold only one TensorFlow runtime.
bool LoadTensorFlow(const std::string& dir, std::string* error);

bool TensorFlowLoaded();

// The directory the runtime was loaded from ("" before LoadTensorFlow succeeded).
std::string TensorFlowDirectory();

// Only valid after LoadTensorFlow succeeded; every entry point checks TensorFlowLoaded() first.
const TfApi& Tf();

}  // namespace tfn

#endif  // NATIVE_TF_API_H_
