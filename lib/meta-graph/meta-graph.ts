// SPDX-License-Identifier: Apache-2.0
// MetaGraphDef export and import in Python's format (framework/meta_graph.py): the GraphDef, the stripped
// op list, the saver_def and the collections, with variables as VariableDefs, so a graph built here imports
// in Python with `tf.compat.v1.train.import_meta_graph` and the reverse.
export { exportMetaGraph } from './export-meta-graph';
export type { ExportMetaGraphOptions } from './export-meta-graph';
export { importMetaGraph } from './import-meta-graph';
export type { ImportMetaGraphOptions, ImportMetaGraphResult } from './import-meta-graph';
export { registerCollectionProto } from './collections';
export type { CollectionProtoFunctions } from './collections';
