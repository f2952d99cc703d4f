// SPDX-License-Identifier: Apache-2.0
// What the training examples share: their command lines, their seeded randomness and their default text.
'use strict';
const fs = require('fs');
const path = require('path');
const util = require('util');

/**
 * Parses `argv` by util.parseArgs `options` (all string-valued but flags), printing `usage` and exiting on -h/--help.
 * `positive(name, integer)` reads an option as a positive number and names the option in its error.
 */
function parseCommandLine(argv, options, usage) {
  const { values } = util.parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const positive = (name, integer = true) => {
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      throw new Error(`--${name} needs a positive ${integer ? 'integer' : 'number'}, not '${values[name]}'`);
    }
    return value;
  };
  return { values, positive };
}

/** A small seeded generator of numbers in [0, 1), so the data and the batches are the same on every run (and resume). */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s = (s ^ (s >>> 13)) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * The JSDoc prose of the lib.*.d.ts files of the `typescript` package (a devDependency; mostly MDN's descriptions of
 * the Web platform), less code in backticks, links and tags, which are not English: a real text that needs no download.
 */
function typescriptDocs() {
  const dir = path.dirname(require.resolve('typescript/lib/lib.dom.d.ts'));
  const files = fs.readdirSync(dir).filter((f) => /^lib\..*\.d\.ts$/.test(f)).sort();
  const parts = [];
  for (const file of files) {
    for (const comment of fs.readFileSync(path.join(dir, file), 'utf8').match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
      parts.push(comment
        .replace(/^\s*\/?\*+\/?/gm, ' ')
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .replace(/`[^`]*`/g, ' ')
        .replace(/@\w+|\{[^}]*\}/g, ' '));
    }
  }
  return { text: parts.join('\n'), source: `the JSDoc of ${files.length} lib.*.d.ts files of typescript@${require('typescript').version}` };
}

module.exports = { parseCommandLine, rng, typescriptDocs };
