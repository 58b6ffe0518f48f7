/**
 * `npm run kata class <folder>` (src/course/class-view.ts, src/cli/kata-class.ts) and grade's "caught up".
 *
 * The class: 3 learner checkouts of the fixture course (test/fixtures/course: two tiny katas, so one learner's
 * grade is one short Vitest run, not the real course's 35–58 s), in .cache/class-XXXX/<learner>/ — the fixture's
 * depth, so that their `../../../../../src/lib` imports resolve — graded through npm as the README shows it
 * (all three at once: --jobs 3), with --json:
 *   ada  00 her own fix (passes), 01 the starting file (fails "rejects an empty list")
 *   bo   00 the reference, CRLF (caught up), 01 his own fix (passes)
 *   cy   00 and 01 the starting files
 * and a folder that is not a checkout (ignored).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classJson, formatClassTable, stuckTests, type ClassJson, type ClassResult, type LearnerGrade } from '../src/course/class-view.js';
import type { GradeResult, KataGrade } from '../src/course/grade.js';
import { toJunit } from '../src/course/junit.js';
import { ClassUsageError, runClass } from '../src/cli/kata-class.js';
import { repoRoot } from '../src/course/manifest.js';
import { cliEnv, runCli, type CliResult } from './support/cli.js';

const fixture = path.join(repoRoot, 'test/fixtures/course');

function npmKata(...args: string[]): Promise<CliResult> {
  return runCli('npm', ['run', '-s', 'kata', ...args], cliEnv({ NO_COLOR: '1' }, ['KATA_ROOT']));
}

let dir = '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function learner(name: string, edit: (root: string) => void): void {
  const root = path.join(dir, name);
  cpSync(fixture, root, { recursive: true, filter: (src) => !path.basename(src).startsWith('.kata-') });
  edit(root);
}
const read = (root: string, f: string) => readFileSync(path.join(root, f), 'utf8');

describe('kata class: three learner checkouts, graded through npm', () => {
  let run: CliResult;
  let json: ClassJson;

  beforeAll(async () => {
    mkdirSync(path.join(repoRoot, '.cache'), { recursive: true });
    dir = mkdtempSync(path.join(repoRoot, '.cache/class-'));
    learner('ada', (r) => writeFileSync(path.join(r, 'katas/00-fixture/add.ts'), read(r, 'solutions/00-fixture/add.ts').replace('reshape one of them explicitly', 'reshape one first')));
    learner('bo', (r) => {
      writeFileSync(path.join(r, 'katas/00-fixture/add.ts'), read(r, 'solutions/00-fixture/add.ts').replace(/\n/g, '\r\n'));
      writeFileSync(path.join(r, 'katas/01-fixture-total/total.ts'), read(r, 'solutions/01-fixture-total/total.ts').replace('expected at least one tensor', 'need one tensor or more'));
    });
    learner('cy', () => {});
    mkdirSync(path.join(dir, 'notes'));
    run = await npmKata('class', dir, '--', '--json', '--jobs', '3');
    json = JSON.parse(run.stdout) as ClassJson;
  }, 180_000);

  it('--json: stdout is one JSON object; progress is on stderr', () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/Grading 3 learner checkouts in .*, 3 at a time/);
    expect(run.stderr).toMatch(/\[3\/3\] \w+: \d\/2 passed/);
    expect(json.concurrency).toBe(3);
    expect(json.katas).toEqual(['00-fixture', '01-fixture-total']);
  });

  it('one row per learner: statuses, scores, caught up never a pass', () => {
    const cell = (l: ClassJson['learners'][number]) => Object.values(l.katas).map((k) => `${k.status} ${k.tests.passed}/${k.tests.total}`);
    expect(json.learners.map((l) => [l.learner, ...cell(l)])).toEqual([
      ['ada', 'passed 3/3', 'failed 2/3'],
      ['bo', 'caught up 3/3', 'passed 3/3'],
      ['cy', 'failed 1/3', 'failed 1/3'],
    ]);
    const bo = json.learners[1]!;
    expect(bo.katas['00-fixture']).toMatchObject({ passed: false, identicalToSolution: ['katas/00-fixture/add.ts'] });
    expect(bo.score).toEqual({ passed: 1, total: 2, caughtUp: 1, percent: 50, tests: { passed: 3, total: 3 } });
    expect(json.learners[0]!.katas['00-fixture']!.identicalToSolution).toBeUndefined();
    for (const l of json.learners) expect(l.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('where the room is stuck: the tests most learners fail, counted over the learners who ran them', () => {
    expect(json.stuck.map((s) => [s.failed, s.ran, s.kata, s.test, s.learners.join(' ')])).toEqual([
      [2, 3, '01-fixture-total', 'rejects an empty list, naming ts', 'ada cy'],
      [1, 2, '00-fixture', 'refuses to broadcast [B] against [B,1]', 'cy'],
      [1, 2, '00-fixture', 'names both shapes in the error', 'cy'],
      [1, 3, '01-fixture-total', "refuses tensors of different shapes with safeAdd's error (kata 00 solved)", 'cy'],
    ]);
  });
});

describe('kata class: usage errors (the runner prints them as one line, exit 2)', () => {
  it.each([
    ['/no/such/folder', undefined, /^<folder>: expected a folder of learner checkouts, got \/no\/such\/folder \(no such folder\)$/],
    ['test/fixtures/course/katas', undefined, /^<folder>: expected sub-folders that are learner checkouts \(each with katas\/manifest\.json\), got none in test\/fixtures\/course\/katas$/],
    ['test/fixtures', '0', /^--jobs: expected a whole number of learners graded at a time, 1 to 32, got "0"$/],
    ['test/fixtures', '2.5', /^--jobs: expected a whole number .* got "2\.5"$/],
  ])('%s --jobs %s', async (folder, jobs, message) => {
    const env = process.env.INIT_CWD;
    process.env.INIT_CWD = repoRoot;
    try {
      await expect(runClass(folder, { json: true, ...(jobs ? { jobs } : {}) })).rejects.toThrow(message);
      await expect(runClass(folder, { json: true, ...(jobs ? { jobs } : {}) })).rejects.toBeInstanceOf(ClassUsageError);
    } finally {
      process.env.INIT_CWD = env;
    }
  });

  it('a folder outside this checkout whose checkouts have no node_modules', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'class-outside-'));
    try {
      cpSync(fixture, path.join(outside, 'dee'), { recursive: true });
      await expect(runClass(outside, {})).rejects.toThrow(/^<folder>: expected a folder inside this checkout \(.*\), whose node_modules the learners' code then uses, got .* outside it, where 1 checkout has no node_modules \(dee…\)$/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

// ---- formatting, on a recorded result (no Vitest run) -------------------------------------------------------
const t = (title: string, status: string) => ({ ancestorTitles: ['file', 'describe'], fullName: title, title, status, failureMessages: status === 'failed' ? ['AssertionError: no'] : [] });
function kg(name: string, status: KataGrade['status'], results: ReturnType<typeof t>[], extra: Partial<KataGrade> = {}): KataGrade {
  const passed = results.filter((r) => r.status === 'passed').length;
  return { id: Number(name.slice(0, 2)), name, passed: status === 'passed', status, tests: { passed, total: results.length }, seconds: 1, results, ...extra };
}
function gr(katas: KataGrade[]): GradeResult {
  return { katas, course: { files: 5, changed: [], fingerprint: 'f'.repeat(64) } as unknown as GradeResult['course'], seconds: 3, backendLine: 'backend: wasm' };
}
const recorded: LearnerGrade[] = [
  { learner: 'ada', root: '/c/ada', result: gr([kg('01-a', 'passed', [t('x', 'passed'), t('y', 'passed')]), kg('02-b', 'failed', [t('z', 'failed')])]) },
  { learner: 'bo', root: '/c/bo', result: gr([kg('01-a', 'caught up', [t('x', 'passed'), t('y', 'passed')], { identicalToSolution: ['katas/01-a/a.ts'], message: 'identical to the solution: katas/01-a/a.ts' }), kg('02-b', 'does not load', [])]) },
  { learner: 'cy', root: '/c/cy', error: 'Vitest crashed (exit 1) without a report; its last lines:' },
];

describe('class view formatting', () => {
  it('the table: a mark per kata, totals per learner and per kata, the legend, where the room is stuck', () => {
    const c: ClassResult = { learners: recorded, katas: ['01-a', '02-b'], stuck: stuckTests(recorded), seconds: 12.3, concurrency: 2 };
    expect(formatClassTable(c)).toEqual([
      'learner  01  02  passed  caught up  tests',
      '-----------------------------------------',
      'ada      ✓   ✗      1/2          0  2/3',
      'bo       ↷   !      0/2          1  0/0',
      'cy       grading failed: Vitest crashed (exit 1) without a report; its last lines:',
      'passed   1   0',
      '',
      '✓ passed · ✗ failed · ↷ caught up (reference files) · ! does not load · ∅ missing · T tests modified · ☠ crashed · ⧗ timed out · τ type error · ? not type-checked',
      '',
      'Where the room is stuck (tests failed by the most learners, of 2 graded):',
      '    1/1  02-b › describe › z',
      '      1  02-b: does not load or is missing (no test ran)',
      '',
      '3 learners graded in 12.3 s (2 at a time)',
    ]);
    expect(classJson(c).learners[2]).toEqual({ learner: 'cy', score: null, katas: {}, fingerprint: null, error: 'Vitest crashed (exit 1) without a report; its last lines:' });
  });

  it('JUnit: a caught-up kata is one skipped testcase, never a pass nor a failure; identical files are a property', () => {
    const xml = toJunit(recorded[1]!.result!, '/c/bo', new Date('2026-12-06T00:00:00Z'));
    expect(xml).toContain('<testsuite name="01-a" tests="1" failures="0" errors="0" skipped="1"');
    expect(xml).toContain('<property name="identical.to.solution" value="katas/01-a/a.ts"/>');
    expect(xml).toContain('<testcase classname="01-a" name="01-a: caught up" time="1.000">');
    expect(xml).toContain('<skipped message="caught up: identical to the solution: katas/01-a/a.ts"/>');
    expect(xml).toMatch(/<testsuites name="kata grade: 0\/2 katas passed"/);
  });
});
