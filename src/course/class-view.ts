/**
 * The class view (`kata class <folder>`): every learner checkout in a folder graded as its own course root
 * (./grade.ts with root = the checkout, as `KATA_ROOT=<checkout> kata grade` does), a few at a time, then
 * one table learners × katas and "where the room is stuck": the tests that the most learners fail.
 *
 * A checkout is a sub-folder that has katas/manifest.json. Its kata tests import its own src/lib, which
 * imports packages: the folder must lie inside a checkout that has node_modules (the template's), or each
 * learner checkout needs its own (docs/instructor-guide.md, "The class view").
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { grade, scoreOf, type GradeResult, type GradeScore, type GradeStatus } from './grade.js';

export interface LearnerGrade {
  learner: string;
  root: string;
  /** Undefined when grading could not run at all (then `error` says why). */
  result?: GradeResult;
  error?: string;
}

export interface StuckTest {
  kata: string;
  /** "describe › test title" as the runner shows it. */
  test: string;
  /** Learners whose run of this test failed, and those who ran it (kata status "failed" or "passed"). */
  failed: number;
  ran: number;
  learners: string[];
}

export interface ClassResult {
  learners: LearnerGrade[];
  /** Kata names, in the order of the first graded learner's manifest. */
  katas: string[];
  stuck: StuckTest[];
  seconds: number;
  concurrency: number;
}

/** The learner checkouts in `folder`: its sub-folders with katas/manifest.json, by name. */
export function findCheckouts(folder: string): { learner: string; root: string }[] {
  return readdirSync(folder)
    .filter((d) => !d.startsWith('.'))
    .map((d) => ({ learner: d, root: path.join(folder, d) }))
    .filter((c) => statSync(c.root).isDirectory() && existsSync(path.join(c.root, 'katas', 'manifest.json')))
    .sort((a, b) => a.learner.localeCompare(b.learner));
}

