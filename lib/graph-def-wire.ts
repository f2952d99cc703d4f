// SPDX-License-Identifier: Apache-2.0
// A GraphDef read at the protobuf wire level: an index of its nodes by name, each node's byte range, and (on
// demand) its op, inputs and the few attrs that copying cares about; a subgraph is re-assembled by
// concatenating the original bytes. Decoding and re-encoding 100,000 NodeDefs with protobufjs costs as much as
// TensorFlow's whole import, while indexing and slicing cost a fraction of it (bench/graph-copy.js).
import { decode } from './proto';

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

/** The attrs of one NodeDef that a copy rewrites or follows; null from `scan` when it has none of them. */
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

/** A cursor over protobuf bytes; `end` bounds the message being read. */
class Cursor {
  pos = 0;
  end = 0;
  constructor(readonly buf: Buffer) {}

  at(start: number, end: number): this {
    this.pos = start;
    this.end = end;
    return this;
  }

  varint(): number {
    const buf = this.buf;
    let b = buf[this.pos++];
    if (b < 0x80) return b;
    let value = b & 0x7f;
    let shift = 7;
    // Tags and lengths fit in 32 bits; wider varints (int64 attr values) are skipped, never used.
    do {
      if (this.pos >= this.end) throw malformed('a truncated varint');
      b = buf[this.pos++];
      if (shift < 28) value |= (b & 0x7f) << shift;
      else value += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return value;
  }

  /** Reads a length prefix; returns the end of the announced bytes (they start at `pos`). */
  len(): number {
    const n = this.varint();
    const e = this.pos + n;
    if (e > this.end) throw malformed('a field runs past its message');
    return e;
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        while (this.buf[this.pos++] & 0x80) if (this.pos >= this.end) throw malformed('a truncated varint');
        break;
      case WIRE_I64:
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.pos = this.len();
        break;
      case WIRE_I32:
        this.pos += 4;
        break;
      default:
        throw malformed(`wire type ${wire} at byte ${this.pos}`);
    }
    if (this.pos > this.end) throw malformed('a field runs past its message');
  }

  str(start: number, end: number): string {
    return this.buf.toString('utf8', start, end);
  }

  equalsAscii(start: number, end: number, ascii: string): boolean {
    if (end - start !== ascii.length) return false;
    for (let i = 0; i < ascii.length; i++) if (this.buf[start + i] !== ascii.charCodeAt(i)) return false;
    return true;
  }
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
 * A binary GraphDef indexed by node name. Names are hashed from their bytes (FNV-1a, open addressing), so
 * indexing and following inputs create no strings; names become strings only when asked for.
 */
export class WireGraphDef {
  readonly bytes: Buffer;
  /** Byte range of the whole `node` field i (tag, length, payload), and where its payload starts. */
  readonly starts: Float64Array;
  readonly payloads: Float64Array;
  readonly ends: Float64Array;
  /** Byte range of node i's name. */
  readonly nameStarts: Float64Array;
  readonly nameEnds: Float64Array;
  /** Byte range of the `library` field's payload (FunctionDefLibrary), or null. */
  readonly library: [number, number] | null;
  /** Byte range of the `versions` field's payload, or null. */
  readonly versions: [number, number] | null;
  /** Function names defined in the library (filled by the caller that decodes it). */
  functionNames: Set<string> | null = null;
  #table: Int32Array;
  #mask: number;
  #names: Array<string | undefined>;
  #cursor: Cursor;

