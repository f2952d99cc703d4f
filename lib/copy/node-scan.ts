// SPDX-License-Identifier: Apache-2.0
// Reading one node of an indexed GraphDef (node-index.ts) at the wire level: its inputs, as node indices, and
// the few attrs that copying rewrites or follows (colocation, shared and frame names, called functions).
import {
  WIRE_LEN,
  WireCursor,
  equalsAscii,
  fieldTag,
  hasMore,
  malformed,
  nextLength,
  nextString,
  nextTag,
  readVarint,
  skipField,
  skipValue,
  varintEnd,
  wireCursor,
} from '../proto/wire';
import { NodeIndex, SLOT, nodeName } from './node-index';

// NodeDef fields, AttrValue fields and map-entry fields (TensorFlow's numbers).
const NODE_OP = 2;
const NODE_INPUT = 3;
const NODE_ATTR = 5;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
const ENTRY_KEY_TAG = fieldTag(ENTRY_KEY, WIRE_LEN);
const ENTRY_VALUE_TAG = fieldTag(ENTRY_VALUE, WIRE_LEN);
const ATTR_LIST_TAG = fieldTag(1, WIRE_LEN);
const ATTR_S_TAG = fieldTag(2, WIRE_LEN);
const ATTR_FUNC_TAG = fieldTag(10, WIRE_LEN);
const LIST_S_TAG = fieldTag(2, WIRE_LEN);
const LIST_FUNC_TAG = fieldTag(9, WIRE_LEN);
const NAMEATTRLIST_NAME_TAG = fieldTag(1, WIRE_LEN);
const NAMEATTRLIST_ATTR_TAG = fieldTag(2, WIRE_LEN);

/** The attrs of one NodeDef that a copy rewrites or follows; null from `scanNode` when it has none of them. */
export interface WireAttrs {
  /** Colocation targets from the `_class` attr ('loc:@x' → 'x'), or null. */
  colocation: string[] | null;
  /** Whether a non-empty `shared_name` attr names a resource (variables, tables, queues). */
  sharedName: boolean;
  /** Whether the node has a `frame_name` attr (Enter/RefEnter of a v1 while loop). */
  frameName: boolean;
  /** Functions the node calls: its op when the library defines it, and func-valued attrs (While, If, …). */
  funcs: string[] | null;
}

/**
 * Reads node i: appends each input to `inputs` as a pair (node index, output index; -1 for a control
 * input) and returns the copy-relevant attrs, or null when it has none.
 * @throws Error naming the node and input when an input names no node of this GraphDef.
 */
