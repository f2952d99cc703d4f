// SPDX-License-Identifier: Apache-2.0
// Gradients of gradient ops (second derivatives), as nn_grad.py, math_grad.py and nn_fused_batch_norm_grad.py
// define them: what differentiating a gradient twice (a Hessian-vector product, a gradient penalty) goes through.
import type { Graph } from '../../graph/graph';
import type { Operation, Output } from '../../graph/operation';
import '../graph-methods';
import { registerGradient } from '../registry';
import type { InputGradient } from '../registry';
import { int32, scalarOf, shapeOf } from './util';

registerGradient('ReluGrad', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const x = op.inputs[1];
  return [g.ops.reluGrad(grad, x), g.ops.zerosLike(x)];
});

registerGradient('EluGrad', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [dy, eluX] = op.inputs;
  const negative = g.ops.less(eluX, scalarOf(g, 0, eluX.dtype));
  return [g.ops.eluGrad(grad, eluX), g.ops.select(negative, g.ops.mul(grad, dy), g.ops.zerosLike(eluX))];
});

registerGradient('SoftplusGrad', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [dy, x] = op.inputs;
  return g.controlDependencies([grad], () => {
    const ddy = g.ops.softplusGrad(grad, x);
    const denominator = g.ops.addV2(g.ops.addV2(g.ops.exp(g.ops.neg(x)), scalarOf(g, 2, x.dtype)), g.ops.exp(x));
    return [ddy, g.ops.realDiv(g.ops.mul(grad, dy), denominator)];
  });
});

registerGradient('TanhGrad', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [a, b] = op.inputs;
  return g.controlDependencies([grad], () => [
    g.ops.mul(g.ops.mul(g.ops.mul(grad, scalarOf(g, -2, grad.dtype)), b), a),
    g.ops.tanhGrad(a, grad),
  ]);
});

registerGradient('SigmoidGrad', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [a, b] = op.inputs;
  return g.controlDependencies([grad], () => {
    const gb = g.ops.mul(grad, b);
    return [g.ops.sub(gb, g.ops.mul(g.ops.mul(scalarOf(g, 2, gb.dtype), gb), a)), g.ops.sigmoidGrad(a, grad)];
  });
});

registerGradient('SqrtGrad', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const a = op.inputs[0];
  const y = op.outputs[0];
  return g.controlDependencies([grad], () => {
    const ga = g.ops.realDiv(grad, a);
    return [g.ops.mul(g.ops.neg(ga), y), g.ops.mul(scalarOf(g, 0.5, ga.dtype), ga)];
  });
});

registerGradient('RsqrtGrad', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [a, b] = op.inputs;
  return g.controlDependencies([grad], () => [
    g.ops.mul(g.ops.mul(g.ops.mul(scalarOf(g, -1.5, grad.dtype), grad), b), g.ops.square(a)),
    g.ops.rsqrtGrad(a, grad),
  ]);
});

/** BiasAddGrad sums over all but the channel axis: its gradient tiles the incoming one back over them. */
registerGradient('BiasAddGrad', (op, grad) => {
  if (grad === null) return [null];
  const g = op.graph;
  const shape = shapeOf(op.inputs[0]);
  const biasShape = shapeOf(grad);
  const part = (begin: number, end: number | null) => {
    const e = end === null ? g.ops.size(shape, { outType: 'int32' }) : int32(g, [end]);
    return g.ops.slice(shape, int32(g, [begin]), g.ops.sub(e, int32(g, [begin])));
  };
  const ones = (t: Output) => g.ops.onesLike(t);
  let expanded: Output;
  let multiples: Output;
  if (op.attr('data_format') === 'NCHW') {
    const [head, tail] = [part(0, 1), part(2, null)];
    expanded = g.ops.concatV2([ones(head), biasShape, ones(tail)], int32(g, [0], true));
    multiples = g.ops.concatV2([head, int32(g, [1]), tail], int32(g, [0], true));
  } else {
    const rank = g.ops.size(shape, { outType: 'int32' });
    const head = g.ops.slice(shape, int32(g, [0]), g.ops.reshape(g.ops.sub(rank, int32(g, [1], true)), int32(g, [1])));
    expanded = g.ops.concatV2([ones(head), biasShape], int32(g, [0], true));
    multiples = g.ops.concatV2([head, int32(g, [1])], int32(g, [0], true));
  }
  return [g.ops.tile(g.ops.reshape(grad, expanded), multiples)];
});

