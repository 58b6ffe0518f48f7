/**
 * The type check of a kata run, started side by side with Vitest: ./typecheck-cli.ts in a child process runs
 * ./typecheck-program.ts (the TypeScript compiler API, an incremental .tsbuildinfo under .cache/typecheck/).
 * This module does not load TypeScript itself, so commands that do not check types start fast.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './manifest.js';
import { ownGroup } from './processes.js';
import { cachedTypecheck } from './typecheck-cache.js';
import type { TypeProblem } from './verdict.js';

export interface TypecheckRun {
  /** Problems per checked file (absolute path). */
  problems: Map<string, TypeProblem[]>;
  /** Set when the checker itself could not run (the verdict then says so, and does not block on it). */
  error?: string;
  seconds: number;
}

/**
 * Starts the type check in a child process, side by side with Vitest (parsing the ~800 declaration files that
 * tfjs and Node bring takes most of its time, on the other core). NODE_OPTIONS is not passed on: a learner's
 * --max-old-space-size for the tests must not starve the checker.
 */
export function startTypecheck(root: string, files: string[], signal?: AbortSignal): Promise<TypecheckRun> {
  const t0 = performance.now();
  const cached = cachedTypecheck(root, files); // nothing it saw last time changed: that check's result (./typecheck-cache.ts)
  if (cached) return Promise.resolve({ problems: cached, seconds: Math.round((performance.now() - t0) / 100) / 10 });
  const cli = path.join(repoRoot, 'src/course/typecheck-cli.ts');
  const tsx = path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs');
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [tsx, cli, root, ...files], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const disown = ownGroup(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve) => {
    const done = (error?: string): void => {
      disown();
      const seconds = Math.round((performance.now() - t0) / 100) / 10;
      if (error) return resolve({ problems: new Map(), error, seconds });
      try {
        const data = JSON.parse(out) as Record<string, TypeProblem[]>;
        resolve({ problems: new Map(Object.entries(data)), seconds });
      } catch {
        resolve({ problems: new Map(), error: `the type checker printed no result: ${(err.trim().split('\n').at(-1) ?? '').slice(0, 200)}`, seconds });
      }
    };
    child.on('error', (e) => done(e.message));
    child.on('close', (code, sig) => (code === 0 ? done() : done(`the type checker ended with ${sig ?? `exit ${code}`}: ${(err.trim().split('\n').at(-1) ?? '').slice(0, 200)}`)));
    // Not needed after all (the run crashed: that is the verdict): its CPU goes back to the machine.
    signal?.addEventListener('abort', () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      done('not needed: the run did not complete');
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
  const cli = path.join(repoRoot, 'src/course/typecheck-cli.ts');
  const tsx = path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs');
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [tsx, cli, '--serve'], { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const disown = ownGroup(child);
  const waiting: ((line: string | undefined) => void)[] = [];
  let buffered = '';
  let err = '';
  let ended: string | undefined;
  child.stdout.on('data', (c: Buffer) => {
    buffered += c.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const end = (why: string): void => {
    ended ??= why;
    disown();
    for (const w of waiting.splice(0)) w(undefined);
  };
  child.on('error', (e) => end(e.message));
  child.on('close', (code, signal) => end(`the type checker ended with ${signal ?? `exit ${code}`}: ${(err.trim().split('\n').at(-1) ?? '').slice(0, 200)}`));
  let queue: Promise<unknown> = Promise.resolve();
  const ask = (root: string, files: string[]): Promise<TypecheckRun> => {
    const t0 = performance.now();
    const seconds = (): number => Math.round((performance.now() - t0) / 100) / 10;
    const cached = cachedTypecheck(root, files);
    if (cached) return Promise.resolve({ problems: cached, seconds: seconds() });
    if (ended) return Promise.resolve({ problems: new Map(), error: ended, seconds: 0 });
    return new Promise((resolve) => {
      waiting.push((line) => {
        if (line === undefined) return resolve({ problems: new Map(), error: ended ?? 'the type checker ended', seconds: seconds() });
        try {
          const data = JSON.parse(line) as Record<string, unknown>;
          if (typeof data.error === 'string') return resolve({ problems: new Map(), error: data.error, seconds: seconds() });
          resolve({ problems: new Map(Object.entries(data as Record<string, TypeProblem[]>)), seconds: seconds() });
        } catch {
          resolve({ problems: new Map(), error: `the type checker printed no result: ${line.slice(0, 200)}`, seconds: seconds() });
        }
      });
      child.stdin.write(JSON.stringify({ root, files }) + '\n');
    });
  };
  return {
    check(root, files) {
      const run = queue.then(() => ask(root, files));
      queue = run;
      return run;
    },
    close() {
      child.stdin.end();
      end('closed');
    },
  };
}
