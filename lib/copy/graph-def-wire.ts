// SPDX-License-Identifier: Apache-2.0
// A GraphDef read at the protobuf wire level: an index of its nodes by name, each node's byte range, and (on
// demand) its op, inputs and the few attrs that copying cares about; a subgraph is re-assembled by
// concatenating the original bytes. Decoding and re-encoding 100,000 NodeDefs with protobufjs costs as much as
// TensorFlow's whole import, while indexing and slicing cost a fraction of it (bench/graph-copy.js).
import { decode } from '../proto';

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

// NodeDef fields, AttrValue fields and map-entry fields (TensorFlow's numbers).
const NODE_NAME = 1;
const NODE_OP = 2;
const NODE_INPUT = 3;
const NODE_ATTR = 5;
const ATTR_LIST = 1;
const ATTR_S = 2;
const ATTR_FUNC = 10;
const LIST_S = 2;
const LIST_FUNC = 9;
const NAMEATTRLIST_NAME = 1;
const NAMEATTRLIST_ATTR = 2;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

/** Int32s per slot of NodeIndex.table. */
const SLOT = 4;

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

function malformed(what: string): RangeError {
  return new RangeError(`Malformed GraphDef: ${what}`);
}

// The loops here read Buffers and typed arrays made in JavaScript and object literals holding only those, never
// instances of a class. V8 keeps the maps of a class's instances only while some instance lives: once the last
// WireGraphDef of a copy was collected, the optimized code of every loop specialized on its map was thrown away,
// and the next copy ran its loops in the interpreter again, several times slower (bench/graph-copy.js collects
// garbage between copies, as a program does between occasional ones). The maps of Buffers and typed arrays
// made in JavaScript live as long as the program, and so does that of an object literal whose fields hold
// only such values (a literal holding a class instance was seen to lose its map with the instance's).

/** A cursor over protobuf bytes; `end` bounds the message being read. */
interface Cursor {
  buf: Buffer;
  pos: number;
  end: number;
}

function cursor(buf: Buffer, start: number, end: number): Cursor {
  return { buf, pos: start, end };
}