registerGradient('MaxPoolGrad', (op, grad) => {
  if (grad === null) return [null, null, null];
  const g = op.graph;
  const [origInput, origOutput] = op.inputs;
  const gradGrad = g.ops.maxPoolGradGrad(origInput, origOutput, grad, {
    ksize: op.attr('ksize') as number[],
    strides: op.attr('strides') as number[],
    padding: op.attr('padding') as 'SAME' | 'VALID',
    dataFormat: op.attr('data_format') as 'NHWC' | 'NCHW',
  });
  return [g.ops.zerosLike(origInput), g.ops.zerosLike(origOutput), gradGrad];
});

/**
 * The fused batch-norm gradient written with plain ops (Python's _BatchNormGrad), to be differentiated again:
 * returns [gradX, gradScale, gradOffset] of gradY, x and scale.
 */
function batchNormGrad(
  g: Graph,
  gradY: Output,
  x: Output,
  scale: Output,
  popMean: Output,
  popVar: Output,
  epsilon: number,
  format: string,
  training: boolean,
): Output[] {
  const xType = x.dtype;
  if (xType === 'float16' || xType === 'bfloat16') {
    x = g.ops.cast(x, { DstT: 'float32' });
    gradY = g.ops.cast(gradY, { DstT: 'float32' });
  }
  const channelsFirst = format === 'NCHW' || format === 'NCDHW';
  const axes = int32(g, { NHWC: [0, 1, 2], NDHWC: [0, 1, 2, 3], NCHW: [0, 2, 3], NCDHW: [0, 2, 3, 4] }[format] ?? [0, 1, 2]);
  const asChannels = (t: Output) => {
    const dims = [1, -1, 1, 1, ...(format === 'NCDHW' ? [1] : [])];
    return g.ops.reshape(t, int32(g, dims));
  };
  if (channelsFirst) scale = asChannels(scale);
  const eps = scalarOf(g, epsilon, x.dtype);
  const castBack = (t: Output) => (t.dtype === xType ? t : g.ops.cast(t, { DstT: xType }));
  if (training) {
    const keepDims = channelsFirst;
    const mean = (t: Output) => g.ops.mean(t, axes, { keepDims });
    const meanGradY = mean(gradY);
    const meanX = mean(x);
    const varX = mean(g.ops.squaredDifference(x, g.ops.stopGradient(meanX)));
    const gradYOffset = g.ops.sub(gradY, meanGradY);
    const xOffset = g.ops.sub(x, meanX);
    const m = mean(g.ops.mul(gradY, xOffset));
    const varEps = g.ops.addV2(varX, eps);
    const inner = g.ops.sub(gradYOffset, g.ops.mul(g.ops.mul(g.ops.reciprocal(varEps), m), xOffset));
    const gradX = g.ops.mul(g.ops.mul(scale, g.ops.rsqrt(varEps)), inner);
    let gradScale = g.ops.mul(g.ops.rsqrt(varEps), g.ops.sum(g.ops.mul(gradY, xOffset), axes, { keepDims }));
    if (channelsFirst) gradScale = g.ops.squeeze(gradScale);
    return [castBack(gradX), gradScale, g.ops.sum(gradY, axes)];
  }
  if (channelsFirst) {
    popMean = asChannels(popMean);
    popVar = asChannels(popVar);
  }
  const gradOffset = g.ops.sum(gradY, axes);
  const varRsqrt = g.ops.rsqrt(g.ops.addV2(popVar, eps));
  const gradScale = g.ops.sum(g.ops.mul(g.ops.mul(gradY, g.ops.sub(x, popMean)), varRsqrt), axes);
  const gradX = g.ops.mul(g.ops.mul(gradY, scale), varRsqrt);
  return [castBack(gradX), gradScale, gradOffset];
}

