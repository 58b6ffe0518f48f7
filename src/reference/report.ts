/**
 * The learning curve's report, as pure functions of the run records: summary rows (mean ± sd), a text
 * table, a Markdown table, the comparison with the source story (70% from scratch vs 90% transfer),
 * and a vega-lite chart rendered to SVG without a browser.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { Arm, RunRecord } from './experiment.js';

/** The source story: a CNN from scratch reached about 70%, the pretrained backbone with a trained head about 90%. */
export const STORY = { scratch: 0.7, transfer: 0.9 } as const;

export interface Stat {
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single run. */
  sd: number;
  n: number;
  epochs: number[];
  seconds: number;
}

export interface SummaryRow {
  labelsPerClass: number;
  transfer?: Stat;
  scratch?: Stat;
  /** transfer.mean - scratch.mean, when both were run. */
  gap?: number;
}

export function stat(values: number[]): { mean: number; sd: number } {
  const n = values.length;
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd };
}

export function summarise(records: RunRecord[]): SummaryRow[] {
  const ns = [...new Set(records.map((r) => r.labelsPerClass))].sort((a, b) => a - b);
  return ns.map((n) => {
    const row: SummaryRow = { labelsPerClass: n };
    for (const arm of ['transfer', 'scratch'] as Arm[]) {
      const rs = records.filter((r) => r.labelsPerClass === n && r.arm === arm);
      if (rs.length === 0) continue;
      row[arm] = {
        ...stat(rs.map((r) => r.testAccuracy)),
        n: rs.length,
        epochs: [...new Set(rs.map((r) => r.epochs))],
        seconds: rs.reduce((a, r) => a + r.seconds, 0),
      };
    }
    if (row.transfer && row.scratch) row.gap = row.transfer.mean - row.scratch.mean;
    return row;
  });
}

const pct = (x: number): string => (100 * x).toFixed(1);
export const meanSd = (s?: Stat): string => (s ? `${pct(s.mean)} ± ${pct(s.sd)}` : '—');
const pts = (g?: number): string => (g === undefined ? '—' : `${g >= 0 ? '+' : ''}${pct(g)}`);

/** How a row's gap compares with the story's 20 points. */
export function gapVerdict(gap: number | undefined, story = STORY.transfer - STORY.scratch): string {
  if (gap === undefined) return '—';
  const d = gap - story;
  if (Math.abs(d) < 0.02) return `about the same (${pts(d)} pts)`;
  return d < 0 ? `smaller by ${pct(-d)} pts` : `larger by ${pct(d)} pts`;
}

const HEAD = ['labels/class', 'transfer %', 'scratch %', 'gap (pts)', 'vs story (20 pts)', 'epochs t/s', 'seeds'];

function cells(r: SummaryRow): string[] {
  return [
    String(r.labelsPerClass),
    meanSd(r.transfer),
    meanSd(r.scratch),
    pts(r.gap),
    gapVerdict(r.gap),
    `${r.transfer?.epochs.join(',') ?? '—'} / ${r.scratch?.epochs.join(',') ?? '—'}`,
    String(Math.max(r.transfer?.n ?? 0, r.scratch?.n ?? 0)),
  ];
}