  /** @throws RangeError for malformed bytes; Error for two nodes of one name. */
  constructor(bytes: Uint8Array) {
    const buf = (this.bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.#cursor = new Cursor(buf);
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
          const [ns, ne] = this.#findName(s, e);
          nameStarts[n] = ns;
          nameEnds[n] = ne;
        }
        n++;
      }
    }
    this.starts = starts.subarray(0, n);
    this.payloads = payloads.subarray(0, n);
    this.ends = ends.subarray(0, n);
    this.nameStarts = nameStarts.subarray(0, n);
    this.nameEnds = nameEnds.subarray(0, n);
    this.library = library;
    this.versions = versions;
    let size = 16;
    while (size < n * 2) size *= 2;
    const table = (this.#table = new Int32Array(size).fill(-1));
    const mask = (this.#mask = size - 1);
    this.#names = new Array(n);
    for (let i = 0; i < n; i++) {
      const s = nameStarts[i];
      const e = nameEnds[i];
      let slot = hashBytes(buf, s, e) & mask;
      while (table[slot] >= 0) {
        if (this.#sameName(table[slot], s, e)) throw new Error(`Malformed GraphDef: two nodes are named '${this.name(i)}'`);
        slot = (slot + 1) & mask;
      }
      table[slot] = i;
    }
  }

  get size(): number {
    return this.starts.length;
  }

  /** Whether the GraphDef has a non-empty function library (only then can nodes name functions). */
  get hasLibrary(): boolean {
    return this.library !== null && this.library[1] > this.library[0];
  }

  /** The byte range of the name in the NodeDef payload [start, end) (empty when it has none). */
  #findName(start: number, end: number): [number, number] {
    const c = this.#cursor.at(start, end);
    while (c.pos < end) {
      const tag = c.varint();
      if (tag === ((NODE_NAME << 3) | WIRE_LEN)) {
        const e = c.len();
        return [c.pos, e];
      }
      c.skip(tag & 7);
    }
    return [start, start];
  }

  #sameName(j: number, s: number, e: number): boolean {
    const js = this.nameStarts[j];
    if (this.nameEnds[j] - js !== e - s) return false;
    const buf = this.bytes;
    for (let k = 0; k < e - s; k++) if (buf[js + k] !== buf[s + k]) return false;
    return true;
  }

  /** The index of the node whose name is bytes [s, e) of this GraphDef, or -1. */
  #lookupBytes(s: number, e: number): number {
    let slot = hashBytes(this.bytes, s, e) & this.#mask;
    for (;;) {
      const j = this.#table[slot];
      if (j < 0 || this.#sameName(j, s, e)) return j;
      slot = (slot + 1) & this.#mask;
    }
  }

  /** The index of the node named `name`, or -1. */
  indexOf(name: string): number {
    const bytes = Buffer.from(name, 'utf8');
    let slot = hashBytes(bytes, 0, bytes.length) & this.#mask;
    for (;;) {
      const j = this.#table[slot];
      if (j < 0) return -1;
      if (this.nameEnds[j] - this.nameStarts[j] === bytes.length && this.bytes.compare(bytes, 0, bytes.length, this.nameStarts[j], this.nameEnds[j]) === 0) return j;
      slot = (slot + 1) & this.#mask;
    }
  }

