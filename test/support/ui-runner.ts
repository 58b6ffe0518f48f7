/**
 * What the browser checks of the course share: the installed Chromium/Chrome (or why there is none), and
 * `npm run -s kata N -- --ui` started in a process group of its own, with the URL it prints and a stop that ends
 * the whole group (npm → its shell → kata.ts → Vitest), pass or fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'vitest';
import { findBrowser, NoBrowserError } from '../../src/course/browser.js';
import { repoRoot } from '../../src/course/manifest.js';
import { killGroup } from '../../src/course/processes.js';
import { cliEnv } from './cli.js';

/** The browser the course would use, or the reason there is none (a learner's machine: skip; CI: fail). */
export function installedBrowser(): { path: string; from: string } | string {
  try {
    return findBrowser();
  } catch (e) {
    if (e instanceof NoBrowserError) return e.message;
    throw e;
  }
}

/** The browser for `check` ("the site check"); without one: under CI a failure saying why, elsewhere the test skipped. */
export function browserFor(ctx: TestContext, check: string): { path: string; from: string } {
  const found = installedBrowser();
  if (typeof found !== 'string') return found;
  if (process.env.CI) throw new Error(`CI needs a browser for ${check}: ${found}`);
  return ctx.skip(`no browser for ${check}: ${found}`);
}

export interface KataUi {
  url: string;
  /** What the runner printed so far. */
  output: () => string;
}

/** Kills a runner's process group: SIGTERM, then SIGKILL after 3 s (and once more for a grandchild that outlived it). */
export async function stopGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => killGroup(pid), 3000);
  await exited;
  clearTimeout(timer);
  killGroup(pid);
}

/**
 * Starts `npm run -s kata <kata> -- --ui` (on the course at `root` when given: KATA_ROOT) and resolves with the URL it
 * prints within `seconds`. `started` receives the child at once, so that an afterAll can stop it whatever happens.
 */
export function startKataUi(kata: string, started: (child: ChildProcess) => void, opts: { root?: string; seconds?: number } = {}): Promise<KataUi> {
  const env = cliEnv({ NO_COLOR: '1', ...(opts.root ? { KATA_ROOT: opts.root } : {}) }, ['KATA_TARGET', ...(opts.root ? [] : ['KATA_ROOT'])]);
  const seconds = opts.seconds ?? 60;
  const child = spawn('npm', ['run', '-s', 'kata', kata, '--', '--ui'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "UI started at" line within ${seconds} s; the runner printed:\n${out}`)), seconds * 1000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /UI started at (http:\/\/\S+)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`the runner exited (${code ?? sig}) before printing the UI URL:\n${out}`));
    });
  });
}