/** A fixed-width table for the terminal. */
export function formatTable(rows: SummaryRow[]): string {
  const body = rows.map(cells);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((s, i) => (i === 0 ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownTable(rows: SummaryRow[]): string {
  const align = HEAD.map((_, i) => (i === 0 ? '---:' : i <= 3 ? '---:' : '---'));
  return [`| ${HEAD.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${cells(r).join(' | ')} |`)].join('\n');
}

/** Plain sentences: where the measured gap is smaller or larger than the story's, and the levels. */
export function storyComparison(rows: SummaryRow[]): string[] {
  const both = rows.filter((r) => r.gap !== undefined);
  if (both.length === 0) return ['Only one arm was run: no gap to compare with the source story.'];
  const story = STORY.transfer - STORY.scratch;
  const smaller = both.filter((r) => r.gap! < story - 0.02).map((r) => r.labelsPerClass);
  const larger = both.filter((r) => r.gap! > story + 0.02).map((r) => r.labelsPerClass);
  const same = both.filter((r) => Math.abs(r.gap! - story) <= 0.02).map((r) => r.labelsPerClass);
  const all = (ns: number[]): string => (ns.length === both.length && both.length > 1 ? `every N measured (${ns.join(', ')})` : ns.join(', '));
  const out: string[] = [];
  if (smaller.length) out.push(`The measured gap is **smaller** than the source story's 20 points (70% vs 90%) at ${all(smaller)} labels per class.`);
  if (larger.length) out.push(`The measured gap is **larger** than the source story's 20 points at ${all(larger)} labels per class.`);
  if (same.length) out.push(`It is within 2 points of the story's 20 at ${all(same)} labels per class.`);
  const level = (arm: 'transfer' | 'scratch', target: number, name: string): string => {
    const rs = rows.filter((r) => r[arm]);
    if (rs.length === 0) return '';
    const above = rs.filter((r) => r[arm]!.mean >= target).map((r) => r.labelsPerClass);
    const below = rs.filter((r) => r[arm]!.mean < target).map((r) => r.labelsPerClass);
    const lo = rs.reduce((a, r) => (r[arm]!.mean < a[arm]!.mean ? r : a));
    const story = `the story's ~${Math.round(100 * target)}%`;
    const where =
      below.length === 0
        ? `at or above ${story} at every N measured`
        : above.length === 0
          ? `below ${story} at every N measured`
          : `at or above ${story} at ${above.join(', ')} and below it at ${below.join(', ')} labels per class`;
    return `${name} is ${where} (lowest mean: ${pct(lo[arm]!.mean)}% at ${lo.labelsPerClass} labels per class).`;
  };
  out.push(...[level('transfer', STORY.transfer, 'Transfer'), level('scratch', STORY.scratch, 'From scratch')].filter((l) => l !== ''));
  const last = both[both.length - 1]!;
  const t = last.transfer!;
  const s = last.scratch!;
  out.push(
    `At ${last.labelsPerClass} labels per class, transfer reaches ${meanSd(t)}% (story: about 90%, ` +
      `${t.mean >= STORY.transfer ? 'reached' : 'not reached'}) and from scratch ${meanSd(s)}% ` +
      `(story: about 70%, measured ${s.mean >= STORY.scratch ? 'above' : 'below'} it): a gap of ${pts(last.gap)} points.`,
  );
  return out;
}

/** vega-lite: mean test accuracy against labels per class (log x), ± sd error bars, the story's two levels as rules. */
export function learningCurveSpec(records: RunRecord[], title = 'Transfer vs from scratch: test accuracy against labelled images per class'): vl.TopLevelSpec {
  const values = records.map((r) => ({
    labels: r.labelsPerClass,
    accuracy: r.testAccuracy,
    arm: r.arm === 'transfer' ? 'transfer (pretrained, frozen)' : 'from scratch',
  }));
  const ns = records.map((r) => r.labelsPerClass);
  const x = {
    field: 'labels',
    type: 'quantitative',
    scale: { type: 'log', domain: [Math.min(...ns) * 0.8, Math.max(...ns) * 1.25], nice: false },
    axis: { values: [...new Set(ns)].sort((a, b) => a - b), format: 'd' },
    title: 'labelled images per class (log scale)',
  } as const;
  const lo = Math.min(0.5, ...records.map((r) => r.testAccuracy));
  const yScale = { domain: [Math.floor(lo * 10) / 10, 1], nice: false };
  const y = (extra: object) => ({ type: 'quantitative', scale: yScale, title: 'test accuracy (mean ± sd over seeds)', ...extra }) as const;
  const color = {
    field: 'arm',
    type: 'nominal',
    title: null,
    scale: { domain: ['transfer (pretrained, frozen)', 'from scratch'], range: ['#1f77b4', '#d62728'] },
    legend: { orient: 'bottom-right', labelLimit: 400 },
  } as const;
  const rules = [
    { y: STORY.transfer, text: 'source story: transfer ~90%' },
    { y: STORY.scratch, text: 'source story: from scratch ~70%' },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    height: 320,
    layer: [
      {
        data: { values: rules },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
        encoding: { y: y({ field: 'y' }) },
      },
      {
        data: { values: rules },
        mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: '#666', fontSize: 10 },
        encoding: { y: y({ field: 'y' }), x: { value: 0 }, text: { field: 'text' } },
      },
      {
        data: { values },
        layer: [
          { mark: { type: 'errorbar', extent: 'stdev', ticks: true }, encoding: { x, y: y({ field: 'accuracy' }), color } },
          {
            mark: { type: 'line', point: true },
            encoding: {
              x,
              y: y({ aggregate: 'mean', field: 'accuracy' }),
              color,
            },
          },
        ],
      },
    ],
  } as vl.TopLevelSpec;
}

/** Compiles a vega-lite spec and renders it headless (no canvas, no browser) to an SVG string. */
export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