export function scanNode(index: NodeIndex, i: number, inputs: number[]): WireAttrs | null {
  // The hot loop of a copy (once per copied node): positions are locals and one-byte varints are inlined.
  let attrs: WireAttrs | null = null;
  const buf = index.bytes;
  const end = index.ends[i];
  const functionNames = index.functionNames;
  const scanFuncs = functionNames !== null && functionNames.size > 0;
  const { table, mask } = index;
  const tableEnd = table.length - 1;
  let pos = index.payloads[i];
  while (pos < end) {
    let tag = buf[pos++];
    if (tag >= 0x80) {
      tag = readVarint(buf, pos - 1, end);
      pos = varintEnd();
    }
    if ((tag & 7) !== WIRE_LEN) {
      pos = skipField(buf, pos, tag & 7, end);
      continue;
    }
    if (pos >= end) throw malformed('a truncated field');
    let len = buf[pos++];
    if (len >= 0x80) {
      len = readVarint(buf, pos - 1, end);
      pos = varintEnd();
    }
    const s = pos;
    const e = pos + len;
    if (e > end) throw malformed('a field runs past its message');
    pos = e;
    const field = tag >>> 3;
    if (field === NODE_INPUT) {
      let ns = s;
      let ne = e;
      let output = 0;
      if (buf[s] === 0x5e /* ^ */) {
        ns = s + 1;
        output = -1;
      } else {
        let k = e - 1;
        while (k > s && buf[k] >= 0x30 && buf[k] <= 0x39) k--;
        if (k < e - 1 && k > s && buf[k] === 0x3a /* : */) {
          ne = k;
          for (let d = k + 1; d < e; d++) output = output * 10 + (buf[d] - 0x30);
        }
      }
      // The name table lookup, inlined: FNV-1a of the input's name, then linear probing.
      let h = 0x811c9dc5 | 0;
      for (let q = ns; q < ne; q++) h = Math.imul(h ^ buf[q], 0x01000193);
      const n = ne - ns;
      let t = (h & mask) * SLOT;
      let j = table[t + 1];
      while (j >= 0) {
        if (table[t] === h && table[t + 3] === n) {
          const js = table[t + 2];
          let q = 0;
          while (q < n && buf[js + q] === buf[ns + q]) q++;
          if (q === n) break;
        }
        t = (t + SLOT) & tableEnd;
        j = table[t + 1];
      }
      if (j < 0) throw unknownInput(index, i, s, e);
      inputs.push(j, output);
    } else if (field === NODE_ATTR) {
      // Most attrs (T, dtype, shape, value…) matter to a copy only when functions are about: a map entry
      // written key first whose key starts with neither '_', 's' nor 'f' is skipped without parsing.
      if (!scanFuncs && buf[s] === ENTRY_KEY_TAG && buf[s + 1] > 0 && buf[s + 1] < 0x80) {
        const first = buf[s + 2];
        if (first !== 0x5f && first !== 0x73 && first !== 0x66) continue;
      }
      attrs = readAttrEntry(buf, attrs, s, e, scanFuncs);
    } else if (field === NODE_OP && scanFuncs) {
      const op = buf.toString('utf8', s, e);
      if (functionNames!.has(op)) ((attrs ??= emptyAttrs()).funcs ??= []).push(op);
    }
  }
  return attrs;
}

function unknownInput(index: NodeIndex, i: number, s: number, e: number): Error {
  return new Error(`Node '${nodeName(index, i)}' has input '${index.bytes.toString('utf8', s, e)}', which names no node of the graph`);
}

function readAttrEntry(buf: Buffer, attrs: WireAttrs | null, start: number, end: number, scanFuncs: boolean): WireAttrs | null {
  let ks = 0;
  let ke = 0;
  let vs = 0;
  let ve = 0;
  let pos = start;
  while (pos < end) {
    let tag = buf[pos++];
    if (tag >= 0x80) {
      tag = readVarint(buf, pos - 1, end);
      pos = varintEnd();
    }
    if ((tag & 7) !== WIRE_LEN) {
      pos = skipField(buf, pos, tag & 7, end);
      continue;
    }
    if (pos >= end) throw malformed('a truncated field');
    let len = buf[pos++];
    if (len >= 0x80) {
      len = readVarint(buf, pos - 1, end);
      pos = varintEnd();
    }
    if (pos + len > end) throw malformed('a field runs past its message');
    if (tag >>> 3 === ENTRY_KEY) {
      ks = pos;
      ke = pos + len;
    } else if (tag >>> 3 === ENTRY_VALUE) {
      vs = pos;
      ve = pos + len;
    }
    pos += len;
  }
  const first = buf[ks];
  if (first === 0x5f /* _ */ && equalsAscii(buf, ks, ke, '_class')) {
    const targets = scanColocation(buf, vs, ve);
    if (targets.length) (attrs ??= emptyAttrs()).colocation = targets;
  } else if (first === 0x73 /* s */ && equalsAscii(buf, ks, ke, 'shared_name')) {
    if (hasNonEmptyString(buf, vs, ve)) (attrs ??= emptyAttrs()).sharedName = true;
  } else if (first === 0x66 /* f */ && equalsAscii(buf, ks, ke, 'frame_name')) {
    (attrs ??= emptyAttrs()).frameName = true;
  } else if (scanFuncs) {
    const funcs: string[] = [];
    scanAttrFuncs(buf, vs, ve, funcs);
    if (funcs.length) ((attrs ??= emptyAttrs()).funcs ??= []).push(...funcs);
  }
  return attrs;
}

