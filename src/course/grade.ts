/**
 * `kata grade` (for instructors): every kata's tests against the learner's files, in one Vitest run
 * (KATA_TARGET=starter and NO swap of other katas' files: the capstone is graded with the learner's own
 * pieces), with tamper evidence from katas/checksums.json (./checksums.ts).
 *
 * It never reads nor writes the learner's .kata-progress.json: the tests are the only evidence.
 *
 * Status of a kata, in order of precedence:
 *   "tests modified"  a protected file of that kata, or one shared by all katas, differs from the list
 *                     (or the list is missing/malformed): the tests still run, the kata does not pass;
 *   "missing"         one of the learner's files (manifest `files`) does not exist (its tests are not run);
 *   "caught up"       every learner file of the kata is the reference solution (modulo whitespace: ./solution-copy.ts),
 *                     as `kata catch-up` leaves it: the tests run for information, it never counts as the learner's pass;
 *   "does not load"   the test file produced no test results: a learner file does not compile or throws
 *                     at import (message: the first line of the error);
 *   "timed out"       the kata's file ran past its time limit (manifest timeLimitSeconds; its worker was stopped,
 *                     the other katas go on) or a test hit Vitest's test timeout (a promise that never settles);
 *   "crashed"         the test process of the kata died (a signal, process.exit/reallyExit, abort, out of memory);
 *   "type error"      the learner's files (or the katas/ files they import) do not type-check (./typecheck.ts);
 *   "not type-checked" every test passes but the type check could not be done (its checker failed or did not
 *                     answer): run grade again;
 *   "failed"          at least one test fails (message: the first failing test), or a test did not run;
 *   "passed"          every test passes.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkCourse, CHECKSUMS_FILE, describeChange, type CourseCheck } from './checksums.js';
import { kataPaths, loadManifest, repoRoot, timeLimits, type Kata } from './manifest.js';
import { startTypecheck, type TypecheckRun } from './typecheck.js';
import { judge, type JudgeOptions, type RunFacts } from './verdict.js';
import { matchSolution } from './solution-copy.js';
import { runSuite, testTimeoutArgs, trimFailure, type AssertionResult, type FileResult } from './vitest.js';

export type GradeStatus = 'passed' | 'failed' | 'tests modified' | 'does not load' | 'missing' | 'caught up' | 'crashed' | 'timed out' | 'type error' | 'not type-checked';

export interface KataGrade {
  id: number;
  name: string;
  passed: boolean;
  status: GradeStatus;
  /** Tests as run on the learner's files (also for "tests modified", for information). */
  tests: { passed: number; total: number };
  /**
   * Vitest's time for the kata's test file: importing it (the learner's code included) and running its tests
   * and hooks. Files run in parallel, so these add up to more than the wall-clock time. 0 when not run.
   */
  seconds: number;
  /** Why it did not pass: the changed files, the missing file, the load error, the first failing test. */
  message?: string;
  /** The individual results (for JUnit), in file order. */
  results: AssertionResult[];
  /** Learner files identical to the reference solution (modulo whitespace); absent when none. */
  identicalToSolution?: string[];
}

export interface GradeResult {
  katas: KataGrade[];
  course: CourseCheck;
  /** Wall-clock seconds of the whole grading run. */
  seconds: number;
  backendLine: string | undefined;
}

export interface GradeOptions {
  root: string;
  onLine?: (line: string) => void;
}

/**
 * The first informative line of an error (skips the "Transform failed with 1 error:" lead). With `place`, a
 * line that names no file gets the first file:line:col of the message appended (a parse error's place).
 */
export function firstErrorLine(message: string, root: string, place = true): string {
  const lines = trimFailure(message, root, 50)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const i = lines.findIndex((l) => !/^(Transform failed with \d+ errors?:?|\[vite\].*:)$/i.test(l));
  const first = lines[Math.max(0, i)] ?? '(no message)';
  // A parse error's first line has no place ("[PARSE_ERROR] Expected `,` ..."): add the file:line:col it shows below.
  const where = /([^\s[\]()]+\.[cm]?[jt]sx?:\d+:\d+)/;
  if (!place || where.test(first)) return first;
  const loc = lines.map((l) => where.exec(l)?.[1]).find((x) => x !== undefined);
  if (!loc) return first;
  const abs = path.resolve(repoRoot, loc);
  const rel = path.relative(root, abs);
  return `${first} (at ${rel.startsWith('..') ? loc : rel.split(path.sep).join('/')})`;
}

/** Import + tests + hooks (timing reporter); else the JSON report's span of the tests; 0 when not run. */
function secondsOf(file: FileResult | undefined, measured: Record<string, number> | undefined): number {
  if (!file) return 0;
  const m = Object.entries(measured ?? {}).find(([f]) => path.resolve(f) === path.resolve(file.name))?.[1];
  if (m !== undefined) return Math.round(m * 100) / 100;
  if (typeof file.startTime !== 'number' || typeof file.endTime !== 'number') return 0;
  return Math.round(Math.max(0, file.endTime - file.startTime) / 10) / 100;
}

