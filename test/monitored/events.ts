// SPDX-License-Identifier: Apache-2.0
// A minimal reader of event files for the tests: TFRecord framing, then the Event fields the hooks write.

/** (tag, step) of each simple_value in an event file (TFRecord framing; Event.summary = 5, Summary.value = 1). */
export function readScalarTags(file: Buffer): Array<{ tag: string; step: number }> {
  const out: Array<{ tag: string; step: number }> = [];
  let pos = 0;
  while (pos + 12 <= file.length) {
    const len = Number(file.readBigUInt64LE(pos));
    const rec = file.subarray(pos + 12, pos + 12 + len);
    pos += 12 + len + 4;
    const ev = fields(rec);
    const step = Number(ev.get(2)?.[0] ?? 0);
    for (const summary of ev.get(5) ?? []) {
      for (const value of fields(summary as Buffer).get(1) ?? []) {
        const tag = (fields(value as Buffer).get(1)?.[0] as Buffer | undefined)?.toString();
        if (tag) out.push({ tag, step });
      }
    }
  }
  return out;
}

function fields(buf: Buffer): Map<number, Array<Buffer | bigint>> {
  const m = new Map<number, Array<Buffer | bigint>>();
  let p = 0;
  const varint = () => {
    let r = 0n;
    let s = 0n;
    for (;;) {
      const b = buf[p++];
      r |= BigInt(b & 0x7f) << s;
      s += 7n;
      if (b < 0x80) return r;
    }
  };
  while (p < buf.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    let v: Buffer | bigint;
    if (wire === 0) v = varint();
    else if (wire === 1) v = buf.subarray(p, (p += 8));
    else if (wire === 5) v = buf.subarray(p, (p += 4));
    else if (wire === 2) {
      const n = Number(varint());
      v = buf.subarray(p, (p += n));
    } else throw new Error(`wire type ${wire}`);
    if (!m.has(field)) m.set(field, []);
    m.get(field)!.push(v);
  }
  return m;
}
