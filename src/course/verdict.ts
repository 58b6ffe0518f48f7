/**
 * The one verdict of the course: whether a kata's test file passed — "solved" for the runner (`npm run kata N`,
 * also --watch and --browser), "passed" for `kata grade`, "the solution passes" for `kata verify`.
 *
 * Passed only when ALL hold:
 *  - the test process ended normally: Vitest exited 0 by itself (no signal), its JSON report exists, no worker
 *    died and no error happened outside the tests;
 *  - the kata's test file was collected and every test of it ran and passed (skipped, pending and todo tests
 *    never count as passed; the count Vitest collected equals the count it reported);
 *  - the learner's files type-check (./typecheck.ts);
 *  - within the kata's time limit (the watchdog of ./vitest.ts).
 * Anything else gets ONE line that names what happened, in the learner's terms.
 *
 * The events it reads come from ./verdict-setup.ts (inside the test worker: which test was running, an early
 * exit, an abort, a signal the code sent itself) and ./verdict-reporter.ts (Vitest's unhandled errors).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AssertionResult, FileResult, JsonReport } from './vitest.js';
import { isSoftwareRenderer } from './browser.js';

export interface VerdictEvent {
  t: number;
  e: 'file' | 'collected' | 'test' | 'file-end' | 'exit' | 'run-start' | 'run-end' | string;
  file?: string;
  pid?: number;
  test?: string;
  how?: 'reallyExit' | 'abort' | 'signal';
  code?: number;
  signal?: string | number;
  reason?: string;
  errors?: { name: string; message: string; cause?: string; testPath?: string }[];
  modules?: { file: string; state: string; errors: string[]; tests: { title: string; fullName: string; ancestorTitles: string[]; state: string; errors: string[] }[] }[];
}

/** Reads the events file (one JSON object per line); a torn last line is skipped. */
export function readEvents(file: string): VerdictEvent[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: VerdictEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as VerdictEvent);
    } catch {
      // a line cut short by a kill
    }
  }
  return out;
}

export interface TypeProblem {
  /** Path relative to the course root, with forward slashes. */
  file: string;
  line: number;
  col: number;
  /** e.g. 2322 */
  code: number;
  message: string;
}

/** What the verdict looks at, for one run of Vitest. */
export interface RunFacts {
  /** Vitest's exit code (null when a signal ended it). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The JSON report; undefined when Vitest wrote none. */
  report: JsonReport | undefined;
  /** Everything Vitest printed (an out-of-memory death shows there). */
  output: string;
  events: VerdictEvent[];
  /** Test files (absolute) the watchdog stopped, with the limit they ran past; '*' = the whole run. */
  timedOut?: Map<string, number>;
  /** The run was in a browser (Vitest browser mode): no worker events, other wording. */
  browser?: boolean;
  /** Several test files in one run (`kata grade`): exit code 1 is normal when any test anywhere fails. */
  shared?: boolean;
}

export type VerdictKind = 'passed' | 'failed' | 'incomplete' | 'does not load' | 'crashed' | 'timed out' | 'type error' | 'not type-checked';

export interface Verdict {
  passed: boolean;
  kind: VerdictKind;
  /** The one line that says what happened ("" when passed; for "failed" a summary, the runner shows details). */
  line: string;
  tests: { passed: number; total: number };
  /** The file's results as reported (undefined when Vitest reported none). */
  file: FileResult | undefined;
}

const same = (a: string, b: string): boolean => path.resolve(a) === path.resolve(b);

/** The test file's results: from the JSON report, else (watch mode) from the reporter's run-end event. */
export function fileResultOf(testFile: string, facts: Pick<RunFacts, 'report' | 'events'>): FileResult | undefined {
  const fromReport = facts.report?.testResults.find((r) => same(r.name, testFile));
  if (fromReport || facts.report) return fromReport;
  const end = [...facts.events].reverse().find((e) => e.e === 'run-end');
  const m = end?.modules?.find((x) => same(x.file, testFile));
  if (!m) return undefined;
  const status = (s: string): string => (s === 'pending' ? 'pending' : s);
  return {
    name: m.file,
    status: m.state,
    message: m.errors.join('\n'),
    assertionResults: m.tests.map((t) => ({ ancestorTitles: t.ancestorTitles, fullName: t.fullName, title: t.title, status: status(t.state), failureMessages: t.errors })),
  };
}

/** The events of one test file, from its last start on (watch mode re-runs it). */
function eventsOf(testFile: string, events: VerdictEvent[]): VerdictEvent[] {
  const mine = events.filter((e) => e.file !== undefined && same(e.file, testFile));
  const start = mine.map((e) => e.e).lastIndexOf('file');
  return start < 0 ? mine : mine.slice(start);
}

