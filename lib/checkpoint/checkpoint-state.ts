// SPDX-License-Identifier: Apache-2.0
// The `checkpoint` state file: a CheckpointState message (tensorflow/python/training/checkpoint_state.proto)
// in protobuf text format, which Python's tf.train.latest_checkpoint and CheckpointManager read and write.
// Written atomically: to a temporary file in the same directory, then renamed over the old one.
import * as fs from 'fs';
import * as path from 'path';
import { DataLossError } from '../binding/errors';
import { invalidArgument, optionalString, requireString } from '../base/validate';
import { cEscape } from '../proto/text-escape';
import { atomicWriteFile, fileError } from './checkpoint-files';
import { checkpointExists } from './checkpoint-index';

/** The state file's content. */
export interface CheckpointState {
  /** The latest checkpoint prefix. */
  modelCheckpointPath: string;
  /** The checkpoints not yet deleted, oldest first (the latest last). */
  allModelCheckpointPaths: string[];
  /** Unix times (seconds) at which each of `allModelCheckpointPaths` was saved, when recorded. */
  allModelCheckpointTimestamps: number[];
  /** Unix time (seconds) of the last checkpoint kept by `keepCheckpointEveryNHours`, when recorded. */
  lastPreservedTimestamp?: number;
}

/** The default state file name. */
export const STATE_FILENAME = 'checkpoint';

// ---- text format ----

const FIELDS: Record<string, 'string' | 'strings' | 'doubles' | 'double'> = {
  model_checkpoint_path: 'string',
  all_model_checkpoint_paths: 'strings',
  all_model_checkpoint_timestamps: 'doubles',
  last_preserved_timestamp: 'double',
};

class TextFormatError extends Error {}