  /** Node i's name. */
  name(i: number): string {
    return (this.#names[i] ??= this.bytes.toString('utf8', this.nameStarts[i], this.nameEnds[i]));
  }

  /**
   * Reads node i: appends each input to `inputs` as a pair (node index, output index; -1 for a control
   * input) and returns the copy-relevant attrs, or null when it has none.
   * @throws Error naming the node and input when an input names no node of this GraphDef.
   */
  scan(i: number, inputs: number[]): WireAttrs | null {
    // The hot loop of a copy (once per copied node): positions are locals and one-byte varints are inlined.
    let attrs: WireAttrs | null = null;
    const buf = this.bytes;
    const end = this.ends[i];
    const scanFuncs = this.functionNames !== null && this.functionNames.size > 0;
    const table = this.#table;
    const mask = this.#mask;
    const nameStarts = this.nameStarts;
    const nameEnds = this.nameEnds;
    let pos = this.payloads[i];
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
        let index = 0;
        if (buf[s] === 0x5e /* ^ */) {
          ns = s + 1;
          index = -1;
        } else {
          let k = e - 1;
          while (k > s && buf[k] >= 0x30 && buf[k] <= 0x39) k--;
          if (k < e - 1 && k > s && buf[k] === 0x3a /* : */) {
            ne = k;
            for (let d = k + 1; d < e; d++) index = index * 10 + (buf[d] - 0x30);
          }
        }
        // The name table lookup, inlined: FNV-1a of the input's name, then linear probing.
        let h = 0x811c9dc5;
        for (let q = ns; q < ne; q++) h = Math.imul(h ^ buf[q], 0x01000193);
        let slot = (h >>> 0) & mask;
        let j = table[slot];
        while (j >= 0) {
          const js = nameStarts[j];
          if (nameEnds[j] - js === ne - ns) {
            let q = 0;
            while (q < ne - ns && buf[js + q] === buf[ns + q]) q++;
            if (q === ne - ns) break;
          }
          slot = (slot + 1) & mask;
          j = table[slot];
        }
        if (j < 0) {
          throw new Error(`Node '${this.name(i)}' has input '${buf.toString('utf8', s, e)}', which names no node of the graph`);
        }
        inputs.push(j, index);
      } else if (field === NODE_ATTR) {
        // Most attrs (T, dtype, shape, value…) matter to a copy only when functions are about: a map entry
        // written key first whose key starts with neither '_', 's' nor 'f' is skipped without parsing.
        if (!scanFuncs && buf[s] === ((ENTRY_KEY << 3) | WIRE_LEN) && buf[s + 1] > 0 && buf[s + 1] < 0x80) {
          const first = buf[s + 2];
          if (first !== 0x5f && first !== 0x73 && first !== 0x66) continue;
        }
        attrs = this.#readAttrEntry(attrs, s, e, scanFuncs);
      } else if (field === NODE_OP && scanFuncs) {
        const op = buf.toString('utf8', s, e);
        if (this.functionNames!.has(op)) ((attrs ??= emptyAttrs()).funcs ??= []).push(op);
      }
    }
    return attrs;
  }

  #readAttrEntry(attrs: WireAttrs | null, start: number, end: number, scanFuncs: boolean): WireAttrs | null {
    const buf = this.bytes;
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
    const c = this.#cursor;
    const first = buf[ks];
    if (first === 0x5f /* _ */ && c.equalsAscii(ks, ke, '_class')) {
      const targets = this.#scanColocation(vs, ve);
      if (targets.length) (attrs ??= emptyAttrs()).colocation = targets;
    } else if (first === 0x73 /* s */ && c.equalsAscii(ks, ke, 'shared_name')) {
      if (this.#hasNonEmptyString(vs, ve)) (attrs ??= emptyAttrs()).sharedName = true;
    } else if (first === 0x66 /* f */ && c.equalsAscii(ks, ke, 'frame_name')) {
      (attrs ??= emptyAttrs()).frameName = true;
    } else if (scanFuncs) {
      const funcs: string[] = [];
      scanAttrFuncs(new Cursor(this.bytes), vs, ve, funcs);
      if (funcs.length) ((attrs ??= emptyAttrs()).funcs ??= []).push(...funcs);
    }
    return attrs;
  }

  #scanColocation(start: number, end: number): string[] {
    const out: string[] = [];
    const c = new Cursor(this.bytes).at(start, end);
    while (c.pos < end) {
      const tag = c.varint();
      if (tag !== ((ATTR_LIST << 3) | WIRE_LEN)) {
        c.skip(tag & 7);
        continue;
      }
      const le = c.len();
      const l = new Cursor(this.bytes).at(c.pos, le);
      c.pos = le;
      while (l.pos < le) {
        const t = l.varint();
        if (t !== ((LIST_S << 3) | WIRE_LEN)) {
          l.skip(t & 7);
          continue;
        }
        const se = l.len();
        const v = l.str(l.pos, se);
        l.pos = se;
        if (v.startsWith('loc:@')) out.push(v.slice(5));
      }
    }
    return out;
  }

  #hasNonEmptyString(start: number, end: number): boolean {
    const c = new Cursor(this.bytes).at(start, end);
    while (c.pos < end) {
      const tag = c.varint();
      if (tag === ((ATTR_S << 3) | WIRE_LEN)) return c.len() > c.pos;
      c.skip(tag & 7);
    }
    return false;
  }

  /** The NodeDef of node i, decoded by protobufjs (for the few nodes a copy rewrites). */
  decodeNode(i: number): Record<string, any> {
    return decode('NodeDef', this.bytes.subarray(this.payloads[i], this.ends[i]));
  }

  /** The decoded FunctionDefLibrary, or null when the GraphDef has none. */
  decodeLibrary(): Record<string, any> | null {
    if (!this.library) return null;
    return decode('FunctionDefLibrary', this.bytes.subarray(this.library[0], this.library[1]));
  }

  /** The `versions` field's payload, or null. */
  versionsPayload(): Uint8Array | null {
    return this.versions ? this.bytes.subarray(this.versions[0], this.versions[1]) : null;
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

function hashBytes(buf: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let k = s; k < e; k++) h = Math.imul(h ^ buf[k], 0x01000193);
  return h >>> 0;
}