function gradeOne(kata: Kata, root: string, course: CourseCheck, facts: RunFacts, types: Pick<JudgeOptions, 'typeProblems' | 'typecheckError'>, missing: string[], measured: Record<string, number> | undefined): KataGrade {
  // The one verdict (./verdict.ts) on this kata's file in the shared run.
  const verdict = judge(kataPaths(kata, root).test, facts, { root, ...types });
  const file = verdict.file;
  const match = matchSolution(kata, root);
  const identical = match.filter((x) => x.identical).map((x) => x.file);
  const base = { id: kata.id, name: kata.name, ...(identical.length ? { identicalToSolution: identical } : {}) };
  const results = file?.assertionResults ?? [];
  const tests = { passed: results.filter((t) => t.status === 'passed').length, total: results.length };
  const seconds = secondsOf(file, measured);
  const changed = course.changed.filter((c) => c.kata === undefined || c.kata === kata.name);
  if (course.problem || changed.length) {
    const message = course.problem ?? `changed: ${changed.map(describeChange).join(', ')}`;
    return { ...base, passed: false, status: 'tests modified', tests, seconds, message, results };
  }
  if (missing.length) {
    return { ...base, passed: false, status: 'missing', tests, seconds, message: `${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist`, results };
  }
  if (identical.length === match.length) {
    return { ...base, passed: false, status: 'caught up', tests, seconds, message: `identical to the solution: ${identical.join(', ')}`, results };
  }
  if (verdict.kind === 'crashed' || verdict.kind === 'timed out' || verdict.kind === 'type error' || verdict.kind === 'not type-checked') {
    return { ...base, passed: false, status: verdict.kind, tests, seconds, message: verdict.line, results };
  }
  if (!file || results.length === 0) {
    const message = file?.message ? firstErrorLine(file.message, root) : 'Vitest reported no tests for this kata';
    return { ...base, passed: false, status: 'does not load', tests, seconds, message, results };
  }
  const failed = results.find((t) => t.status === 'failed');
  if (failed) {
    const why = firstErrorLine((failed.failureMessages ?? []).join('\n'), root, false);
    return { ...base, passed: false, status: 'failed', tests, seconds, message: `${failed.title}: ${why}`, results };
  }
  if (file.message) {
    return { ...base, passed: false, status: 'failed', tests, seconds, message: firstErrorLine(file.message, root), results };
  }
  if (!verdict.passed) return { ...base, passed: false, status: 'failed', tests, seconds, message: verdict.line, results };
  return { ...base, passed: true, status: 'passed', tests, seconds, results };
}

/**
 * The learner's files of a kata and the files of other katas they import (relative imports, transitively: `import …
 * from`, `export … from`, a bare `import './x.js'` and `import('./x.js')`), whose type errors count against the kata.
 */
export function kataSources(kata: Pick<Kata, 'name' | 'files'>, root: string): string[] {
  const katas = path.join(root, 'katas') + path.sep;
  const seen = new Set<string>();
  const visit = (f: string): void => {
    if (seen.has(f) || !existsSync(f)) return;
    seen.add(f);
    for (const m of readFileSync(f, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(f), m[1]!).replace(/\.js$/, '.ts');
      if (target.startsWith(katas) && !target.endsWith('.test.ts')) visit(target);
    }
  };
  for (const f of kataPaths(kata, root).files) visit(f);
  return [...seen];
}

/**
 * Grades the course at `root`: one Vitest run of every kata, each file under its own time limit (a looping file's
 * worker is stopped, the other files go on), the type check of every learner file side by side.
 */
export async function grade(opts: GradeOptions): Promise<GradeResult> {
  const { root } = opts;
  const t0 = performance.now();
  const manifest = loadManifest(root);
  const course = checkCourse(root, manifest);
  const missingOf = new Map<string, string[]>();
  const files: string[] = [];
  for (const k of manifest.katas) {
    const p = kataPaths(k, root);
    const missing = p.files.filter((f) => !existsSync(f)).map((f) => path.relative(root, f).split(path.sep).join('/'));
    missingOf.set(k.name, missing);
    if (missing.length === 0 && existsSync(p.test)) files.push(p.test);
  }
  let facts: RunFacts = { exitCode: 0, signal: null, report: { success: true, numTotalTests: 0, numFailedTests: 0, testResults: [] }, output: '', events: [], shared: true };
  let backendLine: string | undefined;
  let measured: Record<string, number> | undefined;
  let types: TypecheckRun = { problems: new Map(), seconds: 0 };
  if (files.length) {
    const graded = manifest.katas.filter((k) => (missingOf.get(k.name) ?? []).length === 0);
    const typecheck = startTypecheck(root, graded.flatMap((k) => kataPaths(k, root).files));
    const limits = new Map(graded.map((k) => [kataPaths(k, root).test, timeLimits(k).node]));
    const run = await runSuite({ root, target: 'starter', files, timings: true, limits, ...testTimeoutArgs(), ...(opts.onLine ? { onLine: opts.onLine } : {}) });
    facts = { ...run, shared: true };
    backendLine = run.backendLine;
    measured = run.seconds;
    types = await typecheck;
  }
  const katas = manifest.katas.map((k) => {
    const problems = kataSources(k, root).flatMap((f) => types.problems.get(f) ?? []);
    return gradeOne(k, root, course, facts, { typeProblems: problems, typecheckError: types.error }, missingOf.get(k.name) ?? [], measured);
  });
  return { katas, course, seconds: Math.round((performance.now() - t0) / 100) / 10, backendLine };
}

