// SPDX-License-Identifier: Apache-2.0
// SignatureDefs: the named inputs and outputs of a SavedModel's functions, as read from a MetaGraphDef.
import { DType, dtypeFromNumber } from '../base/dtypes';
import { shapeFromProto } from '../base/shape';

// A decoded protobuf message: protobufjs gives untyped objects (fields by their proto names).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ProtoMessage = Record<string, any>;

/** The tag of the MetaGraphDef a model serves from (Python's `tf.saved_model.SERVING`). */
export const SERVING = 'serve';
/** The tag of a training MetaGraphDef (Python's `tf.saved_model.TRAINING`). */
export const TRAINING = 'train';
/** The signature `run` uses when none is named (Python's `DEFAULT_SERVING_SIGNATURE_DEF_KEY`). */
export const DEFAULT_SERVING_SIGNATURE_DEF_KEY = 'serving_default';
/** Python's `PREDICT_METHOD_NAME`, the method name of signatures Keras and tf.Module write. */
export const PREDICT_METHOD_NAME = 'tensorflow/serving/predict';
// TF2 SavedModels keep their init op as a pseudo-signature; Python hides it from `.signatures` too.
const INIT_OP_SIGNATURE_KEY = '__saved_model_init_op';

/** One tensor of a signature, as the SignatureDef's TensorInfo describes it. */
export interface SignatureTensor {
  /** The graph tensor, `'op:index'`. */
  name: string;
  dtype: DType;
  /** Static shape: null for an unknown rank, null entries for unknown dimensions. */
  shape: Array<number | null> | null;
}

/** A SignatureDef: named inputs and outputs of a model function. */
export interface Signature {
  inputs: Record<string, SignatureTensor>;
  outputs: Record<string, SignatureTensor>;
  /** e.g. `'tensorflow/serving/predict'`. */
  methodName: string;
}

export { shapeFromProto };

function tensorInfo(info: ProtoMessage, where: string): SignatureTensor | string {
  // Sparse and composite tensors have no single graph tensor to feed or fetch.
  if (!info.name) return `${where} is a ${info.coo_sparse ? 'sparse' : 'composite'} tensor, which run() cannot feed or fetch`;
  let dtype: DType;
  try {
    dtype = dtypeFromNumber(info.dtype ?? 0);
  } catch {
    return `${where} has dtype ${String(info.dtype)}, which node-libtensorflow does not support`;
  }
  return { name: info.name, dtype, shape: shapeFromProto(info.tensor_shape) };
}

/**
 * The signatures of a decoded MetaGraphDef (without TF2's `__saved_model_init_op`), and the reasons
 * signatures that use sparse or unsupported tensors cannot run.
 */
export function signaturesOf(metaGraph: ProtoMessage): {
  signatures: Record<string, Signature>;
  unsupported: Record<string, string>;
} {
  const signatures: Record<string, Signature> = {};
  const unsupported: Record<string, string> = {};
  for (const key of Object.keys(metaGraph.signature_def ?? {}).sort()) {
    if (key === INIT_OP_SIGNATURE_KEY) continue;
    const def = metaGraph.signature_def[key];
    const sig: Signature = { inputs: {}, outputs: {}, methodName: def.method_name ?? '' };
    for (const side of ['inputs', 'outputs'] as const) {
      for (const name of Object.keys(def[side] ?? {}).sort()) {
        const info = tensorInfo(def[side][name], `${side.slice(0, -1)} '${name}' of signature '${key}'`);
        if (typeof info === 'string') {
          unsupported[key] ??= info;
          continue;
        }
        sig[side][name] = info;
      }
    }
    signatures[key] = sig;
  }
  return { signatures, unsupported };
}

