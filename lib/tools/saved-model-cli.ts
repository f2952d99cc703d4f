// SPDX-License-Identifier: Apache-2.0
// `saved-model show` and `saved-model run`: what Python's saved_model_cli prints for the same SavedModel.
import * as fs from 'fs';
import * as path from 'path';
import { decode, toNumber } from '../proto';
import { dtypeFromNumber, type DType } from '../base/dtypes';
import { load } from '../saved-model/saved-model';
import { tensor, type Tensor, type TensorLike } from '../tensor/tensor';
import { dataTypeName } from './inspect-checkpoint';
import { formatTensor } from './numpy-format';
import { readNpy, writeNpy } from './npy';

interface TensorInfo {
  name?: string;
  dtype?: number;
  tensor_shape?: { dim?: Array<{ size?: unknown }>; unknown_rank?: boolean };
}
interface SignatureDef {
  inputs?: Record<string, TensorInfo>;
  outputs?: Record<string, TensorInfo>;
  method_name?: string;
}
interface MetaGraph {
  meta_info_def?: { tags?: string[] };
  signature_def?: Record<string, SignatureDef>;
  graph_def?: { node?: Array<{ op: string }>; library?: { function?: Array<{ node_def?: Array<{ op: string }> }> } };
}

function readMetaGraphs(dir: string): MetaGraph[] {
  const file = path.join(dir, 'saved_model.pb');
  if (!fs.existsSync(file)) throw new Error(`SavedModel file does not exist at: ${dir}${path.sep}{saved_model.pbtxt|saved_model.pb}`);
  try {
    return decode<{ meta_graphs?: MetaGraph[] }>('SavedModel', fs.readFileSync(file)).meta_graphs ?? [];
  } catch (err) {
    throw new Error(`${file}: not a SavedModel (${(err as Error).message})`);
  }
}

const tagsOf = (m: MetaGraph): string[] => m.meta_info_def?.tags ?? [];
const sameTags = (a: string[], b: string[]): boolean => a.length === b.length && [...a].sort().every((t, i) => t === [...b].sort()[i]);

function metaGraphFor(metas: MetaGraph[], tagSet: string): MetaGraph {
  const tags = tagSet.split(',');
  const found = metas.find((m) => sameTags(tagsOf(m), tags));
  if (!found) throw new Error(`MetaGraphDef associated with tag-set ${tagSet} could not be found in SavedModel`);
  return found;
}

function tensorInfoLines(info: TensorInfo, indent: string): string[] {
  const dims = (info.tensor_shape?.dim ?? []).map((d) => String(toNumber(d.size)));
  const shape = info.tensor_shape?.unknown_rank ? 'unknown_rank' : `(${dims.join(', ')})`;
  return [
    `${indent}    dtype: ${dataTypeName(dtypeFromNumber(info.dtype ?? 0))}`,
    `${indent}    shape: ${shape}`,
    `${indent}    name: ${info.name ?? ''}`,
  ];
}

function signatureKeys(meta: MetaGraph): string[] {
  return Object.keys(meta.signature_def ?? {}).sort();
}

function inputsOutputsLines(meta: MetaGraph, key: string, level: number): string[] {
  const sig = meta.signature_def?.[key];
  if (!sig) throw new Error(`Could not find signature "${key}". Please choose from: ${signatureKeys(meta).join(', ')}`);
  const indent = '  '.repeat(level);
  const lines = [`${indent}The given SavedModel SignatureDef contains the following input(s):`];
  for (const k of Object.keys(sig.inputs ?? {}).sort()) {
    lines.push(`${indent}  inputs['${k}'] tensor_info:`, ...tensorInfoLines(sig.inputs![k], '  '.repeat(level + 1)));
  }
  lines.push(`${indent}The given SavedModel SignatureDef contains the following output(s):`);
  for (const k of Object.keys(sig.outputs ?? {}).sort()) {
    lines.push(`${indent}  outputs['${k}'] tensor_info:`, ...tensorInfoLines(sig.outputs![k], '  '.repeat(level + 1)));
  }
  lines.push(`${indent}Method name is: ${sig.method_name ?? ''}`);
  return lines;
}

export interface ShowOptions {
  tagSet?: string;
  signatureDef?: string;
  all?: boolean;
}

