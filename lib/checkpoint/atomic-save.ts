// SPDX-License-Identifier: Apache-2.0
// Atomic checkpoint writes, for every path that writes one (Saver.save; SavedModel's variables through it).
import { commitCheckpoint, markSaving, removeCheckpoint, removeTemporaryFiles, temporaryPrefix } from './checkpoint-files';
import { recoverCheckpoint } from './checkpoint-index';

/**
 * Writes checkpoint `prefix` so that no failure or kill leaves it half-written: `write(temp)` writes a
 * complete checkpoint at a temporary prefix beside it (e.g. SaveV2 fed `temp`), whose files then move into
 * place, index last (commitCheckpoint). A failed write removes what it wrote and leaves `prefix` as it was;
 * a process killed during the move leaves files from which the next open or save of `prefix` completes it.
 * @throws what `write` throws; the TFError of a failed move, naming where the remaining files are.
 * @example await saveCheckpointAtomically(prefix, (temp) => session.run(saveTensor, new Map([[filename, tf.tensor(temp)]])));
 */
export async function saveCheckpointAtomically(prefix: string, write: (temp: string) => Promise<unknown>): Promise<void> {
  const temp = temporaryPrefix(prefix);
  recoverCheckpoint(prefix);
  markSaving(temp, true);
  try {
    try {
      await write(temp);
    } catch (err) {
      removeTemporaryFiles(temp);
      removeCheckpoint(temp);
      throw err;
    }
    commitCheckpoint(temp, prefix);
  } finally {
    markSaving(temp, false);
  }
}
