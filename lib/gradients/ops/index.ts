// SPDX-License-Identifier: Apache-2.0
// TypeScript gradient functions by op type, each registered with ../registry on import (filled in by the gradient-functions work).
export {};
