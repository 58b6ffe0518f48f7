/**
 * `npm run kata timings` (course developers): how fast the course answers a learner, per kata —
 *  - first failure: seconds from `npm run kata N` (the starting files) to the "First failure:" line;
 *  - starter run: seconds until that run ends;
 *  - solution run: seconds of `npm run kata N -- --solution` (every tier runs: nothing fails);
 *  - watch re-run: `--watch` on the starting files, the learner's file saved again (same content): seconds from
 *    the save to the end of Vitest's re-run.
 * Runs one thing at a time and prints the machine's load (/proc/loadavg) before and after: on a busy machine
 * every number grows. `--katas 3,4` picks katas, `--no-solution` / `--no-watch` skip columns, `--markdown` prints
 * the table as Markdown (docs/feedback-timings.md keeps one).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kataPaths, loadManifest, repoRoot, type Kata } from '../course/manifest.js';
import { RUN_END_LINE } from '../course/kata-reporter.js';
import { kataEnv, stripAnsi, vitestBin } from '../course/vitest.js';

export interface TimingsOptions {
  katas?: string;
  solution?: boolean;
  watch?: boolean;
  markdown?: boolean;
}

interface Row {
  kata: Kata;
  firstFailure?: number;
  starter?: number;
  solution?: number;
  watch?: number;
}

function load(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return os.loadavg().map((l) => l.toFixed(2)).join(' ');
  }
}

/** Runs the kata runner; resolves with the seconds to a line matching `mark` (if seen) and to the end. */
function timeRunner(root: string, args: string[], mark?: RegExp): Promise<{ mark?: number; end: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, KATA_ROOT: root, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'FORCE_COLOR') delete env[k];
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/kata.ts'), ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let seen: number | undefined;
  let text = '';
  const onData = (c: Buffer): void => {
    text += c.toString();
    if (seen === undefined && mark && mark.test(stripAnsi(text))) seen = (performance.now() - t0) / 1000;
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve({ ...(seen !== undefined ? { mark: seen } : {}), end: (performance.now() - t0) / 1000 }));
  });
}

/** Vitest in watch mode on the kata's starting files: the seconds of one re-run after the learner's file is saved. */
function timeWatchRerun(root: string, k: Kata, limitS = 300): Promise<number | undefined> {
  const p = kataPaths(k, root);
  const env: NodeJS.ProcessEnv = { ...kataEnv(root, 'starter'), KATA_RUN_END_MARK: '1' };
  const reporter = path.join(repoRoot, 'src/course/kata-reporter.ts');
  const child = spawn(process.execPath, [vitestBin, 'watch', p.test, '--reporter=dot', `--reporter=${reporter}`], { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const file = p.files[0]!;
  const content = readFileSync(file);
  let runs = 0;
  let saved = 0;
  let buf = '';
  return new Promise((resolve) => {
    const done = (v: number | undefined): void => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), limitS * 1000);
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        if (stripAnsi(l).trim() !== RUN_END_LINE) continue;
        runs++;
        if (runs === 1) {
          // let the watcher settle, then save the learner's file unchanged
          setTimeout(() => {
            saved = performance.now();
            writeFileSync(file, content);
          }, 1500);
        } else {
          done((performance.now() - saved) / 1000);
        }
      }
    });
    child.stderr.on('data', () => {});
    child.on('close', () => done(undefined));
  });
}

const fmt = (v: number | undefined): string => (v === undefined ? '–' : v.toFixed(1));

export async function runTimings(root: string, opts: TimingsOptions): Promise<number> {
  const m = loadManifest(root);
  const wanted = opts.katas ? opts.katas.split(',').map((s) => Number(s.trim())) : undefined;
  const katas = wanted ? m.katas.filter((k) => wanted.includes(k.id)) : m.katas;
  const loadBefore = load();
  const started = new Date().toISOString().slice(0, 16).replace('T', ' ');
  console.error(`kata timings: ${katas.length} katas, one run at a time; load before: ${loadBefore}`);
  const rows: Row[] = [];
  for (const k of katas) {
    const row: Row = { kata: k };
    const ref = k.name.split('-')[0]!;
    const starter = await timeRunner(root, [ref], /^First failure: /m);
    row.starter = starter.end;
    if (starter.mark !== undefined) row.firstFailure = starter.mark;
    if (opts.solution !== false) row.solution = (await timeRunner(root, [ref, '--solution'])).end;
    if (opts.watch !== false) {
      const w = await timeWatchRerun(root, k);
      if (w !== undefined) row.watch = w;
    }
    console.error(`  ${k.name}: first failure ${fmt(row.firstFailure)} s, starter ${fmt(row.starter)} s, solution ${fmt(row.solution)} s, watch re-run ${fmt(row.watch)} s`);
    rows.push(row);
  }
  const loadAfter = load();
  const header = ['kata', 'first failure (s)', 'starter run (s)', 'solution run (s)', 'watch re-run (s)'];
  const body = rows.map((r) => [r.kata.name, fmt(r.firstFailure), fmt(r.starter), fmt(r.solution), fmt(r.watch)]);
  const k04 = rows.find((r) => r.kata.id === 4)?.firstFailure;
  const note =
    `${started} UTC, ${os.cpus().length} CPUs, load (1/5/15 min) ${loadBefore} before, ${loadAfter} after` +
    (k04 !== undefined ? `; target: every first failure <= 2 x kata 04's = ${(2 * k04).toFixed(1)} s` : '');
  if (opts.markdown) {
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map(() => '---').join('|')}|`);
    for (const r of body) console.log(`| ${r.join(' | ')} |`);
    console.log(`\n${note}`);
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    console.log(header.map((h, i) => h.padEnd(widths[i]!)).join('  '));
    for (const r of body) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
    console.log(note);
  }
  return 0;
}
