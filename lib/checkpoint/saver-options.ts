// SPDX-License-Identifier: Apache-2.0
// The options of tf.train.Saver and saver.save, and the SaverDef a Saver is described by.
import { Graph } from '../graph/graph';
import { Output } from '../graph/operation';
import { Variable } from '../variables/variable';

/** A SaverDef message as a plain object (proto field names), as stored in a MetaGraphDef. */
export interface SaverDefObject {
  filename_tensor_name: string;
  save_tensor_name: string;
  restore_op_name: string;
  max_to_keep?: number;
  sharded?: boolean;
  keep_checkpoint_every_n_hours?: number;
  /** 2 (V2) for every Saver built here. */
  version?: number;
}

export interface SaverOptions {
  /** The graph to save; defaults to the variables' graph. */
  graph?: Graph;
  /**
   * The variables to save: a list (saved under their names) or a record from checkpoint name to variable
   * (restore under another name). Defaults to the graph's global variables.
   */
  varList?: Variable[] | Record<string, Variable>;
  /** Checkpoints to keep; older ones are deleted as new ones are saved. 0 or null keeps all. Default 5. */
  maxToKeep?: number | null;
  /** Also keep one checkpoint every this many hours of saving (default 10000, i.e. never). */
  keepCheckpointEveryNHours?: number;
  /** One data file per device (SaveV2 per device, merged with MergeV2Checkpoints). */
  sharded?: boolean;
  /** The name scope of the save and restore operations (default 'save'). */
  name?: string;
  /** Record paths relative to the checkpoint directory in the state file (default false, as Python). */
  saveRelativePaths?: boolean;
  /** Zero-pad the global step in checkpoint names to 8 digits. */
  padStepNumber?: boolean;
  /** The checkpoint prefix the filename tensor defaults to (default 'model'). */
  filename?: string;
  /** Build nothing: use an existing save/restore subgraph, as a SaverDef describes it (importMetaGraph). */
  saverDef?: SaverDefObject | Uint8Array;
  /** With no variables to save, make a Saver whose save and restore do nothing instead of throwing. */
  allowEmpty?: boolean;
}

export interface SaveOptions {
  /** Appended to the prefix as `-<step>`: a number, or an integer Variable / Output read in the session. */
  globalStep?: number | bigint | Variable | Output;
  /** Write `prefix.meta` (the MetaGraphDef, with this Saver's SaverDef). Default true. */
  writeMetaGraph?: boolean;
  /** Update the `checkpoint` state file and apply maxToKeep. Default true. */
  writeState?: boolean;
  /** The state file's name (default 'checkpoint'). */
  latestFilename?: string;
  /** The meta graph file's suffix (default 'meta'). */
  metaGraphSuffix?: string;
}
