/**
 * The day's numbers agree everywhere (issue 23, item 3): docs/outline.md's one-day agenda (the table the
 * course site's instructor page includes) is summed here and compared with the totals it states; every
 * kata slot lies inside the kata's time range; the ranges' sums are the totals the outline states; and
 * the instructor guide gives each kata the outline's range.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const outline = readFileSync(path.join(root, 'docs/outline.md'), 'utf8');
const guide = readFileSync(path.join(root, 'docs/instructor-guide.md'), 'utf8');

const agenda = (() => {
  const m = /<!-- #region agenda -->([\s\S]*?)<!-- #endregion agenda -->/.exec(outline);
  if (!m) throw new Error('docs/outline.md: no <!-- #region agenda --> … <!-- #endregion agenda --> (the site includes it)');
  return m[1]!;
})();

interface Row {
  start: number;
  end: number;
  min: number;
  block: string;
  kind: string;
}
const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};
const rows: Row[] = [...agenda.matchAll(/^\| (\d\d:\d\d) \| (\d\d:\d\d) \| (\d+) \| (.+?) \| ([\w-]+) \|$/gm)].map((m) => ({
  start: minutes(m[1]!),
  end: minutes(m[2]!),
  min: Number(m[3]),
  block: m[4]!,
  kind: m[5]!,
}));

/** "### 03 — diverging-accuracy (45–90 min)" → { '03': [45, 90] } */
const ranges = new Map(
  [...outline.matchAll(/^### (\d\d) — [\w-]+ \((\d+)–(\d+) min\)$/gm)].map((m) => [m[1]!, [Number(m[2]), Number(m[3])] as const]),
);
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const stated = (re: RegExp, text = agenda): number => {
  const m = re.exec(text);
  if (!m) throw new Error(`docs/outline.md: the agenda does not state ${re}`);
  return Number(m[1]);
};

describe('docs/outline.md: the one-day agenda adds up', () => {
  it('has a row per block, each kind one of must-do, stretch, break', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(new Set(rows.map((r) => r.kind))).toEqual(new Set(['must-do', 'break', 'stretch']));
  });

  it('every row lasts its minutes, and each starts where the one before ended', () => {
    rows.forEach((r, i) => {
      expect(r.end - r.start, r.block).toBe(r.min);
      if (i > 0) expect(r.start, r.block).toBe(rows[i - 1]!.end);
    });
  });

  it('the stated totals are the sums of the rows', () => {
    const by = (kind: string): number => sum(rows.filter((r) => r.kind === kind).map((r) => r.min));
    expect(by('must-do')).toBe(stated(/must-do (\d+) min/));
    expect(by('break')).toBe(stated(/breaks (\d+) min/));
    expect(by('stretch')).toBe(stated(/stretch\s+(\d+) min/));
    const day = stated(/\*\*(\d+) min, \d\d:\d\d–\d\d:\d\d\*\*/);
    expect(sum(rows.map((r) => r.min))).toBe(day);
    const [, from, to] = /\*\*\d+ min, (\d\d:\d\d)–(\d\d:\d\d)\*\*/.exec(agenda)!;
    expect(minutes(from!)).toBe(rows[0]!.start);
    expect(minutes(to!)).toBe(rows.at(-1)!.end);
    // "(5 h 30: 280 min of katas, 50 of talk)"
    const kataMin = sum(rows.filter((r) => r.kind === 'must-do' && /^Kata \d\d/.test(r.block)).map((r) => r.min));
    expect(kataMin).toBe(stated(/: (\d+) min of katas/));
    expect(by('must-do') - kataMin).toBe(stated(/min of katas, (\d+) of talk/));
  });

  it('each kata slot lies inside the kata’s range in the outline, and every must-do kata has one', () => {
    const slotted = rows.filter((r) => r.kind === 'must-do' && /^Kata \d\d/.test(r.block));
    for (const r of slotted) {
      const id = /^Kata (\d\d)/.exec(r.block)![1]!;
      const [lo, hi] = ranges.get(id)!;
      expect(r.min, r.block).toBeGreaterThanOrEqual(lo);
      expect(r.min, r.block).toBeLessThanOrEqual(hi);
    }
    expect(slotted.map((r) => r.block.slice(5, 7))).toEqual(['01', '02', '03', '04', '05', '10']);
  });

  it('the stretch kata fits its block; homework is katas 07–09 at their ranges, and the stretch kata for who skipped it', () => {
    const stretch = rows.filter((r) => r.kind === 'stretch');
    expect(stretch.map((r) => /^Kata (\d\d)/.exec(r.block)?.[1])).toEqual(['06']);
    expect(ranges.get('06')![1]).toBeLessThanOrEqual(stretch[0]!.min);
    const [lo, hi] = [0, 1].map((k) => sum(['07', '08', '09'].map((id) => ranges.get(id)![k]!)));
    const m = /Homework: (\d+)–(\d+) min\*\* — katas 07, 08 and 09/.exec(agenda)!;
    expect([Number(m[1]), Number(m[2])]).toEqual([lo, hi]);
    expect(agenda).toContain(`kata 06, ${ranges.get('06')![0]}–${ranges.get('06')![1]} min`);
  });
});

describe('the per-kata times agree everywhere', () => {
  it('the outline gives all ten katas a range', () => {
    expect([...ranges.keys()]).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10']);
  });

  it('the outline’s totals are the sums of its ranges', () => {
    const total = (ids: string[]): [number, number] => [sum(ids.map((i) => ranges.get(i)![0])), sum(ids.map((i) => ranges.get(i)![1]))];
    const first = total(['01', '02', '03', '04', '05']);
    const second = total(['06', '07', '08', '09', '10']);
    const all = total([...ranges.keys()]);
    expect(outline).toContain(`(${first[0]}–${first[1]} min: 01–02 building`);
    expect(outline).toContain(`(${second[0]}–${second[1]} min: 06–07`);
    expect(outline).toContain(`for all ten (${all[0]}–${all[1]} min)`);
    const hours = (m: number): string => String(Math.round((m / 60) * 100) / 100);
    expect(outline).toContain(`**${hours(first[0])}–${hours(first[1])} hours** for katas 01–05`);
    expect(outline).toContain(`**${hours(second[0])}–${hours(second[1])} hours** for 06–10`);
    expect(outline).toContain(`**${hours(all[0])}–${hours(all[1])} hours**`);
  });

  it('the instructor guide gives each kata the outline’s range', () => {
    // Its per-kata sections, in order, each with one "**Timing**: A–B min".
    const timings = [...guide.matchAll(/\*\*Timing\*\*: (\d+)–(\d+) min/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(timings).toEqual([...ranges.values()].map((r) => [...r]));
  });
});
