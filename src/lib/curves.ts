/**
 * Training curves, drawn two ways from the same per-epoch numbers:
 *  - `curveLines`: one compact terminal line per series — a sparkline, the values, and what is expected
 *    ("validation accuracy ▇▇▂▁  0.91 0.90 0.31 0.12   expected ≥ 0.85 after epoch 0");
 *  - `curveSvg`: an SVG chart (vega-lite, rendered headless: no canvas, no browser needed; it also runs in
 *    the page in browser mode), one panel per metric, for a Vitest UI annotation or a report.
 * Used by the experiment tests (test/support/curves.ts) and `npm run train`. vega and vega-lite are imported when the
 * first chart is drawn, not with this module: loading them takes seconds on a busy machine, and a test file that
 * fails before it draws anything should not wait for them.
 */
import type * as vl from 'vega-lite';

export interface Curve {
  /** What is drawn, e.g. "validation accuracy". */
  label: string;
  /** One value per epoch (or step), in order. */
  values: number[];
  /** What the lesson expects of it, shown after the values ("≥ 0.85 after epoch 0"). */
  expected?: string;
  /** The panel it is drawn in (curves of one panel share an axis): "accuracy" or "loss". */
  panel?: string;
}

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the values between lo and hi (default: their own range); NaN shows as "·". */
export function sparkline(values: number[], lo?: number, hi?: number): string {
  const finite = values.filter(Number.isFinite);
  const min = lo ?? Math.min(...finite);
  const max = hi ?? Math.max(...finite);
  return values
    .map((v) => {
      if (!Number.isFinite(v)) return '·';
      if (!(max > min)) return BARS[3]!;
      const i = Math.round(((Math.min(max, Math.max(min, v)) - min) / (max - min)) * (BARS.length - 1));
      return BARS[i]!;
    })
    .join('');
}

/**
 * One line per curve: label, sparkline, values with 2 decimals, expectation. Accuracy is drawn on 0..1; the curves
 * of one panel share one scale (two losses of one panel can be compared bar by bar; a flat line stays flat).
 */
export function curveLines(curves: Curve[], maxValues = 12): string[] {
  const width = Math.max(...curves.map((c) => c.label.length));
  const range = new Map<string, [number, number]>();
  for (const c of curves) {
    if (c.panel === undefined) continue;
    const finite = c.values.filter(Number.isFinite);
    const [lo, hi] = range.get(c.panel) ?? [Infinity, -Infinity];
    range.set(c.panel, [Math.min(lo, ...finite), Math.max(hi, ...finite)]);
  }
  return curves.map((c) => {
    const isAccuracy = /accuracy/i.test(c.label);
    const shared = c.panel !== undefined ? range.get(c.panel) : undefined;
    const spark = isAccuracy ? sparkline(c.values, 0, 1) : shared ? sparkline(c.values, shared[0], shared[1]) : sparkline(c.values);
    const shown = c.values.length > maxValues ? [...c.values.slice(0, maxValues - 1), c.values.at(-1)!] : c.values;
    const nums = shown.map((v) => (Number.isFinite(v) ? v.toFixed(2) : String(v)));
    if (c.values.length > maxValues) nums.splice(maxValues - 1, 0, '…');
    return `${c.label.padEnd(width)}  ${spark}  ${nums.join(' ')}${c.expected ? `   expected ${c.expected}` : ''}`;
  });
}

/** An SVG chart of the curves: x = epoch (from `firstX`), one panel per `panel` (default: by label). */
export async function curveSvg(title: string, curves: Curve[], opts: { xTitle?: string; firstX?: number } = {}): Promise<string> {
  const firstX = opts.firstX ?? 0;
  const values = curves.flatMap((c) =>
    c.values.map((v, i) => ({ x: firstX + i, value: Number.isFinite(v) ? v : null, series: c.label, panel: c.panel ?? (/accuracy/i.test(c.label) ? 'accuracy' : 'loss') })),
  );
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: { column: { field: 'panel', type: 'nominal', title: null } },
    spec: {
      width: 260,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: opts.xTitle ?? 'epoch', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as vl.TopLevelSpec;
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
