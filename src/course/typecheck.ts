/**
 * The type check of a kata run, started side by side with Vitest: ./typecheck-cli.ts in a child process runs
 * ./typecheck-program.ts (the TypeScript compiler API, an incremental .tsbuildinfo under .cache/typecheck/).
 * This module does not load TypeScript itself, so commands that do not check types start fast.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './manifest.js';
import { killGroup, ownGroup } from './processes.js';
import { cachedTypecheck } from './typecheck-cache.js';
import type { TypeProblem } from './verdict.js';

export interface TypecheckRun {
  /** Problems per checked file (absolute path). */
  problems: Map<string, TypeProblem[]>;
  /** Set when the checker itself could not run (the verdict then says so, and does not block on it). */
  error?: string;
  seconds: number;
}

/** Seconds since `t0`, one decimal. */
const since = (t0: number): number => Math.round((performance.now() - t0) / 100) / 10;

/**
 * ./typecheck-cli.ts in a process group of its own, owned by the runner. NODE_OPTIONS is not passed on: a learner's
 * --max-old-space-size for the tests must not starve the checker. `ended` words how it ended, with its last error line.
 */
function spawnChecker(
  args: string[],
  stdin: 'ignore' | 'pipe',
): { child: ChildProcess; disown: () => void; lastLine: () => string; ended: (code: number | null, sig: NodeJS.Signals | null) => string } {
  const cli = path.join(repoRoot, 'src/course/typecheck-cli.ts');
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  // tsx's loader in this one process (`--import tsx`, resolved from the repository): the tsx command would start a second node.
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repoRoot, env, stdio: [stdin, 'pipe', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const lastLine = (): string => (err.trim().split('\n').at(-1) ?? '').slice(0, 200);
  return { child, disown: ownGroup(child), lastLine, ended: (code, sig) => `the type checker ended with ${sig ?? `exit ${code}`}: ${lastLine()}` };
}

/** The checker's answer (one JSON object: problems per file, or {"error": …}) as a run; `shown`: what to quote when it is none. */
function answerOf(text: string, t0: number, shown = text.trim()): TypecheckRun {
  try {
    const data = JSON.parse(text) as Record<string, unknown>;
    if (typeof data.error === 'string') return { problems: new Map(), error: data.error, seconds: since(t0) };
    return { problems: new Map(Object.entries(data as Record<string, TypeProblem[]>)), seconds: since(t0) };
  } catch {
    return { problems: new Map(), error: `the type checker printed no result: ${shown.slice(0, 200)}`, seconds: since(t0) };
  }
}

/**
 * Starts the type check in a child process, side by side with Vitest (parsing the ~800 declaration files that
 * tfjs and Node bring takes most of its time, on the other core). `signal`: abort when the result is not needed.
 */
export function startTypecheck(root: string, files: string[], signal?: AbortSignal): Promise<TypecheckRun> {
  const t0 = performance.now();
  const cached = cachedTypecheck(root, files); // nothing it saw last time changed: that check's result (./typecheck-cache.ts)
  if (cached) return Promise.resolve({ problems: cached, seconds: since(t0) });
  const { child, disown, lastLine, ended } = spawnChecker([root, ...files], 'ignore');
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => {
    const fail = (error: string): void => {
      disown();
      resolve({ problems: new Map(), error, seconds: since(t0) });
    };
    child.on('error', (e) => fail(e.message));
    child.on('close', (code, sig) => {
      if (code !== 0) return fail(ended(code, sig));
      disown();
      resolve(answerOf(out, t0, lastLine()));
    });
    // Not needed after all (the run crashed: that is the verdict): its CPU goes back to the machine.
    signal?.addEventListener('abort', () => {
      killGroup(child.pid!);
      fail('not needed: the run did not complete');
    });
  });
}

/**
 * A checker that stays up for a watch session (`npm run kata N -- --watch`): the first check parses everything
 * (~5 s of CPU), a re-check after a save only the saved file. Checks run one at a time, in the order asked; an
 * unchanged world is answered from the result cache without asking the checker. `close()` ends it (the runner
 * also ends its process group when it exits).
 */
export interface TypecheckServer {
  check(root: string, files: string[]): Promise<TypecheckRun>;
  close(): void;
}

export function startTypecheckServer(): TypecheckServer {
  const { child, disown, ended: endedLine } = spawnChecker(['--serve'], 'pipe');
  const waiting: ((line: string | undefined) => void)[] = [];
  let buffered = '';
  let ended: string | undefined;
  child.stdout!.on('data', (c: Buffer) => {
    buffered += c.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  const end = (why: string): void => {
    ended ??= why;
    disown();
    for (const w of waiting.splice(0)) w(undefined);
  };
  child.on('error', (e) => end(e.message));
  child.on('close', (code, signal) => end(endedLine(code, signal)));
  let queue: Promise<unknown> = Promise.resolve();
  const ask = (root: string, files: string[]): Promise<TypecheckRun> => {
    const t0 = performance.now();
    const cached = cachedTypecheck(root, files);
    if (cached) return Promise.resolve({ problems: cached, seconds: since(t0) });
    if (ended) return Promise.resolve({ problems: new Map(), error: ended, seconds: 0 });
    return new Promise((resolve) => {
      waiting.push((line) => resolve(line === undefined ? { problems: new Map(), error: ended ?? 'the type checker ended', seconds: since(t0) } : answerOf(line, t0)));
      child.stdin!.write(JSON.stringify({ root, files }) + '\n');
    });
  };
  return {
    check(root, files) {
      const run = queue.then(() => ask(root, files));
      queue = run;
      return run;
    },
    close() {
      child.stdin!.end();
      end('closed');
    },
  };
}