export interface GradeScore {
  /** Katas whose status is "passed". */
  passed: number;
  total: number;
  /** Katas whose status is "caught up" (the reference files): in `total`, never in `passed`, their tests not in `tests`. */
  caughtUp: number;
  /** 100 · passed / total, one decimal (0 for a course without katas). */
  percent: number;
  /** Partial credit per test: the tests of the katas graded on unmodified tests ("passed"/"failed"). */
  tests: { passed: number; total: number };
}

export function scoreOf(result: GradeResult): GradeScore {
  const passed = result.katas.filter((k) => k.passed).length;
  const total = result.katas.length;
  const trusted = result.katas.filter((k) => k.status === 'passed' || k.status === 'failed');
  return {
    passed,
    total,
    caughtUp: result.katas.filter((k) => k.status === 'caught up').length,
    percent: total ? Math.round((1000 * passed) / total) / 10 : 0,
    tests: { passed: trusted.reduce((a, k) => a + k.tests.passed, 0), total: trusted.reduce((a, k) => a + k.tests.total, 0) },
  };
}

/** The `--json` object (documented in docs/instructor-guide.md, "Grading a class"). */
export function gradeJson(result: GradeResult) {
  return {
    katas: result.katas.map((k) => ({
      id: k.id,
      name: k.name,
      passed: k.passed,
      status: k.status,
      tests: k.tests,
      seconds: k.seconds,
      ...(k.message !== undefined ? { message: k.message } : {}),
      ...(k.identicalToSolution ? { identicalToSolution: k.identicalToSolution } : {}),
    })),
    score: scoreOf(result),
    course: {
      fingerprint: result.course.fingerprint ?? null,
      checksums: CHECKSUMS_FILE,
      protectedFiles: result.course.files,
      changed: result.course.changed.map((c) => ({ file: c.file, change: c.change, kata: c.kata ?? null })),
      ...(result.course.problem ? { problem: result.course.problem } : {}),
    },
    backend: result.backendLine?.replace(/^backend: /, '') ?? null,
    seconds: result.seconds,
  };
}

export function shortFingerprint(fp: string | undefined): string {
  return fp ? `sha256:${fp.slice(0, 16)}` : 'none';
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** Plain-text table and summary lines of a grade result (the CLI colours them); --json has the full messages. */
export function formatGradeTable(result: GradeResult): string[] {
  const rows = result.katas.map((k) => [
    k.name,
    k.passed ? 'yes' : 'no',
    `${k.tests.passed}/${k.tests.total}`,
    k.seconds.toFixed(1),
    clip((k.message ? `${k.status}: ${k.message}` : k.status) + (k.identicalToSolution && k.status !== 'caught up' ? ` (identical to the solution: ${k.identicalToSolution.join(', ')})` : ''), 120),
  ]);
  const header = ['kata', 'passed', 'tests', 'seconds', 'status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = new Set([2, 3]);
  const fmt = (r: string[]): string =>
    r.map((c, i) => (i === r.length - 1 ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const s = scoreOf(result);
  const c = result.course;
  return [
    fmt(header),
    widths.map((w, i) => (i === widths.length - 1 ? '-'.repeat(6) : '-'.repeat(w))).join('  '),
    ...rows.map(fmt),
    '',
    `score: ${s.passed}/${s.total} katas passed (${s.percent}%)${s.caughtUp ? `, ${s.caughtUp} caught up (reference files: not passed, tests not counted)` : ''}, ${s.tests.passed}/${s.tests.total} tests in katas with unmodified tests; ${result.seconds.toFixed(1)} s`,
    `course fingerprint: ${shortFingerprint(c.fingerprint)}` +
      (c.problem
        ? ` — ${c.problem}`
        : c.changed.length
          ? ` — ${c.changed.length} of ${c.files} protected files changed: ${c.changed.map(describeChange).join(', ')}`
          : ` — all ${c.files} protected files match ${CHECKSUMS_FILE}`),
  ];
}
