// SPDX-License-Identifier: Apache-2.0
// Copyright node-libtensorflow authors.
#ifndef NATIVE_IMPORT_OPTIONS_H_
#define NATIVE_IMPORT_OPTIONS_H_

#include <string>
#include <vector>

#include "common.h"

namespace tfn {

// Owns a TF_ImportGraphDefOptions built from the JS options object that lib/graph.ts passes:
//   { prefix?: string, defaultDevice?: string, uniquifyNames?: boolean, uniquifyPrefix?: boolean,
//     validateColocationConstraints?: boolean,
//     inputMap?: Array<[srcName, srcIndex, Operation, index]>,
//     remapControlDependencies?: Array<[srcName, Operation]>,
//     controlDependencies?: Operation[],
//     returnOutputs?: Array<[name, index]>, returnOperations?: string[] }
class ImportOptions {
 public:
  ImportOptions();
  ~ImportOptions();
  ImportOptions(const ImportOptions&) = delete;
  ImportOptions& operator=(const ImportOptions&) = delete;

  // Throws and returns false on a malformed options object or an Operation of another graph.
  bool Read(Napi::Env env, Napi::Value options, TF_Graph* graph);
  TF_ImportGraphDefOptions* get() const { return options_; }
  int num_return_outputs() const { return num_return_outputs_; }

 private:
  TF_ImportGraphDefOptions* options_;
  int num_return_outputs_ = 0;
};

}  // namespace tfn

#endif  // NATIVE_IMPORT_OPTIONS_H_
