/**
 * The Vitest command-line options of `npm run kata N -- --ui`.
 *
 *  - `--watch`: without a TTY on stdin (CI, a script, a test) Vitest would run once and take the UI down.
 *  - a free port, strictly: Vitest prints the port it was configured with, not the one Vite falls back to
 *    when that is taken (a second UI, another course's UI), so the printed URL could name another server.
 *  - `--open=false` unless a person at a terminal with a display can see the window Vitest opens.
 */
import net from 'node:net';

/** Vitest UI's own default port, tried first. */
export const VITEST_UI_PORT = 51204;

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** The first port from `from` on that is free on localhost (IPv4 and IPv6, as Vite listens on "localhost"). */
export async function freePort(from = VITEST_UI_PORT, tries = 100): Promise<number> {
  for (let port = from; port < from + tries; port++) {
    if ((await isFree(port, '127.0.0.1')) && (await isFree(port, 'localhost'))) return port;
  }
  throw new Error(`no free port for Vitest UI in ${from}..${from + tries - 1}`);
}

/** Whether Vitest may open a browser window: only for a person at a terminal (no CI, stdout a TTY, a display on Linux). */
export function canOpenBrowser(env: NodeJS.ProcessEnv = process.env, stdoutIsTTY = !!process.stdout.isTTY, platform = process.platform): boolean {
  if (env.CI || !stdoutIsTTY) return false;
  return platform !== 'linux' || !!(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** The options to put before the test file: `--ui --watch --api.port N --api.strictPort [--open=false]`. */
export async function vitestUiArgs(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const port = await freePort();
  return ['--ui', '--watch', '--api.port', String(port), '--api.strictPort', ...(canOpenBrowser(env) ? [] : ['--open=false'])];
}