/** Where the test file was when it stopped: "while 'T' was running", "while loading F", .... */
export function whereItStopped(testFile: string, events: VerdictEvent[], root: string): string {
  const mine = eventsOf(testFile, events);
  const last = [...mine].reverse().find((e) => e.e === 'test' || e.e === 'collected' || e.e === 'file' || e.e === 'file-end');
  if (!last) return '';
  if (last.e === 'test') return ` while '${last.test}' was running`;
  if (last.e === 'collected') return ' before the first test (in a beforeAll hook)';
  if (last.e === 'file') return ` while loading ${rel(testFile, root)} and the code it imports`;
  return ' after the last test (in an afterAll hook)';
}

function rel(p: string, root: string): string {
  const r = path.relative(root, p);
  return (r.startsWith('..') ? p : r).split(path.sep).join('/');
}

const OOM = /JavaScript heap out of memory|Reached heap limit|Ineffective mark-compacts near heap limit|Allocation failed/;

function signalLine(sig: string): string {
  if (sig === 'SIGKILL' || sig === '9') return 'the test process died (SIGKILL: out of memory?)';
  if (sig === 'SIGABRT' || sig === '6') return 'the test process died (SIGABRT: process.abort() in your code, or a crash in native code?)';
  return `the test process died (${sig})`;
}

/** Why a test process died, from its own last words (events) and its output. */
function crashLine(testFile: string, facts: RunFacts, root: string): string {
  const where = whereItStopped(testFile, facts.events, root);
  const exit = [...eventsOf(testFile, facts.events)].reverse().find((e) => e.e === 'exit');
  if (OOM.test(facts.output)) return `the test process ran out of memory (the JavaScript heap is full)${where}: tensors or arrays that are never freed, or that grow without end?`;
  if (exit?.how === 'reallyExit') return `the test process exited early (process.exit / reallyExit in your code?)${where}`;
  if (exit?.how === 'abort') return `${signalLine('SIGABRT')}${where}`;
  if (exit?.how === 'signal') return `${signalLine(String(exit.signal))}${where}`;
  return `${signalLine('SIGKILL')}${where}`;
}

/** First "Test timed out in 60000ms" / "Hook timed out" among the failures. */
function vitestTimeout(tests: AssertionResult[], message: string): { title: string; seconds: number } | undefined {
  // Vitest 4's JSON report can carry the timeout's stack, whose first line is its placeholder STACK_TRACE_ERROR;
  // then the test's own duration says how long it ran (a test may set a timeout above the configured one).
  const configured = Number(process.env.KATA_TEST_TIMEOUT) || 60;
  for (const t of tests) {
    const text = t.failureMessages.join('\n');
    const m = /(?:Test|Hook) timed out in (\d+)ms/.exec(text);
    if (t.status === 'failed' && m) return { title: t.title, seconds: Number(m[1]) / 1000 };
    if (t.status === 'failed' && /^\s*Error: STACK_TRACE_ERROR\b/.test(text)) {
      return { title: t.title, seconds: typeof t.duration === 'number' && t.duration > 0 ? Math.round(t.duration / 1000) : configured };
    }
  }
  const m = /Hook timed out in (\d+)ms/.exec(message);
  return m ? { title: '(a hook)', seconds: Number(m[1]) / 1000 } : undefined;
}

/**
 * Why a browser run may have run out of time, from the backend line it printed (src/lib/tf.browser.ts names the
 * adapter): on a software renderer (no GPU) slow is the likely reason; a loop or a never-settling await ends the same way.
 */
export function browserSlowness(output: string): string {
  const line = output.split('\n').find((l) => l.startsWith('backend: '));
  const m = line ? /^backend: (\w+) \(adapter: (.*?)\) — /.exec(line) : null;
  if (m && isSoftwareRenderer(m[2]!)) {
    return `${m[1]} on a software renderer (${m[2]}, no GPU) is slow — an endless loop or a promise that never settles would end the same way`;
  }
  return `slow code${m ? ` on ${m[1]}` : ''}, an endless loop, or a promise that never settles?`;
}

export function typeErrorLine(problems: TypeProblem[]): string {
  const p = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return `type error in ${p.file}:${p.line}:${p.col}: TS${p.code} ${p.message.split('\n')[0]}${more}`;
}

export interface JudgeOptions {
  root: string;
  /** The learner's type errors (./typecheck.ts); undefined or [] when none. */
  typeProblems?: TypeProblem[];
  /** Why the type check could not be done (its checker failed or did not answer): then nothing passes. */
  typecheckError?: string;
}

/**
 * The verdict on one kata's test file after one Vitest run. In order: timed out (watchdog), crashed,
 * does not load, type error, a test that hit Vitest's testTimeout, failed, incomplete, not type-checked, passed.
 */