/** Decodes a text-format string literal's bytes (C escapes, as protobuf's text format writes them). */
function unescape(body: string, line: number): string {
  const bytes: number[] = [];
  const utf8 = Buffer.from(body, 'utf8');
  for (let i = 0; i < utf8.length; i++) {
    const c = utf8[i];
    if (c !== 0x5c) {
      bytes.push(c);
      continue;
    }
    const e = String.fromCharCode(utf8[++i]);
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, '"': 34, "'": 39, '\\': 92, a: 7, b: 8, f: 12, v: 11, '?': 63 };
    if (e in simple) bytes.push(simple[e]);
    else if (/[0-7]/.test(e)) {
      let digits = e;
      while (digits.length < 3 && /[0-7]/.test(String.fromCharCode(utf8[i + 1]))) digits += String.fromCharCode(utf8[++i]);
      bytes.push(parseInt(digits, 8) & 0xff);
    } else if (e === 'x') {
      let digits = '';
      while (digits.length < 2 && /[0-9a-fA-F]/.test(String.fromCharCode(utf8[i + 1]))) digits += String.fromCharCode(utf8[++i]);
      if (!digits) throw new TextFormatError(`line ${line}: \\x without hex digits`);
      bytes.push(parseInt(digits, 16));
    } else {
      throw new TextFormatError(`line ${line}: invalid escape \\${e}`);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Parses a CheckpointState in protobuf text format (Python's text_format.Merge semantics: repeated fields
 * accumulate, a repeated scalar field keeps its last value).
 * @throws DataLossError naming `file` for malformed text or unknown fields.
 */
export function parseCheckpointState(text: string, file = STATE_FILENAME): CheckpointState {
  const state: CheckpointState = { modelCheckpointPath: '', allModelCheckpointPaths: [], allModelCheckpointTimestamps: [] };
  const token = /\s+|#[^\n]*|([A-Za-z_][A-Za-z0-9_]*)\s*:\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[-+0-9.eEinfatyINFATY]+)|(\S)/gy;
  let m: RegExpExecArray | null;
  let line = 1;
  try {
    while (token.lastIndex < text.length && (m = token.exec(text)) !== null) {
      const [whole, field, literal, stray] = m;
      if (stray !== undefined) throw new TextFormatError(`line ${line}: unexpected '${stray}'`);
      if (field !== undefined) {
        const kind = FIELDS[field];
        if (!kind) throw new TextFormatError(`line ${line}: CheckpointState has no field '${field}'`);
        if (kind === 'string' || kind === 'strings') {
          if (literal[0] !== '"' && literal[0] !== "'") throw new TextFormatError(`line ${line}: ${field} needs a string`);
          const value = unescape(literal.slice(1, -1), line);
          if (kind === 'string') state.modelCheckpointPath = value;
          else state.allModelCheckpointPaths.push(value);
        } else {
          const value = Number(literal.replace(/^(-?)inf(inity)?$/i, '$1Infinity'));
          if (Number.isNaN(value) && !/^-?nan$/i.test(literal)) throw new TextFormatError(`line ${line}: ${field} needs a number`);
          if (kind === 'double') state.lastPreservedTimestamp = value;
          else state.allModelCheckpointTimestamps.push(value);
        }
      }
      for (const ch of whole) if (ch === '\n') line++;
    }
    if (token.lastIndex < text.length) throw new TextFormatError(`line ${line}: cannot parse`);
  } catch (err) {
    if (err instanceof TextFormatError) throw new DataLossError(`Malformed checkpoint state file ${file}: ${err.message}`);
    throw err;
  }
  return state;
}

/** The state in protobuf text format, byte for byte as Python's text_format.MessageToString writes it. */
export function formatCheckpointState(state: CheckpointState): string {
  const escape = (value: string) => cEscape(Buffer.from(value, 'utf8'));
  let out = `model_checkpoint_path: "${escape(state.modelCheckpointPath)}"\n`;
  for (const p of state.allModelCheckpointPaths) out += `all_model_checkpoint_paths: "${escape(p)}"\n`;
  for (const t of state.allModelCheckpointTimestamps) out += `all_model_checkpoint_timestamps: ${formatDouble(t)}\n`;
  if (state.lastPreservedTimestamp !== undefined && state.lastPreservedTimestamp !== 0) {
    out += `last_preserved_timestamp: ${formatDouble(state.lastPreservedTimestamp)}\n`;
  }
  return out;
}

function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

// ---- files ----

function statePath(dir: string, latestFilename: string | undefined): string {
  return path.join(dir, latestFilename ?? STATE_FILENAME);
}

/**
 * The CheckpointState recorded in `dir`, with relative paths resolved against `dir` (as Python's
 * `get_checkpoint_state`), or null when `dir` has no state file.
 * @throws DataLossError for a malformed state file or one that names no checkpoint.
 */
export function getCheckpointState(dir: string, latestFilename?: string): CheckpointState | null {
  requireString(dir, 'the checkpoint directory');
  optionalString(latestFilename, 'latestFilename');
  const file = statePath(dir, latestFilename);
  let text: string;
  try {
    if (!fs.statSync(file).isFile()) return null;
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw fileError(err, `Cannot read checkpoint state file '${file}'`);
  }
  const state = parseCheckpointState(text, file);
  if (!state.modelCheckpointPath) {
    throw new DataLossError(`Invalid checkpoint state loaded from ${dir}: ${file} names no model_checkpoint_path`);
  }
  const resolve = (p: string) => (path.isAbsolute(p) ? p : path.join(dir, p));
  state.modelCheckpointPath = resolve(state.modelCheckpointPath);
  state.allModelCheckpointPaths = state.allModelCheckpointPaths.map(resolve);
  return state;
}

/**
 * Records `modelCheckpointPath` as the latest checkpoint in `dir`'s state file, atomically (Python's
 * `update_checkpoint_state`). The latest path is appended to `allModelCheckpointPaths` when it is not last.
 * @throws Error when the state file's path is the checkpoint's own path; a TFError when it cannot be written.
 */
export function updateCheckpointState(
  dir: string,
  modelCheckpointPath: string,
  options: {
    allModelCheckpointPaths?: string[];
    allModelCheckpointTimestamps?: number[];
    lastPreservedTimestamp?: number;
    latestFilename?: string;
    saveRelativePaths?: boolean;
  } = {},
): void {
  requireString(dir, 'the checkpoint directory');
  requireString(modelCheckpointPath, 'modelCheckpointPath');
  const all = [...(options.allModelCheckpointPaths ?? [])];
  if (!Array.isArray(all)) throw invalidArgument('an array of paths', 'allModelCheckpointPaths', options.allModelCheckpointPaths);
  all.forEach((p, i) => requireString(p, `allModelCheckpointPaths[${i}]`));
  if (all.length === 0 || all[all.length - 1] !== modelCheckpointPath) all.push(modelCheckpointPath);
  const timestamps = options.allModelCheckpointTimestamps ?? [];
  if (timestamps.length > 0 && timestamps.length !== all.length) {
    throw new RangeError(`Expected ${all.length} checkpoint timestamps (one per path) but received ${timestamps.length}`);
  }
  const file = statePath(dir, options.latestFilename);
  let latest = modelCheckpointPath;
  let paths = all;
  const relative = (p: string) => (path.isAbsolute(p) ? path.relative(dir, p) : p);
  if (options.saveRelativePaths) {
    latest = relative(latest);
    paths = paths.map(relative);
  } else if (!path.isAbsolute(dir)) {
    // Python rewrites relative paths relative to a relative save dir, so that they resolve back on reading.
    const rel = (p: string) => (path.isAbsolute(p) ? p : path.relative(dir, p));
    latest = rel(latest);
    paths = paths.map(rel);
  }
  if (path.resolve(file) === path.resolve(path.isAbsolute(latest) ? latest : path.join(dir, latest))) {
    throw new Error(`Save path '${modelCheckpointPath}' conflicts with the path of the checkpoint state file; use a different save path`);
  }
  atomicWriteFile(
    file,
    formatCheckpointState({
      modelCheckpointPath: latest,
      allModelCheckpointPaths: paths,
      allModelCheckpointTimestamps: timestamps,
      lastPreservedTimestamp: options.lastPreservedTimestamp,
    }),
  );
}

/**
 * The prefix of the latest checkpoint recorded in `dir`'s state file, or null when there is none (no state
 * file, or one naming files that no longer exist), as Python's `tf.train.latest_checkpoint`.
 * @throws DataLossError for a malformed state file (Python logs it and returns None; a corrupt state file
 *   is worth stopping for).
 * @example const prefix = tf.train.latestCheckpoint('/tmp/train'); if (prefix) await saver.restore(sess, prefix);
 */
export function latestCheckpoint(dir: string, latestFilename?: string): string | null {
  const state = getCheckpointState(dir, latestFilename);
  if (!state) return null;
  if (checkpointExists(state.modelCheckpointPath)) return state.modelCheckpointPath;
  const message = `Couldn't match files for checkpoint ${state.modelCheckpointPath} named in ${statePath(dir, latestFilename)}`;
  process.emitWarning(message, 'CheckpointWarning');
  return null;
}

/**
 * Refuses a state file name that would overwrite a checkpoint's files: one a save to `prefix` writes (the
 * prefix itself, its index, data shards, meta graph and temporary files) or any checkpoint's index, data
 * shard or meta graph in the directory.
 * @throws Error naming both.
 */
export function checkStateFilename(latestFilename: string, prefix: string, metaSuffix = 'meta'): void {
  const base = path.basename(prefix);
  const own =
    latestFilename === base ||
    latestFilename.startsWith(`${base}.`) ||
    latestFilename === `${base}_temp` ||
    latestFilename.startsWith(`.${base}.saving-`);
  const checkpointFile = /\.(index|data-\d{5}-of-\d{5})$/.test(latestFilename) || latestFilename.endsWith(`.${metaSuffix}`);
  if (own || checkpointFile) {
    throw new Error(
      `'latestFilename' collides with 'savePath': the state file '${latestFilename}' would overwrite files of checkpoint '${prefix}' ` +
        '(a state file name must not be a checkpoint prefix or one of its files)',
    );
  }
}
