// SPDX-License-Identifier: Apache-2.0
// `g.exportMetaGraph` / `g.importMetaGraph`, attached here: MetaGraphDefs carry variables, which sit above
// the graph layer (docs/ARCHITECTURE.md, "Methods attached from above").
import { Graph } from '../graph/graph';
import { ExportMetaGraphOptions, ImportMetaGraphOptions, ImportMetaGraphResult, exportMetaGraph, importMetaGraph } from './meta-graph';

declare module '../graph/graph' {
  interface Graph {
    /**
     * The graph as a binary MetaGraphDef in Python's format: GraphDef, stripped op list, collections (variables
     * as VariableDefs) and `saverDef` when given.
     */
    exportMetaGraph(options?: ExportMetaGraphOptions): Uint8Array;
    /**
     * Imports a binary MetaGraphDef (Python's or ours) with its collections; VariableDefs come back as
     * Variables.
     */
    importMetaGraph(bytes: Uint8Array, options?: ImportMetaGraphOptions): ImportMetaGraphResult;
  }
}

Graph.prototype.exportMetaGraph = function exportMetaGraphMethod(this: Graph, options) {
  return exportMetaGraph(this, options);
};
Graph.prototype.importMetaGraph = function importMetaGraphMethod(this: Graph, bytes, options) {
  return importMetaGraph(this, bytes, options);
};
