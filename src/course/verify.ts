/**
 * `kata verify` (for course developers, like rustlings' dev check): proves for every kata of the
 * manifest that the starting file fails for the reason the lesson teaches and the solution passes.
 *
 * Runs the whole kata suite twice — one Vitest process with KATA_TARGET=starter and one with
 * KATA_TARGET=solution — and checks, per kata (in the starter run, a kata that imports another
 * kata's file, like the capstone, gets that kata's solution: each starter is judged on its own):
 *  - the folder holds README.md, the files and <name>.test.ts; solutions/<name>/ holds the files;
 *  - starter: at least one test fails; every test whose title contains a `mustFail` entry fails
 *    (and each entry matches some test); when `failsWith` is set, every failure message matches it;
 *    the failures are not a broken file (a test file with no results, an import/compile error,
 *    "is not a function", "does not provide an export", ...);
 *  - solution: there are tests and every one passes.
 * Also reports kata folders under katas/ that the manifest does not list.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { kataPaths, loadManifest, type Kata, type Manifest } from './manifest.js';
import { BROKEN_PATTERN, runSuite, trimFailure, type FileResult, type SuiteRun } from './vitest.js';

export interface KataVerdict {
  kata: Kata;
  /** e.g. "2/3 fail" */
  starter: string;
  /** e.g. "3/3 pass" */
  solution: string;
  problems: string[];
}

