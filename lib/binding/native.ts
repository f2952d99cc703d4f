// SPDX-License-Identifier: Apache-2.0
// The raw addon surface, and the only file that loads the .node (see native/*.h for each method's contract).
import * as path from 'path';

/* eslint-disable @typescript-eslint/no-namespace */
export namespace Native {
  export type OutputRef = [name: string, index: number];
  export type TensorTriple = [dtype: number, dims: number[], data: ArrayBufferView];
  /**
   * A fetched tensor: a view of TensorFlow's memory that owns it (flagged `true`, released by
   * Tensor.releaseView), a wrapper (string, resource and variant tensors, or where views are unavailable),
   * a copy of a small one, or a scalar's value (of the fetch's dtype).
   */
  export type Result = Tensor | [number, number[], ArrayBuffer] | [number, number[], ArrayBuffer, true] | number;
  export type RunResult = Result[];
  /** A fed value: a Tensor, a triple, or a number (a scalar of the fed output's dtype; run only). */
  export type FeedValue = Tensor | TensorTriple | number;
  /** Feeds, fetches and targets checked once by Session.prepare (opaque). */
  export type RunSignature = { readonly __brand: 'RunSignature' };

  export interface Tensor {
    dtype(): number;
    shape(): number[];
    byteLength(): number;
    data(): ArrayBuffer;
    strings(): Buffer[];
    isZeroCopy(): boolean;
    dispose(): void;
    isDisposed(): boolean;
  }
  export interface TensorStatic {
    fromView(dtype: number, dims: number[], view: ArrayBufferView): Tensor;
    alloc(dtype: number, dims: number[]): Tensor;
    fromStrings(dims: number[], values: Array<string | Uint8Array>): Tensor;
    releaseView(buffer: ArrayBuffer): void;
    /** The TF_DataType numbers a JS number is fed as directly (native VisitNumberDType). */
    numberDTypes(): number[];
    /** Bytes of reusable tensor memory kept idle now (native/tensor_staging.h). */
    stagingIdleBytes(): number;
    /** Installs the function that marks every buffer over TensorFlow memory as untransferable. */
    setViewMarker(marker: (buffer: ArrayBuffer) => void): void;
  }

  export interface Operation {
    name(): string;
    type(): string;
    device(): string;
    numInputs(): number;
    numOutputs(): number;
    outputType(index: number): number;
    outputListLength(argName: string): number;
    inputListLength(argName: string): number;
    input(index: number): OutputRef;
    consumers(index: number): OutputRef[];
    controlInputs(): string[];
    controlOutputs(): string[];
    attrMetadata(name: string): { isList: boolean; listSize: number; type: number; totalSize: number };
    attrValue(name: string): Buffer;
    nodeDef(): Buffer;
  }

  export type AttrEntry = [name: string, kind: number, value: unknown];

  export interface ImportOptions {
    prefix?: string;
    defaultDevice?: string;
    uniquifyNames?: boolean;
    uniquifyPrefix?: boolean;
    validateColocationConstraints?: boolean;
    inputMap?: Array<[string, number, Operation, number]>;
    remapControlDependencies?: Array<[string, Operation]>;
    controlDependencies?: Operation[];
    returnOutputs?: OutputRef[];
    returnOperations?: string[];
  }

  export interface ImportResult {
    outputs: OutputRef[];
    operations: string[];
    missingUnusedInputMappings: OutputRef[];
  }

  export interface Graph {
    /** Returns the new operation's id; `spec` (layout in native/graph.h) gets its output count in spec[0]. */
    addOperation(type: string, name: string, device: string, spec: Int32Array, attrs: AttrEntry[] | undefined): number;
    /** -1 when there is no such operation. */
    operationId(name: string): number;
    operation(id: number): Operation;
    operationByName(name: string): Operation | undefined;
    operationNames(): string[];
    numOperations(): number;
    toGraphDef(): Buffer;
    opDef(type: string): Buffer;
    tensorShape(op: Operation, index: number): number[] | null;
    setTensorShape(op: Operation, index: number, dims: Array<number | null> | null): void;
    importGraphDef(bytes: Uint8Array, options: ImportOptions): ImportResult;
    addGradients(
      prefix: string | null,
      yOps: Operation[],
      yIdx: number[],
      xOps: Operation[],
      xIdx: number[],
      dxOps: Operation[] | null,
      dxIdx: number[] | null,
    ): Array<OutputRef | null>;
    importFunctionDef(bytes: Uint8Array): void;
    functionDefs(): Buffer[];
    /** TF_UpdateEdge: input `dstIndex` of `dst` reads output `srcIndex` of `src` from now on. */
    updateEdge(src: Operation, srcIndex: number, dst: Operation, dstIndex: number): void;
    toFunctionDef(
      name: string,
      ops: Operation[] | null,
      inOps: Operation[],
      inIdx: number[],
      outOps: Operation[],
      outIdx: number[],
      outputNames: string[] | null,
      controlOps: Operation[],
      description: string | null,
    ): Buffer;
  }