export function judge(testFile: string, facts: RunFacts, opts: JudgeOptions): Verdict {
  const { root } = opts;
  const file = fileResultOf(testFile, facts);
  const results = file?.assertionResults ?? [];
  const tests = { passed: results.filter((t) => t.status === 'passed').length, total: results.length };
  const verdict = (kind: VerdictKind, line: string): Verdict => ({ passed: kind === 'passed', kind, line, tests, file });
  const mine = eventsOf(testFile, facts.events);
  const where = whereItStopped(testFile, facts.events, root);

  // 1. the watchdog stopped it
  const limit = facts.timedOut?.get(testFile) ?? facts.timedOut?.get('*');
  if (limit !== undefined) {
    return verdict(
      'timed out',
      facts.browser
        ? `did not finish within ${limit} s in the browser${where}: ${browserSlowness(facts.output)}`
        : `your code did not return within ${limit} s${where}: an endless loop, or a promise that never settles?`,
    );
  }
  // 2. the process (Vitest, or the worker that ran this file) did not end normally
  if (facts.signal) return verdict('crashed', OOM.test(facts.output) ? crashLine(testFile, facts, root) : `${signalLine(facts.signal)}${where}`);
  const exited = mine.some((e) => e.e === 'exit');
  const started = mine.some((e) => e.e === 'file');
  const ended = mine.some((e) => e.e === 'file-end');
  const notRun = results.filter((t) => t.status !== 'passed' && t.status !== 'failed');
  const runEnd = [...facts.events].reverse().find((e) => e.e === 'run-end');
  const workerDied = (runEnd?.errors ?? []).some((x) => /Worker exited unexpectedly|Worker forks emitted error|exited unexpectedly/i.test(`${x.message} ${x.cause ?? ''}`));
  const loadError = file?.message ?? '';
  if (exited || (started && !ended && !loadError && (notRun.length > 0 || results.length === 0) && (workerDied || !facts.shared))) {
    return verdict('crashed', crashLine(testFile, facts, root));
  }
  if (!facts.report && !runEnd) {
    return verdict('crashed', OOM.test(facts.output) ? crashLine(testFile, facts, root) : `the test process ended without a report (exit ${facts.exitCode ?? '?'})${where}`);
  }
  if (!facts.shared && workerDied) return verdict('crashed', crashLine(testFile, facts, root));
  // 3. the test file could not run (a parse error is a type error too: this says more)
  if (!file || results.length === 0) {
    const first = loadError.split('\n').find((l) => l.trim() !== '')?.trim();
    return verdict('does not load', first ? `the test file could not run: ${first}` : 'Vitest reported no tests for this kata');
  }
  // 4. the learner's files do not type-check
  if (opts.typeProblems?.length) return verdict('type error', typeErrorLine(opts.typeProblems));
  const failed = results.filter((t) => t.status === 'failed');
  // 5. a promise that never settled inside a test: Vitest's testTimeout
  const slow = vitestTimeout(results, loadError);
  if (slow) {
    return verdict(
      'timed out',
      facts.browser
        ? `'${slow.title}' did not finish within ${slow.seconds} s (Vitest's test timeout) in the browser: ${browserSlowness(facts.output)}`
        : `'${slow.title}' timed out after ${slow.seconds} s (Vitest's test timeout): an await on a promise that never settles?`,
    );
  }
  // 6. failures
  if (failed.length) {
    const skipped = notRun.length ? `; ${notRun.length} slow test${notRun.length === 1 ? '' : 's'} not run: the fast ones fail first` : '';
    return verdict('failed', `${failed.length} of ${results.length} tests fail${skipped}`);
  }
  if (loadError) return verdict('failed', `an error in the test file: ${loadError.split('\n')[0]}`);
  // 7. tests that did not run are never a pass
  if (notRun.length) {
    const kinds = [...new Set(notRun.map((t) => t.status))].join('/');
    return verdict('incomplete', `${notRun.length} of ${results.length} tests did not run (${kinds}): every test must run and pass`);
  }
  const collected = runEnd?.modules?.find((m) => same(m.file, testFile))?.tests.length;
  if (collected !== undefined && collected !== results.length) {
    return verdict('incomplete', `Vitest collected ${collected} tests but reported ${results.length}`);
  }
  // 8. anything else that went wrong outside the tests
  const outside = (runEnd?.errors ?? []).filter((x) => !facts.shared || (x.testPath !== undefined && same(x.testPath, testFile)));
  if (outside.length) return verdict('failed', `an error outside the tests: ${outside[0]!.name}: ${outside[0]!.message.split('\n')[0]}`);
  if (!facts.shared && facts.exitCode !== 0) return verdict('failed', `Vitest exited with code ${facts.exitCode} although every test passed (see --verbose)`);
  if (!facts.report && !facts.events.length) return verdict('crashed', 'the test process ended without a report');
  // 9. every test passed, but whether the files type-check is unknown: a pass must mean they do
  if (opts.typecheckError) return verdict('not type-checked', `every test passes, but your files could not be type-checked (${opts.typecheckError}): run it again`);
  return verdict('passed', '');
}
