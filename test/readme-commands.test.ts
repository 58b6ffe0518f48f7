/**
 * The README is a contract: every `npm …` / `npx …` command it shows (fenced sh blocks, command tables,
 * inline code) is run here for real, through npm exactly as a user types it, in a short form — and the
 * check asserts its exit status and a real figure in its output (an accuracy, a count, a file written).
 *
 * HOW TO EXTEND (one entry per command pattern, in CHECKS below):
 *   - You added a command to README.md: add { pattern, run } — `pattern` matches the command as the README
 *     writes it (normalised: spaces collapsed, no comment); `run(ctx)` runs the short form with ctx.npm(...)
 *     (or ctx.interactive(...) for a command that keeps running) and asserts a figure.
 *   - A command checked by another test file (too slow to run twice): { pattern, coveredBy: { file, contains } };
 *     this test checks that the file exists and contains the string (the exact command it runs).
 *   - A README command that no entry matches FAILS the test, naming the command; an entry that matches no README
 *     command fails too (the README dropped it: remove the entry).
 *
 * The learner's files are never touched: every command runs in a temporary copy of the repository (tracked and
 * untracked-but-not-ignored files, node_modules symlinked, a fresh git repository so `kata reset` works).
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeIdx } from '../src/lib/data/idx.js';
import { repoRoot } from '../src/course/manifest.js';

// ---------- the README's commands ----------

/** Every npm/npx command in README.md: fenced sh/bash/plain blocks, then inline code spans elsewhere. */
export function readmeCommands(md: string): string[] {
  const found: string[] = [];
  const add = (s: string): void => {
    for (const part of s.split('&&')) {
      const c = part.replace(/\s+/g, ' ').trim();
      if (/^(npm|npx) /.test(c) || c === 'npm' || c === 'npx') found.push(c);
    }
  };
  const fence = /^```([\w-]*)\n([\s\S]*?)^```/gm;
  let rest = md;
  for (const m of md.matchAll(fence)) {
    if (['', 'sh', 'bash', 'shell', 'console'].includes(m[1]!)) {
      for (const line of m[2]!.split('\n')) add(line.replace(/\s#.*$/, '').replace(/^\$ /, ''));
    }
    rest = rest.replace(m[0], '');
  }
  for (const m of rest.matchAll(/`([^`\n]+)`/g)) add(m[1]!);
  return [...new Set(found)];
}

// ---------- running commands in the temporary copy ----------

interface Run {
  code: number | null;
  out: string;
  stdout: string;
  seconds: number;
}

let copy = ''; // the temporary repository copy
let tmp = ''; // outputs and inputs of the checks

const env = (): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', BROWSER: 'none' };
  for (const k of Object.keys(e)) if (k.startsWith('VITEST') || k === 'KATA_ROOT' || k === 'NODE_OPTIONS') delete e[k];
  return e;
};

/** `npm run -s kata 3` etc.: args after "npm", run in the copy, with a timeout. */
function npm(args: string[], timeoutMs = 120_000): Promise<Run> {
  return command('npm', args, timeoutMs);
}

function command(cmd: string, args: string[], timeoutMs: number): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: copy, env: env(), detached: true });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => ((stdout += b.toString()), (out += b.toString())));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, stdout, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

/** Starts a command that keeps running, waits for `ready` in its output, then kills its process group. */
function interactive(args: string[], ready: RegExp, timeoutMs = 90_000, cmd = 'npm'): Promise<{ matched: string; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: copy, env: env(), detached: true });
    let out = '';
    const stop = (fn: () => void): void => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      fn();
    };
    const on = (b: Buffer): void => {
      out += b.toString();
      const m = ready.exec(out);
      if (m) stop(() => resolve({ matched: m[0], out }));
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('close', (code) => stop(() => reject(new Error(`npm ${args.join(' ')} ended (exit ${code}) before printing ${ready}:\n${out.slice(-1500)}`))));
    const timer = setTimeout(() => stop(() => reject(new Error(`npm ${args.join(' ')}: no ${ready} within ${timeoutMs / 1000} s:\n${out.slice(-1500)}`))), timeoutMs);
  });
}

/** Starts a server command, waits for its URL (`ready`), runs `use(url)` against it, then kills its process group. */
async function serving(args: string[], ready: RegExp, use: (url: string) => Promise<void>, timeoutMs = 90_000): Promise<{ out: string }> {
  const child = spawn('npm', args, { cwd: copy, env: env(), detached: true });
  let out = '';
  const url = new Promise<string>((resolve, reject) => {
    const on = (b: Buffer): void => {
      out += b.toString();
      const m = ready.exec(out);
      if (m) resolve(m[0]);
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('close', (code) => reject(new Error(`npm ${args.join(' ')} ended (exit ${code}) before printing ${ready}:\n${out.slice(-1500)}`)));
    setTimeout(() => reject(new Error(`npm ${args.join(' ')}: no ${ready} within ${timeoutMs / 1000} s:\n${out.slice(-1500)}`)), timeoutMs);
  });
  try {
    await use(await url);
    return { out };
  } finally {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/**
 * GET on a fresh connection (no keep-alive): fetch() reuses its pooled socket, and under load the dev server's
 * keep-alive timeout closed one while the next request went out (ECONNRESET in a full npm test at load 11-13).
 */
function get(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const show = (r: Run): string => `exit ${r.code} after ${r.seconds.toFixed(1)} s; output:\n${r.out.slice(-2500)}`;

/** A small fake full Fashion-MNIST (all 10 classes, random pixels) for the commands that need the full set. */
function fakeFashionMnist(dir: string): void {
  for (const [split, n] of [['train', 200], ['t10k', 60]] as const) {
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    const images = Uint8Array.from({ length: n * 784 }, (_, i) => (i * 7919) % 256);
    writeIdx(path.join(dir, `${split}-images-idx3-ubyte.gz`), [n, 28, 28], images);
    writeIdx(path.join(dir, `${split}-labels-idx1-ubyte.gz`), [n], labels);
  }
}

// ---------- the checks: one entry per README command pattern ----------

interface Check {
  pattern: RegExp;
  run?: () => Promise<void>;
  coveredBy?: { file: string; contains: string };
}

const KATA3_FILE = 'katas/03-diverging-accuracy/seed-loader.ts';

const CHECKS: Check[] = [
  { pattern: /^npm install$/, coveredBy: { file: '.ci/run', contains: 'npm install && npm test' } },
  { pattern: /^npm test$/, coveredBy: { file: '.ci/run', contains: 'npm install && npm test' } },
  {
    pattern: /^npm run kata$/,
    run: async () => {
      const r = await npm(['run', '-s', 'kata']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/Katas — \d+\/10 solved/);
      expect(r.stdout).toMatch(/Next: npm run kata \d\d/);
    },
  },
  {
    pattern: /^npm run kata \d+$/,
    run: async () => {
      const r = await npm(['run', '-s', 'kata', '3']);
      expect(r.code, show(r)).toBe(1); // the starting file fails its lesson's tests
      expect(r.stdout).toMatch(/^backend: /m);
      expect(r.stdout).toMatch(/\d+ of \d+ tests fail \(\d+ of them the lesson's tests\)/);
      expect(r.stdout).toContain(`Next: edit ${KATA3_FILE}`);
    },
  },
  {
    pattern: /^npm run kata \d+ -- --solution$/,
    run: async () => {
      const r = await npm(['run', '-s', 'kata', '3', '--', '--solution']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/✓ All \d+ tests pass\./);
    },
  },
  {
    pattern: /^npm run kata \d+ -- --hint$/,
    run: async () => {
      const r = await npm(['run', '-s', 'kata', '3', '--', '--hint']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/Hint 1 of \d+ for 03-diverging-accuracy:/);
      const progress = JSON.parse(readFileSync(path.join(copy, '.kata-progress.json'), 'utf8')) as { hintsShown: Record<string, number> };
      expect(progress.hintsShown['03-diverging-accuracy']).toBe(1);
    },
  },
  {
    pattern: /^npm run kata \d+ -- --watch$/,
    run: async () => {
      // Vitest's own summary of the first run; then the watcher is killed.
      // "Tests  6 failed | 6 passed | 1 skipped (13)": the slow tier is skipped after a fast failure
      const r = await interactive(['run', '-s', 'kata', '3', '--', '--watch'], /Tests\s+\d+ failed \| \d+ passed( \| \d+ skipped)? \(\d+\)/);
      expect(r.out).toContain('Watching 03-diverging-accuracy');
    },
  },
  {
    pattern: /^npm run kata \d+ -- --ui$/,
    run: async () => {
      const r = await interactive(['run', '-s', 'kata', '3', '--', '--ui'], /UI started at http:\/\/\S+/);
      expect(r.out).toContain('Vitest UI for 03-diverging-accuracy');
    },
  },
  { pattern: /^npm run kata \d+ -- --browser$/, coveredBy: { file: 'test/kata-browser.test.ts', contains: "'--browser'" } },
  { pattern: /^npm run kata \d+ -- --browser --backend webgl$/, coveredBy: { file: 'test/kata-browser.test.ts', contains: "'--browser'" } },
  { pattern: /^npm run kata 5 -- --browser --backend webgpu$/, coveredBy: { file: 'test/kata-browser.test.ts', contains: "npmKata('5', '--', '--browser', '--backend', 'webgpu')" } },
  { pattern: /^npm run kata grade$/, coveredBy: { file: 'test/kata-grade.test.ts', contains: 'grade' } },
  {
    pattern: /^npm run kata reset \d+$/,
    run: async () => {
      // Kata 5, so that the kata 3 runs beside it see their own file unchanged.
      const file = path.join(copy, 'katas/05-squeeze/squeeze.ts');
      const original = readFileSync(file, 'utf8');
      writeFileSync(file, original + '\n// my attempt\n');
      const r = await npm(['run', '-s', 'kata', 'reset', '5']);
      expect(r.code, show(r)).toBe(0);
      const saved = /Saved your version of \S+ to (\S+)/.exec(r.stdout);
      expect(saved, show(r)).not.toBeNull();
      expect(readFileSync(path.join(copy, saved![1]!), 'utf8')).toContain('// my attempt');
      expect(readFileSync(file, 'utf8')).toBe(original);
    },
  },
  {
    pattern: /^npx tsx katas\/NN-name\/demo\.ts$/,
    run: async () => {
      const r = await command('npx', ['tsx', 'katas/04-dtype-cast/demo.ts'], 60_000);
      expect(r.code, show(r)).toBe(0);
      expect(r.out).toMatch(/^backend: /m);
    },
  },
  {
    pattern: /^npx vitest --ui$/,
    run: async () => {
      // Scoped to one small file, so the suite it starts is light; killed once the UI is up.
      await interactive(['vitest', '--ui', 'test/layers.test.ts'], /UI started at http:\/\/\S+/, 90_000, 'npx');
    },
  },
  {
    pattern: /^npm run doctor$/,
    run: async () => {
      const r = await npm(['run', '-s', 'doctor']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/^backend: (wasm|cpu|tensorflow) /m);
      expect(r.stdout).toMatch(/^node v\d+\.\d+\.\d+, npm \d+\.\d+\.\d+, .* \d+ CPU cores$/m);
    },
  },
  {
    pattern: /^npm run train$/,
    run: async () => {
      const out = path.join(tmp, 'train-run');
      const r = await npm(['run', '-s', 'train', '--', '--epochs', '2', '--json', '--out', out]);
      expect(r.code, show(r)).toBe(0);
      const json = JSON.parse(r.stdout.trim().split('\n').pop()!) as { testAccuracy: number; testImages: number; epochs: number };
      expect(json).toMatchObject({ epochs: 2, testImages: 2000 });
      expect(json.testAccuracy, show(r)).toBeGreaterThanOrEqual(0.85);
      expect(existsSync(path.join(out, 'pipeline.json'))).toBe(true);
    },
  },
  {
    pattern: /^npm run experiment$/,
    run: async () => {
      const md = path.join(tmp, 'experiment', 'results.md');
      const r = await npm(['run', '-s', 'experiment', '--', '--quick', '--out', md, '--results', path.join(tmp, 'experiment', 'runs.jsonl')]);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/^\s+10\s+\d+\.\d ± \d+\.\d\s+\d+\.\d ± \d+\.\d/m); // the table's N=10 row
      expect(readFileSync(md, 'utf8')).toContain('labels/class');
      expect(existsSync(path.join(tmp, 'experiment', 'figures', 'learning-curve.svg'))).toBe(true);
    },
  },
  {
    pattern: /^npm run bench$/,
    run: async () => {
      const r = await npm(['run', '-s', 'bench', '--', '--quick', '--skip-cpu', '--skip-torch', '--threads', '1', '--json'], 180_000);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/\(a\) \d+\.\d s\s+tfjs wasm/);
      expect(r.stdout).toMatch(/max relative difference [\d.e+-]+ \(tolerance 1e-3\): PASS|Same computation/);
    },
  },
  {
    pattern: /^npm run coverage$/,
    run: async () => {
      const out = path.join(tmp, 'coverage');
      const r = await npm(['run', '-s', 'coverage', '--', '--quick', '--out', out]);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/Lines\s+:\s+\d+(\.\d+)?% \( \d+\/\d+ \)/);
      const kata = JSON.parse(readFileSync(path.join(out, 'katas', 'coverage-summary.json'), 'utf8')) as Record<string, { branches: { covered: number } }>;
      const cast = Object.entries(kata).find(([f]) => f.endsWith('solutions/04-dtype-cast/dtype-cast.ts'));
      expect(cast?.[1].branches.covered, 'kata 04 tests reach branches of solutions/04-dtype-cast/dtype-cast.ts').toBeGreaterThan(0);
      expect(existsSync(path.join(out, 'project', 'index.html'))).toBe(true);
    },
  },
  {
    pattern: /^npm run mutate( 4)?$/,
    run: async () => {
      const help = await npm(['run', '-s', 'mutate', '--', '--help']);
      expect(help.code, show(help)).toBe(0);
      expect(help.stdout).toMatch(/--dry-run/);
      const bad = await npm(['run', '-s', 'mutate', '99']);
      expect(bad.code, show(bad)).toBe(2);
      expect(bad.out.trim().split('\n')).toHaveLength(1);
      expect(bad.out).toMatch(/^mutate: kata: expected one of 1, 2, .* got "99"/);
      // The quick form: Stryker instruments kata 04's solution and runs its tests once (no mutant runs).
      const r = await npm(['run', '-s', 'mutate', '4', '--', '--dry-run', '--no-check'], 200_000);
      expect(r.code, show(r)).toBe(0);
      expect(r.out).toMatch(/Instrumented 1 source file\(s\) with \d+ mutant\(s\)/);
      expect(r.stdout).toMatch(/mutate: kata 04-dtype-cast: the initial test run passed/);
    },
  },
  {
    pattern: /^npm run backbone:pretrain$/,
    run: async () => {
      const out = path.join(tmp, 'pretrained');
      const r = await npm(['run', '-s', 'backbone:pretrain', '--', '--data', path.join(tmp, 'fmnist'), '--limit', '64', '--epochs', '1', '--batch-size', '32', '--out', out, '--json']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/source task: .* — 64 train \/ 16 test images/);
      const card = JSON.parse(readFileSync(path.join(out, 'card.json'), 'utf8')) as { trainImages: number; epochs: number; command: string };
      expect(card).toMatchObject({ trainImages: 64, epochs: 1 });
      expect(card.command).toMatch(/^npm run backbone:pretrain -- /);
      expect(existsSync(path.join(out, 'weights.bin'))).toBe(true);
    },
  },
  {
    pattern: /^npm run site$/,
    run: async () => {
      // Started, one lesson page and its Markdown (compiled from katas/…/README.md on request) and a file the live
      // experiment reads fetched from the URL it prints, then its process group killed.
      const r = await serving(['run', '-s', 'site'], /http:\/\/127\.0\.0\.1:\d+\//, async (url) => {
        const page = await get(`${url}katas/03-diverging-accuracy/README.html`);
        expect(page.status).toBe(200);
        expect(page.body.toString()).toContain('<div id="app">');
        const lesson = await get(`${url}katas/03-diverging-accuracy/README.md`);
        expect(lesson.status).toBe(200);
        expect(lesson.body.toString()).toContain('the diverging accuracy');
        const labels = await get(`${url}repo/data/fashion-mnist-dress-coat/train-labels-idx1-ubyte.gz.bin`);
        expect(labels.status).toBe(200);
        expect(labels.body).toEqual(readFileSync(path.join(copy, 'data/fashion-mnist-dress-coat/train-labels-idx1-ubyte.gz')));
      });
      expect(r.out).toContain('vitepress');
    },
  },
  // Built once by the site's browser test (and reused while its inputs are the same): a second build here would cost minutes.
  { pattern: /^npm run site:build$/, coveredBy: { file: 'test/site.test.ts', contains: "spawn('npm', ['run', '-s', 'site:build']" } },
  { pattern: /^npm run verify$/, coveredBy: { file: 'test/katas.meta.test.ts', contains: "spawn('npm', ['run', '-s', 'verify']" } },
  {
    pattern: /^npm run fixtures$/,
    run: async () => {
      const file = path.join(copy, 'katas/01-build-model/pretrained-features.json');
      const before = JSON.parse(readFileSync(file, 'utf8')) as { features: number[][] };
      writeFileSync(file, '{}');
      const r = await npm(['run', '-s', 'fixtures']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toMatch(/wrote katas\/01-build-model\/pretrained-features\.json: features \[6, \d+\]/);
      const after = JSON.parse(readFileSync(file, 'utf8')) as { features: number[][] };
      // The committed backbone gives back the committed features (float32 on the same backend kind).
      expect(after.features.flat().length).toBe(before.features.flat().length);
      const worst = Math.max(...after.features.flat().map((v, i) => Math.abs(v - before.features.flat()[i]!)));
      expect(worst).toBeLessThan(1e-3);
    },
  },
  {
    pattern: /^npm run data:subset$/,
    run: async () => {
      const out = path.join(tmp, 'subset');
      const r = await npm(['run', '-s', 'data:subset', '--', '--dir', path.join(tmp, 'fmnist'), '--out', out, '--per-class', '5']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toContain('train: 10 images (Dress 5, Coat 5)');
      expect(r.stdout).toContain('test: 12 images (Dress 6, Coat 6)');
      expect(existsSync(path.join(out, 'provenance.json'))).toBe(true);
    },
  },
  {
    pattern: /^npm run weights:resnet50$/,
    run: async () => {
      // Offline: the README's own alternative, --from a local file; a missing one is a one-line usage error.
      const r = await npm(['run', '-s', 'weights:resnet50', '--', '--from', path.join(tmp, 'missing.h5')]);
      expect(r.code, show(r)).toBe(2);
      expect(r.out.trim()).toMatch(/^weights-resnet50: --from: expected an existing Keras \.h5 file, got ".*missing\.h5" \(no such file\)$/);
    },
  },
  // Last in the list, so that they run after the checks that read .kata-progress.json (--hint) or need katas 01–02's starting files.
  {
    pattern: /^npm run kata catch-up \d+$/,
    run: async () => {
      const r = await npm(['run', '-s', 'kata', 'catch-up', '3']);
      expect(r.code, show(r)).toBe(0);
      expect(r.stdout).toContain('2 katas caught up (the reference files, marked ↷ in npm run kata — not solved).');
      for (const [kata, file] of [['01-build-model', 'build-model'], ['02-training-loop', 'training-loop']] as const) {
        const saved = new RegExp(`katas/${kata}/${file}\\.ts ← solutions/${kata}/${file}\\.ts  \\(yours saved to (\\S+)\\)`).exec(r.stdout);
        expect(saved, show(r)).not.toBeNull();
        expect(readFileSync(path.join(copy, saved![1]!), 'utf8')).toBe(readFileSync(path.join(repoRoot, 'katas', kata, `${file}.ts`), 'utf8'));
        expect(readFileSync(path.join(copy, 'katas', kata, `${file}.ts`), 'utf8')).toBe(readFileSync(path.join(copy, 'solutions', kata, `${file}.ts`), 'utf8'));
      }
      const progress = JSON.parse(readFileSync(path.join(copy, '.kata-progress.json'), 'utf8')) as { solved: string[]; caughtUp: string[] };
      expect(progress.caughtUp).toEqual(['01-build-model', '02-training-loop']);
      expect(progress.solved).toEqual([]);
      const list = await npm(['run', '-s', 'kata']);
      expect(list.stdout).toMatch(/Katas — 0\/10 solved, 2 caught up/);
      expect(list.stdout).toMatch(/^↷ 01-build-model /m);
    },
  },
  {
    pattern: /^npm run kata \d+ -- --show-solution$/,
    run: async () => {
      // Kata 4: no other check gives it a hint or a pass, so it is locked.
      const r = await npm(['run', '-s', 'kata', '4', '--', '--show-solution']);
      expect(r.code, show(r)).toBe(1);
      expect(r.out.trim()).toMatch(/^Not yet: the solution of 04-dtype-cast opens once the kata is solved \(npm run kata 04\) or its last hint has been seen \(0 of \d+ shown: npm run kata 04 -- --hint\)\.$/);
    },
  },
  { pattern: /^npm run kata class \S+$/, coveredBy: { file: 'test/kata-class.test.ts', contains: "npmKata('class', dir" } },
];

// ---------- the tests ----------

const commands = readmeCommands(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
const checkOf = (c: string): Check | undefined => CHECKS.find((k) => k.pattern.test(c));

describe('README.md commands', () => {
  it('every command shown in README.md has a check here, and every check a command', () => {
    expect(commands.length).toBeGreaterThan(10);
    const unchecked = commands.filter((c) => !checkOf(c));
    expect(unchecked, `README commands without a check in test/readme-commands.test.ts (add an entry to CHECKS): ${unchecked.join(' | ')}`).toEqual([]);
    const stale = CHECKS.filter((k) => !commands.some((c) => k.pattern.test(c))).map((k) => String(k.pattern));
    expect(stale, `checks whose command is no longer in README.md: ${stale.join(' | ')}`).toEqual([]);
  });

  it('a command checked by another test file: that file exists and runs it', () => {
    for (const k of CHECKS.filter((x) => x.coveredBy)) {
      const f = path.join(repoRoot, k.coveredBy!.file);
      expect(existsSync(f), `${k.pattern}: ${k.coveredBy!.file} is missing`).toBe(true);
      expect(readFileSync(f, 'utf8'), `${k.pattern}: ${k.coveredBy!.file} does not contain ${k.coveredBy!.contains}`).toContain(k.coveredBy!.contains);
    }
  });

  it('no npm script is run behind the user\'s back: no pre*/post* hook of another script, no lifecycle name', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const hooks = scripts.filter((s) => /^(pre|post)./.test(s) && scripts.includes(s.replace(/^(pre|post)/, '')));
    const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare', 'prepublish', 'prepublishOnly', 'prepack', 'postpack', 'pretest', 'posttest', 'prestart', 'start', 'poststart', 'restart', 'stop', 'version'];
    expect(hooks, 'npm runs these before/after the script they name').toEqual([]);
    expect(scripts.filter((s) => lifecycle.includes(s)), 'npm runs these on install/publish/start').toEqual([]);
  });

  it('finds the commands in code blocks, tables and inline code', () => {
    const md = '```sh\nnpm install && npm run kata 1   # go\n```\n| `npm run doctor` | x (`--json`) |\nsee `npx tsx a.ts`.\n```text\nnpm not-a-command\n```\n';
    expect(readmeCommands(md)).toEqual(['npm install', 'npm run kata 1', 'npm run doctor', 'npx tsx a.ts']);
  });
});

