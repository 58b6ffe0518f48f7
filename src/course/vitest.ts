/**
 * Runs the kata suite in a child Vitest process (the project's vitest.config.ts with KATA_SUITE=1)
 * and reads its JSON report. Used by the kata runner and by `kata verify`.
 *
 * Vitest is started as `node node_modules/vitest/vitest.mjs` — the same binary `npx vitest`
 * resolves to, without npx's second of start-up.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { removeOnExit } from './cleanup.js';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './manifest.js';
import type { KataLogReport } from './kata-reporter.js';
import { killGroup, ownGroup } from './processes.js';
import { readEvents, type RunFacts, type VerdictEvent } from './verdict.js';

export type Target = 'starter' | 'solution';

export interface AssertionResult {
  ancestorTitles: string[];
  fullName: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled' | string;
  title: string;
  failureMessages: string[];
  /** Milliseconds the test ran (Vitest's JSON report). */
  duration?: number | null;
}

export interface FileResult {
  /** Absolute path of the test file. */
  name: string;
  status: 'passed' | 'failed' | string;
  /** A file-level error (import failure, error thrown outside tests); "" when none. */
  message: string;
  assertionResults: AssertionResult[];
  /** When Vitest started and finished the file (ms since the epoch). */
  startTime?: number;
  endTime?: number;
}

export interface JsonReport {
  success: boolean;
  numTotalTests: number;
  numFailedTests: number;
  testResults: FileResult[];
}

export interface SuiteRun extends RunFacts {
  /** The parsed report, or undefined when Vitest wrote none (it crashed before the end). */
  report: JsonReport | undefined;
  /** Vitest's exit code (null when a signal ended it: see `signal`). */
  exitCode: number | null;
  /** Everything it printed (stdout and stderr interleaved). */
  output: string;
  /** The backend line printed by the global setup, if seen. */
  backendLine: string | undefined;
  /** What each test printed and its text annotations (./kata-reporter.ts); undefined when Vitest wrote none. */
  logs?: KataLogReport;
  /** With `timings`: seconds per test file (absolute path), import + tests + hooks (./timing-reporter.ts). */
  seconds?: Record<string, number>;
}

export const vitestBin = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');

/** The environment for a kata-suite child: no inherited VITEST_* state from a parent test run. */
export function kataEnv(root: string, target: Target, color = false, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    // Colour is decided per run (colour libraries treat any FORCE_COLOR, even "0", differently).
    if (k.startsWith('VITEST') || k === 'TEST' || k === 'NODE_ENV' || k === 'FORCE_COLOR' || k === 'NO_COLOR') continue;
    if (k === 'KATA_OTHER_KATAS' || k === 'KATA_ALL' || k === 'KATA_LOG_FILE' || k === 'KATA_EVENTS_FILE' || k === 'KATA_TIMING_FILE') continue; // set per run, never inherited
    if (k === 'KATA_IN_BROWSER' || k === 'KATA_BROWSER_PATH' || k === 'KATA_BROWSER_BACKEND') continue; // browser mode: per run (extraEnv)
    env[k] = v;
  }
  env.KATA_SUITE = '1';
  env.KATA_ROOT = root;
  env.KATA_TARGET = target;
  if (color) env.FORCE_COLOR = '1';
  else env.NO_COLOR = '1';
  return env;
}

export interface RunSuiteOptions {
  /** Only the tests whose full name matches (Vitest's --testNamePattern); the others are reported as skipped. */
  testNamePattern?: string;
  root: string;
  target: Target;
  /**
   * 'solution': imports from one kata of ANOTHER kata's files get that kata's solution (vitest.config.ts,
   * KATA_OTHER_KATAS). `kata verify` sets it for the starter run, so the capstone's starting file is judged
   * with working pieces from katas 01–05.
   */
  otherKatas?: 'solution';
  /** Test files to run (absolute); all of the kata suite when empty. */
  files?: string[];
  /** Also use Vitest's default reporter and stream its output live. */
  stream?: boolean;
  /** Called with each line of output as it arrives (e.g. to echo the backend line at once). */
  onLine?: (line: string) => void;
  /** More environment for the child, e.g. browser mode (browserEnv in src/course/browser.ts). */
  extraEnv?: NodeJS.ProcessEnv;
  /** Also measure each file's import + run time (`kata grade`). */
  timings?: boolean;
  /** Run every test: no slow tier skipped after a fast failure (KATA_ALL=1, test/support/tiers.ts). */
  all?: boolean;
  /**
   * The watchdog: seconds each test file (absolute path) may take, from the moment it is loaded
   * (./verdict-setup.ts's events; loading has at least LOAD_LIMIT, see pastLimit). Past it, with one file the whole process group of Vitest is killed; with
   * several (`kata grade`), only the worker of that file (Vitest goes on with the others). The file is then
   * in `timedOut`. Files not listed get `defaultLimit`.
   */
  limits?: Map<string, number>;
  /** Seconds for files not in `limits` (default: no limit per file). */
  defaultLimit?: number;
  /** Seconds for the whole run, from the start (browser mode, where no worker events exist): kill the group. */
  totalLimit?: number;
  /** Extra Vitest arguments (e.g. --testTimeout=5000). */
  vitestArgs?: string[];
}

