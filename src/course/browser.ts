/**
 * The installed Chromium / Chrome that Vitest browser mode drives through Playwright (nothing is
 * downloaded: Playwright's own browsers are never fetched). Order: KATA_BROWSER (a path) → the usual
 * Linux names on PATH → the macOS and Windows install paths of Google Chrome / Chromium.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';

const LINUX_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function fixedPaths(env: NodeJS.ProcessEnv): string[] {
  const win = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((d): d is string => !!d);
  return [
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    ...win.map((d) => path.join(d, 'Google', 'Chrome', 'Application', 'chrome.exe')),
  ];
}

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class NoBrowserError extends Error {}

/** The browser to drive: its path and how it was found. Throws NoBrowserError with the one line to show. */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): { path: string; from: string } {
  const override = env.KATA_BROWSER;
  if (override !== undefined && override !== '') {
    if (!isExecutable(override)) {
      throw new NoBrowserError(`KATA_BROWSER: expected the path of a Chromium or Chrome executable, got "${override}" (${existsSync(override) ? 'not an executable file' : 'no such file'})`);
    }
    return { path: override, from: 'KATA_BROWSER' };
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of LINUX_NAMES) {
    for (const dir of ['/usr/bin', ...dirs]) {
      const p = path.join(dir, name);
      if (isExecutable(p)) return { path: p, from: name };
    }
  }
  for (const p of fixedPaths(env)) if (isExecutable(p)) return { path: p, from: 'Google Chrome / Chromium install path' };
  throw new NoBrowserError(
    'no Chromium or Chrome found for --browser (looked for KATA_BROWSER, chromium, chromium-browser, google-chrome(-stable) and the macOS/Windows Chrome paths): ' +
      'install one (Debian/Ubuntu: sudo apt-get install chromium; or Google Chrome from google.com/chrome), or set KATA_BROWSER=/path/to/chrome',
  );
}

/**
 * Chromium flags for the kata tests: WebGPU and WebGL also without a GPU (SwiftShader, e.g. in CI),
 * no sandbox when run as root (Chromium refuses to start otherwise), and no background network
 * traffic (offline machines would log refused connections).
 *
 * `headed` (on an X display, src/course/display.ts): without --enable-features=Vulkan — measured on Xvfb,
 * Chromium 156: WebGPU reads back correctly without it, and with it (and Mesa's Vulkan drivers) the browser
 * hangs. `ci` (the opt-in of display.ts's ciOptIn: KATA_BROWSER_CI=1 or CI=true): --ignore-gpu-blocklist,
 * without which Chromium gives WebGPU no adapter on Xvfb's Mesa llvmpipe. Never on by default.
 */
export function browserArgs(
  o: { headed?: boolean; ci?: boolean; isRoot?: boolean } = {},
): string[] {
  const isRoot = o.isRoot ?? (typeof process.getuid === 'function' && process.getuid() === 0);
  return [
    '--enable-unsafe-webgpu',
    '--enable-unsafe-swiftshader',
    ...(o.headed ? [] : ['--enable-features=Vulkan']),
    ...(o.ci ? ['--ignore-gpu-blocklist', '--disable-gpu-watchdog'] : []),
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    ...(isRoot ? ['--no-sandbox'] : []),
  ];
}

/** Backends of the browser side (src/lib/tf.browser.ts). */
export const BROWSER_BACKENDS = ['webgpu', 'webgl'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];

/** The environment that switches a kata-suite Vitest child to browser mode (vitest.config.ts). */
export function browserEnv(browserPath: string, backend?: BrowserBackend): NodeJS.ProcessEnv {
  return { KATA_IN_BROWSER: '1', KATA_BROWSER_PATH: browserPath, KATA_BROWSER_BACKEND: backend ?? '' };
}

/** Software renderers (no GPU): SwiftShader (Chrome's), llvmpipe/softpipe (Mesa), Microsoft Basic Render (Windows). */
export function isSoftwareRenderer(name: string): boolean {
  return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(name);
}