function cursorVarint(c: Cursor): number {
  const buf = c.buf;
  let b = buf[c.pos++];
  if (b < 0x80) return b;
  let value = b & 0x7f;
  let shift = 7;
  // Tags and lengths fit in 32 bits; wider varints (int64 attr values) are skipped, never used.
  do {
    if (c.pos >= c.end) throw malformed('a truncated varint');
    b = buf[c.pos++];
    if (shift < 28) value |= (b & 0x7f) << shift;
    else value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return value;
}

/** Reads a length prefix; returns the end of the announced bytes (they start at `c.pos`). */
function cursorLen(c: Cursor): number {
  const n = cursorVarint(c);
  const e = c.pos + n;
  if (e > c.end) throw malformed('a field runs past its message');
  return e;
}

function cursorSkip(c: Cursor, wire: number): void {
  c.pos = skipField(c.buf, c.pos, wire, c.end);
}

function equalsAscii(buf: Uint8Array, start: number, end: number, ascii: string): boolean {
  if (end - start !== ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[start + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

// Where the last readVarint stopped (a module variable spares the hot loops an allocation per varint).
let varintEnd = 0;

/** The varint at `pos` (any length); sets `varintEnd`. */
function readVarint(buf: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let shift = 0;
  let b: number;
  do {
    if (pos >= end) throw malformed('a truncated varint');
    b = buf[pos++];
    if (shift < 28) value |= (b & 0x7f) << shift;
    else value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  varintEnd = pos;
  return value;
}

/** The position after a field of wire type `wire` whose tag ended at `pos`. */
function skipField(buf: Uint8Array, pos: number, wire: number, end: number): number {
  switch (wire) {
    case WIRE_VARINT:
      while (buf[pos++] & 0x80) if (pos >= end) throw malformed('a truncated varint');
      break;
    case WIRE_I64:
      pos += 8;
      break;
    case WIRE_LEN:
      pos = readVarint(buf, pos, end) + varintEnd;
      break;
    case WIRE_I32:
      pos += 4;
      break;
    default:
      throw malformed(`wire type ${wire} at byte ${pos}`);
  }
  if (pos > end) throw malformed('a field runs past its message');
  return pos;
}

/**
 * The nodes of a binary GraphDef, indexed by name: what the copy's loops read (an object literal, see above).
 * Names are hashed from their bytes (FNV-1a, open addressing), so indexing and following inputs create no
 * strings; names become strings only when asked for.
 */
export interface NodeIndex {
  bytes: Buffer;
  /** Byte range of the whole `node` field i (tag, length, payload), and where its payload starts. */
  starts: Float64Array;
  payloads: Float64Array;
  ends: Float64Array;
  /** Byte range of node i's name. */
  nameStarts: Float64Array;
  nameEnds: Float64Array;
  /** Byte range of the `library` field's payload (FunctionDefLibrary), or null. */
  library: [number, number] | null;
  /** Byte range of the `versions` field's payload, or null. */
  versions: [number, number] | null;
  /**
   * The nodes by name: open addressing on the names' FNV-1a hashes, `mask` + 1 slots of four int32s (the hash,
   * the node index or -1 for an empty slot, the name's start and length; positions fit, protobuf messages being
   * under 2 GiB). A lookup in a graph too large for the caches costs a miss in the table and one in the bytes,
   * not one in each of several arrays.
   */
  table: Int32Array;
  mask: number;
  /** Names made into strings so far. */
  names: Array<string | undefined>;
  /** Function names defined in the library (filled by the caller that decodes it). */
  functionNames: Set<string> | null;
}

/**
 * Indexes the nodes of a binary GraphDef.
 * @throws RangeError for malformed bytes; Error for two nodes of one name.
 */
export function indexNodes(buf: Buffer): NodeIndex {
  const end = buf.length;
  let capacity = 1024;
  let starts = new Float64Array(capacity);
  let payloads = new Float64Array(capacity);
  let ends = new Float64Array(capacity);
  let nameStarts = new Float64Array(capacity);
  let nameEnds = new Float64Array(capacity);
  let n = 0;
  let library: [number, number] | null = null;
  let versions: [number, number] | null = null;
  let pos = 0;
  while (pos < end) {
    const fieldStart = pos;
    let tag = buf[pos++];
    if (tag >= 0x80) {
      tag = readVarint(buf, pos - 1, end);
      pos = varintEnd;
    }
    const field = tag >>> 3;
    if ((tag & 7) !== WIRE_LEN || (field !== 1 && field !== 2 && field !== 4)) {
      pos = skipField(buf, pos, tag & 7, end);
      continue;
    }
    const len = readVarint(buf, pos, end);
    const s = varintEnd;
    const e = s + len;
    if (e > end) throw malformed('a field runs past its message');
    pos = e;
    if (field === 2) library = [s, e];
    else if (field === 4) versions = [s, e];
    else {
      if (n === capacity) {
        capacity *= 2;
        starts = grow(starts, capacity);
        payloads = grow(payloads, capacity);
        ends = grow(ends, capacity);
        nameStarts = grow(nameStarts, capacity);
        nameEnds = grow(nameEnds, capacity);
      }
      starts[n] = fieldStart;
      payloads[n] = s;
      ends[n] = e;
      // TensorFlow writes the name first (field 1, a one-byte length for names under 128 bytes).
      if (buf[s] === ((NODE_NAME << 3) | WIRE_LEN) && buf[s + 1] < 0x80 && s + 2 + buf[s + 1] <= e) {
        nameStarts[n] = s + 2;
        nameEnds[n] = s + 2 + buf[s + 1];
      } else {
        const name = findName(buf, s, e);
        nameStarts[n] = name.pos;
        nameEnds[n] = name.end;
      }
      n++;
    }
  }
  let size = 16;
  while (size < n * 2) size *= 2;
  const index: NodeIndex = {
    bytes: buf,
    starts: starts.subarray(0, n),
    payloads: payloads.subarray(0, n),
    ends: ends.subarray(0, n),
    nameStarts: nameStarts.subarray(0, n),
    nameEnds: nameEnds.subarray(0, n),
    library,
    versions,
    table: new Int32Array(size * SLOT).fill(-1),
    mask: size - 1,
    names: new Array(n),
    functionNames: null,
  };
  fillTable(index);
  return index;
}

function fillTable(index: NodeIndex): void {
  const { bytes, table, mask, nameStarts, nameEnds } = index;
  for (let i = 0; i < nameStarts.length; i++) {
    const s = nameStarts[i];
    const e = nameEnds[i];
    const h = hashBytes(bytes, s, e);
    let t = (h & mask) * SLOT;
    while (table[t + 1] >= 0) {
      if (table[t] === h && sameBytes(bytes, table[t + 2], table[t + 3], s, e - s)) {
        throw new Error(`Malformed GraphDef: two nodes are named '${nodeName(index, i)}'`);
      }
      t = (t + SLOT) & (table.length - 1);
    }
    table[t] = h;
    table[t + 1] = i;
    table[t + 2] = s;
    table[t + 3] = e - s;
  }
}

/** The byte range of the name in the NodeDef payload [start, end) (as a cursor; empty when it has none). */
function findName(buf: Buffer, start: number, end: number): Cursor {
  const c = cursor(buf, start, end);
  while (c.pos < end) {
    const tag = cursorVarint(c);
    if (tag === ((NODE_NAME << 3) | WIRE_LEN)) {
      c.end = cursorLen(c);
      return c;
    }
    cursorSkip(c, tag & 7);
  }
  return cursor(buf, start, start);
}

/** Whether bytes [as, as + n) and [bs, bs + m) of `buf` are the same. */
function sameBytes(buf: Uint8Array, as: number, n: number, bs: number, m: number): boolean {
  if (n !== m) return false;
  for (let k = 0; k < n; k++) if (buf[as + k] !== buf[bs + k]) return false;
  return true;
}

/** Node i's name. */
export function nodeName(index: NodeIndex, i: number): string {
  return (index.names[i] ??= index.bytes.toString('utf8', index.nameStarts[i], index.nameEnds[i]));
}

/** The index of the node named `name`, or -1. */
export function nodeIndexOf(index: NodeIndex, name: string): number {
  const bytes = Buffer.from(name, 'utf8');
  const { table, mask } = index;
  const h = hashBytes(bytes, 0, bytes.length);
  for (let t = (h & mask) * SLOT; ; t = (t + SLOT) & (table.length - 1)) {
    const j = table[t + 1];
    if (j < 0) return -1;
    const s = table[t + 2];
    if (table[t] === h && table[t + 3] === bytes.length && index.bytes.compare(bytes, 0, bytes.length, s, s + bytes.length) === 0) return j;
  }
}

/** Whether node i of `a` and node i of `b` have the same name (compared as bytes). */
export function sameNameAt(a: NodeIndex, b: NodeIndex, i: number): boolean {
  const s = a.nameStarts[i];
  const e = a.nameEnds[i];
  const t = b.nameStarts[i];
  return b.nameEnds[i] - t === e - s && a.bytes.compare(b.bytes, t, b.nameEnds[i], s, e) === 0;
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
      pos = varintEnd;
    }
    if ((tag & 7) !== WIRE_LEN) {
      pos = skipField(buf, pos, tag & 7, end);
      continue;
    }
    if (pos >= end) throw malformed('a truncated field');
    let len = buf[pos++];
    if (len >= 0x80) {
      len = readVarint(buf, pos - 1, end);
      pos = varintEnd;
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
      if (!scanFuncs && buf[s] === ((ENTRY_KEY << 3) | WIRE_LEN) && buf[s + 1] > 0 && buf[s + 1] < 0x80) {
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
      pos = varintEnd;
    }
    if ((tag & 7) !== WIRE_LEN) {
      pos = skipField(buf, pos, tag & 7, end);
      continue;
    }
    if (pos >= end) throw malformed('a truncated field');
    let len = buf[pos++];
    if (len >= 0x80) {
      len = readVarint(buf, pos - 1, end);
      pos = varintEnd;
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

function scanColocation(buf: Buffer, start: number, end: number): string[] {
  const out: string[] = [];
  const c = cursor(buf, start, end);
  while (c.pos < end) {
    const tag = cursorVarint(c);
    if (tag !== ((ATTR_LIST << 3) | WIRE_LEN)) {
      cursorSkip(c, tag & 7);
      continue;
    }
    const le = cursorLen(c);
    const l = cursor(buf, c.pos, le);
    c.pos = le;
    while (l.pos < le) {
      const t = cursorVarint(l);
      if (t !== ((LIST_S << 3) | WIRE_LEN)) {
        cursorSkip(l, t & 7);
        continue;
      }
      const se = cursorLen(l);
      const v = buf.toString('utf8', l.pos, se);
      l.pos = se;
      if (v.startsWith('loc:@')) out.push(v.slice(5));
    }
  }
  return out;
}

function hasNonEmptyString(buf: Buffer, start: number, end: number): boolean {
  const c = cursor(buf, start, end);
  while (c.pos < end) {
    const tag = cursorVarint(c);
    if (tag === ((ATTR_S << 3) | WIRE_LEN)) return cursorLen(c) > c.pos;
    cursorSkip(c, tag & 7);
  }
  return false;
}

/** A binary GraphDef indexed by node name (see NodeIndex; the copy's loops use `index` directly). */
export class WireGraphDef {
  readonly index: NodeIndex;

  /** @throws RangeError for malformed bytes; Error for two nodes of one name. */
  constructor(bytes: Uint8Array) {
    // A view made here even of a Buffer: the addon's Buffers get their prototype set after creation, which
    // gives them a map of their own that dies with them, and with it the loops compiled for it.
    this.index = indexNodes(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  get bytes(): Buffer {
    return this.index.bytes;
  }

  get size(): number {
    return this.index.starts.length;
  }

  /** Function names defined in the library (filled by the caller that decodes it). */
  get functionNames(): Set<string> | null {
    return this.index.functionNames;
  }

  set functionNames(names: Set<string> | null) {
    this.index.functionNames = names;
  }

  /** Whether the GraphDef has a non-empty function library (only then can nodes name functions). */
  get hasLibrary(): boolean {
    const library = this.index.library;
    return library !== null && library[1] > library[0];
  }

  /** The index of the node named `name`, or -1. */
  indexOf(name: string): number {
    return nodeIndexOf(this.index, name);
  }

  /** Node i's name. */
  name(i: number): string {
    return nodeName(this.index, i);
  }

  /** The NodeDef of node i, decoded by protobufjs (for the few nodes a copy rewrites). */
  decodeNode(i: number): Record<string, any> {
    return decode('NodeDef', this.index.bytes.subarray(this.index.payloads[i], this.index.ends[i]));
  }

  /** The decoded FunctionDefLibrary, or null when the GraphDef has none. */
  decodeLibrary(): Record<string, any> | null {
    const library = this.index.library;
    if (!library) return null;
    return decode('FunctionDefLibrary', this.index.bytes.subarray(library[0], library[1]));
  }

  /** The `versions` field's payload, or null. */
  versionsPayload(): Uint8Array | null {
    const versions = this.index.versions;
    return versions ? this.index.bytes.subarray(versions[0], versions[1]) : null;
  }
}

function grow(a: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
}

function emptyAttrs(): WireAttrs {
  return { colocation: null, sharedName: false, frameName: false, funcs: null };
}

/** FNV-1a of bytes [s, e), as an int32 (what NodeIndex.table holds). */
function hashBytes(buf: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5 | 0;
  for (let k = s; k < e; k++) h = Math.imul(h ^ buf[k], 0x01000193);
  return h;
}

/** Function names in an AttrValue (func, list.func, and the attrs of those NameAttrLists). */
function scanAttrFuncs(buf: Buffer, start: number, end: number, out: string[]): void {
  const c = cursor(buf, start, end);
  while (c.pos < end) {
    const tag = cursorVarint(c);
    if (tag === ((ATTR_FUNC << 3) | WIRE_LEN)) {
      const e = cursorLen(c);
      scanNameAttrList(buf, c.pos, e, out);
      c.pos = e;
    } else if (tag === ((ATTR_LIST << 3) | WIRE_LEN)) {
      const le = cursorLen(c);
      const l = cursor(buf, c.pos, le);
      c.pos = le;
      while (l.pos < le) {
        const t = cursorVarint(l);
        if (t === ((LIST_FUNC << 3) | WIRE_LEN)) {
          const fe = cursorLen(l);
          scanNameAttrList(buf, l.pos, fe, out);
          l.pos = fe;
        } else cursorSkip(l, t & 7);
      }
    } else cursorSkip(c, tag & 7);
  }
}

function scanNameAttrList(buf: Buffer, start: number, end: number, out: string[]): void {
  const c = cursor(buf, start, end);
  while (c.pos < end) {
    const tag = cursorVarint(c);
    if (tag === ((NAMEATTRLIST_NAME << 3) | WIRE_LEN)) {
      const e = cursorLen(c);
      out.push(buf.toString('utf8', c.pos, e));
      c.pos = e;
    } else if (tag === ((NAMEATTRLIST_ATTR << 3) | WIRE_LEN)) {
      const ee = cursorLen(c);
      const entry = cursor(buf, c.pos, ee);
      c.pos = ee;
      while (entry.pos < ee) {
        const t = cursorVarint(entry);
        if (t === ((ENTRY_VALUE << 3) | WIRE_LEN)) {
          const ve = cursorLen(entry);
          scanAttrFuncs(buf, entry.pos, ve, out);
          entry.pos = ve;
        } else cursorSkip(entry, t & 7);
      }
    } else cursorSkip(c, tag & 7);
  }
}

function lengthOfVarint(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

/**
 * Appends the byte ranges of nodes[from..to) to `parts` as (start, end) pairs, adjacent nodes as one range;
 * returns how many bytes they hold.
 */
function appendRuns(index: NodeIndex, nodes: ArrayLike<number>, from: number, to: number, parts: Array<number | [number, Uint8Array]>): number {
  const { starts, ends } = index;
  let size = 0;
  let runStart = -1;
  let runEnd = -1;
  for (let k = from; k < to; k++) {
    const i = nodes[k];
    const s = starts[i];
    if (s === runEnd) {
      runEnd = ends[i];
      continue;
    }
    if (runStart >= 0) {
      parts.push(runStart, runEnd);
      size += runEnd - runStart;
    }
    runStart = s;
    runEnd = ends[i];
  }
  if (runStart >= 0) {
    parts.push(runStart, runEnd);
    size += runEnd - runStart;
  }
  return size;
}

/** A GraphDef being assembled from original node fields (verbatim) and new fields. */
export class GraphDefBuilder {
  #parts: Array<number | [number, Uint8Array]> = [];
  #size = 0;

  constructor(readonly source: WireGraphDef) {}

  /** Nodes nodes[from..to) of the source, byte for byte, in that order. */
  addNodes(nodes: ArrayLike<number>, from = 0, to = nodes.length): void {
    this.#size += appendRuns(this.source.index, nodes, from, to, this.#parts);
  }

  /** A new length-delimited field (a rewritten NodeDef, the library, the versions). */
  addField(field: number, payload: Uint8Array): void {
    this.#parts.push([field, payload]);
    this.#size += 1 + lengthOfVarint(payload.length) + payload.length;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#size);
    const bytes = this.source.bytes;
    const parts = this.#parts;
    let pos = 0;
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      if (typeof p === 'number') {
        const e = parts[++k] as number;
        out.set(bytes.subarray(p, e), pos);
        pos += e - p;
      } else {
        const [field, payload] = p;
        out[pos++] = (field << 3) | WIRE_LEN;
        pos = writeVarint(out, pos, payload.length);
        out.set(payload, pos);
        pos += payload.length;
      }
    }
    return out;
  }
}

/**
 * Node i's NodeDef with the non-empty string value of each attr named in `names` prefixed by `prefix`,
 * re-assembled from its original bytes: the other fields go verbatim (protobufjs would decode and re-encode
 * all of them, tensors included, for a change of a few bytes).
 */
export function prefixAttrStrings(index: NodeIndex, i: number, names: ReadonlySet<string>, prefix: string): Uint8Array {
  const buf = index.bytes;
  const end = index.ends[i];
  const parts: Uint8Array[] = [];
  let copyFrom = index.payloads[i];
  let pos = copyFrom;
  while (pos < end) {
    const fieldStart = pos;
    const tag = readVarint(buf, pos, end);
    pos = varintEnd;
    if (tag !== ((NODE_ATTR << 3) | WIRE_LEN)) {
      pos = skipField(buf, pos, tag & 7, end);
      continue;
    }
    const len = readVarint(buf, pos, end);
    const s = varintEnd;
    pos = s + len;
    if (pos > end) throw malformed('a field runs past its message');
    const entry = prefixedEntry(buf, s, pos, names, prefix);
    if (!entry) continue;
    parts.push(buf.subarray(copyFrom, fieldStart), lengthDelimited(NODE_ATTR, entry));
    copyFrom = pos;
  }
  parts.push(buf.subarray(copyFrom, end));
  return Buffer.concat(parts);
}

/** The attr map entry [start, end) with its value's string prefixed, or null when it is not to change. */
function prefixedEntry(buf: Buffer, start: number, end: number, names: ReadonlySet<string>, prefix: string): Uint8Array | null {
  let key: string | null = null;
  let vs = -1;
  let ve = -1;
  const c = cursor(buf, start, end);
  while (c.pos < end) {
    const tag = cursorVarint(c);
    if (tag === ((ENTRY_KEY << 3) | WIRE_LEN)) {
      const e = cursorLen(c);
      key = buf.toString('utf8', c.pos, e);
      c.pos = e;
    } else if (tag === ((ENTRY_VALUE << 3) | WIRE_LEN)) {
      ve = cursorLen(c);
      vs = c.pos;
      c.pos = ve;
    } else cursorSkip(c, tag & 7);
  }
  if (key === null || vs < 0 || !names.has(key)) return null;
  // AttrValue: every field but `s` verbatim; a later `s` field wins, as protobuf parsers read them.
  const value: Uint8Array[] = [];
  let found: Buffer | null = null;
  const v = cursor(buf, vs, ve);
  while (v.pos < ve) {
    const fieldStart = v.pos;
    const tag = cursorVarint(v);
    if (tag === ((ATTR_S << 3) | WIRE_LEN)) {
      const e = cursorLen(v);
      found = buf.subarray(v.pos, e);
      v.pos = e;
      continue;
    }
    cursorSkip(v, tag & 7);
    value.push(buf.subarray(fieldStart, v.pos));
  }
  if (!found || found.length === 0) return null;
  value.push(lengthDelimited(ATTR_S, Buffer.concat([Buffer.from(prefix, 'utf8'), found])));
  return Buffer.concat([lengthDelimited(ENTRY_KEY, Buffer.from(key, 'utf8')), lengthDelimited(ENTRY_VALUE, Buffer.concat(value))]);
}

/** A length-delimited field: tag, length, payload. */
function lengthDelimited(field: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(lengthOfVarint((field << 3) | WIRE_LEN) + lengthOfVarint(payload.length) + payload.length);
  let pos = writeVarint(out, 0, (field << 3) | WIRE_LEN);
  pos = writeVarint(out, pos, payload.length);
  out.set(payload, pos);
  return out;
}

/** The signature name of a serialized FunctionDef, read at the wire level. */
export function functionDefName(bytes: Uint8Array): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c = cursor(buf, 0, buf.length);
  while (c.pos < c.end) {
    const tag = cursorVarint(c);
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const e = cursorLen(c);
      const sig = cursor(buf, c.pos, e);
      while (sig.pos < e) {
        const t = cursorVarint(sig);
        if (t === ((1 << 3) | WIRE_LEN)) {
          const ne = cursorLen(sig);
          return buf.toString('utf8', sig.pos, ne);
        }
        cursorSkip(sig, t & 7);
      }
      return '';
    }
    cursorSkip(c, tag & 7);
  }
  return '';
}
