/**
 * The layers of the project, read from the import statements of every TypeScript file:
 *
 *   src/lib        the toolkit the katas import: imports nothing from solutions/, katas/, src/course, src/reference,
 *                  src/cli or bench/
 *   src/course     the course machinery (manifest, runner, verdict, verify, grade, checksums, progress, reset,
 *                  finding a browser, UI): src/lib and itself
 *   solutions/     the answer key: src/lib and other solutions (and the capstone's given seed-data.ts)
 *   src/reference  the reference pipeline assembled from solutions/: src/lib and solutions/
 *   bench/         benchmark workloads and formatting: src/lib (and src/course to run kata files in a browser)
 *   src/cli        the commands: anything below them
 *
 * and no import circle at run time (type-only imports are erased; a circle through tf.ts's top-level await deadlocks module loading).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && !f.startsWith('test/fixtures/'));

/** `import … from './x.js'`, `export … from './x.js'`, `import './x.js'` and `import('./x.js')`. */
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|(?:^|\n)\s*import\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Relative imports of a file, as repository paths of .ts files; `typeOnly`: `import type`/`export type` (erased). */
function importsOf(file: string, { typeOnly }: { typeOnly: boolean }): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    if (!typeOnly && /^\s*(?:import|export)\s+type\s/.test(m[0])) continue;
    out.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts'));
  }
  return out;
}

/** Every import, type-only ones included: the layer rules hold for types too. */
const graph = new Map(files.map((f) => [f, importsOf(f, { typeOnly: true })]));
/** The imports that exist at run time: a type-only import is erased, so it cannot close a loading circle. */
const runtimeGraph = new Map(files.map((f) => [f, importsOf(f, { typeOnly: false })]));

/** Which layer a repository path belongs to. */
function layer(f: string): string {
  for (const l of ['src/lib', 'src/course', 'src/reference', 'src/cli', 'solutions', 'katas', 'bench', 'test']) if (f.startsWith(l + '/')) return l;
  return '(top level)';
}

const ALLOWED: Record<string, string[]> = {
  'src/lib': ['src/lib'],
  solutions: ['src/lib', 'solutions', 'katas'],
  'src/reference': ['src/lib', 'src/reference', 'solutions'],
  'src/course': ['src/lib', 'src/course'],
  bench: ['src/lib', 'src/course', 'bench'],
};

describe('layers: who may import whom', () => {
  for (const [from, allowed] of Object.entries(ALLOWED)) {
    it(`${from} imports only ${allowed.join(', ')}`, () => {
      const bad: string[] = [];
      for (const [f, deps] of graph) {
        if (layer(f) !== from) continue;
        for (const d of deps) if (!allowed.includes(layer(d))) bad.push(`${f} → ${d}`);
      }
      expect(bad, `imports across the layers:\n${bad.join('\n')}`).toEqual([]);
    });
  }

  it("solutions/ import from katas/ only the capstone's given seed-data.ts (never a learner's file)", () => {
    const bad = [...graph].flatMap(([f, deps]) => (layer(f) === 'solutions' ? deps.filter((d) => layer(d) === 'katas' && d !== 'katas/10-capstone/seed-data.ts').map((d) => `${f} → ${d}`) : []));
    expect(bad).toEqual([]);
  });

  it('the checker sees the imports (a known edge is found)', () => {
    expect(graph.get('src/reference/run.ts')).toContain('solutions/02-training-loop/training-loop.ts');
  });

  it('type-only imports are told apart (a known type-only edge is not a run-time edge)', () => {
    expect(graph.get('src/course/verdict.ts')).toContain('src/course/vitest.ts');
    expect(runtimeGraph.get('src/course/verdict.ts')).not.toContain('src/course/vitest.ts');
  });

  it('no import circle at run time', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const d of runtimeGraph.get(f) ?? []) {
        if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].join(' → '));
        else if (!state.has(d) && runtimeGraph.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles, cycles.join('\n')).toEqual([]);
  });
});
