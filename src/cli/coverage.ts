/**
 * `npm run coverage` — Vitest's v8 coverage of src/lib and solutions/, in two runs:
 *   1. the kata suite against the solutions (KATA_SUITE=1 KATA_TARGET=solution): which guard branches of
 *      solutions/ a kata test reaches (one no test reaches would let a wrong fix of it pass the kata);
 *   2. the project's own tests (test/): src/lib as the library tests see it.
 * Each prints Vitest's text table; reports go to <out>/katas and <out>/project (HTML in project/index.html).
 * `--quick` runs two katas and two test files only: a smoke form for the README test, with partial figures.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../lib/data/paths.js';
import { kataEnv } from '../course/vitest.js';
import { coverageProgram, QUICK_KATAS, QUICK_PROJECT_TESTS } from './programs/tools.js';
import { exitOnUsageError, parseArgs } from './usage.js';

const opts = exitOnUsageError('coverage', () => parseArgs<{ quick?: boolean; out: string }>(coverageProgram(), process.argv));
const vitest = path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const include = ['--coverage.include=src/lib/**', '--coverage.include=solutions/**'];

function run(label: string, files: string[], env: NodeJS.ProcessEnv, dir: string, reporters: string[]): Promise<number> {
  console.log(`\ncoverage: ${label}`);
  const args = [vitest, 'run', ...files, '--coverage.enabled', ...include, ...reporters.map((r) => `--coverage.reporter=${r}`), `--coverage.reportsDirectory=${dir}`];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: 'inherit' });
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
}

const kataFiles = opts.quick ? QUICK_KATAS.map((k) => path.join(REPO_ROOT, 'katas', k, `${k}.test.ts`)) : [];
const katas = await run(
  `the kata tests against solutions/${opts.quick ? ` (quick: ${QUICK_KATAS.join(', ')})` : ''}`,
  kataFiles,
  kataEnv(REPO_ROOT, 'solution', !!process.stdout.isTTY),
  path.join(opts.out, 'katas'),
  ['text', 'json-summary'],
);
const project = await run(
  `the project's tests${opts.quick ? ` (quick: ${QUICK_PROJECT_TESTS.join(', ')})` : ''}`,
  opts.quick ? QUICK_PROJECT_TESTS : [],
  process.env,
  path.join(opts.out, 'project'),
  ['text-summary', 'json-summary', 'html'],
);
console.log(`\ncoverage: reports in ${path.join(opts.out, 'katas')} and ${path.join(opts.out, 'project')} (HTML: project/index.html)`);
process.exitCode = katas || project;
