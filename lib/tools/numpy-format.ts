// SPDX-License-Identifier: Apache-2.0
// NumPy's str() of an array, for the command-line tools: Python's inspect_checkpoint and saved_model_cli print
// tensors through NumPy, and users compare our output with theirs line by line. Follows NumPy's defaults
// (precision 8, line width 75, summarization above 1000 elements with 3 edge items, shortest round-trip digits
// per dtype, scientific notation when max >= 1e8 or min < 1e-4 or max/min > 1e3).
import type { DType } from '../base/dtypes';
import type { Tensor } from '../tensor/tensor';

const LINE_WIDTH = 75;
const PRECISION = 8;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;

type Element = number | bigint | boolean | Uint8Array;

/** The fewest significant digits that read back as `x` in its own dtype's precision. */
function shortestDigits(x: number, dtype: DType): number {
  const roundTrip = dtype === 'float32' ? Math.fround : dtype === 'float16' || dtype === 'bfloat16' ? null : (v: number) => v;
  const max = dtype === 'float64' ? 17 : dtype === 'float32' ? 9 : 5;
  for (let p = 1; p < max; p++) {
    const back = Number(x.toPrecision(p));
    if (roundTrip ? roundTrip(back) === x : Math.abs(back - x) <= Math.abs(x) * (dtype === 'bfloat16' ? 2 ** -9 : 2 ** -12)) return p;
  }
  return max;
}

/** Positional digits: the shortest unique ones, at most `precision` after the point; trailing zeros dropped. */
function positional(x: number, dtype: DType, precision: number): string {
  const p = shortestDigits(Math.abs(x), dtype);
  let s = Number(x.toPrecision(p)).toFixed(Math.max(0, p - 1 - Math.floor(Math.log10(Math.abs(x) || 1))));
  const dot = s.indexOf('.');
  if (dot >= 0 && s.length - dot - 1 > precision) s = x.toFixed(precision);
  if (!s.includes('.')) s += '.';
  return s.replace(/(\.\d*?)0+$/, '$1');
}

/** Scientific digits: mantissa with the shortest unique digits (at most `precision` after the point), exponent. */
function scientific(x: number, dtype: DType, precision: number): [string, string] {
  const p = Math.min(shortestDigits(Math.abs(x), dtype), precision + 1);
  const [mantissa, exp] = x.toExponential(p - 1).split('e');
  return [mantissa.includes('.') ? mantissa : `${mantissa}.`, exp];
}

function expString(exp: string, digits: number): string {
  const sign = exp.startsWith('-') ? '-' : '+';
  return `e${sign}${exp.replace(/^[-+]/, '').padStart(digits, '0')}`;
}

function floatFormatter(values: number[], dtype: DType): (x: number) => string {
  const finite = values.filter(Number.isFinite);
  const abs = finite.map(Math.abs).filter((v) => v !== 0);
  const expFormat = abs.length > 0 && (Math.max(...abs) >= 1e8 || Math.min(...abs) < 1e-4 || Math.max(...abs) / Math.min(...abs) > 1e3);
  let padLeft = 0;
  let padRight = 0;
  let format: (x: number) => string;
  if (finite.length === 0) {
    format = () => '';
  } else if (expFormat) {
    const parts = finite.map((x) => scientific(x, dtype, PRECISION));
    const precision = Math.max(...parts.map(([m]) => m.split('.')[1].length));
    const expDigits = Math.max(2, ...parts.map(([, e]) => e.replace(/^[-+]/, '').length));
    padLeft = Math.max(...parts.map(([m]) => m.split('.')[0].length));
    padRight = expDigits + 2 + precision;
    // NumPy prints every value with the widest value's digit count, taking the extra digits from the exact
    // binary value (not zeros): 5.285714f shows as 5.2857141e+00 beside 1.4285715e-01.
    format = (x) => {
      const [m, e] = x.toExponential(precision).split('e');
      const [int, frac = ''] = m.split('.');
      return `${int.padStart(padLeft)}.${frac}${expString(e, expDigits)}`;
    };
  } else {
    const strs = finite.map((x) => positional(x, dtype, PRECISION).split('.'));
    padLeft = Math.max(...strs.map(([i]) => i.length));
    padRight = Math.max(...strs.map(([, f]) => f.length));
    format = (x) => {
      const [int, frac] = positional(x, dtype, PRECISION).split('.');
      return `${int.padStart(padLeft)}.${frac.padEnd(padRight)}`;
    };
  }
  if (finite.length !== values.length) {
    const negInf = values.some((v) => v === -Infinity);
    padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + (negInf ? 1 : 0) - (padRight + 1));
  }
  return (x) => {
    if (Number.isFinite(x)) return format(x);
    const s = Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
    return s.padStart(padLeft + padRight + 1);
  };
}

