// SPDX-License-Identifier: Apache-2.0
// The TypeScript gradient functions, registered on import (Python's *_grad.py modules): the ops whose
// gradient TensorFlow's C++ registry lacks, or defines differently from Python.
import './nn';
import './conv';
import './math';
import './array';
import './no-gradient';
import './second-order';
import './passthrough';
import './linalg';
import './special';
