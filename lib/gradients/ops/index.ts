// SPDX-License-Identifier: Apache-2.0
// The TypeScript gradient functions, registered on import (Python's *_grad.py modules): the ops whose gradient
// TensorFlow's C++ registry lacks, written as tensorflow/python/ops/*_grad.py defines them (Python 2.21).
//
// Coverage, from a probe of libtensorflow 2.21 (each of Python's 414 gradient op types built on placeholders and
// differentiated with TF_AddGradients alone) and test/gradients/ops (each op below checked against finite
// differences in float64, float32 where the kernel has no float64, and against Python's tape on the same raw op):
//
// Registered here (C++ has none):
//   nn.ts:           SparseSoftmaxCrossEntropyWithLogits, FusedBatchNorm, FusedBatchNormV2, BiasAddV1, TopKV2,
//                    MaxPoolWithArgmax, CTCLoss, CTCLossV2, Dilation2D, NthElement
//   conv.ts:         Conv3D, Conv3DBackpropInputV2, Conv3DBackpropFilterV2, Conv2DBackpropFilter,
//                    DepthwiseConv2dNativeBackpropInput, DepthwiseConv2dNativeBackpropFilter
//   math.ts:         FloorDiv, TruncateDiv, Round, Ceil, Rint (null, as Python), FloorMod, MulNoNan, Xlogy, Xdivy,
//                    Xlog1py, Erfc, Digamma, Cumprod, CumulativeLogsumexp, EuclideanNorm, AccumulateNV2, NextAfter,
//                    Cross, SegmentMean, SegmentMin, SegmentMax, SegmentProd, UnsortedSegmentProd, SparseTensorDenseMatMul,
//                    SparseSegmentSum/Mean/SqrtN and their WithNumSegments (IndexedSlices with sparse_gradient)
//   array.ts:        Concat (v1), IdentityN, EnsureShape, PlaceholderWithDefault, Snapshot (Python: none; a copy),
//                    TensorScatterUpdate/Add/Sub/Min/Max, ConjugateTranspose, MatrixDiagV3, MatrixDiagPartV3,
//                    MatrixSetDiagV3
//   no-gradient.ts:  OnesLike, ZerosLike, ConcatOffset (not differentiable, as Python)
//   second-order.ts: ReluGrad, Relu6Grad, EluGrad, SeluGrad, SoftplusGrad, TanhGrad, SigmoidGrad, SqrtGrad,
//                    RsqrtGrad, ReciprocalGrad, InvGrad, BiasAddGrad, MaxPoolGrad, MaxPoolGradGrad, MaxPoolGradV2,
//                    AvgPoolGrad, FusedBatchNormGrad, FusedBatchNormGradV2, FusedBatchNormGradV3
//   passthrough.ts:  Reverse, StridedSliceGrad, CheckNumericsV2, Print, DebugGradientIdentity, PreventGradient
//                    (an Error, as Python raises), QuantizeAndDequantizeV2, QuantizeAndDequantizeV4,
//                    FakeQuantWithMinMaxArgs, FakeQuantWithMinMaxVars, FakeQuantWithMinMaxVarsPerChannel
//   linalg.ts:       MatrixInverse, MatrixDeterminant, LogMatrixDeterminant, MatrixSolve, MatrixTriangularSolve,
//                    Cholesky, MatrixDiagPart, MatrixSetDiag
//   special.ts:      BesselI0/I0e/I1/I1e/K0/K0e/K1/K1e/J0/J1/Y0/Y1, Dawsn, Expint, FresnelCos, FresnelSin, Spence,
//                    Igamma, Igammac, Betainc, Zeta, Polygamma
// Registered here although C++ has one (see CPP_ALSO): SoftmaxCrossEntropyWithLogits (C++ builds float32 only,
//   no second derivative), ConcatV2, FusedBatchNormV3, Conv2DBackpropInput.
// Registered here although C++ has one for every dtype (broadcast.ts): Add, AddV2, Sub, Mul, RealDiv, Square, Sum,
//   Mean, and (shaping.ts) Reshape, ExpandDims, Squeeze, StridedSlice, Slice, with static shapes folded as Python
//   does, and Relu from its output as Python's (loop bodies accumulate less); the C++ fast path keeps C++'s.
// Not covered here (Python has a gradient, C++ has none):
//   Gather, ResourceGather, ResourceGatherNd: IndexedSlices, the backprop driver's (lib/gradients/gradients.ts);
//   control flow and its data structures (TensorArray*V3, TensorList*, While/If/Case): the control-flow issue's;
//   sparse tensors (SparseAdd, SparseDenseCwise*, SparseFillEmptyRows, SparseReduceSum, SparseReorder, SparseSlice,
//   SparseSoftmax, SparseSparseMaximum/Minimum, SparseTensorDenseAdd, SparseToDense, SparseMatMul) and ragged ones;
//   decompositions (Qr, Svd, SelfAdjointEigV2, MatrixSquareRoot, MatrixSolveLs, BandedTriangularSolve,
//   Tridiagonal*), ExtractImagePatches, MatrixDiagV2/PartV2/SetDiagV2, complex and FFT ops
//   (ComplexAbs, IRFFT, IRFFT2D), random samplers (RandomGamma, StatelessRandomGamma*,
//   StatelessParameterizedTruncatedNormal), RNN kernels (BlockLSTM*, CudnnRNN*), image ops (RGBToHSV,
//   ImageProjectiveTransform*), IsotonicRegression, TensorStridedSliceUpdate, and device/collective/XLA/DTensor
//   ops (Nccl*, AllToAll, CollectivePermute, CrossReplicaSum, Xla*, Relayout*, CopyToMesh*, TPUEmbedding*).
import './broadcast';
import './shaping';
import './nn';
import './conv';
import './math';
import './array';
import './no-gradient';
import './second-order';
import './passthrough';
import './linalg';
import './special';

export { CPP_ALSO } from '../registry';

