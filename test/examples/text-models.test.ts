// SPDX-License-Identifier: Apache-2.0
// The text examples (on the package root) in child processes, for a few dozen steps each: their losses fall on the
// default text. Both read the TypeScript lib documentation that the `typescript` devDependency ships.
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

function run(example: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'examples', example, 'train.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    // A few seconds each on an idle machine; several times that on two shared cores.
    timeout: 100_000,
  });
  if (r.status !== 0) throw new Error(`${example} ${args.join(' ')} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function averageLosses(stdout: string): number[] {
  return [...stdout.matchAll(/average loss ([\d.]+)/g)].map((m) => Number(m[1]));
}

describe('examples', () => {
  test('lstm: the character model learns (loss far below the uniform ln(vocabulary) within 60 steps)', () => {
    const out = run('lstm', '--steps', '60', '--report-every', '20');
    const m = /initial loss ln\((\d+)\) = ([\d.]+); the loss went from ([\d.]+) to ([\d.]+)/.exec(out);
    expect(m).not.toBeNull();
    const [uniform, first, last] = [Number(m![2]), Number(m![3]), Number(m![4])];
    expect(last).toBeLessThan(first - 0.3);
    expect(last).toBeLessThan(uniform - 1);
    expect(out).toContain('greedy continuation');
  });

  test('word2vec: the NCE loss falls and nearest neighbours are printed', () => {
    const out = run('word2vec', '--steps', '2000', '--report-every', '1000');
    const losses = averageLosses(out);
    expect(losses).toHaveLength(2);
    expect(losses[1]).toBeLessThan(losses[0]);
    expect(out).toMatch(/Nearest neighbours by cosine similarity:\n\s+width\s+→ \S+ \(/);
  });

  test('a bad option is a clear error, not a crash', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'examples', 'lstm', 'train.js'), '--steps', 'many'], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }, timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.signal).toBeNull();
    expect(r.stderr).toContain("--steps needs a positive integer, not 'many'");
  });
});
