// SPDX-License-Identifier: Apache-2.0
// Assembling a GraphDef from the byte ranges of an indexed one (node-index.ts) and new fields: a copied
// subgraph is mostly the source's node fields, verbatim, in runs.
import {
  WIRE_LEN,
  concatBytes,
  fieldTag,
  hasMore,
  lengthDelimited,
  lengthDelimitedSize,
  malformed,
  nextLength,
  nextTag,
  readVarint,
  skipField,
  skipValue,
  textAt,
  varintEnd,
  wireCursor,
  writeLengthDelimited,
} from '../proto/wire';
import { NodeIndex, WireGraphDef } from './node-index';

const NODE_ATTR = 5;
const NODE_ATTR_TAG = fieldTag(NODE_ATTR, WIRE_LEN);
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
const ATTR_S = 2;

/**
 * Appends the byte ranges of nodes[from..to) to `parts` as (start, end) pairs, adjacent nodes as one range;
 * returns how many bytes they hold.
 */
function appendRuns(
  index: NodeIndex,
  nodes: ArrayLike<number>,
  from: number,
  to: number,
  parts: Array<number | [number, Uint8Array]>,
): number {
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
    this.#size += lengthDelimitedSize(field, payload.length);
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
        pos = writeLengthDelimited(out, pos, p[0], p[1]);
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
    pos = varintEnd();
    if (tag !== NODE_ATTR_TAG) {
      pos = skipField(buf, pos, tag & 7, end);
      continue;
    }
    const len = readVarint(buf, pos, end);
    const s = varintEnd();
    pos = s + len;
    if (pos > end) throw malformed('a field runs past its message');
    const entry = prefixedEntry(buf, s, pos, names, prefix);
    if (!entry) continue;
    parts.push(buf.subarray(copyFrom, fieldStart), lengthDelimited(NODE_ATTR, entry));
    copyFrom = pos;
  }
  parts.push(buf.subarray(copyFrom, end));
  return concatBytes(parts);
}

const utf8 = new TextEncoder();

/** The attr map entry [start, end) with its value's string prefixed, or null when it is not to change. */
function prefixedEntry(buf: Buffer, start: number, end: number, names: ReadonlySet<string>, prefix: string): Uint8Array | null {
  let key: string | null = null;
  let vs = -1;
  let ve = -1;
  const c = wireCursor(buf, start, end);
  while (hasMore(c)) {
    const tag = nextTag(c);
    if (tag === fieldTag(ENTRY_KEY, WIRE_LEN)) {
      const e = nextLength(c);
      key = textAt(buf, c.pos, e);
      c.pos = e;
    } else if (tag === fieldTag(ENTRY_VALUE, WIRE_LEN)) {
      ve = nextLength(c);
      vs = c.pos;
      c.pos = ve;
    } else skipValue(c, tag & 7);
  }
  if (key === null || vs < 0 || !names.has(key)) return null;
  // AttrValue: every field but `s` verbatim; a later `s` field wins, as protobuf parsers read them.
  const value: Uint8Array[] = [];
  let found: Uint8Array | null = null;
  const v = wireCursor(buf, vs, ve);
  while (hasMore(v)) {
    const fieldStart = v.pos;
    const tag = nextTag(v);
    if (tag === fieldTag(ATTR_S, WIRE_LEN)) {
      const e = nextLength(v);
      found = buf.subarray(v.pos, e);
      v.pos = e;
      continue;
    }
    skipValue(v, tag & 7);
    value.push(buf.subarray(fieldStart, v.pos));
  }
  if (!found || found.length === 0) return null;
  value.push(lengthDelimited(ATTR_S, concatBytes([utf8.encode(prefix), found])));
  return concatBytes([lengthDelimited(ENTRY_KEY, utf8.encode(key)), lengthDelimited(ENTRY_VALUE, concatBytes(value))]);
}
