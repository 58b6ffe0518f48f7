/**
 * `npm run mutate [N]` — StrykerJS mutation testing of solutions/, one kata at a time.
 *
 * For kata N: Stryker mutates solutions/NN-name/<the kata's files> (one syntactic change per mutant:
 * a flipped condition, a removed call, another constant …), drops the mutants that do not type-check
 * (TypeScript checker, the project's tsconfig), and runs that kata's own test file against each remaining
 * mutant — the kata suite of vitest.config.ts (KATA_SUITE=1) with KATA_TARGET=solution, so the test imports
 * of katas/NN-name/*.ts resolve to the (mutated) solution. A mutant the tests still pass is a wrong fix
 * the kata would accept. The score per kata = (killed + timed out) / (killed + timed out + survived +
 * no coverage); the course's bar is 90% (docs/instructor-guide.md, "Mutation testing").
 *
 * Stryker works in a sandbox copy (.stryker-tmp/, removed afterwards); reports go to reports/mutation/<kata>/.
 * Both are git-ignored. The machine this was written on has 2 cores: concurrency defaults to 1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MutantResult, PartialStrykerOptions } from '@stryker-mutator/api/core';
import { findKata, kataPaths, loadManifest, repoRoot, type Kata } from '../course/manifest.js';
import { mutateProgram } from './programs/tools.js';
import { exitOnUsageError, parseArgs, UsageError } from './usage.js';

interface Opts {
  lines?: string;
  concurrency: number;
  timeout: number;
  dryRun?: boolean;
  check: boolean;
}

const program = mutateProgram();
const opts = exitOnUsageError('mutate', () => parseArgs<Opts>(program, process.argv));
const manifest = loadManifest(repoRoot);
const query = program.args[0];

const katas: Kata[] = exitOnUsageError('mutate', () => {
  if (query === undefined) return manifest.katas;
  const k = findKata(manifest, query);
  if (!k) throw new UsageError(`kata: expected one of ${manifest.katas.map((x) => x.id).join(', ')} (or a kata's name), got ${JSON.stringify(query)}`);
  return [k];
});
exitOnUsageError('mutate', () => {
  if (opts.lines && (katas.length !== 1 || katas[0]!.files.length !== 1)) throw new UsageError(`--lines: expected one kata with one solution file, got ${katas.length === 1 ? `kata ${katas[0]!.id} with ${katas[0]!.files.length} files` : `${katas.length} katas (name one)`}`);
});

const rel = (p: string): string => path.relative(repoRoot, p).split(path.sep).join('/');

/**
 * The TypeScript checker type-checks every mutant: with the project's whole tsconfig that is seconds per
 * mutant. This one (the project's settings, only the kata's solution files and what they import) is enough to
 * drop the mutants that do not compile. Written at the repo root (git-ignored) so the sandbox copy has it.
 */
function checkerTsconfig(kata: Kata): string {
  const file = 'tsconfig.mutate.json';
  const include = kataPaths(kata, repoRoot).solutions.map(rel);
  writeFileSync(path.join(repoRoot, file), JSON.stringify({ extends: './tsconfig.json', include }, null, 2) + '\n');
  return file;
}

/** Stryker's options for one kata (exported shape: see test/mutate.test.ts). */
function strykerOptions(kata: Kata): PartialStrykerOptions {
  const p = kataPaths(kata, repoRoot);
  const reportDir = path.join('reports', 'mutation', kata.name);
  return {
    mutate: p.solutions.map((f) => rel(f) + (opts.lines ? `:${opts.lines}` : '')),
    testRunner: 'vitest',
    vitest: { configFile: 'vitest.config.ts', related: false },
    testFiles: [rel(p.test)],
    checkers: opts.check ? ['typescript'] : [],
    tsconfigFile: checkerTsconfig(kata),
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    coverageAnalysis: 'perTest',
    concurrency: opts.concurrency,
    // A mutant's time limit: 3 x its covering tests' dry-run time + 20 s (--timeout) + the dry run's overhead (vitest start, tfjs
    // load). Measured: with 5 s + 2x, at load 20-24 on 2 cores, 24 of kata 01's 64 mutants 'timed out' although most
    // cannot loop (a false timeout counts as detected: it inflates the score). Real endless loops in mutated code are
    // mostly stopped sooner by Stryker's hit limit; the others cost this limit plus a runner restart.
    timeoutMS: opts.timeout * 1000,
    timeoutFactor: 3,
    dryRunOnly: !!opts.dryRun,
    reporters: ['progress', 'clear-text', 'html', 'json'],
    htmlReporter: { fileName: path.join(reportDir, 'index.html') },
    jsonReporter: { fileName: path.join(reportDir, 'mutation.json') },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    tempDirName: '.stryker-tmp',
    cleanTempDir: true,
    // The sandbox needs the kata machinery, data and models; not the docs, reports or caches.
    ignorePatterns: ['docs', 'bench', 'reports', 'runs', 'coverage', '.cache', 'scratch', '.kata-backups', '.kata-progress.json*', '*.log'],
    fileLogLevel: 'off' as PartialStrykerOptions['fileLogLevel'],
    logLevel: (process.env.MUTATE_LOG ?? 'info') as PartialStrykerOptions['logLevel'],
    allowConsoleColors: false,
  };
}

