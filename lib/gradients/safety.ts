// SPDX-License-Identifier: Apache-2.0
// What TF_AddGradients must never see: TensorFlow's C++ gradient builder aborts the process (SIGSEGV, CHECK
// failures) on v1 control flow it cannot pair up (Enter/Exit/NextIteration/Switch/Merge of an imported
// tf.compat.v1.while_loop) and has no gradient for functional While/If. Refusing them up front turns a crash
// into an Error the caller can act on.
import type { Operation } from '../graph/operation';

const V1_CONTROL_FLOW = new Set([
  'Enter', 'RefEnter', 'Exit', 'RefExit', 'NextIteration', 'RefNextIteration', 'Switch', 'RefSwitch', 'Merge',
  'RefMerge', 'LoopCond', 'ControlTrigger',
]);
const FUNCTIONAL_CONTROL_FLOW = new Set(['While', 'StatelessWhile', '_While', 'If', 'StatelessIf', '_If', 'Case', 'StatelessCase']);

/** True for op types the C++ gradient builder must not be given. */
export function isControlFlow(type: string): boolean {
  return V1_CONTROL_FLOW.has(type) || FUNCTIONAL_CONTROL_FLOW.has(type);
}

/** Why `op` cannot go to TF_AddGradients, or null when it can. */
export function controlFlowProblem(op: Operation): string | null {
  if (V1_CONTROL_FLOW.has(op.type)) {
    return `Cannot differentiate through operation '${op.name}' (op type: ${op.type}): gradients of TensorFlow 1 control ` +
      'flow (tf.compat.v1.while_loop / cond with control flow v1) are not supported; rebuild the loop with control flow ' +
      'v2 (While/If ops) and register their gradients, or stop the gradient before the loop';
  }
  if (FUNCTIONAL_CONTROL_FLOW.has(op.type)) {
    return `No gradient defined for operation '${op.name}' (op type: ${op.type}): TensorFlow's C++ gradient registry ` +
      `has none for ${op.type}; register one with tf.registerGradient('${op.type}', fn) or stop the gradient before it`;
  }
  return null;
}
