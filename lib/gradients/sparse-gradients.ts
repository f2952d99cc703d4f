// SPDX-License-Identifier: Apache-2.0
// Gradients of gathers as Python's (array_grad.py, resource_variable_ops.py): IndexedSlices over the gathered rows,
// so that an embedding of 50,000 rows gets a gradient of `batch` rows and optimizers update only those rows.
// The driver consults these after the user's registry (lib/gradients/registry.ts), which may replace them.
import type { Graph } from '../graph/graph';
import type { Operation, Output } from '../graph/operation';
import type { Tensor } from '../tensor/tensor';
import { IndexedSlices } from './indexed-slices';
import type { GradientFunction } from './registry';

const isFullyDefined = (shape: Array<number | null> | null): shape is number[] => shape !== null && shape.every((d) => d !== null);

/** Python's `array_ops.shape(x)`: a constant where the shape is known, else a Shape op. */
function shapeOf(g: Graph, x: Output, name = 'Shape'): Output {
  const shape = x.shape;
  if (isFullyDefined(shape)) return g.constant(shape, { dtype: 'int32', name });
  return g.addOperation('Shape', { inputs: [x], attrs: { T: x.dtype, out_type: 'int32' }, name }).output(0);
}

/** A resource variable's shape (Python's `variable_shape(handle)`). */
function variableShape(g: Graph, handle: Output): Output {
  const source = handle.op;
  if (source.type === 'VarHandleOp') {
    const shape = source.attr('shape') as Array<number | null> | null;
    if (isFullyDefined(shape)) return g.constant(shape, { dtype: 'int32', name: 'Const' });
  }
  return g.addOperation('VariableShape', { inputs: [handle], attrs: { out_type: 'int32' } }).output(0);
}

/** The gradient of a gather along axis 0: `grad` as rows of the params, at the gathered indices. */
function gatheredRows(g: Graph, grad: Output, indices: Output, paramsShape: Output): IndexedSlices {
  const known = indices.shape;
  const size = isFullyDefined(known)
    ? g.constant(known.reduce((a, b) => a * b, 1), { dtype: 'int32', name: 'Size' })
    : g.addOperation('Size', { inputs: [indices], attrs: { T: indices.dtype, out_type: 'int32' } }).output(0);
  const sizeVector = g.nameScope('ExpandDims', (scope) => {
    const dim = g.constant(0, { dtype: 'int32', name: 'dim' });
    return g.addOperation('ExpandDims', { inputs: [size, dim], attrs: { T: 'int32', Tdim: 'int32' }, name: scope }).output(0);
  });
  const tail = g.nameScope('strided_slice', (scope) => {
    const c = (v: number, name: string) => g.constant([v], { dtype: 'int32', name });
    return g.addOperation('StridedSlice', {
      inputs: [paramsShape, c(1, 'stack'), c(0, 'stack_1'), c(1, 'stack_2')],
      attrs: { T: 'int32', Index: 'int32', end_mask: 1 },
      name: scope,
    }).output(0);
  });
  const valuesShape = g.nameScope('concat', (scope) => {
    const axis = g.constant(0, { dtype: 'int32', name: 'axis' });
    const attrs = { T: 'int32', N: 2, Tidx: 'int32' };
    return g.addOperation('ConcatV2', { inputs: [[sizeVector, tail], axis], attrs, name: scope }).output(0);
  });
  const reshape = (x: Output, shape: Output) =>
    g.addOperation('Reshape', { inputs: [x, shape], attrs: { T: x.dtype, Tshape: 'int32' }, name: 'Reshape' }).output(0);
  return new IndexedSlices(reshape(grad, valuesShape), reshape(indices, sizeVector), paramsShape);
}

function resourceGatherGrad(op: Operation, grad: Output | null): Array<IndexedSlices | null> {
  const g = op.graph;
  if (grad === null) return [null, null];
  const [handle, indices] = op.inputs;
  if (Number(op.attr('batch_dims')) !== 0) {
    const batchDims = String(op.attr('batch_dims'));
    throw new Error(`The gradient of '${op.name}' (ResourceGather) with batch_dims ${batchDims} is not supported; use batch_dims 0`);
  }
  return [gatheredRows(g, grad, indices, variableShape(g, handle)), null];
}

function gatherGrad(op: Operation, grad: Output | null): Array<IndexedSlices | null> {
  const g = op.graph;
  if (grad === null) return op.inputs.map(() => null);
  const [params, indices] = op.inputs;
  const slices = gatheredRows(g, grad, indices, shapeOf(g, params));
  return op.inputs.map((_, i) => (i === 0 ? slices : null));
}

/** A scalar constant's value, or undefined when `x` is not a Const. */
function constantScalar(x: Output): number | undefined {
  if (x.op.type !== 'Const') return undefined;
  const value = x.op.attr('value') as Tensor;
  const data = value.data();
  return data.length === 1 ? Number(data[0]) : undefined;
}

/**
 * The gradient function this file gives `op`, or undefined (GatherV2 along another axis or with batch dims is
 * left to TensorFlow's C++ gradient, dense as Python's).
 */
export function sparseGradientFor(op: Operation): GradientFunction | undefined {
  switch (op.type) {
    case 'ResourceGather':
      return resourceGatherGrad as GradientFunction;
    case 'Gather':
      return gatherGrad as GradientFunction;
    case 'GatherV2':
      if (constantScalar(op.inputs[2]) === 0 && Number(op.attr('batch_dims')) === 0) return gatherGrad as GradientFunction;
      return undefined;
    default:
      return undefined;
  }
}

/** Op types whose gradient this file may give (the C++ fast path must leave them to the driver). */
export const SPARSE_GRADIENT_TYPES = new Set(['ResourceGather', 'Gather', 'GatherV2']);