interface Score {
  kata: Kata;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  compileError: number;
  runtimeError: number;
  /** Mutants disabled by a `// Stryker disable …: reason` comment in the solution (not in the score; the guide lists them). */
  ignored: number;
  score: number;
  survivors: string[];
}

function score(kata: Kata, results: MutantResult[]): Score {
  const n = (s: string): number => results.filter((r) => r.status === s).length;
  const killed = n('Killed');
  const timeout = n('Timeout');
  const survived = n('Survived');
  const noCoverage = n('NoCoverage');
  const detected = killed + timeout;
  const valid = detected + survived + noCoverage;
  const survivors = results
    .filter((r) => r.status === 'Survived' || r.status === 'NoCoverage')
    .map((r) => `${r.fileName ? rel(path.resolve(repoRoot, r.fileName)) : '?'}:${r.location.start.line}:${r.location.start.column + 1} ${r.mutatorName} ${r.status}: ${(r.replacement ?? '').replace(/\s+/g, ' ').slice(0, 100)}`);
  return { kata, killed, timeout, survived, noCoverage, compileError: n('CompileError'), runtimeError: n('RuntimeError'), ignored: n('Ignored'), score: valid ? (100 * detected) / valid : 100, survivors };
}

// The kata suite of vitest.config.ts against the solutions; the sandbox is the course root (cwd of Stryker's workers).
process.env.KATA_SUITE = '1';
process.env.KATA_TARGET = 'solution';
process.env.KATA_MUTATE = '1'; // vitest.config.ts: keep the worker (and tfjs) between mutant runs
delete process.env.KATA_ROOT;
delete process.env.KATA_OTHER_KATAS;
process.env.NO_COLOR = '1';
process.chdir(repoRoot);

const { Stryker } = await import('@stryker-mutator/core');
const scores: Score[] = [];
for (const kata of katas) {
  console.log(`\nmutate: kata ${kata.name} — mutating ${kata.files.map((f) => `solutions/${kata.name}/${f}`).join(', ')}${opts.lines ? ` lines ${opts.lines}` : ''}, killers: katas/${kata.name}/${kata.name}.test.ts`);
  mkdirSync(path.join(repoRoot, 'reports', 'mutation', kata.name), { recursive: true });
  const started = Date.now();
  let results: MutantResult[];
  try {
    results = await new Stryker(strykerOptions(kata)).runMutationTest();
  } catch (e) {
    console.error(`mutate: kata ${kata.name}: Stryker failed: ${(e as Error).message.split('\n')[0]}`);
    process.exitCode = 1;
    continue;
  }
  const secs = Math.round((Date.now() - started) / 1000);
  if (opts.dryRun) {
    console.log(`mutate: kata ${kata.name}: the initial test run passed in ${secs} s (dry run: no mutant run; Stryker's log above counts them)`);
    continue;
  }
  const s = score(kata, results);
  scores.push(s);
  console.log(`mutate: kata ${kata.name}: ${s.score.toFixed(1)}% in ${secs} s (${s.killed + s.timeout + s.survived + s.noCoverage} mutants run, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at the end)`);
}

if (scores.length > 0) {
  console.log('\nmutation score per kata (bar: 90%)');
  console.log('kata                     score  killed  timeout  survived  no-cov  compile-err  ignored');
  for (const s of scores) {
    console.log(
      `${s.kata.name.padEnd(24)} ${`${s.score.toFixed(1)}%`.padStart(6)}  ${String(s.killed).padStart(6)}  ${String(s.timeout).padStart(7)}  ${String(s.survived).padStart(8)}  ${String(s.noCoverage).padStart(6)}  ${String(s.compileError).padStart(11)}  ${String(s.ignored).padStart(7)}`,
    );
  }
  for (const s of scores.filter((x) => x.survivors.length > 0)) {
    console.log(`\nsurvivors of ${s.kata.name} (wrong fixes its tests accept, or equivalent mutants: see docs/instructor-guide.md):`);
    for (const line of s.survivors) console.log(`  ${line}`);
  }
  if (scores.some((s) => s.score < 90)) process.exitCode = 1;
}