/** Runs `work` over `items`, at most `limit` at a time; results in the items' order. */
export async function pool<T, R>(items: T[], limit: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const testName = (t: { ancestorTitles: string[]; title: string }): string => [...t.ancestorTitles.slice(1), t.title].join(' › ');

/** The tests failed by at least one learner, most learners first (then course order). */
export function stuckTests(learners: LearnerGrade[]): StuckTest[] {
  const map = new Map<string, StuckTest & { order: number }>();
  let order = 0;
  for (const l of learners) {
    for (const k of l.result?.katas ?? []) {
      // Only tests that ran on the learner's own, untampered files count.
      if (k.status !== 'failed' && k.status !== 'passed') continue;
      for (const t of k.results) {
        const key = `${k.name}\u0000${testName(t)}`;
        let s = map.get(key);
        if (!s) map.set(key, (s = { kata: k.name, test: testName(t), failed: 0, ran: 0, learners: [], order: order++ }));
        s.ran++;
        if (t.status === 'failed') {
          s.failed++;
          s.learners.push(l.learner);
        }
      }
    }
  }
  return [...map.values()]
    .filter((s) => s.failed > 0)
    .sort((a, b) => b.failed - a.failed || a.order - b.order)
    .map(({ order: _order, ...s }) => s);
}

export interface ClassOptions {
  folder: string;
  concurrency: number;
  /** Called when a learner's grading starts and ends (the CLI prints progress on stderr). */
  onLearner?: (event: 'start' | 'done', l: LearnerGrade) => void;
}

export async function gradeClass(opts: ClassOptions): Promise<ClassResult> {
  const t0 = performance.now();
  const checkouts = findCheckouts(opts.folder);
  const learners = await pool(checkouts, opts.concurrency, async (c) => {
    const l: LearnerGrade = { learner: c.learner, root: c.root };
    opts.onLearner?.('start', l);
    try {
      l.result = await grade({ root: c.root });
    } catch (e) {
      l.error = (e as Error).message.split('\n')[0]!;
    }
    opts.onLearner?.('done', l);
    return l;
  });
  const katas = learners.find((l) => l.result)?.result!.katas.map((k) => k.name) ?? [];
  return { learners, katas, stuck: stuckTests(learners), seconds: Math.round((performance.now() - t0) / 100) / 10, concurrency: opts.concurrency };
}

/** One character per status in the table. */
export const MARKS: Record<GradeStatus, string> = {
  passed: '✓',
  failed: '✗',
  'caught up': '↷',
  'does not load': '!',
  missing: '∅',
  'tests modified': 'T',
  crashed: '☠',
  'timed out': '⧗',
  'type error': 'τ',
  'not type-checked': '?',
};
const markOf = (s: string): string => (MARKS as Record<string, string>)[s] ?? '✗';

export const LEGEND = '✓ passed · ✗ failed · ↷ caught up (reference files) · ! does not load · ∅ missing · T tests modified · ☠ crashed · ⧗ timed out · τ type error · ? not type-checked';

/** The kata's column heading: its number ("04"). */
const col = (name: string): string => name.split('-')[0]!;

export function formatClassTable(c: ClassResult, stuckRows = 10): string[] {
  const width = Math.max('learner'.length, ...c.learners.map((l) => l.learner.length));
  const header = ['learner'.padEnd(width), ...c.katas.map(col), 'passed', 'caught up', 'tests'].join('  ');
  const lines = [header, '-'.repeat(header.length)];
  for (const l of c.learners) {
    if (!l.result) {
      lines.push(`${l.learner.padEnd(width)}  grading failed: ${l.error ?? 'unknown error'}`);
      continue;
    }
    const by = new Map(l.result.katas.map((k) => [k.name, k]));
    const s = scoreOf(l.result);
    const cells = c.katas.map((name, i) => markOf(by.get(name)?.status ?? 'missing').padEnd(col(c.katas[i]!).length));
    lines.push([l.learner.padEnd(width), ...cells, `${s.passed}/${s.total}`.padStart(6), String(s.caughtUp).padStart(9), `${s.tests.passed}/${s.tests.total}`].join('  '));
  }
  const graded = c.learners.filter((l) => l.result);
  const perKata = c.katas.map((name, i) => String(graded.filter((l) => l.result!.katas.find((k) => k.name === name)?.passed).length).padEnd(col(c.katas[i]!).length));
  lines.push(['passed'.padEnd(width), ...perKata].join('  ').trimEnd());
  lines.push('', LEGEND, '');
  lines.push(`Where the room is stuck (tests failed by the most learners, of ${graded.length} graded):`);
  if (c.stuck.length === 0) lines.push('  no failing test');
  for (const s of c.stuck.slice(0, stuckRows)) lines.push(`  ${`${s.failed}/${s.ran}`.padStart(5)}  ${s.kata} › ${s.test}`);
  if (c.stuck.length > stuckRows) lines.push(`  … ${c.stuck.length - stuckRows} more failing tests (--json has them all)`);
  const notLoading = c.katas
    .map((name) => ({ name, n: graded.filter((l) => ['does not load', 'missing'].includes(l.result!.katas.find((k) => k.name === name)?.status ?? '')).length }))
    .filter((x) => x.n > 0);
  for (const x of notLoading) lines.push(`  ${String(x.n).padStart(5)}  ${x.name}: does not load or is missing (no test ran)`);
  lines.push('', `${c.learners.length} learner${c.learners.length === 1 ? '' : 's'} graded in ${c.seconds.toFixed(1)} s (${c.concurrency} at a time)`);
  return lines;
}

export interface ClassJson {
  learners: {
    learner: string;
    score: GradeScore | null;
    katas: Record<string, { status: string; passed: boolean; tests: { passed: number; total: number }; identicalToSolution?: string[] }>;
    fingerprint: string | null;
    error?: string;
  }[];
  katas: string[];
  stuck: StuckTest[];
  seconds: number;
  concurrency: number;
}

export function classJson(c: ClassResult): ClassJson {
  return {
    learners: c.learners.map((l) => ({
      learner: l.learner,
      score: l.result ? scoreOf(l.result) : null,
      katas: Object.fromEntries(
        (l.result?.katas ?? []).map((k) => [k.name, { status: k.status, passed: k.passed, tests: k.tests, ...(k.identicalToSolution ? { identicalToSolution: k.identicalToSolution } : {}) }]),
      ),
      fingerprint: l.result?.course.fingerprint ?? null,
      ...(l.error ? { error: l.error } : {}),
    })),
    katas: c.katas,
    stuck: c.stuck,
    seconds: c.seconds,
    concurrency: c.concurrency,
  };
}
