/**
 * The type check of a kata run, started side by side with Vitest: asked of the server shared by runs
 * (./typecheck-server.ts, started here when there is none), else ./typecheck-cli.ts in a child process of the run;
 * both run ./typecheck-program.ts (the TypeScript compiler API, an incremental .tsbuildinfo under .cache/typecheck/).
 * This module does not load TypeScript itself, so commands that do not check types start fast.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { repoRoot } from './manifest.js';
import { killGroup, ownGroup } from './processes.js';
import { cachedTypecheck, typecheckResults } from './typecheck-cache.js';
import { serverSocket, serverWanted } from './typecheck-socket.js';
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

/** A check that was not done, and why (`t0`: when it was asked for; none: 0 s). */
const notDone = (error: string, t0?: number): TypecheckRun => ({ problems: new Map(), error, seconds: t0 === undefined ? 0 : since(t0) });

/** Why a run's check was called off (the run crashed or timed out: that is the verdict). */
const NOT_NEEDED = 'not needed: the run did not complete';

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
    if (typeof data.error === 'string') return notDone(data.error, t0);
    return { problems: new Map(Object.entries(data as Record<string, TypeProblem[]>)), seconds: since(t0) };
  } catch {
    return notDone(`the type checker printed no result: ${shown.slice(0, 200)}`, t0);
  }
}

/**
 * Starts the type check, side by side with Vitest: on the shared server (./typecheck-server.ts: the ~800 declaration
 * files tfjs and Node bring stay parsed there), started detached when none answers; when that fails, or with env
 * KATA_TYPECHECK_SERVER=0, in a child process of this run (it parses them all, ~5 s of CPU, on the other core).
 * `signal`: abort when the result is not needed.
 */
export async function startTypecheck(root: string, files: string[], signal?: AbortSignal): Promise<TypecheckRun> {
  const t0 = performance.now();
  const cached = cachedTypecheck(root, files); // nothing it saw last time changed: that check's result (./typecheck-cache.ts)
  if (cached) return { problems: cached, seconds: since(t0) };
  const served = serverWanted() ? await checkOnServer(root, files, t0, signal) : undefined;
  return served ?? checkInChild(root, files, t0, signal);
}

/** Seconds a run waits for a server it started to listen, before it checks in a child of its own. */
const SERVER_START_SECONDS = 20;
/**
 * Seconds a run waits for the server's answer (checks queue there, one at a time; env KATA_TYPECHECK_SERVER_WAIT
 * overrides): then the run's verdict is not held up by it, and says the check was not done.
 */
function answerSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.KATA_TYPECHECK_SERVER_WAIT);
  return env.KATA_TYPECHECK_SERVER_WAIT && Number.isFinite(n) && n > 0 ? n : 180;
}

function connect(socket: string): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const conn = net.connect(socket);
    conn.once('connect', () => resolve(conn));
    conn.once('error', () => resolve(undefined));
  });
}

/** Starts the shared server, detached: it outlives this run (and is idle until the next); its errors go to a log. */
function startServer(socket: string): void {
  const dir = typecheckResults();
  let log: number | 'ignore' = 'ignore';
  try {
    mkdirSync(dir, { recursive: true });
    log = openSync(path.join(dir, 'server.log'), 'a');
  } catch {
    // no log then
  }
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // a learner's --max-old-space-size for the tests must not starve the checker
  const cli = path.join(repoRoot, 'src/course/typecheck-cli.ts');
  try {
    spawn(process.execPath, ['--import', 'tsx', cli, '--daemon', socket], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', log], detached: true }).unref();
  } finally {
    if (typeof log === 'number') closeSync(log);
  }
}

/**
 * The check on the shared server; undefined when no server can be reached or it ended without an answer (the
 * caller then checks in a child process).
 */
async function checkOnServer(root: string, files: string[], t0: number, signal?: AbortSignal): Promise<TypecheckRun | undefined> {
  const socket = serverSocket();
  let conn = await connect(socket);
  if (!conn) {
    startServer(socket);
    const until = Date.now() + SERVER_START_SECONDS * 1000;
    while (!conn && Date.now() < until && !signal?.aborted) {
      await new Promise((r) => setTimeout(r, 100));
      conn = await connect(socket);
    }
  }
  if (!conn) return signal?.aborted ? notDone(NOT_NEEDED, t0) : undefined;
  const c = conn;
  return new Promise((resolve) => {
    let out = '';
    c.setEncoding('utf8');
    c.on('data', (chunk: string) => (out += chunk));
    c.on('error', () => {}); // 'close' follows
    const wait = answerSeconds();
    const timer = setTimeout(() => {
      resolve(notDone(`the type-check server did not answer within ${wait} s`, t0));
      c.destroy();
    }, wait * 1000);
    timer.unref();
    c.on('close', () => {
      clearTimeout(timer);
      resolve(out.trim() ? answerOf(out, t0) : undefined);
    });
    const abort = (): void => {
      clearTimeout(timer);
      resolve(notDone(NOT_NEEDED, t0));
      c.destroy();
    };
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort);
    c.write(JSON.stringify({ root, files }) + '\n');
  });
}

