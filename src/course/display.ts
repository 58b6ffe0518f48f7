/**
 * Where the course's Chromium runs: headless, or headed on a virtual display (Xvfb) that this process starts.
 *
 * Why: on a machine without a GPU, headless Chromium renders "SwiftShader for WebGL only" (software
 * compositing), so the canvas copy that tfjs's WebGPU backend uses for dataSync() returns zeros. Headed on
 * Xvfb the GPU process composites with Mesa's llvmpipe and WebGPU (SwiftShader) reads back correctly —
 * measured on Chromium 156, Debian 12, no GPU. See docs/gpu.md.
 *
 * The decision (browserMode):
 *  1. KATA_BROWSER_HEADLESS=1 → headless (an explicit choice).
 *  2. KATA_XVFB_DISPLAY names the display in DISPLAY → that virtual display, started by a parent process
 *     of the course (the runner's Vitest child, a test) and shared.
 *  3. DISPLAY set: a desktop → headless, as always (no window pops up on a learner's screen); with the CI
 *     opt-in (ciOptIn) a DISPLAY is a virtual one (xvfb-run around the CI job) → headed on it.
 *  4. No DISPLAY, Linux, `Xvfb` on PATH → this process starts `Xvfb -displayfd` (a free display number
 *     chosen by Xvfb itself) and runs headed on it. Xvfb runs under a small `sh` that holds a pipe from
 *     this process: when this process ends — normally, by a signal, or killed — the pipe closes and the
 *     sh kills Xvfb. Nothing is left behind.
 *  5. Otherwise (macOS, Windows, no xvfb package) → headless.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Socket } from 'node:net';

export type BrowserMode =
  | { kind: 'headless'; why: string }
  /** Headed on an X display: ours (`virtual`, started by this course) or one the CI provides. */
  | { kind: 'headed'; display: string; virtual: boolean; why: string };

/**
 * The CI opt-in (KATA_BROWSER_CI=1, or CI=true as CI services set it): adds --ignore-gpu-blocklist, which
 * Chromium needs to give WebGPU an adapter on Xvfb's software GL (Mesa llvmpipe is on the blocklist). Never
 * on by default: on a learner's machine the blocklist keeps Chromium off GPU drivers known to be broken.
 */
export function ciOptIn(env: NodeJS.ProcessEnv = process.env): boolean {
  const on = (v: string | undefined) => v !== undefined && /^(1|true|yes)$/i.test(v.trim());
  return on(env.KATA_BROWSER_CI) || on(env.CI);
}

/** The `Xvfb` executable on PATH, or undefined. */
export function findXvfb(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const dir of ['/usr/bin', ...(env.PATH ?? '').split(path.delimiter).filter(Boolean)]) {
    const p = path.join(dir, 'Xvfb');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

let started: Promise<BrowserMode> | undefined;
let xvfb: ChildProcess | undefined;

/** Starts Xvfb on a free display; resolves with ":N" once it accepts connections (Xvfb writes N then). */
function startXvfb(bin: string, timeoutMs: number): Promise<string> {
  // fd 3 of sh (and of Xvfb): where Xvfb writes its display number; stdin: the life line (EOF → kill Xvfb).
  const script = '"$0" -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -noreset >/dev/null 2>&1 & x=$!; read -r _; kill $x 2>/dev/null; wait $x';
  const child = spawn('sh', ['-c', script, bin], { stdio: ['pipe', 'ignore', 'ignore', 'pipe'] });
  xvfb = child;
  const lifeLine = child.stdin as Socket;
  const fd3 = child.stdio[3] as Socket;
  return new Promise<string>((resolve, reject) => {
    let text = '';
    let settled = false;
    const timer = setTimeout(() => done(new Error(`Xvfb (${bin}) gave no display number within ${timeoutMs / 1000} s`)), timeoutMs);
    const done = (err: Error | undefined, display?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fd3.removeAllListeners('data');
      fd3.destroy();
      if (err) {
        child.stdin?.end();
        xvfb = undefined;
        reject(err);
        return;
      }
      // Neither the child nor its life line keeps this process's event loop alive.
      child.unref();
      lifeLine.unref();
      resolve(display!);
    };
    fd3.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /^(\d+)\n/.exec(text);
      if (m) done(undefined, `:${m[1]}`);
    });
    child.on('error', (e) => done(new Error(`cannot start Xvfb (${bin}): ${e.message}`)));
    child.on('exit', (code) => done(new Error(`Xvfb (${bin}) exited (code ${code}) before giving a display number`)));
  });
}

/** Stops the Xvfb this process started (also happens by itself when this process ends). */
export function stopVirtualDisplay(): void {
  xvfb?.stdin?.end();
  xvfb = undefined;
  started = undefined;
}

/**
 * The mode for this process's browser launches (decided once per process; an Xvfb started once and shared).
 * Never throws: when Xvfb fails to start, the mode is headless with the reason.
 */
export function browserMode(env: NodeJS.ProcessEnv = process.env): Promise<BrowserMode> {
  started ??= decide(env);
  return started;
}

async function decide(env: NodeJS.ProcessEnv): Promise<BrowserMode> {
  if (env.KATA_BROWSER_HEADLESS === '1') return { kind: 'headless', why: 'KATA_BROWSER_HEADLESS=1' };
  const display = env.DISPLAY?.trim();
  if (display && env.KATA_XVFB_DISPLAY === display) {
    return { kind: 'headed', display, virtual: true, why: `the course's virtual display ${display} (Xvfb)` };
  }
  if (display) {
    return ciOptIn(env)
      ? { kind: 'headed', display, virtual: false, why: `DISPLAY=${display} with the CI opt-in (taken as a virtual display, e.g. xvfb-run)` }
      : { kind: 'headless', why: `DISPLAY=${display} is a desktop: headless, no window on your screen` };
  }
  const bin = findXvfb(env);
  if (!bin) {
    return { kind: 'headless', why: process.platform === 'linux' ? 'no DISPLAY and no Xvfb (apt-get install xvfb)' : `no Xvfb on ${process.platform}` };
  }
  try {
    const d = await startXvfb(bin, 10_000);
    return { kind: 'headed', display: d, virtual: true, why: `virtual display ${d} (Xvfb, started by the course)` };
  } catch (e) {
    return { kind: 'headless', why: (e as Error).message };
  }
}

/** The environment that makes a child process use (and not start another) the display of `mode`. */
export function displayEnv(mode: BrowserMode): NodeJS.ProcessEnv {
  if (mode.kind === 'headless') return mode.why === 'KATA_BROWSER_HEADLESS=1' ? { KATA_BROWSER_HEADLESS: '1' } : {};
  return { DISPLAY: mode.display, ...(mode.virtual ? { KATA_XVFB_DISPLAY: mode.display } : {}) };
}

/** "headless" or "virtual display :0 (Xvfb)" — for backend lines, doctor, bench. */
export function describeMode(mode: BrowserMode): string {
  return mode.kind === 'headless' ? 'headless' : mode.virtual ? `headed on virtual display ${mode.display} (Xvfb)` : `headed on ${mode.display}`;
}
