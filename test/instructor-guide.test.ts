/**
 * docs/instructor-guide.md's numbers cannot go stale (test/guide-numbers.ts): the tests per kata, the totals and
 * every sample that repeats them agree with the guide's "Tests per kata" table. The table itself is checked
 * against the kata files' real counts by test/katas.meta.test.ts, from its `npm run verify` run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, repoRoot } from '../src/course/manifest.js';
import { countsFromVerify, GUIDE, guideProblems, guideTable } from './guide-numbers.js';

const guide = readFileSync(path.join(repoRoot, GUIDE), 'utf8');

describe('instructor guide: numbers', () => {
  it('the "Tests per kata" table lists the manifest\'s katas, and every number the guide repeats agrees with it', () => {
    expect(guideTable(guide).rows.map((r) => r.name)).toEqual(loadManifest(repoRoot).katas.map((k) => k.name));
    expect(guideProblems(guide)).toEqual([]);
  });

  it('catches a drift: a table row, a verify sample row, a grade sample, the CSV, a real count', () => {
    const { rows, all } = guideTable(guide);
    const k04 = rows.find((r) => r.name === '04-dtype-cast')!;
    const drifted = guide.replace(`| 04-dtype-cast | ${k04.total} | ${k04.starterFail} |`, `| 04-dtype-cast | ${k04.total + 1} | ${k04.starterFail} |`);
    const problems = guideProblems(drifted);
    expect(problems).toContain(`${GUIDE}: "all" row: tests (the sum of the rows): expected ${all!.total + 1}, the guide says ${all!.total}`);
    expect(problems).toContain(`${GUIDE}: verify sample row 04-dtype-cast: expected ${k04.starterFail}/${k04.total + 1} fail ${k04.total + 1}/${k04.total + 1} pass, the guide says ${k04.starterFail}/${k04.total} fail ${k04.total}/${k04.total} pass`);
    expect(problems).toContain(`${GUIDE}: grade sample row 04-dtype-cast: expected ${k04.total + 1}/${k04.total + 1}, the guide says ${k04.total}/${k04.total}`);
    expect(problems.some((p) => p.startsWith(`${GUIDE}: grade sample score: expected `))).toBe(true);
    expect(problems.some((p) => p.startsWith(`${GUIDE}: grades.csv sample row bob: expected `))).toBe(true);
    const k05 = rows.find((r) => r.name === '05-squeeze')!;
    const counts = rows.map((r) => (r === k05 ? { ...r, total: r.total + 1 } : r));
    expect(guideProblems(guide, counts)).toEqual([`${GUIDE}: 05-squeeze: tests (npm run verify counts them): expected ${k05.total + 1}, the guide says ${k05.total}`]);
    expect(guideProblems(guide.replace(`${all!.total} tests in 10 katas`, '112 tests in 10 katas'))).toEqual([
      `${GUIDE}: "112 tests in 10 katas": expected ${all!.total} tests in 10 katas, the guide says 112 tests in 10 katas`,
    ]);
  });

  it('reads verify\'s table', () => {
    expect(countsFromVerify('kata  starter  solution  verdict\n04-dtype-cast          14/19 fail  19/19 pass  ok\n10-capstone            6/9 fail    9/9 pass    ok\n')).toEqual([
      { name: '04-dtype-cast', total: 19, starterFail: 14 },
      { name: '10-capstone', total: 9, starterFail: 6 },
    ]);
  });
});