/** Python's repr of a bytes object. */
export function pythonBytesRepr(bytes: Uint8Array): string {
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let s = '';
  for (const b of bytes) {
    if (b === 0x5c) s += '\\\\';
    else if (b === quote.charCodeAt(0)) s += `\\${quote}`;
    else if (b === 0x09) s += '\\t';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x0d) s += '\\r';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `b${quote}${s}${quote}`;
}

/** NumPy's str() of a 0-d array (its scalar's str). */
function scalarString(value: Element, dtype: DType): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return pythonBytesRepr(value);
  if (!dtype.startsWith('float') && dtype !== 'bfloat16') return String(value);
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const abs = Math.abs(value);
  if (abs === 0 || (abs >= 1e-4 && abs < 1e16)) {
    const s = positional(value, dtype, 17);
    return s.endsWith('.') ? `${s}0` : s;
  }
  const [m, e] = scientific(value, dtype, 17);
  return `${m.replace(/\.$/, '')}${expString(e, 2)}`;
}

function elementsOf(t: Tensor): Element[] {
  if (t.dtype === 'string') return t.bytes();
  const data = t.data() as ArrayLike<number | bigint>;
  const out = Array.from(data as ArrayLike<number | bigint>);
  return t.dtype === 'bool' ? out.map((v) => Boolean(v)) : out;
}

/** Indices of the elements NumPy shows: all, or the edge items along each axis longer than 2 * 3. */
function shownIndices(shape: number[], summarize: boolean): number[][] {
  const axes = shape.map((n) => {
    const all = Array.from({ length: n }, (_, i) => i);
    return summarize && n > 2 * EDGE_ITEMS ? [...all.slice(0, EDGE_ITEMS), ...all.slice(n - EDGE_ITEMS)] : all;
  });
  return axes;
}

/** NumPy's `str(array)` for a tensor's value. */
export function formatTensor(t: Tensor): string {
  const shape = t.shape;
  const elements = elementsOf(t);
  if (shape.length === 0) return scalarString(elements[0], t.dtype);
  const size = elements.length;
  const summarize = size > THRESHOLD;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const shown = shownIndices(shape, summarize);

  // The formatter sees only the values shown, as NumPy's does.
  const shownFlat: Element[] = [];
  const collect = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      shownFlat.push(elements[offset]);
      return;
    }
    for (const i of shown[axis]) collect(axis + 1, offset + i * strides[axis]);
  };
  if (size > 0) collect(0, 0);

  let formatOne: (v: Element) => string;
  if (t.dtype === 'bool') formatOne = (v) => (v ? ' True' : 'False');
  else if (t.dtype === 'string') formatOne = (v) => pythonBytesRepr(v as Uint8Array);
  else if (t.dtype.startsWith('float') || t.dtype === 'bfloat16') {
    const f = floatFormatter(shownFlat as number[], t.dtype);
    formatOne = (v) => f(v as number);
  } else {
    const width = Math.max(0, ...shownFlat.map((v) => String(v).length));
    formatOne = (v) => String(v).padStart(width);
  }
  if (size === 0) return `${'['.repeat(shape.length)}${']'.repeat(shape.length)}`;

  const recurse = (axis: number, offset: number, hanging: string, width: number): string => {
    if (axis === shape.length) return formatOne(elements[offset]);
    const n = shape[axis];
    const summary = summarize && n > 2 * EDGE_ITEMS;
    const leading = summary ? EDGE_ITEMS : 0;
    const trailing = summary ? EDGE_ITEMS : n;
    const nextHanging = `${hanging} `;
    const nextWidth = width - 1;
    const indices = [...Array.from({ length: leading }, (_, i) => i), ...Array.from({ length: trailing }, (_, i) => n - trailing + i)];
    let s = '';
    if (axis === shape.length - 1) {
      const elemWidth = width - 1;
      let line = hanging;
      const extend = (word: string): void => {
        if (line.length + word.length > elemWidth && line.length > hanging.length) {
          s += `${line.trimEnd()}\n`;
          line = hanging;
        }
        line += word;
      };
      indices.forEach((idx, k) => {
        if (summary && k === leading) {
          extend('...');
          line += ' ';
        }
        extend(recurse(axis + 1, offset + idx * strides[axis], nextHanging, nextWidth));
        if (k < indices.length - 1) line += ' ';
      });
      s += line;
    } else {
      const sep = '\n'.repeat(shape.length - axis - 1);
      indices.forEach((idx, k) => {
        if (summary && k === leading) s += `${hanging}...${sep}`;
        s += hanging + recurse(axis + 1, offset + idx * strides[axis], nextHanging, nextWidth);
        if (k < indices.length - 1) s += sep;
      });
    }
    return `[${s.slice(hanging.length)}]`;
  };
  return recurse(0, 0, ' ', LINE_WIDTH);
}