/** `saved_model_cli show`: tag-sets, a tag-set's signature keys, one signature's inputs and outputs, or all. */
export function showSavedModel(dir: string, options: ShowOptions = {}): string {
  const metas = readMetaGraphs(dir);
  const lines: string[] = [];
  if (options.all) {
    for (const meta of [...metas].sort((a, b) => (tagsOf(a).join(', ') < tagsOf(b).join(', ') ? -1 : 1))) {
      lines.push('', `MetaGraphDef with tag-set: '${tagsOf(meta).join(', ')}' contains the following SignatureDefs:`);
      for (const key of signatureKeys(meta)) lines.push('', `signature_def['${key}']:`, ...inputsOutputsLines(meta, key, 1));
      const ops = new Set([
        ...(meta.graph_def?.node ?? []).map((n) => n.op),
        ...(meta.graph_def?.library?.function ?? []).flatMap((f) => (f.node_def ?? []).map((n) => n.op)),
      ]);
      // Python prints a set, in its hash order; sorted here, so that two runs agree.
      const tags = tagsOf(meta).map((t) => `'${t}'`).join(', ');
      lines.push(`The MetaGraph with tag set [${tags}] contains the following ops: {${[...ops].sort().map((o) => `'${o}'`).join(', ')}}`);
    }
  } else if (options.tagSet === undefined) {
    lines.push('The given SavedModel contains the following tag-sets:');
    for (const tags of metas.map((m) => [...tagsOf(m)].sort().join(', ')).sort()) lines.push(`'${tags}'`);
  } else if (options.signatureDef === undefined) {
    const meta = metaGraphFor(metas, options.tagSet);
    lines.push('The given SavedModel MetaGraphDef contains SignatureDefs with the following keys:');
    for (const key of Object.keys(meta.signature_def ?? {}).sort()) lines.push(`SignatureDef key: "${key}"`);
  } else {
    lines.push(...inputsOutputsLines(metaGraphFor(metas, options.tagSet), options.signatureDef, 0));
  }
  return `${lines.join('\n')}\n`;
}

/** A Python literal as JSON: True/False/None and single-quoted strings become JSON's. */
function parsePythonLiteral(text: string, what: string): TensorLike {
  const json = text
    .replace(/\bTrue\b/g, 'true')
    .replace(/\bFalse\b/g, 'false')
    .replace(/'([^'\\]*)'/g, '"$1"')
    .replace(/,\s*([\])])/g, '$1');
  try {
    return JSON.parse(json) as TensorLike;
  } catch {
    throw new Error(`${what}: '${text}' is not a literal list or number (expressions other than literals are not evaluated)`);
  }
}

function splitAssignments(values: string[] | undefined, flag: string): Array<[string, string]> {
  return (values ?? []).flatMap((v) => v.split(';')).filter((v) => v.trim() !== '').map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new Error(`${flag} "${v}" format is incorrect. Please follow "<input_key>=<value>"`);
    return [v.slice(0, eq).trim(), v.slice(eq + 1).trim()];
  });
}

export interface RunOptions {
  tagSet: string;
  signatureDef: string;
  /** `key=file.npy` entries (Python's `--inputs`). */
  inputs?: string[];
  /** `key=[[1,2]]` entries (Python's `--input_exprs`; literals only). */
  inputExprs?: string[];
  /** Save each output as `<outdir>/<key>.npy` instead of printing it (Python's `--outdir`). */
  outdir?: string;
  /** Replace existing output files (Python's `--overwrite`). */
  overwrite?: boolean;
}

/** `saved_model_cli run`: runs a signature on inputs from .npy files or literals and prints each output. */
export async function runSavedModel(dir: string, options: RunOptions): Promise<string> {
  const meta = metaGraphFor(readMetaGraphs(dir), options.tagSet);
  const sig = meta.signature_def?.[options.signatureDef];
  if (!sig) {
    throw new Error(`Could not find signature "${options.signatureDef}". Please choose from: ${signatureKeys(meta).join(', ')}`);
  }
  const feeds: Record<string, Tensor> = {};
  for (const [key, file] of splitAssignments(options.inputs, '--inputs')) feeds[key] = readNpy(file);
  for (const [key, expr] of splitAssignments(options.inputExprs, '--input-exprs')) {
    const info = sig.inputs?.[key];
    if (!info) {
      const valid = Object.keys(sig.inputs ?? {}).sort().map((k) => `"${k}"`).join(', ');
      throw new Error(`"${key}" is not a valid input key. Please choose from ${valid}`);
    }
    const dtype: DType = dtypeFromNumber(info.dtype ?? 1);
    feeds[key] = tensor(parsePythonLiteral(expr, `--input-exprs ${key}`), undefined, dtype);
  }
  const model = await load(dir, { tags: options.tagSet.split(',') });
  try {
    const results = (await model.run(options.signatureDef, feeds)) as Record<string, Tensor>;
    const keys = Object.keys(results).sort();
    if (options.outdir === undefined) return keys.map((k) => `Result for output key ${k}:\n${formatTensor(results[k])}\n`).join('');
    fs.mkdirSync(options.outdir, { recursive: true });
    return keys.map((k) => {
      const file = path.join(options.outdir!, `${k}.npy`);
      if (fs.existsSync(file) && !options.overwrite) {
        throw new Error(`Output file ${file} already exists. Add "--overwrite" to overwrite the existing output files.`);
      }
      writeNpy(file, results[k]);
      return `Output ${k} is saved to ${file}\n`;
    }).join('');
  } finally {
    await model.close();
  }
}