/** Runs the kata suite once with a JSON reporter to a temp file and returns the parsed report and the verdict's facts. */
export async function runSuite(opts: RunSuiteOptions): Promise<SuiteRun> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kata-report-'));
  const removeTmp = removeOnExit(tmp); // also on Ctrl-C and every other early exit (./cleanup.ts)
  const reportFile = path.join(tmp, 'report.json');
  const timingFile = path.join(tmp, 'timing.json');
  const logFile = path.join(tmp, 'logs.json');
  const eventsFile = path.join(tmp, 'events.jsonl');
  const files = opts.files ?? [];
  const args = [
    vitestBin,
    'run',
    ...files,
    ...(opts.stream ? ['--reporter=default'] : []),
    ...(opts.testNamePattern ? [`--testNamePattern=${opts.testNamePattern}`] : []),
    '--reporter=json',
    `--reporter=${path.join(repoRoot, 'src/course/kata-reporter.ts')}`,
    `--reporter=${path.join(repoRoot, 'src/course/verdict-reporter.ts')}`,
    ...(opts.timings ? [`--reporter=${path.join(repoRoot, 'src/course/timing-reporter.ts')}`] : []),
    `--outputFile.json=${reportFile}`,
    '--passWithNoTests',
    ...(opts.vitestArgs ?? []),
  ];
  try {
    const env = kataEnv(opts.root, opts.target, !!opts.stream && !!process.stdout.isTTY);
    if (opts.otherKatas) env.KATA_OTHER_KATAS = opts.otherKatas;
    if (opts.timings) env.KATA_TIMING_FILE = timingFile;
    env.KATA_LOG_FILE = logFile;
    if (opts.all) env.KATA_ALL = '1';
    env.KATA_EVENTS_FILE = eventsFile;
    Object.assign(env, opts.extraEnv);
    // A process group of its own: the watchdog and the signal handlers end Vitest AND its workers at once.
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const disown = ownGroup(child);
    let output = '';
    let backendLine: string | undefined;
    let pending = '';
    const onData = (chunk: Buffer, stream: NodeJS.WriteStream): void => {
      const text = chunk.toString('utf8');
      output += text;
      if (opts.stream) stream.write(text);
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const plain = stripAnsi(line);
        if (!backendLine && plain.startsWith('backend: ')) backendLine = plain.trim();
        opts.onLine?.(plain);
      }
    };
    child.stdout.on('data', (c: Buffer) => onData(c, process.stdout));
    child.stderr.on('data', (c: Buffer) => onData(c, process.stderr));
    const timedOut = new Map<string, number>();
    const t0 = Date.now();
    const watchdog = setInterval(() => {
      if (opts.totalLimit !== undefined && Date.now() - t0 > opts.totalLimit * 1000) {
        timedOut.set('*', opts.totalLimit);
        if (child.pid) killGroup(child.pid);
        return;
      }
      if (!opts.limits && opts.defaultLimit === undefined) return;
      for (const r of runningFiles(readEvents(eventsFile))) {
        const { file, pid } = r;
        const limit = opts.limits?.get(file) ?? opts.defaultLimit;
        const past = limit === undefined || timedOut.has(file) ? undefined : pastLimit(r, limit);
        if (past === undefined) continue;
        timedOut.set(file, past);
        if (files.length <= 1 && child.pid) killGroup(child.pid);
        else if (pid) killWorker(pid);
      }
    }, 500);
    watchdog.unref();
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, sig) => resolve([code, sig]));
    });
    clearInterval(watchdog);
    disown();
    if (child.pid) killGroup(child.pid); // whatever it left behind (a worker still looping)
    if (pending) {
      const plain = stripAnsi(pending);
      if (!backendLine && plain.startsWith('backend: ')) backendLine = plain.trim();
      opts.onLine?.(plain);
    }
    let report: JsonReport | undefined;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as JsonReport;
    } catch {
      report = undefined;
    }
    let seconds: Record<string, number> | undefined;
    if (opts.timings) {
      try {
        seconds = JSON.parse(readFileSync(timingFile, 'utf8')) as Record<string, number>;
      } catch {
        seconds = undefined;
      }
    }
    let logs: KataLogReport | undefined;
    try {
      logs = JSON.parse(readFileSync(logFile, 'utf8')) as KataLogReport;
    } catch {
      logs = undefined;
    }
    const events = readEvents(eventsFile);
    const browser = env.KATA_IN_BROWSER === '1';
    return {
      report,
      exitCode,
      signal: timedOut.size && signal === 'SIGKILL' ? null : signal,
      output,
      backendLine,
      events,
      timedOut,
      browser,
      shared: files.length !== 1,
      ...(seconds ? { seconds } : {}),
      ...(logs ? { logs } : {}),
    };
  } finally {
    removeTmp();
  }
}

