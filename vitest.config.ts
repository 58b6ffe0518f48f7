import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { browserArgs, findBrowser } from './src/course/browser.js';
import { loadManifest } from './src/course/manifest.js';
import { browserMode, ciOptIn, describeMode } from './src/course/display.js';

/**
 * Two suites share this config:
 *  - the project's own tests (default): test/**\/*.test.ts
 *  - the kata suite (KATA_SUITE=1): the katas' tests, against the learner's files (KATA_TARGET=starter,
 *    the default) or against solutions/ (KATA_TARGET=solution) through the alias below.
 * KATA_ROOT points at the folder that holds katas/ and solutions/ (the repo, or a test fixture).
 */
const root = path.resolve(process.env.KATA_ROOT ?? '.');
const katasDir = path.join(root, 'katas') + path.sep;
const solutionsDir = path.join(root, 'solutions') + path.sep;
const useSolution = process.env.KATA_TARGET === 'solution';
/**
 * KATA_OTHER_KATAS=solution (set by `kata verify` for its starter run): a kata file that imports
 * ANOTHER kata's file (the capstone uses katas 01–05) gets that kata's solution, so the capstone's
 * starting file is judged on its own defects, not on the other katas' starting files.
 */
const otherKatasSolved = process.env.KATA_OTHER_KATAS === 'solution';

/** The kata folder ("10-capstone") of a path under katas/. */
function kataOf(id: string): string {
  return id.slice(katasDir.length).split(/[\\/]/)[0] ?? '';
}

/** Redirects imports of katas/NN-name/file.ts to solutions/NN-name/file.ts; test files stay put. */
function solutionAlias(): Plugin {
  return {
    name: 'kata-solution-alias',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!(useSolution || otherKatasSolved) || !importer) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || !resolved.id.startsWith(katasDir) || /\.test\.ts$/.test(resolved.id)) return null;
      if (!useSolution && !(importer.startsWith(katasDir) && kataOf(importer) !== kataOf(resolved.id))) return null;
      const swapped = solutionsDir + resolved.id.slice(katasDir.length);
      return existsSync(swapped) ? swapped : null;
    },
  };
}

const kataSuite = process.env.KATA_SUITE === '1';

/**
 * The project's slowest test files first (CI=true npm test, 2026-12-06 23:03 UTC: 152.7 s readme-commands … 35.2 s
 * kata-class), so that the two workers end together. On a clean clone Vitest has no durations and orders by file
 * size, which started the real verify (katas.meta, 114 s) near the end. The others keep Vitest's order after them.
 * test/tsc.test.ts (the whole project's `tsc --noEmit`, ~12 s) goes first: a type error shows at once.
 */
const HEAVY_FIRST = ['tsc', 'katas.meta', 'readme-commands', 'kata-browser', 'site', 'kata-runner', 'doctor', 'verdict-cli', 'cli-usage', 'errors', 'kata-grade', 'kata-class'];
class HeavyFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = HEAVY_FIRST.indexOf(path.basename(f.moduleId, '.test.ts'));
      return i < 0 ? HEAVY_FIRST.length : i;
    };
    return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b));
  }
}

/** Per kata name, the manifest's slow tests (test/support/tiers.ts skips them after a fast failure; KATA_ALL=1 runs all). */
function slowTiers(): Record<string, string[]> {
  try {
    return Object.fromEntries(loadManifest(root).katas.map((k) => [k.name, k.slow]));
  } catch {
    return {}; // a broken manifest is the runner's error to report, not the config's
  }
}

/**
 * Browser mode (KATA_IN_BROWSER=1, set by `npm run kata N -- --browser`): the same kata tests in an
 * installed Chromium/Chrome driven by Playwright (src/course/browser.ts finds it; the runner
 * passes its path as KATA_BROWSER_PATH), on tfjs's WebGPU backend, else WebGL.
 */
const inBrowser = process.env.KATA_IN_BROWSER === '1';
const srcLib = path.join(path.resolve('.'), 'src', 'lib') + path.sep;

/** In the browser, src/lib/X.ts is replaced by src/lib/X.browser.ts where one exists (tf.ts, the file loader). */
function browserSide(): Plugin {
  return {
    name: 'kata-browser-side',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer || !/\.(js|ts)$/.test(source)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || !resolved.id.startsWith(srcLib) || !resolved.id.endsWith('.ts') || resolved.id.endsWith('.browser.ts')) return null;
      const browserFile = resolved.id.replace(/\.ts$/, '.browser.ts');
      return existsSync(browserFile) ? browserFile : null;
    },
  };
}

const repoDir = path.resolve('.');

/**
 * The dev-server side of src/lib/files.browser.ts: GET /__kata_files/stat?path=P → {exists, directory};
 * GET /__kata_files/read?path=P → the raw bytes (never a Content-Encoding: .gz files arrive as gzip).
 * Only paths inside the repository; anything else is 403.
 */
function kataFilesEndpoint(): Plugin {
  return {
    name: 'kata-files-endpoint',
    configureServer(server) {
      server.middlewares.use('/__kata_files', (req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const p = path.resolve(url.searchParams.get('path') ?? '');
        if (p !== repoDir && !p.startsWith(repoDir + path.sep)) {
          res.statusCode = 403;
          res.end(`EACCES: ${p} is outside the repository`);
          return;
        }
        let st: ReturnType<typeof statSync> | undefined;
        try {
          st = statSync(p);
        } catch {
          st = undefined;
        }
        if (url.pathname === '/stat') {
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ exists: !!st, directory: !!st?.isDirectory() }));
        } else if (url.pathname === '/read' && st?.isFile()) {
          res.setHeader('Content-Type', 'application/octet-stream');
          res.end(readFileSync(p));
        } else {
          res.statusCode = 404;
          res.end(`${st ? 'EISDIR' : 'ENOENT'}: ${p}`);
        }
      });
    },
  };
}

