// SPDX-License-Identifier: Apache-2.0
// File-system helpers shared by the checkpoint modules: TensorFlow error classes for failed calls, and
// atomic replacement of small files (the state file, .meta), and the moves that make a save atomic.
import * as fs from 'fs';
import * as path from 'path';
import {
  AlreadyExistsError,
  FailedPreconditionError,
  NotFoundError,
  OutOfRangeError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnknownError,
} from '../binding/errors';

/** The TFError for a failed file-system call, naming the path, with TensorFlow's errno → code mapping. */
export function fileError(err: unknown, what: string): Error {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e.code !== 'string') return err as Error;
  const message = `${what}: ${e.message}`;
  switch (e.code) {
    case 'ENOENT':
      return new NotFoundError(message);
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ENOTEMPTY':
      return new FailedPreconditionError(message);
    case 'EEXIST':
      return new AlreadyExistsError(message);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new PermissionDeniedError(message);
    case 'ENOSPC':
    case 'EDQUOT':
    case 'ENOMEM':
      return new ResourceExhaustedError(message);
    case 'EFBIG':
      return new OutOfRangeError(message);
    default:
      return new UnknownError(message);
  }
}

/**
 * Writes `contents` to `file` atomically: a temporary file in the same directory, flushed, then renamed
 * over `file`, so that readers see the old or the new content and a failure leaves the old file intact.
 * @throws the TFError for the failing file-system call (PermissionDeniedError, NotFoundError, …).
 */
export function atomicWriteFile(file: string, contents: string | Uint8Array): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp${Math.random().toString(16).slice(2, 14)}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx');
    const bytes = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
    for (let written = 0; written < bytes.length; ) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, file);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // the write already failed; its error is the one to report
      }
    }
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // nothing was created (the directory is missing or not a directory)
    }
    throw fileError(err, `Cannot write '${file}'`);
  }
  syncDirectory(path.dirname(file));
}

/** Flushes a directory's entries (the rename above) to disk; best effort, as not every file system allows it. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // e.g. EINVAL on file systems without directory fsync: the rename is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}


// ---- checkpoint files ----

const DATA_SUFFIX = /\.data-\d{5}-of-\d{5}$/;

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

// The temporary prefixes this process is writing now. Leftovers under this process's pid that are not in
// it come from an earlier process that had the same pid (pids repeat, e.g. in containers).
const savesInProgress = new Set<string>();

/** Marks a save to temporary prefix `temp` as running (or done), so that recovery leaves it alone. */
export function markSaving(temp: string, running: boolean): void {
  if (running) savesInProgress.add(temp);
  else savesInProgress.delete(temp);
}

/**
 * Where a save to `prefix` writes before its files are moved into place (commitCheckpoint): a hidden
 * prefix in the same directory (so that the renames stay on one file system), one per process.
 */
export function temporaryPrefix(prefix: string): string {
  return path.join(path.dirname(prefix), `.${path.basename(prefix)}.saving-${process.pid}`);
}

/** Removes what a failed SaveV2 / MergeV2Checkpoints of `prefix` may leave behind (temporary files only). */
export function removeTemporaryFiles(prefix: string): void {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  for (const name of listDir(dir)) {
    if (name.startsWith(`${base}.`) && name.includes('.tempstate')) fs.rmSync(path.join(dir, name), { force: true });
  }
  try {
    fs.rmSync(`${prefix}_temp`, { recursive: true, force: true });
  } catch {
    // best effort, as TensorFlow's own cleanup
  }
}

/** Deletes a checkpoint's files (index, data shards, and `metaSuffix` when given), as Python's remove_checkpoint. */
export function removeCheckpoint(prefix: string, metaSuffix?: string): void {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  const files = [`${base}.index`];
  if (metaSuffix !== undefined) files.push(`${base}.${metaSuffix}`);
  for (const name of listDir(dir)) if (name.startsWith(`${base}.data-`) && DATA_SUFFIX.test(name)) files.push(name);
  for (const name of files) {
    try {
      fs.rmSync(path.join(dir, name), { force: true });
    } catch (err) {
      // No such directory: nothing to delete.
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      const message = `Ignoring: could not delete checkpoint file ${path.join(dir, name)}: ${(err as Error).message}`;
      process.emitWarning(message, 'CheckpointWarning');
    }
  }
}

/**
 * Moves the complete checkpoint written at `temp` to `prefix`: its data files first, its index last, so that
 * the index at `prefix` names the new data from the moment it appears. A kill between the renames leaves the
 * old index over new data; the index still waiting at `temp` lets recoverInterruptedSave finish the move.
 * Data shards of the checkpoint replaced that the new one (of `numShards`, or as many as moved) does not
 * have are deleted afterwards.
 * @throws the TFError of a failed rename.
 */
export function commitCheckpoint(temp: string, prefix: string, numShards?: number): void {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  const tempBase = path.basename(temp);
  const before = listDir(dir);
  const moved = new Set<string>(); // by suffix
  try {
    for (const name of before) {
      if (!name.startsWith(`${tempBase}.data-`) || !DATA_SUFFIX.test(name)) continue;
      const suffix = name.slice(tempBase.length);
      fs.renameSync(path.join(dir, name), `${prefix}${suffix}`);
      moved.add(suffix);
    }
    fs.renameSync(`${temp}.index`, `${prefix}.index`);
  } catch (err) {
    throw fileError(err, `Cannot move the checkpoint written at '${temp}' to '${prefix}'`);
  }
  syncDirectory(dir);
  const of = `-of-${String(numShards ?? moved.size).padStart(5, '0')}`;
  for (const name of before) {
    if (name.startsWith(`${base}.data-`) && DATA_SUFFIX.test(name) && !name.endsWith(of)) {
      fs.rmSync(path.join(dir, name), { force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finishes or discards the saves to `prefix` that a dead process left (a journal replay, as databases do
 * on open): a temporary index whose data files were already moved is moved into place too, which makes
 * the checkpoint at `prefix` whole again; one whose move never began is deleted, leaving `prefix` as it
 * was. Saves in progress (of this process or another live one) are left alone.
 * @param numShards the shard count of the checkpoint written at a temporary prefix (read from its index).
 */
export function recoverInterruptedSave(prefix: string, numShards: (temp: string) => number | null): void {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  const names = listDir(dir);
  const pattern = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.saving-(\\d+)(\\.|_temp$)`);
  const pids = new Set<number>();
  for (const name of names) {
    const m = pattern.exec(name);
    if (m) pids.add(Number(m[1]));
  }
  for (const pid of pids) {
    const temp = path.join(dir, `.${base}.saving-${pid}`);
    if (savesInProgress.has(temp) || (pid !== process.pid && processAlive(pid))) continue;
    const tempBase = path.basename(temp);
    const dataLeft = names.filter((n) => n.startsWith(`${tempBase}.data-`) && DATA_SUFFIX.test(n)).length;
    // No index: killed while TensorFlow was still writing, before anything moved.
    const shards = names.includes(`${tempBase}.index`) ? numShards(temp) : null;
    if (shards !== null && dataLeft < shards) {
      commitCheckpoint(temp, prefix, shards);
    } else {
      removeCheckpoint(temp);
      removeTemporaryFiles(temp);
    }
  }
}