/**
 * Env KATA_TEST_TIMEOUT (seconds): Vitest's per-test and per-hook timeout for the kata suite instead of the
 * config's 60 s (the project's own tests use it to see a never-settling await quickly).
 */
export function testTimeoutArgs(env: NodeJS.ProcessEnv = process.env): { vitestArgs?: string[] } {
  const n = Number(env.KATA_TEST_TIMEOUT);
  if (!env.KATA_TEST_TIMEOUT || !Number.isFinite(n) || n <= 0) return {};
  return { vitestArgs: [`--testTimeout=${Math.round(n * 1000)}`, `--hookTimeout=${Math.round(n * 1000)}`] };
}

/**
 * Seconds a test file may take to LOAD (the test file, TensorFlow.js, the learner's code) when its kata's limit is
 * lower. The kata's limit counts from the moment the file is loaded; loading on a busy machine can take longer than a
 * short limit (10 s) with no fault in the learner's code, and a loop at the top of a module is still stopped.
 */
export const LOAD_LIMIT = 60;

/** A test file a worker has started and not finished. */
export interface RunningFile {
  file: string;
  /** The worker's pid (undefined when the event did not carry one). */
  pid: number | undefined;
  /** Milliseconds: when the worker started on it (its "file" event). */
  started: number;
  /** Milliseconds: when the test file and the code it imports were loaded ("collected"); undefined while loading. */
  loaded?: number;
}

/** Test files a worker has started and not finished, from ./verdict-setup.ts's events. */
export function runningFiles(events: VerdictEvent[]): RunningFile[] {
  const open = new Map<string, RunningFile>();
  for (const e of events) {
    if (!e.file) continue;
    if (e.e === 'file') open.set(e.file, { file: e.file, pid: e.pid, started: e.t });
    else if (e.e === 'collected') {
      const r = open.get(e.file);
      if (r) r.loaded = e.t;
    } else if (e.e === 'file-end' || e.e === 'exit') open.delete(e.file);
  }
  return [...open.values()];
}

/**
 * The limit (seconds) a running file has run past at `now`, else undefined: the kata's `limit` from when it was loaded;
 * while loading, the larger of `limit` and LOAD_LIMIT from the worker's start on it.
 */
export function pastLimit(r: RunningFile, limit: number, now = Date.now()): number | undefined {
  const allowed = r.loaded === undefined ? Math.max(limit, LOAD_LIMIT) : limit;
  return now - (r.loaded ?? r.started) > allowed * 1000 ? allowed : undefined;
}

/** Ends one test worker (and anything it started); Vitest reports it and goes on with the other files. */
function killWorker(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}

/**
 * Trims a failure message for a learner: drops stack frames from node_modules and Node internals,
 * shows paths relative to the root, keeps at most `maxLines` lines.
 */
export function trimFailure(message: string, root: string, maxLines = 12): string {
  const rootPrefix = root.endsWith(path.sep) ? root : root + path.sep;
  const lines = stripAnsi(message)
    .split('\n')
    .filter((l) => !/^\s*at .*(node_modules|node:internal|\(<anonymous>\)|new Promise)/.test(l))
    .map((l) => l.replace(/https?:\/\/(localhost|127\.0\.0\.1):\d+(\/@fs(?=\/)|\/(?!\/))?/g, '').replace(/\?import&browserv=\d+/g, '')) // browser mode's URLs
    .map((l) => (/^\s*at /.test(l) && l.includes('%') ? decodeUriSafe(l) : l)) // their paths are URL-encoded: "my%20course" → "my course"
    .map((l) => l.replaceAll(`file://${rootPrefix}`, '').replaceAll(rootPrefix, '').replaceAll(`file://${repoRoot}${path.sep}`, '').replaceAll(`${repoRoot}${path.sep}`, ''));
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length > maxLines) return [...lines.slice(0, maxLines), `  … (${lines.length - maxLines} more lines)`].join('\n');
  return lines.join('\n');
}

function decodeUriSafe(s: string): string {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}

/** Does a failure look like a broken file (import/compile/typo) rather than a teaching failure? */
export const BROKEN_PATTERN =
  /is not a function|does not provide an export named|Cannot find module|Cannot find package|Failed to load url|SyntaxError|Transform failed|ReferenceError|is not defined/;