  /** The arguments of Session.run and Session.runSync, in native/session.h's order. */
  export type RunArgs = [
    signature: RunSignature,
    feedValues: FeedValue[],
    runOptions: Uint8Array | null,
    wantMetadata: boolean,
    deadlineMs?: number,
  ];
  export type RunOutput = RunResult | { outputs: RunResult; metadata: Buffer };

  export interface Session {
    /** choosesIntraOp: runs of the signature may keep intra-op work in the calling thread (native/intra_op.h). */
    prepare(
      feedOps: Operation[],
      feedIdx: number[],
      fetchOps: Operation[],
      fetchIdx: number[],
      targets: Operation[],
      choosesIntraOp?: boolean,
    ): RunSignature;
    /** chooseIntraOp: this run leaves intra-op threading to the binding (native/session.h). */
    runSync(...args: [...RunArgs, unused?: undefined, chooseIntraOp?: boolean]): RunOutput;
    /** completeNowIfSmall: run a step whose recent runs were small in the JS thread (native/session.h). */
    run(...args: [...RunArgs, completeNowIfSmall?: boolean, chooseIntraOp?: boolean]): Promise<RunOutput>;
    /** Whether an op of the step may wait for another op of it (native/session_blocking.h). */
    stepMayBlock(signature: RunSignature): boolean;
    /** Where runs feeding fedBytes keep intra-op work: 1 caller, 0 pool, -1 undecided, -2 no choice (native/session.h). */
    intraOpDecision(signature: RunSignature, fedBytes: number): number;
    listDevices(): Array<{ name: string; type: string; memoryBytes: number }>;
    close(): Promise<void>;
  }
  export interface SessionStatic {
    new (graph: Graph, target: string | null, config: Uint8Array | null): Session;
    loadSavedModel(
      graph: Graph,
      exportDir: string,
      tags: string[],
      config: Uint8Array | null,
      runOptions: Uint8Array | null,
    ): Promise<{ session: Session; metaGraphDef: Buffer }>;
  }

  export interface Server {
    start(): void;
    stop(): void;
    join(): Promise<void>;
    target(): string;
    close(): void;
  }

  /** TensorFlow's checkpoint reader (native/checkpoint_reader.h). */
  export interface CheckpointReader {
    variables(): Array<[name: string, dtype: number, dims: number[]]>;
    getTensor(name: string): Result;
    getTensorAsync(name: string): Promise<Result>;
    close(): void;
  }

  export interface Addon {
    Graph: new () => Graph;
    CheckpointReader: new (prefix: string) => CheckpointReader;
    Tensor: TensorStatic;
    Session: SessionStatic;
    Server: new (serverDef: Uint8Array) => Server;
    loadLibrary(dir: string): string;
    isLoaded(): boolean;
    libraryDirectory(): string;
    /** Why steps cannot keep intra-op work in the calling thread (tfn_intra_op.so), or '' when they can. */
    intraOpUnavailable(): string;
    setErrorFactory(factory: (code: string, codeNumber: number, message: string) => Error): void;
    allOpList(): Buffer;
    registeredKernelsForOp(name: string): Buffer;
    tensorAlignment: number;
  }
}

/** Attr kinds understood by Graph.addOperation (native/operation_description.h). */
export const AttrKind = {
  string: 0,
  int: 1,
  float: 2,
  bool: 3,
  type: 4,
  shape: 5,
  tensor: 6,
  func: 7,
  proto: 8,
  listOffset: 10,
} as const;

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

function loadError(causes: string[]): Error {
  const lines = [
    'node-libtensorflow could not load its native addon.',
    'Possible causes and fixes:',
    '- The addon was never built (npm install did not finish): ' +
      'run `npm install` (or `npm rebuild node-libtensorflow`) and read its output.',
    '- The build needs cmake (or python3 + make for node-gyp) and a C++17 compiler: install them, then `npm rebuild node-libtensorflow`.',
    '- A prebuilt addon for another platform or a glibc older than the build machine\'s: rebuild from source.',
    '- Node was started with --no-addons: remove the flag.',
    '- A bundler moved the package: set NODE_LIBTENSORFLOW_ADDON to the path of node_libtensorflow.node.',
    ...causes.map((c) => `Tried: ${c}`),
  ];
  return new Error(lines.join('\n'));
}

let addon: Native.Addon | undefined;

/** The addon, loaded on first use (node-gyp-build: build/Release, then prebuilds/<platform>-<arch>). */
export function native(): Native.Addon {
  if (addon) return addon;
  const causes: string[] = [];
  const explicit = process.env.NODE_LIBTENSORFLOW_ADDON;
  if (explicit) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a .node addon at a path known only at run time
      addon = require(path.resolve(explicit)) as Native.Addon;
      return addon;
    } catch (err) {
      causes.push(`NODE_LIBTENSORFLOW_ADDON=${explicit}: ${(err as Error).message}`);
      throw loadError(causes);
    }
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, on first use of the addon
    addon = require('node-gyp-build')(PACKAGE_ROOT) as Native.Addon;
    return addon;
  } catch (err) {
    causes.push(`node-gyp-build(${PACKAGE_ROOT}): ${(err as Error).message.split('\n')[0]}`);
    throw loadError(causes);
  }
}