/** The check in a child process of this run, in a process group of its own. */
function checkInChild(root: string, files: string[], t0: number, signal?: AbortSignal): Promise<TypecheckRun> {
  const { child, disown, lastLine, ended } = spawnChecker([root, ...files], 'ignore');
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => {
    const fail = (error: string): void => {
      disown();
      resolve(notDone(error, t0));
    };
    child.on('error', (e) => fail(e.message));
    child.on('close', (code, sig) => {
      if (code !== 0) return fail(ended(code, sig));
      disown();
      resolve(answerOf(out, t0, lastLine()));
    });
    // Not needed after all (the run crashed: that is the verdict): its CPU goes back to the machine.
    const abort = (): void => {
      killGroup(child.pid!);
      fail(NOT_NEEDED);
    };
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort);
  });
}

/**
 * The checker of a watch session (`npm run kata N -- --watch`): the shared server (the first check of a session
 * parses everything only when no run has started one), else one of the session's own; either way a re-check after
 * a save parses only the saved file. Checks run one at a time, in the order asked; an unchanged world is answered
 * from the result cache without asking the checker. `close()` ends the session's own (the runner also ends its
 * process group when it exits).
 */
export interface TypecheckServer {
  check(root: string, files: string[]): Promise<TypecheckRun>;
  close(): void;
}

export function startTypecheckServer(): TypecheckServer {
  return serverWanted() ? sharedChecker() : ownChecker();
}

/** `ask`, one call at a time, in the order asked (a watch session's checks). */
function oneAtATime(ask: (root: string, files: string[]) => Promise<TypecheckRun>): TypecheckServer['check'] {
  let queue: Promise<unknown> = Promise.resolve();
  return (root, files) => {
    const run = queue.then(() => ask(root, files));
    queue = run;
    return run;
  };
}

/** The watch session's checks on the server shared by runs (startTypecheck: its fallbacks too). */
function sharedChecker(): TypecheckServer {
  let closed = false;
  return {
    check: oneAtATime((root, files) => (closed ? Promise.resolve(notDone('closed')) : startTypecheck(root, files))),
    close() {
      closed = true;
    },
  };
}

/** KATA_TYPECHECK_SERVER=0: a checker of the session's own (./typecheck-cli.ts --serve), ended with it. */
function ownChecker(): TypecheckServer {
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
  const ask = (root: string, files: string[]): Promise<TypecheckRun> => {
    const t0 = performance.now();
    const cached = cachedTypecheck(root, files);
    if (cached) return Promise.resolve({ problems: cached, seconds: since(t0) });
    if (ended) return Promise.resolve(notDone(ended));
    return new Promise((resolve) => {
      waiting.push((line) => resolve(line === undefined ? notDone(ended ?? 'the type checker ended', t0) : answerOf(line, t0)));
      child.stdin!.write(JSON.stringify({ root, files }) + '\n');
    });
  };
  return {
    check: oneAtATime(ask),
    close() {
      child.stdin!.end();
      end('closed');
    },
  };
}