function emptyAttrs(): WireAttrs {
  return { colocation: null, sharedName: false, frameName: false, funcs: null };
}

/** A cursor over the length-delimited value at `c` (which moves past it). */
function payload(c: WireCursor): WireCursor {
  const e = nextLength(c);
  const sub = wireCursor(c.buf, c.pos, e);
  c.pos = e;
  return sub;
}

function scanColocation(buf: Buffer, start: number, end: number): string[] {
  const out: string[] = [];
  const c = wireCursor(buf, start, end);
  while (hasMore(c)) {
    const tag = nextTag(c);
    if (tag !== ATTR_LIST_TAG) {
      skipValue(c, tag & 7);
      continue;
    }
    const l = payload(c);
    while (hasMore(l)) {
      const t = nextTag(l);
      if (t !== LIST_S_TAG) {
        skipValue(l, t & 7);
        continue;
      }
      const v = nextString(l);
      if (v.startsWith('loc:@')) out.push(v.slice(5));
    }
  }
  return out;
}

function hasNonEmptyString(buf: Buffer, start: number, end: number): boolean {
  const c = wireCursor(buf, start, end);
  while (hasMore(c)) {
    const tag = nextTag(c);
    if (tag === ATTR_S_TAG) return nextLength(c) > c.pos;
    skipValue(c, tag & 7);
  }
  return false;
}

/** Function names in an AttrValue (func, list.func, and the attrs of those NameAttrLists). */
function scanAttrFuncs(buf: Buffer, start: number, end: number, out: string[]): void {
  const c = wireCursor(buf, start, end);
  while (hasMore(c)) {
    const tag = nextTag(c);
    if (tag === ATTR_FUNC_TAG) {
      const f = payload(c);
      scanNameAttrList(buf, f.pos, f.end, out);
    } else if (tag === ATTR_LIST_TAG) {
      const l = payload(c);
      while (hasMore(l)) {
        const t = nextTag(l);
        if (t === LIST_FUNC_TAG) {
          const f = payload(l);
          scanNameAttrList(buf, f.pos, f.end, out);
        } else skipValue(l, t & 7);
      }
    } else skipValue(c, tag & 7);
  }
}

function scanNameAttrList(buf: Buffer, start: number, end: number, out: string[]): void {
  const c = wireCursor(buf, start, end);
  while (hasMore(c)) {
    const tag = nextTag(c);
    if (tag === NAMEATTRLIST_NAME_TAG) out.push(nextString(c));
    else if (tag === NAMEATTRLIST_ATTR_TAG) {
      const entry = payload(c);
      while (hasMore(entry)) {
        const t = nextTag(entry);
        if (t === ENTRY_VALUE_TAG) {
          const v = payload(entry);
          scanAttrFuncs(buf, v.pos, v.end, out);
        } else skipValue(entry, t & 7);
      }
    } else skipValue(c, tag & 7);
  }
}

/** The signature name of a serialized FunctionDef (FunctionDef.signature → OpDef.name), read at the wire level. */
export function functionDefName(bytes: Uint8Array): string {
  const c = wireCursor(bytes);
  while (hasMore(c)) {
    const tag = nextTag(c);
    if (tag === fieldTag(1, WIRE_LEN)) {
      const sig = payload(c);
      while (hasMore(sig)) {
        const t = nextTag(sig);
        if (t === fieldTag(1, WIRE_LEN)) return nextString(sig);
        skipValue(sig, t & 7);
      }
      return '';
    }
    skipValue(c, tag & 7);
  }
  return '';
}
