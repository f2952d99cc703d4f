// SPDX-License-Identifier: Apache-2.0
// What the op builders need to know about an op, read from the live registry's OpDef (so the builders
// follow the loaded library even where generated.ts is older), cached once per op type for the process.
import { DType, dtypeFromNumber, isDType } from '../base/dtypes';
import { tfAddon } from '../binding/library';
import { Native } from '../binding/native';
import { AttrValueProto, attrValueToJs } from '../graph/operation';
import { decode } from '../proto';

// The op naming rules live in the generator script (plain CommonJS, outside the TS project) so both agree.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a .js file outside rootDir has no ES import
const naming = require('../../scripts/generate-ops.js') as {
  opMethodName(type: string): string;
  camelKey(name: string): string;
};

/** The property name of an op type in `g.ops` (MatMul → matMul, LRN → lrn). */
export const opMethodName: (type: string) => string = naming.opMethodName;
/** snake_case → camelCase (transpose_a → transposeA); other names unchanged. */
export const camelKey: (name: string) => string = naming.camelKey;

export interface InputArgInfo {
  name: string;
  /** 'single': one tensor; 'number': N tensors of one type; 'typeList': tensors of listed types. */
  kind: 'single' | 'number' | 'typeList';
  /** The fixed dtype of a fixed-type arg (null when it is one node-libtensorflow has no DType for). */
  fixed?: DType | null;
  typeAttr?: string;
  typeListAttr?: string;
}

export interface AttrInfo {
  name: string;
  type: string;
  /** The default as `op.attr()` would return it; undefined when there is none (or it is unrepresentable). */
  defaultValue: unknown;
  hasDefault: boolean;
  /** Allowed values of a type or string attr (type attrs: DType names). */
  allowed: ReadonlySet<string> | null;
  /** Whether TensorFlow infers it from the inputs (type, number and type-list attrs of input args). */
  inferred: boolean;
}

export interface OpInfo {
  type: string;
  method: string;
  inputs: InputArgInfo[];
  /** Output args: name (camelCase key and the OpDef name) and whether it is a list. */
  outputs: Array<{ name: string; key: string; isList: boolean }>;
  attrs: AttrInfo[];
  /** Attr by its camelCase key and by its OpDef name. */
  attrByKey: Map<string, AttrInfo>;
  /** Attrs without a default that the inputs cannot supply. */
  required: AttrInfo[];
  /** How the builder returns: the Operation, its only Output, or an object of named outputs. */
  result: 'operation' | 'output' | 'struct';
}

type ArgDef = { name: string; type?: number; type_attr?: string; number_attr?: string; type_list_attr?: string };
type AttrDef = {
  name: string;
  type: string;
  default_value?: AttrValueProto;
  allowed_values?: { list?: { type?: number[]; s?: Uint8Array[] } };
};

function safeDType(n: number): DType | null {
  try {
    return dtypeFromNumber(n);
  } catch {
    return null; // quantized types
  }
}

/** Builds the OpInfo of a decoded OpDef. */
export function opInfoFromDef(def: { name: string; input_arg?: ArgDef[]; output_arg?: ArgDef[]; attr?: AttrDef[] }): OpInfo {
  const inputs: InputArgInfo[] = (def.input_arg ?? []).map((a) => {
    if (a.type_list_attr) return { name: a.name, kind: 'typeList', typeListAttr: a.type_list_attr };
    const kind = a.number_attr ? 'number' : 'single';
    if (a.type_attr) return { name: a.name, kind, typeAttr: a.type_attr };
    return { name: a.name, kind, fixed: safeDType(a.type ?? 0) };
  });
  const inferred = new Set<string>();
  for (const a of def.input_arg ?? []) {
    for (const k of [a.type_attr, a.number_attr, a.type_list_attr]) if (k) inferred.add(k);
  }
  const attrs: AttrInfo[] = (def.attr ?? []).map((a) => {
    let allowed: Set<string> | null = null;
    const list = a.allowed_values?.list;
    if (list?.type?.length) allowed = new Set(list.type.map(safeDType).filter((d): d is DType => d !== null));
    else if (list?.s?.length) allowed = new Set(list.s.map((b: Uint8Array) => Buffer.from(b).toString('utf8')));
    let defaultValue: unknown;
    if (a.default_value) {
      try {
        defaultValue = attrValueToJs(a.default_value);
      } catch {
        defaultValue = undefined;
      }
    }
    return {
      name: a.name,
      type: a.type,
      defaultValue,
      hasDefault: Boolean(a.default_value),
      allowed,
      inferred: inferred.has(a.name),
    };
  });
  const attrByKey = new Map<string, AttrInfo>();
  for (const a of attrs) {
    attrByKey.set(a.name, a);
    attrByKey.set(camelKey(a.name), a);
  }
  const outputs = (def.output_arg ?? []).map((a) => ({
    name: a.name,
    key: camelKey(a.name),
    isList: Boolean(a.number_attr || a.type_list_attr),
  }));
  return {
    type: def.name,
    method: opMethodName(def.name),
    inputs,
    outputs,
    attrs,
    attrByKey,
    required: attrs.filter((a) => !a.hasDefault && !a.inferred),
    result: outputs.length === 0 ? 'operation' : outputs.length === 1 && !outputs[0].isList ? 'output' : 'struct',
  };
}

const infoCache = new Map<string, OpInfo>();

/** The OpInfo of a registered op type (NotFoundError from TensorFlow when there is none). */
export function opInfo(native: Native.Graph, type: string): OpInfo {
  let info = infoCache.get(type);
  if (info === undefined) {
    info = opInfoFromDef(decode('OpDef', native.opDef(type)));
    infoCache.set(type, info);
  }
  return info;
}

let liveMethods: Map<string, string> | undefined;

/** g.ops property name → op type, for every op in the loaded library's registry (decoded once, lazily). */
export function registryMethods(): Map<string, string> {
  if (!liveMethods) {
    const list = decode<{ op: Array<{ name: string }> }>('OpList', tfAddon().allOpList());
    liveMethods = new Map(list.op.map((o) => [opMethodName(o.name), o.name]));
  }
  return liveMethods;
}

/** Whether `value` is a DType allowed by the attr (true when it has no allowed list). */
export function allowsDType(attr: AttrInfo | undefined, dtype: string): boolean {
  return !attr?.allowed || (isDType(dtype) && attr.allowed.has(dtype));
}
