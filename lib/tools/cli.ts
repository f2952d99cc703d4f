// SPDX-License-Identifier: Apache-2.0
// `npx node-libtensorflow <command>`: the command-line tools TensorFlow users reach for, with Python's output.
import * as fs from 'fs';
import { parseArgs, type ParseArgsConfig } from 'util';
import { SingleBar } from 'cli-progress';
import { inspectCheckpoint } from './inspect-checkpoint';
import { runSavedModel, showSavedModel } from './saved-model-cli';
import { summarizeGraph } from './summarize-graph';
import { freezeGraph } from './freeze';

const USAGE = `usage: node-libtensorflow <command> [options]

commands:
  inspect-checkpoint <prefix> [--tensor NAME | --all]
  saved-model show --dir D [--tag-set T] [--signature-def S | --all]
  saved-model run --dir D --tag-set T --signature-def S (--inputs x=file.npy | --input-exprs 'x=[[1,2]]')...
      [--outdir D [--overwrite]]
  summarize-graph <graph.pb>
  freeze --input-meta-graph M --input-checkpoint C --output-node-names a,b --output G
`;

/** A usage mistake: printed with the usage text, exit status 2. */
class UsageError extends Error {}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A progress bar on `err` when it is a terminal (never in pipes, files or tests). */
function progressBar(err: NodeJS.WritableStream, label: string): SingleBar | null {
  if (!(err as NodeJS.WriteStream).isTTY) return null;
  return new SingleBar({ stream: err as NodeJS.WriteStream, format: `${label} |{bar}| {value}/{total} {stage}`, clearOnComplete: true });
}

async function dispatch(argv: string[], err: NodeJS.WritableStream): Promise<string> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'inspect-checkpoint': {
      const { values, positionals } = parse(rest, { tensor: { type: 'string' }, all: { type: 'boolean' } });
      if (positionals.length !== 1) throw new UsageError('inspect-checkpoint takes one checkpoint prefix');
      const bar = values.all ? progressBar(err, 'reading tensors') : null;
      try {
        return await inspectCheckpoint(positionals[0], {
          tensor: values.tensor as string | undefined,
          all: Boolean(values.all),
          onProgress: bar ? (done, total) => (done === 1 ? bar.start(total, done, { stage: '' }) : bar.update(done)) : undefined,
        });
      } finally {
        bar?.stop();
      }
    }
    case 'saved-model': {
      const [sub, ...more] = rest;
      const { values, positionals } = parse(more, {
        dir: { type: 'string' },
        'tag-set': { type: 'string' },
        'signature-def': { type: 'string' },
        all: { type: 'boolean' },
        inputs: { type: 'string', multiple: true },
        'input-exprs': { type: 'string', multiple: true },
        outdir: { type: 'string' },
        overwrite: { type: 'boolean' },
      });
      if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
      const dir = required(values, 'dir');
      if (sub === 'show') {
        return showSavedModel(dir, {
          tagSet: values['tag-set'] as string | undefined,
          signatureDef: values['signature-def'] as string | undefined,
          all: Boolean(values.all),
        });
      }
      if (sub === 'run') {
        if (!values.inputs && !values['input-exprs']) throw new UsageError('saved-model run needs --inputs or --input-exprs');
        return runSavedModel(dir, {
          tagSet: required(values, 'tag-set'),
          signatureDef: required(values, 'signature-def'),
          inputs: values.inputs as string[] | undefined,
          inputExprs: values['input-exprs'] as string[] | undefined,
          outdir: values.outdir as string | undefined,
          overwrite: Boolean(values.overwrite),
        });
      }
      throw new UsageError(`saved-model takes 'show' or 'run', not '${sub ?? ''}'`);
    }
    case 'summarize-graph': {
      const { positionals } = parse(rest, {});
      if (positionals.length !== 1) throw new UsageError('summarize-graph takes one GraphDef file');
      return summarizeGraph(fs.readFileSync(positionals[0]), positionals[0]);
    }
    case 'freeze': {
      const { values, positionals } = parse(rest, {
        'input-meta-graph': { type: 'string' },
        'input-checkpoint': { type: 'string' },
        'output-node-names': { type: 'string' },
        output: { type: 'string' },
      });
      if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
      const output = required(values, 'output');
      const bar = progressBar(err, 'freezing');
      const stages = ['import', 'restore', 'freeze'];
      bar?.start(stages.length, 0, { stage: '' });
      let bytes: Uint8Array;
      try {
        bytes = await freezeGraph({
          inputMetaGraph: required(values, 'input-meta-graph'),
          inputCheckpoint: required(values, 'input-checkpoint'),
          outputNodeNames: required(values, 'output-node-names').split(',').map((s) => s.trim()),
          onStage: (stage) => bar?.update(stages.indexOf(stage), { stage }),
        });
      } finally {
        bar?.stop();
      }
      fs.writeFileSync(output, bytes);
      return `Wrote the frozen graph (${bytes.length} bytes) to ${output}\n`;
    }
    case undefined:
    case '--help':
    case 'help':
      return USAGE;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

/** Runs a command line; resolves with the exit status after writing its output. Never throws. */
export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  try {
    out.write(await dispatch(argv, err));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`node-libtensorflow: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    err.write(`node-libtensorflow: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n`);
    return 1;
  }
}