export interface VerifyResult {
  root: string;
  verdicts: KataVerdict[];
  /** Problems not tied to one kata (unlisted folders, a crashed Vitest run). */
  general: string[];
  ok: boolean;
  backendLine: string | undefined;
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

function fileResultFor(run: SuiteRun, testFile: string): FileResult | undefined {
  return run.report?.testResults.find((r) => path.resolve(r.name) === path.resolve(testFile));
}

export function checkStarter(kata: Kata, file: FileResult | undefined, root: string): { summary: string; problems: string[] } {
  const problems: string[] = [];
  if (!file) return { summary: 'not run', problems: ['starter: the test file produced no results (not found by Vitest?)'] };
  const tests = file.assertionResults;
  const failed = tests.filter((t) => t.status === 'failed');
  const summary = `${failed.length}/${tests.length} fail`;
  if (tests.length === 0) {
    problems.push(
      `starter: the test file failed with no test results — the starter is broken, not teaching` +
        (file.message ? `: ${firstLine(trimFailure(file.message, root))}` : ''),
    );
    return { summary: 'broken', problems };
  }
  if (file.message && BROKEN_PATTERN.test(file.message)) {
    problems.push(`starter: file-level error — the starter is broken, not teaching: ${firstLine(trimFailure(file.message, root))}`);
  }
  if (failed.length === 0) problems.push('starter: every test passes on the starting file (at least one must fail)');
  for (const sub of kata.mustFail) {
    const matching = tests.filter((t) => t.title.includes(sub) || t.fullName.includes(sub));
    if (matching.length === 0) problems.push(`mustFail "${sub}" matches no test title`);
    for (const t of matching) {
      if (t.status !== 'failed') problems.push(`starter: teaching test "${t.title}" ${t.status} (mustFail "${sub}": it must fail)`);
    }
  }
  for (const sub of kata.slow) {
    if (!tests.some((t) => t.title.includes(sub) || t.fullName.includes(sub))) problems.push(`slow "${sub}" matches no test title`);
  }
  const re = kata.failsWith !== undefined ? new RegExp(kata.failsWith) : undefined;
  for (const t of failed) {
    const msg = t.failureMessages.join('\n');
    if (BROKEN_PATTERN.test(msg)) {
      problems.push(`starter: "${t.title}" fails with a code error — broken, not teaching: ${firstLine(trimFailure(msg, root))}`);
    } else if (re && !re.test(msg)) {
      problems.push(`starter: "${t.title}" fails with a message that does not match failsWith /${kata.failsWith}/: ${firstLine(trimFailure(msg, root))}`);
    }
  }
  return { summary, problems };
}

export function checkSolution(file: FileResult | undefined, root: string): { summary: string; problems: string[] } {
  if (!file) return { summary: 'not run', problems: ['solution: the test file produced no results (not found by Vitest?)'] };
  const tests = file.assertionResults;
  const passed = tests.filter((t) => t.status === 'passed');
  const problems: string[] = [];
  if (tests.length === 0) {
    problems.push('solution: the test file has no test results' + (file.message ? `: ${firstLine(trimFailure(file.message, root))}` : ''));
    return { summary: 'broken', problems };
  }
  if (file.message) problems.push(`solution: file-level error: ${firstLine(trimFailure(file.message, root))}`);
  for (const t of tests) {
    if (t.status === 'failed') problems.push(`solution: "${t.title}" fails: ${firstLine(trimFailure(t.failureMessages.join('\n'), root))}`);
  }
  return { summary: `${passed.length}/${tests.length} pass`, problems };
}

function missingFiles(kata: Kata, root: string): string[] {
  const p = kataPaths(kata, root);
  const want = [p.readme, p.test, ...p.files, ...p.solutions];
  return want.filter((f) => !existsSync(f)).map((f) => `missing ${path.relative(root, f)}`);
}

function unlistedFolders(manifest: Manifest, root: string): string[] {
  const dir = path.join(root, 'katas');
  if (!existsSync(dir)) return [];
  const listed = new Set(manifest.katas.map((k) => k.name));
  return readdirSync(dir)
    .filter((n) => /^\d{2,}-/.test(n) && statSync(path.join(dir, n)).isDirectory() && !listed.has(n))
    .map((n) => `katas/${n}/ is not listed in katas/manifest.json`);
}

export interface VerifyOptions {
  root: string;
  onLine?: (line: string) => void;
}

export async function verify(opts: VerifyOptions): Promise<VerifyResult> {
  const { root } = opts;
  const manifest = loadManifest(root);
  const general = unlistedFolders(manifest, root);
  const verdicts: KataVerdict[] = [];
  let backendLine: string | undefined;
  if (manifest.katas.length > 0) {
    const files = manifest.katas.map((k) => kataPaths(k, root).test).filter((f) => existsSync(f));
    // The two runs go side by side: each spends much of its time starting up and loading modules.
    const extra = opts.onLine ? { onLine: opts.onLine } : {};
    const [starter, solution] = files.length
      ? await Promise.all([
          // all: the slow tier runs even after a fast failure, so that slow teaching tests are seen failing.
          runSuite({ root, target: 'starter', otherKatas: 'solution', files, all: true, ...extra }),
          runSuite({ root, target: 'solution', files, all: true, ...extra }),
        ])
      : [undefined, undefined];
    backendLine = starter?.backendLine ?? solution?.backendLine;
    for (const [label, run] of [['starter', starter], ['solution', solution]] as const) {
      if (run && !run.report) {
        general.push(`the ${label} run of Vitest crashed (exit ${run.exitCode}) without a report:\n${run.output.split('\n').slice(-15).join('\n')}`);
      }
    }
    for (const kata of manifest.katas) {
      const p = kataPaths(kata, root);
      const problems = missingFiles(kata, root);
      const s = starter?.report ? checkStarter(kata, fileResultFor(starter, p.test), root) : { summary: 'not run', problems: [] };
      const t = solution?.report ? checkSolution(fileResultFor(solution, p.test), root) : { summary: 'not run', problems: [] };
      if (existsSync(p.test)) problems.push(...s.problems, ...t.problems);
      verdicts.push({ kata, starter: s.summary, solution: t.summary, problems });
    }
  }
  const ok = general.length === 0 && verdicts.every((v) => v.problems.length === 0);
  return { root, verdicts, general, ok, backendLine };
}

/** Plain-text table of a verify result (the CLI colours it). */
export function formatVerifyTable(result: VerifyResult): string[] {
  const rows = result.verdicts.map((v) => [v.kata.name, v.starter, v.solution, v.problems.length ? 'FAIL' : 'ok']);
  const header = ['kata', 'starter', 'solution', 'verdict'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
}