/**
 * Python's _FusedBatchNormGradGrad: the plain-op form of the gradient, differentiated with g.gradients (where Python
 * uses a tape) against the incoming gradients of dx, dscale and doffset.
 */
function fusedBatchNormGradGrad(op: Operation, grads: Array<Output | null>): InputGradient[] {
  const g = op.graph;
  const [gradY, x, scale, popMean, popVar] = op.inputs;
  const [epsilon, format, training] = [op.attr('epsilon') as number, op.attr('data_format') as string, op.attr('is_training') as boolean];
  const outputs = batchNormGrad(g, gradY, x, scale, popMean, popVar, epsilon, format, training);
  const used = [0, 1, 2].filter((i) => grads[i] !== null && grads[i] !== undefined);
  if (used.length === 0) return [null, null, null];
  const result = g.gradients(
    used.map((i) => outputs[i]),
    [gradY, x, scale],
    used.map((i) => grads[i]!),
  ) as InputGradient[];
  return result;
}

registerGradient('FusedBatchNormGrad', (op, ...grads) => [...fusedBatchNormGradGrad(op, grads), null, null]);
registerGradient('FusedBatchNormGradV2', (op, ...grads) => [...fusedBatchNormGradGrad(op, grads), null, null]);
registerGradient('FusedBatchNormGradV3', (op, ...grads) => [...fusedBatchNormGradGrad(op, grads), null, null, null]);

registerGradient('Relu6Grad', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const x = op.inputs[1];
  return [g.ops.relu6Grad(grad, x), g.ops.zerosLike(x)];
});

registerGradient('SeluGrad', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const [dy, seluX] = op.inputs;
  const negative = g.ops.less(seluX, scalarOf(g, 0, seluX.dtype));
  return [g.ops.seluGrad(grad, seluX), g.ops.select(negative, g.ops.mul(grad, dy), g.ops.zerosLike(seluX))];
});

// ReciprocalGrad and InvGrad compute -dy * y^2 for y = 1/x.
for (const type of ['ReciprocalGrad', 'InvGrad']) {
  registerGradient(type, (op, grad) => {
    if (grad === null) return [null, null];
    const g = op.graph;
    const [a, b] = op.inputs;
    return g.controlDependencies([grad], () => [
      g.ops.mul(g.ops.mul(g.ops.mul(grad, scalarOf(g, -2, grad.dtype)), b), a),
      g.ops.reciprocalGrad(a, grad),
    ]);
  });
}

registerGradient('MaxPoolGradGrad', (op, grad) => {
  if (grad === null) return [null, null, null];
  const g = op.graph;
  const [origInput, origOutput] = op.inputs;
  const attrs = { ksize: op.attr('ksize'), strides: op.attr('strides'), padding: op.attr('padding'), data_format: op.attr('data_format') };
  const gradGrad = g.addOperation('MaxPoolGrad', { inputs: [origInput, origOutput, grad], attrs }).output(0);
  return [g.ops.zerosLike(origInput), g.ops.zerosLike(origOutput), gradGrad];
});

registerGradient('MaxPoolGradV2', (op, grad) => {
  if (grad === null) return [null, null, null, null, null];
  const g = op.graph;
  const [origInput, origOutput, , ksize, strides] = op.inputs;
  const attrs = { padding: op.attr('padding'), data_format: op.attr('data_format') };
  const gradGrad = g.addOperation('MaxPoolGradGradV2', { inputs: [origInput, origOutput, grad, ksize, strides], attrs }).output(0);
  return [g.ops.zerosLike(origInput), g.ops.zerosLike(origOutput), gradGrad, null, null];
});

/** AvgPoolGrad is linear in its gradient: the gradient of that is average pooling; the shape input gets none. */
registerGradient('AvgPoolGrad', (op, grad) => {
  if (grad === null) return [null, null];
  const g = op.graph;
  const attrs = { ksize: op.attr('ksize'), strides: op.attr('strides'), padding: op.attr('padding'), data_format: op.attr('data_format') };
  return [g.ops.stopGradient(op.inputs[0]), g.addOperation('AvgPool', { inputs: [grad], attrs }).output(0)];
});
