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

export type Target = 'starter' | 'solution';

export interface AssertionResult {
  ancestorTitles: string[];
  fullName: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled' | string;
  title: string;
  failureMessages: string[];
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

export interface SuiteRun {
  /** The parsed report, or undefined when Vitest wrote none (it crashed before the end). */
  report: JsonReport | undefined;
  /** Vitest's exit code. */
  exitCode: number;
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
    if (k === 'KATA_OTHER_KATAS' || k === 'KATA_ALL' || k === 'KATA_LOG_FILE' || k === 'KATA_WATCH_KATA') continue; // set per run, never inherited
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
}

/** Runs the kata suite once with a JSON reporter to a temp file and returns the parsed report. */
export async function runSuite(opts: RunSuiteOptions): Promise<SuiteRun> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kata-report-'));
  const removeTmp = removeOnExit(tmp); // also on Ctrl-C and every other early exit (./cleanup.ts)
  const reportFile = path.join(tmp, 'report.json');
  const timingFile = path.join(tmp, 'timing.json');
  const logFile = path.join(tmp, 'logs.json');
  const args = [
    vitestBin,
    'run',
    ...(opts.files ?? []),
    ...(opts.stream ? ['--reporter=default'] : []),
    '--reporter=json',
    `--reporter=${path.join(repoRoot, 'src/course/kata-reporter.ts')}`,
    ...(opts.timings ? [`--reporter=${path.join(repoRoot, 'src/course/timing-reporter.ts')}`] : []),
    `--outputFile.json=${reportFile}`,
    '--passWithNoTests',
  ];
  try {
    const env = kataEnv(opts.root, opts.target, !!opts.stream && !!process.stdout.isTTY);
    if (opts.otherKatas) env.KATA_OTHER_KATAS = opts.otherKatas;
    if (opts.timings) env.KATA_TIMING_FILE = timingFile;
    env.KATA_LOG_FILE = logFile;
    if (opts.all) env.KATA_ALL = '1';
    Object.assign(env, opts.extraEnv);
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
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
    return { report, exitCode, output, backendLine, ...(seconds ? { seconds } : {}), ...(logs ? { logs } : {}) };
  } finally {
    removeTmp();
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
    .map((l) => l.replaceAll(`file://${rootPrefix}`, '').replaceAll(rootPrefix, '').replaceAll(`file://${repoRoot}${path.sep}`, '').replaceAll(`${repoRoot}${path.sep}`, ''));
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length > maxLines) return [...lines.slice(0, maxLines), `  … (${lines.length - maxLines} more lines)`].join('\n');
  return lines.join('\n');
}

/** Does a failure look like a broken file (import/compile/typo) rather than a teaching failure? */
export const BROKEN_PATTERN =
  /is not a function|does not provide an export named|Cannot find module|Cannot find package|Failed to load url|SyntaxError|Transform failed|ReferenceError|is not defined/;