/** Function names in an AttrValue (func, list.func, and the attrs of those NameAttrLists). */
function scanAttrFuncs(c: Cursor, start: number, end: number, out: string[]): void {
  c.at(start, end);
  while (c.pos < end) {
    const tag = c.varint();
    if (tag === ((ATTR_FUNC << 3) | WIRE_LEN)) {
      const e = c.len();
      scanNameAttrList(new Cursor(c.buf), c.pos, e, out);
      c.at(e, end);
    } else if (tag === ((ATTR_LIST << 3) | WIRE_LEN)) {
      const le = c.len();
      const l = new Cursor(c.buf).at(c.pos, le);
      c.at(le, end);
      while (l.pos < le) {
        const t = l.varint();
        if (t === ((LIST_FUNC << 3) | WIRE_LEN)) {
          const fe = l.len();
          scanNameAttrList(new Cursor(c.buf), l.pos, fe, out);
          l.pos = fe;
        } else l.skip(t & 7);
      }
    } else c.skip(tag & 7);
  }
}

function scanNameAttrList(c: Cursor, start: number, end: number, out: string[]): void {
  c.at(start, end);
  while (c.pos < end) {
    const tag = c.varint();
    if (tag === ((NAMEATTRLIST_NAME << 3) | WIRE_LEN)) {
      const e = c.len();
      out.push(c.str(c.pos, e));
      c.pos = e;
    } else if (tag === ((NAMEATTRLIST_ATTR << 3) | WIRE_LEN)) {
      const ee = c.len();
      const entry = new Cursor(c.buf).at(c.pos, ee);
      c.pos = ee;
      while (entry.pos < ee) {
        const t = entry.varint();
        if (t === ((ENTRY_VALUE << 3) | WIRE_LEN)) {
          const ve = entry.len();
          scanAttrFuncs(new Cursor(c.buf), entry.pos, ve, out);
          entry.pos = ve;
        } else entry.skip(t & 7);
      }
    } else c.skip(tag & 7);
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

/** A GraphDef being assembled from original node fields (verbatim) and new fields. */
export class GraphDefBuilder {
  #parts: Array<number | [number, Uint8Array]> = [];
  #size = 0;
  // Adjacent nodes are copied as one run of bytes.
  #runStart = -1;
  #runEnd = -1;

  constructor(readonly source: WireGraphDef) {}

  /** Node i of the source, byte for byte. */
  addNode(i: number): void {
    const s = this.source.starts[i];
    const e = this.source.ends[i];
    if (s === this.#runEnd) this.#runEnd = e;
    else {
      this.#flush();
      this.#runStart = s;
      this.#runEnd = e;
    }
  }

  /** A new length-delimited field (a rewritten NodeDef, the library, the versions). */
  addField(field: number, payload: Uint8Array): void {
    this.#flush();
    this.#parts.push([field, payload]);
    this.#size += 1 + lengthOfVarint(payload.length) + payload.length;
  }

  #flush(): void {
    if (this.#runStart < 0) return;
    this.#parts.push(this.#runStart, this.#runEnd);
    this.#size += this.#runEnd - this.#runStart;
    this.#runStart = this.#runEnd = -1;
  }

  finish(): Uint8Array {
    this.#flush();
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

/** The signature name of a serialized FunctionDef, read at the wire level. */
export function functionDefName(bytes: Uint8Array): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const c = new Cursor(buf).at(0, buf.length);
  while (c.pos < c.end) {
    const tag = c.varint();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const e = c.len();
      const sig = new Cursor(buf).at(c.pos, e);
      while (sig.pos < e) {
        const t = sig.varint();
        if (t === ((1 << 3) | WIRE_LEN)) {
          const ne = sig.len();
          return sig.str(sig.pos, ne);
        }
        sig.skip(t & 7);
      }
      return '';
    }
    c.skip(tag & 7);
  }
  return '';
}
