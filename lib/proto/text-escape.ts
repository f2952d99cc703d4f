// SPDX-License-Identifier: Apache-2.0
// Protobuf text format's string escaping, as Python's text_format writes strings and bytes (CEscape, not
// as_utf8): the checkpoint state file and graph.pbtxt both use it.

/** The bytes as a text-format string body: quotes, backslash, \n \r \t escaped; other non-printable bytes octal. */
export function cEscape(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x27) out += "\\'";
    else if (b === 0x5c) out += '\\\\';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return out;
}
