// SPDX-License-Identifier: Apache-2.0
// File-system helpers shared by the checkpoint modules: TensorFlow error classes for failed calls, and
// atomic replacement of small files (the state file, .meta).
import * as crypto from 'crypto';
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
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp${crypto.randomBytes(6).toString('hex')}`);
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

