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
    const drifted = guide.replace('| 04-dtype-cast | 19 | 14 |', '| 04-dtype-cast | 20 | 14 |');
    expect(guideProblems(drifted)).toEqual(
      expect.arrayContaining([
        `${GUIDE}: "all" row: tests (the sum of the rows): expected 133, the guide says 132`,
        `${GUIDE}: verify sample row 04-dtype-cast: expected 14/20 fail 20/20 pass, the guide says 14/19 fail 19/19 pass`,
        `${GUIDE}: grade sample row 04-dtype-cast: expected 20/20, the guide says 19/19`,
        `${GUIDE}: grade sample score: expected 1/10 katas passed (10%), 55/111 tests, the guide says 1/10 katas passed (10%), 54/110 tests`,
        `${GUIDE}: grades.csv sample row bob: expected bob,1,10,55,111,, the guide says bob,1,10,54,110,`,
      ]),
    );
    const counts = guideTable(guide).rows.map((r) => (r.name === '05-squeeze' ? { ...r, total: 23 } : r));
    expect(guideProblems(guide, counts)).toEqual([`${GUIDE}: 05-squeeze: tests (npm run verify counts them): expected 23, the guide says 22`]);
    expect(guideProblems(guide.replace('132 tests in 10 katas', '112 tests in 10 katas'))).toEqual([`${GUIDE}: "112 tests in 10 katas": expected 132 tests in 10 katas, the guide says 112 tests in 10 katas`]);
  });

  it('reads verify\'s table', () => {
    expect(countsFromVerify('kata  starter  solution  verdict\n04-dtype-cast          14/19 fail  19/19 pass  ok\n10-capstone            6/9 fail    9/9 pass    ok\n')).toEqual([
      { name: '04-dtype-cast', total: 19, starterFail: 14 },
      { name: '10-capstone', total: 9, starterFail: 6 },
    ]);
  });
});
