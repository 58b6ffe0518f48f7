/**
 * The katas in a real browser (`npm run kata N -- --browser`): katas 03, 04 and 05 in headless
 * Chromium on a GPU backend (WebGPU where it reads back correctly, else WebGL; SwiftShader in CI).
 * Each starter fails with its lesson's tests, each solution passes, and the run names its backend.
 *
 * Kata 05 runs exactly as a learner types it (npm run -s kata 5 -- --browser [--solution]); katas 03
 * and 04 share one browser run per target (the runner's runSuite, as `kata verify` does), to keep
 * `npm test` short. Without a Chromium/Chrome: a failure under CI=true, a skip (with the reason) elsewhere.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { browserEnv, findBrowser, NoBrowserError } from '../src/course/browser.js';
import { findKata, kataPaths, loadManifest, repoRoot, type Kata } from '../src/course/manifest.js';
import { runSuite, stripAnsi, type Target } from '../src/course/vitest.js';

let browser: string | undefined;
let missing = '';
try {
  browser = findBrowser().path;
} catch (e) {
  if (!(e instanceof NoBrowserError)) throw e;
  missing = e.message;
}

const BACKEND = /^backend: (webgl|webgpu) \(adapter: .+\) — /m;

function npmKata(...args: string[]): Promise<{ code: number; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'KATA_ROOT' || k === 'KATA_BACKEND') delete env[k];
  const child = spawn('npm', ['run', '-s', 'kata', ...args], { cwd: repoRoot, env });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out: stripAnsi(out) }));
  });
}

const manifest = loadManifest(repoRoot);
const kata = (n: string): Kata => findKata(manifest, n)!;
const teaching = (k: Kata, title: string): boolean => k.mustFail.some((s) => title.includes(s));

if (!browser && !process.env.CI) {
  console.log(`kata-browser: skipped — ${missing}`);
}

describe.skipIf(!browser && !process.env.CI)('katas in the browser (--browser)', () => {
  it('a Chromium or Chrome is installed (CI must test the browser path)', () => {
    if (!browser) throw new Error(`CI=true: ${missing}`);
  });

  // Kata 05 first and alone: on a fresh clone its run also fills Vite's dependency cache, which the two
  // side-by-side runs of katas 03/04 then share.
  describe.runIf(!!browser)('katas 03, 04 and 05 in headless Chromium', () => {
    it('npm run kata 5 -- --browser --solution passes and names webgl or webgpu; the starter fails with the lesson\'s tests', async () => {
      const solved = await npmKata('5', '--', '--browser', '--solution');
      expect(solved.out, solved.out).toMatch(BACKEND);
      expect(solved.out).toContain('[in the browser]');
      expect(solved.out).toMatch(/✓ All \d+ tests pass\./);
      expect(solved.code, solved.out).toBe(0);
      const starter = await npmKata('5', '--', '--browser');
      expect(starter.out, starter.out).toMatch(BACKEND);
      expect(starter.out).toMatch(/\d+ of \d+ tests fail \(\d+ of them the lesson's tests\)\./);
      expect(starter.out).not.toContain('could not run');
      expect(starter.code, starter.out).toBe(1);
    }, 240_000);

    describe.concurrent('katas 03 and 04', () => {
    for (const target of ['starter', 'solution'] as Target[]) {
      it(`katas 03 and 04 (one browser run): the ${target} ${target === 'starter' ? 'fails its lesson\'s tests only' : 'passes every test'}`, async () => {
        const katas = [kata('3'), kata('4')];
        const run = await runSuite({ root: repoRoot, target, files: katas.map((k) => kataPaths(k, repoRoot).test), extraEnv: browserEnv(browser!) });
        expect(run.backendLine, run.output.slice(-3000)).toMatch(BACKEND);
        for (const k of katas) {
          const file = run.report?.testResults.find((r) => r.name === kataPaths(k, repoRoot).test);
          expect(file, `${k.name}: no report\n${run.output.slice(-3000)}`).toBeDefined();
          expect(file!.message, `${k.name}: the file failed to load`).toBe('');
          const tests = file!.assertionResults;
          const failed = tests.filter((t) => t.status !== 'passed').map((t) => t.title);
          if (target === 'solution') {
            expect(failed, `${k.name} solution in the browser`).toEqual([]);
            expect(tests.length).toBeGreaterThan(0);
          } else {
            expect(failed.length, `${k.name} starter: expected lesson tests to fail`).toBeGreaterThan(0);
            expect(failed.filter((t) => !teaching(k, t)), `${k.name} starter: tests that fail but are not the lesson's`).toEqual([]);
          }
        }
      }, 300_000);
    }
    });
  });
});