describe('README.md commands, run as typed (in a temporary copy of the repository)', () => {
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'readme-commands-'));
    copy = path.join(tmp, 'repo');
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const f of files) {
      const src = path.join(repoRoot, f);
      if (!existsSync(src)) continue; // deleted in the working tree
      mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      cpSync(src, path.join(copy, f));
    }
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    const g = (...a: string[]) => execFileSync('git', a, { cwd: copy, stdio: 'pipe' });
    g('init', '-q');
    g('add', '-A');
    g('-c', 'user.email=readme@test', '-c', 'user.name=readme test', '-c', 'commit.gpgsign=false', 'commit', '-qm', 'copy');
    fakeFashionMnist(path.join(tmp, 'fmnist'));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  // Two at a time: the machine has two cores.
  const runnable = CHECKS.filter((k) => k.run && commands.some((c) => k.pattern.test(c)));
  let slots = 2;
  const waiting: (() => void)[] = [];
  const slot = async <T>(fn: () => Promise<T>): Promise<T> => {
    while (slots === 0) await new Promise<void>((r) => waiting.push(r));
    slots--;
    try {
      return await fn();
    } finally {
      slots++;
      waiting.shift()?.();
    }
  };
  describe.concurrent('each command', () => {
    for (const k of runnable) {
      const shown = commands.filter((c) => k.pattern.test(c)).join(' | ');
      it(shown, () => slot(k.run!), 240_000);
    }
  });
});