/**
 * Node-only modules in the browser: node:path is pathe (the same functions); every other Node
 * built-in (and h5wasm's Node build) becomes a module with the same export names whose functions throw
 * "<name> is Node-only". Code on the katas' path reads files through src/lib/files.ts instead; this
 * lets modules that also hold Node-only functions (downloads, .h5 import) load in the page.
 */
function nodeOnlyInBrowser(): Plugin {
  const PREFIX = '\0kata-node-only:';
  const nodeOnly = (id: string): boolean => id === 'h5wasm/node' || (builtinModules.includes(id.replace(/^node:/, '')) && id !== 'node:path' && id !== 'path');
  return {
    name: 'kata-node-only',
    enforce: 'pre',
    resolveId(source) {
      if (source === 'node:path' || source === 'path') return this.resolve('pathe');
      return nodeOnly(source) ? PREFIX + source : null;
    },
    async load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const name = id.slice(PREFIX.length);
      const real = (await import(name)) as Record<string, unknown>;
      const names = Object.keys(real).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
      const fail = `function nodeOnly(what) { return function () { throw new Error(what + ' is Node-only: not available in the browser (npm run kata N without --browser)'); }; }`;
      const exports = names.map((k) => `export const ${k} = nodeOnly(${JSON.stringify(`${name}.${k}`)});`).join('\n');
      return `${fail}\n${exports}\nexport default new Proxy({}, { get: (_, k) => nodeOnly(${JSON.stringify(name)} + '.' + String(k)) });`;
    },
  };
}

let backendLinePrinted = false;
async function browserTest() {
  // Loaded only in browser mode: the Node suites never load Playwright.
  const { playwright } = await import('@vitest/browser-playwright');
  const found = process.env.KATA_BROWSER_PATH ? { path: process.env.KATA_BROWSER_PATH } : findBrowser();
  // Headless, or headed on a virtual display (Xvfb) where there is no display: src/course/display.ts.
  const mode = await browserMode();
  const headed = mode.kind === 'headed';
  return {
    enabled: true,
    headless: !headed,
    screenshotFailures: false,
    // Vitest's default is 60 s; measured on 2 busy cores (load 25-40), a page bundling tfjs took longer to connect.
    connectTimeout: 180_000,
    provider: playwright({
      launchOptions: {
        executablePath: found.path,
        args: browserArgs({ headed, ci: ciOptIn() }),
        ...(headed ? { env: { ...process.env, DISPLAY: mode.display } } : {}),
      },
    }),
    instances: [{ browser: 'chromium' as const }],
    commands: {
      /** Called by src/lib/tf.browser.ts: the backend line reaches the terminal (and the runner) once, with the browser's mode. */
      kataBackendLine(_ctx: unknown, line: string): void {
        if (backendLinePrinted) return;
        backendLinePrinted = true;
        process.stdout.write(`${line} [Chromium ${describeMode(mode)}]\n`);
      },
    },
  };
}

export default defineConfig({
  plugins: [solutionAlias(), ...(inBrowser ? [browserSide(), kataFilesEndpoint(), nodeOnlyInBrowser()] : [])],
  ...(inBrowser
    ? {
        define: { __KATA_BACKEND__: JSON.stringify(process.env.KATA_BROWSER_BACKEND ?? ''), __KATA_REPO_ROOT__: JSON.stringify(repoDir) },
        optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'fast-check', 'fflate'] },
      }
    : {}),
  test: {
    include: kataSuite
      ? [path.join(root, 'katas/**/*.test.ts')]
      : ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(kataSuite ? [] : ['test/fixtures/**'])],
    // The Node backend line; in the browser, tf.browser.ts sends its own.
    globalSetup: inBrowser ? [] : ['test/global-setup.ts'],
    // The verdict's events from inside the workers (src/course/verdict-setup.ts, first: its afterAll runs last),
    // Node only, when the runner asks; the backend line; then the tiers (test/support/tiers-setup.ts).
    ...(kataSuite
      ? {
          setupFiles: [
            ...(!inBrowser && process.env.KATA_EVENTS_FILE ? [path.join(repoDir, 'src/course/verdict-setup.ts')] : []),
            // The backend line, from the first worker (test/global-setup.ts names its marker); the browser sends its own.
            ...(!inBrowser ? [path.join(repoDir, 'test/support/backend-line.ts')] : []),
            path.join(repoDir, 'test/support/tiers-setup.ts'),
          ],
          // kataUi: Vitest UI (`npm run kata N -- --ui`) shows the curves' SVG charts; elsewhere they are not drawn (test/support/curves.ts).
          provide: { kataSlow: slowTiers(), kataAll: process.env.KATA_ALL === '1', kataUi: process.argv.includes('--ui') },
        }
      : {}),
    ...(inBrowser ? { browser: await browserTest() } : {}),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The project's tests: two files at a time. Vitest's default on a 2-core machine is one (cores - 1), and most
    // of these files wait on processes they start (npm, a browser, Vitest), so one at a time left a core idle
    // ~30% of the run. The kata suite keeps the default: verify and grade run a starter and a solution suite at once.
    ...(kataSuite ? {} : { maxWorkers: 2, sequence: { sequencer: HeavyFirst } }),
    // `npm run mutate` (KATA_MUTATE=1): Stryker runs the same file once per mutant; a worker that keeps
    // tfjs loaded between runs saves seconds per mutant (Stryker switches mutants at run time, no re-import).
    ...(process.env.KATA_MUTATE === '1' ? { isolate: false } : {}),
  },
});
