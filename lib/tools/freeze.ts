// SPDX-License-Identifier: Apache-2.0
// `freeze` (Python's freeze_graph with --input_meta_graph): a MetaGraph restored from a checkpoint, its variables
// turned into constants — one GraphDef to serve.
import { Graph } from '../graph/graph';
import { Session } from '../session/session';
import { importMetaGraph } from '../checkpoint/import-meta-graph';
import { convertVariablesToConstants } from './graph-util';

export interface FreezeOptions {
  /** The `.meta` file (a MetaGraphDef) that describes the graph. */
  inputMetaGraph: string;
  /** The checkpoint prefix to take the variables' values from. */
  inputCheckpoint: string;
  outputNodeNames: string[];
  /** Drop device placements, as freeze_graph does by default. */
  clearDevices?: boolean;
  /** Called as each stage starts: import, restore, freeze (for a progress display). */
  onStage?: (stage: 'import' | 'restore' | 'freeze') => void;
}

/** The frozen GraphDef's bytes. @throws (rejects) when the MetaGraph has no saver, or what restoring throws. */
export async function freezeGraph(options: FreezeOptions): Promise<Uint8Array> {
  options.onStage?.('import');
  const g = new Graph();
  const saver = importMetaGraph(g, options.inputMetaGraph, { clearDevices: options.clearDevices ?? true });
  if (!saver) throw new Error(`${options.inputMetaGraph}: the MetaGraph has no saver (saver_def) to restore the checkpoint with`);
  const session = new Session(g);
  try {
    options.onStage?.('restore');
    await saver.restore(session, options.inputCheckpoint);
    options.onStage?.('freeze');
    return await convertVariablesToConstants(session, g, options.outputNodeNames);
  } finally {
    await session.close();
  }
}
