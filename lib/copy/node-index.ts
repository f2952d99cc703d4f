// SPDX-License-Identifier: Apache-2.0
// A binary GraphDef indexed by node name at the protobuf wire level: each node's byte range and name, found
// in one pass over the bytes; a subgraph is later re-assembled by concatenating those ranges
// (graph-def-builder.ts). Decoding and re-encoding 100,000 NodeDefs with protobufjs costs as much as
// TensorFlow's whole import, while indexing and slicing cost a fraction of it (bench/graph-copy.js).
import { decode, type DecodedMessage } from '../proto';
import {
  WIRE_LEN,
  fieldTag,
  hasMore,
  malformed,
  nextLength,
  nextTag,
  readVarint,
  skipField,
  skipValue,
  varintEnd,
  wireCursor,
} from '../proto/wire';

// GraphDef fields, and NodeDef's name (TensorFlow's numbers).
const GRAPH_NODE = 1;
const GRAPH_LIBRARY = 2;
const GRAPH_VERSIONS = 4;
const NODE_NAME_TAG = fieldTag(1, WIRE_LEN);

/** Int32s per slot of NodeIndex.table. */
export const SLOT = 4;

// The loops here and in node-scan.ts read Buffers and typed arrays made in JavaScript and object literals
// holding only those, never instances of a class. V8 keeps the maps of a class's instances only while some
// instance lives: once the last WireGraphDef of a copy was collected, the optimized code of every loop
// specialized on its map was thrown away, and the next copy ran its loops in the interpreter again, several
// times slower (bench/graph-copy.js collects garbage between copies, as a program does between occasional
// ones). The maps of Buffers and typed arrays made in JavaScript live as long as the program, and so does
// that of an object literal whose fields hold only such values (a literal holding a class instance was seen
// to lose its map with the instance's).

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
      pos = varintEnd();
    }
    const field = tag >>> 3;
    if ((tag & 7) !== WIRE_LEN || (field !== GRAPH_NODE && field !== GRAPH_LIBRARY && field !== GRAPH_VERSIONS)) {
      pos = skipField(buf, pos, tag & 7, end);
      continue;
    }
    const len = readVarint(buf, pos, end);
    const s = varintEnd();
    const e = s + len;
    if (e > end) throw malformed('a field runs past its message');
    pos = e;
    if (field === GRAPH_LIBRARY) library = [s, e];
    else if (field === GRAPH_VERSIONS) versions = [s, e];
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
      if (buf[s] === NODE_NAME_TAG && buf[s + 1] < 0x80 && s + 2 + buf[s + 1] <= e) {
        nameStarts[n] = s + 2;
        nameEnds[n] = s + 2 + buf[s + 1];
      } else {
        const [ns, ne] = findName(buf, s, e);
        nameStarts[n] = ns;
        nameEnds[n] = ne;
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

/** The byte range of the name in the NodeDef payload [start, end) (empty when it has none). */
function findName(buf: Buffer, start: number, end: number): [number, number] {
  const c = wireCursor(buf, start, end);
  while (hasMore(c)) {
    const tag = nextTag(c);
    if (tag === NODE_NAME_TAG) {
      const e = nextLength(c);
      return [c.pos, e];
    }
    skipValue(c, tag & 7);
  }
  return [start, start];
}

/** Whether bytes [as, as + n) and [bs, bs + m) of `buf` are the same. */
function sameBytes(buf: Uint8Array, as: number, n: number, bs: number, m: number): boolean {
  if (n !== m) return false;
  for (let k = 0; k < n; k++) if (buf[as + k] !== buf[bs + k]) return false;
  return true;
}

/** FNV-1a of bytes [s, e), as an int32 (what NodeIndex.table holds; node-scan.ts inlines it). */
function hashBytes(buf: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5 | 0;
  for (let k = s; k < e; k++) h = Math.imul(h ^ buf[k], 0x01000193);
  return h;
}

function grow(a: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
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
  decodeNode(i: number): DecodedMessage {
    return decode('NodeDef', this.index.bytes.subarray(this.index.payloads[i], this.index.ends[i]));
  }

  /** The decoded FunctionDefLibrary, or null when the GraphDef has none. */
  decodeLibrary(): DecodedMessage | null {
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
