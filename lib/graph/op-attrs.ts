// SPDX-License-Identifier: Apache-2.0
// Attr values of addOperation, checked against the op's OpDef and encoded as the native [name, kind, value]
// triples (native/graph.h). Everything TensorFlow would CHECK-fail on (shapes past its limits) or silently cut
// (NULs in names and types) is refused here, before the C API sees it.
import { dtypeNumber, requireDType } from '../base/dtypes';
import { requireShape } from '../base/shape';
import { invalidArgument } from '../base/validate';
import { AttrKind, Native } from '../binding/native';
import { OpSignature, readOpSignature } from '../ops/op-def-wire';
import { encode } from '../proto';
import { Tensor, TensorLike, tensor } from '../tensor/tensor';
import { checkNoNul } from './names';

// OpDefs come from the process-wide op registry: one cache per loaded library.
const opDefCache = new Map<string, OpSignature>();

/** @internal The input args and attr types of op `type` (a NotFoundError for an unknown type). */
export function opDefInfo(native: Native.Graph, type: string): OpSignature {
  let info = opDefCache.get(type);
  if (info) return info;
  // Checked only on a cache miss: a cached type has already passed.
  checkNoNul(type, 'The op type');
  info = readOpSignature(native.opDef(type));
  opDefCache.set(type, info);
  return info;
}

const SCALAR_KINDS: Record<string, number> = {
  string: AttrKind.string,
  int: AttrKind.int,
  float: AttrKind.float,
  bool: AttrKind.bool,
  type: AttrKind.type,
  shape: AttrKind.shape,
  tensor: AttrKind.tensor,
  func: AttrKind.func,
};

/** A shape attr: null (unknown rank) or dimensions with null (or -1, or undefined) for unknown ones. */
function shapeAttr(value: unknown, what: string): Array<number | null> | null {
  if (value === null || value === undefined) return null;
  // requireShape refuses what TF_SetAttrShape would abort the process on (TensorShape's CHECKs).
  return requireShape(value, what);
}

function typeAttr(value: unknown, what: string): number {
  return dtypeNumber(requireDType(value, what));
}

function funcAttrProto(value: unknown, what: string): Uint8Array {
  const toNameAttrList = (v: unknown) => {
    if (typeof v === 'string') return { name: v };
    if (v && typeof v === 'object' && typeof (v as { name: unknown }).name === 'string') {
      const f = v as { name: string; attr?: Record<string, unknown> };
      return { name: f.name, attr: f.attr ?? {} };
    }
    throw invalidArgument('a function name or {name, attr}', what, v);
  };
  if (Array.isArray(value)) return encode('AttrValue', { list: { func: value.map(toNameAttrList) } });
  return encode('AttrValue', { func: toNameAttrList(value) });
}

/** @internal Converts one attr value to the native [name, kind, value] triple, using the OpDef's attr type. */
export function attrEntry(opType: string, name: string, declared: string | undefined, value: unknown): Native.AttrEntry {
  const what = `attr '${name}' of ${opType}`;
  let type = declared;
  if (type === undefined) {
    // Attrs outside the OpDef are TensorFlow's internal ones ('_class', '_output_shapes', …).
    checkNoNul(name, `The name of attr ${JSON.stringify(name)} of ${opType}`);
    if (Array.isArray(value)) type = typeof value[0] === 'number' ? 'list(int)' : 'list(string)';
    else type = typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : 'string';
  }
  const isList = type.startsWith('list(');
  const scalar = isList ? type.slice(5, -1) : type;
  if (scalar === 'func') return [name, AttrKind.proto, funcAttrProto(value, what)];
  const kind = SCALAR_KINDS[scalar];
  if (kind === undefined) throw new TypeError(`Unsupported attr type '${type}' for ${what}`);
  const convert = (v: unknown): unknown => {
    switch (scalar) {
      case 'type': return typeAttr(v, what);
      case 'shape': return shapeAttr(v, what);
      case 'tensor': return Tensor._native(v instanceof Tensor ? v : tensor(v as TensorLike));
      case 'string':
        // A string attr is passed with its length: NULs in it are kept, as in Python.
        if (typeof v !== 'string' && !(v instanceof Uint8Array)) throw invalidArgument('a string', what, v);
        return v;
      case 'int':
        if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) return v;
        throw invalidArgument('an integer', what, v);
      case 'float':
        if (typeof v !== 'number') throw invalidArgument('a number', what, v);
        return v;
      case 'bool':
        if (typeof v !== 'boolean') throw invalidArgument('a boolean', what, v);
        return v;
      default:
        return v;
    }
  };
  if (isList) {
    if (!Array.isArray(value)) throw invalidArgument(`an array (${type})`, what, value);
    return [name, kind + AttrKind.listOffset, value.map(convert)];
  }
  return [name, kind, convert(value)];
}

const NO_ATTRS: Record<string, unknown> = Object.freeze({});
const NO_ATTR_ENTRIES = Object.freeze([]) as unknown as Native.AttrEntry[];

/** @internal The native attr entries of `given` for op `type`; a shared empty array when there are none. */
export function attrEntries(type: string, info: OpSignature, given: Record<string, unknown> | undefined): Native.AttrEntry[] {
  if (given === undefined || given === NO_ATTRS) return NO_ATTR_ENTRIES;
  const attrs: Native.AttrEntry[] = [];
  for (const name in given) {
    const value = given[name];
    if (value === undefined) continue;
    const declared = info.attrTypes.get(name);
    if (declared === undefined && !name.startsWith('_')) {
      throw new TypeError(`${type} has no attr '${name}'; its attrs are: ${[...info.attrTypes.keys()].join(', ') || 'none'}`);
    }
    attrs.push(attrEntry(type, name, declared, value));
  }
  return attrs;
}
