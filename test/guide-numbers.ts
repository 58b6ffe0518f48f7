/**
 * The numbers docs/instructor-guide.md quotes about the kata tests, read back and checked:
 *   - the "Tests per kata" table (tests, and how many fail on the starting file) and its "all" row;
 *   - every other place that repeats them: the runner and verify sample outputs, the grade samples (table
 *     rows, score lines, the class CSV), "N more teaching tests" in kata 04's table.
 * `guideProblems(guide)` checks that they agree with each other (test/instructor-guide.test.ts, instant);
 * `guideProblems(guide, counts)` also checks the table against the kata suite's real counts, which
 * test/katas.meta.test.ts takes from its `npm run verify` run (no extra Vitest run).
 *
 * How the grade samples are computed from the table (so a changed kata test changes them all):
 *   a kata's row on a learner's files is total/total when it passed, else (total − starter failures)/total,
 *   i.e. the learner's file is still the starting file; kata 10 shows 0/N there (it runs the learner's own
 *   unfinished katas 01–05). The score's tests are summed over katas whose tests were not modified.
 */

export interface KataCount {
  name: string;
  total: number;
  /** Tests that fail on the starting file (verify's "starter" column). */
  starterFail: number;
}

export const GUIDE = 'docs/instructor-guide.md';

/** The "Tests per kata" table: | 01-build-model | 16 | 10 | … | all 10 | 115 | 70 |. */
export function guideTable(guide: string): { rows: KataCount[]; all?: { katas: number; total: number; starterFail: number } } {
  const rows: KataCount[] = [];
  let all: { katas: number; total: number; starterFail: number } | undefined;
  for (const m of guide.matchAll(/^\| (\d\d-[a-z0-9-]+|all \d+) \| (\d+) \| (\d+) \|$/gm)) {
    if (m[1]!.startsWith('all ')) all = { katas: Number(m[1]!.slice(4)), total: Number(m[2]), starterFail: Number(m[3]) };
    else rows.push({ name: m[1]!, total: Number(m[2]), starterFail: Number(m[3]) });
  }
  return all ? { rows, all } : { rows };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** What a learner's grade shows: per kata the tests passed, given the katas passed and those with modified tests. */
function expectedScore(rows: KataCount[], passed: Set<string>, modified: Set<string>): { katas: number; tests: number; of: number } {
  const counted = rows.filter((r) => !modified.has(r.name));
  const passing = (r: KataCount): number => (passed.has(r.name) ? r.total : r.name.startsWith('10-') ? 0 : r.total - r.starterFail);
  return { katas: passed.size, tests: sum(counted.map(passing)), of: sum(counted.map((r) => r.total)) };
}

export function guideProblems(guide: string, counts?: KataCount[]): string[] {
  const problems: string[] = [];
  const { rows, all } = guideTable(guide);
  const by = new Map(rows.map((r) => [r.name, r]));
  const fix = (what: string, expected: string | number, got: string | number): void => {
    if (String(expected) !== String(got)) problems.push(`${GUIDE}: ${what}: expected ${expected}, the guide says ${got}`);
  };
  if (rows.length === 0) return [`${GUIDE}: no "Tests per kata" table (| 01-build-model | tests | starter failures |)`];
  if (!all) problems.push(`${GUIDE}: the "Tests per kata" table has no "| all N | total | failures |" row`);
  else {
    fix('"all" row: katas', rows.length, all.katas);
    fix('"all" row: tests (the sum of the rows)', sum(rows.map((r) => r.total)), all.total);
    fix('"all" row: starter failures (the sum of the rows)', sum(rows.map((r) => r.starterFail)), all.starterFail);
  }
  if (counts) {
    fix('the katas of the "Tests per kata" table (the manifest\'s)', counts.map((c) => c.name).join(' '), rows.map((r) => r.name).join(' '));
    for (const c of counts) {
      const r = by.get(c.name);
      if (!r) continue;
      fix(`${c.name}: tests (npm run verify counts them)`, c.total, r.total);
      fix(`${c.name}: tests failing on the starting file (npm run verify's starter column)`, c.starterFail, r.starterFail);
    }
  }
  const total = sum(rows.map((r) => r.total));
  // Every "<total> tests in <n> katas" and the like.
  for (const m of guide.matchAll(/\b(\d+) tests in (\d+) katas\b/g)) {
    fix(`"${m[0]}"`, `${total} tests in ${rows.length} katas`, m[0]);
  }
  // verify's sample rows.
  for (const m of guide.matchAll(/^(\d\d-[a-z0-9-]+)\s+(\d+)\/(\d+) fail\s+(\d+)\/(\d+) pass\s+ok$/gm)) {
    const r = by.get(m[1]!);
    if (!r) problems.push(`${GUIDE}: verify sample row for an unknown kata ${m[1]}`);
    else fix(`verify sample row ${m[1]}`, `${r.starterFail}/${r.total} fail ${r.total}/${r.total} pass`, `${m[2]}/${m[3]} fail ${m[4]}/${m[5]} pass`);
  }
  // The runner's sample output: "Kata 05-squeeze — …" then "15 of 22 tests fail (15 of them the lesson's tests)." — the slow
  // tests are not run while a fast one fails, so its failures are at most the starter's (verify runs them all).
  for (const m of guide.matchAll(/^Kata (\d\d-[a-z0-9-]+) — [\s\S]*?^(\d+) of (\d+) tests fail \((\d+) of them the lesson's tests\)/gm)) {
    const r = by.get(m[1]!);
    if (!r) continue;
    fix(`runner sample of ${m[1]}: tests`, r.total, m[3]!);
    // Every starter failure is a teaching test (the browser and UI tests require it).
    fix(`runner sample of ${m[1]}: failures that are the lesson's`, m[2]!, m[4]!);
    if (Number(m[2]) > r.starterFail) problems.push(`${GUIDE}: runner sample of ${m[1]}: ${m[2]} failures, more than the ${r.starterFail} of the starting file`);
  }
  // Kata 04's wrong-fix table: "*rejects 1.9 …* and N more teaching tests".
  const k04 = rows.find((r) => r.name.startsWith('04-'));
  for (const m of guide.matchAll(/and (\d+) more teaching tests/g)) if (k04) fix(`"${m[0]}" (kata 04's other starter failures)`, k04.starterFail - 1, m[1]!);
  // grade's sample table: rows, then the score line.
  const block = /^kata\s+passed\s+tests\s+seconds\s+status\n[\s\S]*?^score: .*$/m.exec(guide);
  if (!block) problems.push(`${GUIDE}: no grade sample (a "kata passed tests seconds status" table and its score line)`);
  const passed = new Set<string>();
  const modified = new Set<string>();
  if (block) {
    for (const m of block[0].matchAll(/^(\d\d-[a-z0-9-]+)\s+(yes|no)\s+(\d+)\/(\d+)\s+[\d.]+\s+(.*)$/gm)) {
      const r = by.get(m[1]!);
      if (!r) continue;
      if (m[2] === 'yes') passed.add(r.name);
      if (m[5]!.startsWith('tests modified')) modified.add(r.name);
      const shown = m[2] === 'yes' ? r.total : r.name.startsWith('10-') ? 0 : r.total - r.starterFail;
      fix(`grade sample row ${m[1]}`, `${shown}/${r.total}`, `${m[3]}/${m[4]}`);
    }
  }
  const sample = expectedScore(rows, passed, modified);
  const untouched = expectedScore(rows, new Set(), new Set());
  const line = (s: { katas: number; tests: number; of: number }): string => {
    const pct = Math.round((1000 * s.katas) / rows.length) / 10;
    return `${s.katas}/${rows.length} katas passed (${pct}%), ${s.tests}/${s.of} tests`;
  };
  for (const m of guide.matchAll(/(\d+)\/(\d+) katas passed \(([\d.]+)%\), (\d+)\/(\d+) tests/g)) {
    const isSample = block !== null && block.index <= m.index! && m.index! < block.index + block[0].length;
    fix(isSample ? 'grade sample score' : `score on the untouched starting files`, line(isSample ? sample : untouched), m[0]);
  }
  // The --json description's score (the grade sample's learner).
  for (const m of guide.matchAll(/"tests": \{ "passed": (\d+), "total": (\d+) \} \},/g)) {
    fix('the --json sample\'s score.tests', `${sample.tests}/${sample.of}`, `${m[1]}/${m[2]}`);
  }
  // The class CSV sample: alice = the untouched starting files, bob = the grade sample's learner.
  for (const m of guide.matchAll(/^(alice|bob),(\d+),(\d+),(\d+),(\d+),/gm)) {
    const s = m[1] === 'alice' ? untouched : sample;
    fix(`grades.csv sample row ${m[1]}`, `${m[1]},${s.katas},${rows.length},${s.tests},${s.of},`, m[0]);
  }
  return problems;
}

/** The per-kata counts in `npm run verify`'s table ("04-dtype-cast  14/19 fail  19/19 pass  ok"). */
export function countsFromVerify(out: string): KataCount[] {
  return [...out.matchAll(/^(\d\d-[a-z0-9-]+)\s+(\d+)\/(\d+) fail\s+(\d+)\/(\d+) pass\s+ok$/gm)].map((m) => ({ name: m[1]!, total: Number(m[5]), starterFail: Number(m[2]) }));
}
