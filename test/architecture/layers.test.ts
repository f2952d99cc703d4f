// SPDX-License-Identifier: Apache-2.0
// The layering of docs/ARCHITECTURE.md, checked on the code: no runtime import circle in lib/, and no runtime
// import from a lower layer into a higher one. Type-only imports vanish from the JavaScript and are not edges.
import * as fs from 'fs';
import * as path from 'path';

const LIB = path.resolve(__dirname, '..', '..', 'lib');

/** Folder → layer; a file may import at run time only from its own layer or lower ones. */
export const LAYERS: Record<string, number> = {
  binding: 0,
  base: 1,
  proto: 1,
  tensor: 2,
  graph: 3,
  ops: 3,
  session: 4,
  gradients: 5,
  variables: 5,
  'meta-graph': 6,
  checkpoint: 7,
  train: 7,
  nn: 8,
  math: 5,
  random: 5,
  losses: 9,
  metrics: 9,
  layers: 9,
  'control-flow': 6, // below train: the schedules' piecewiseConstant is a tf.case
  monitored: 9, // needs checkpoint (Saver) and summary (FileWriter)
  summary: 8,
  'saved-model': 10,
  copy: 10,
  distributed: 10,
  tools: 11,
  '.': 12, // lib/index.ts
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The lib/ files that `file` imports at run time (import/export … from, bare imports, require). */
export function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^;'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(statement)) {
    if (m[2]) continue; // import type / export type
    const clause = m[3] ?? '';
    // `import { type A, type B } from` is type-only too.
    const names = /\{([^}]*)\}/.exec(clause);
    if (names && !/\*|^\s*\w+\s*,/.test(clause) && names[1].split(',').every((n) => n.trim() === '' || /^\s*type\s/.test(n))) continue;
    specs.push(m[4]);
  }
  for (const m of text.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]);
  return specs.filter((s) => s.startsWith('.')).flatMap((s) => {
    const base = path.resolve(path.dirname(file), s);
    const found = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
    return found ? [found] : [];
  });
}

/** An index.ts made only of `export … from` lines is a public namespace (`tf.train`): it sits with the façade. */
const isNamespace = (file: string) => path.basename(file) === 'index.ts' &&
  fs.readFileSync(file, 'utf8').split('\n').every((l) => /^\s*(\/\/.*)?$/.test(l) || /^export (type )?(\*|\{[^}]*\}) from '[^']+';$/.test(l));

const layerOf = (file: string) => {
  const rel = path.relative(LIB, file).split(path.sep);
  return rel.length === 1 || isNamespace(file) ? '.' : rel[0];
};

describe('lib/ layering', () => {
  const files = sourceFiles(LIB);
  const edges = new Map(files.map((f) => [f, runtimeImports(f)]));

  test('every folder of lib/ has a layer', () => {
    const unknown = [...new Set(files.map(layerOf))].filter((l) => !(l in LAYERS));
    expect(unknown).toEqual([]);
  });

  test('no file imports at run time from a higher layer', () => {
    const upward: string[] = [];
    for (const [from, tos] of edges) {
      for (const to of tos) {
        if (LAYERS[layerOf(to)] > LAYERS[layerOf(from)]) upward.push(`${path.relative(LIB, from)} -> ${path.relative(LIB, to)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  test('no runtime import circle', () => {
    // Tarjan's strongly connected components; any component of two or more files is a circle.
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const circles: string[][] = [];
    const visit = (v: string) => {
      idx.set(v, index); low.set(v, index); index++;
      stack.push(v); onStack.add(v);
      for (const w of edges.get(v) ?? []) {
        if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
      if (low.get(v) === idx.get(v)) {
        const component: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); component.push(path.relative(LIB, w)); } while (w !== v);
        if (component.length > 1 || (edges.get(v) ?? []).includes(v)) circles.push(component.sort());
      }
    };
    for (const f of files) if (!idx.has(f)) visit(f);
    expect(circles).toEqual([]);
  });

  test('the checker sees a circle and an upward import when there is one', () => {
    const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'layers-'));
    fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b';\nimport type { C } from './c';\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "export { a } from './a';\n");
    fs.writeFileSync(path.join(dir, 'c.ts'), "import { type X } from './a';\n");
    expect(runtimeImports(path.join(dir, 'a.ts'))).toEqual([path.join(dir, 'b.ts')]);
    expect(runtimeImports(path.join(dir, 'b.ts'))).toEqual([path.join(dir, 'a.ts')]);
    expect(runtimeImports(path.join(dir, 'c.ts'))).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
