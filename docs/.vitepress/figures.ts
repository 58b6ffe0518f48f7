/**
 * npx tsx docs/.vitepress/figures.ts [epochs] — the figure of kata 03's lesson page, measured:
 * katas/03-diverging-accuracy/experiment.ts run with the starting seed-loader.ts and with the
 * solution's (same backbone, same seed), validation accuracy and training loss per epoch, rendered by
 * vega-lite to docs/figures/kata-03-curves.svg (+ .json with the numbers, the backend and the time).
 * Run it on the starting file (git checkout katas/03-diverging-accuracy/seed-loader.ts first if yours is fixed).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as vl from 'vega-lite';
import { backendLine } from '../../src/lib/tf.js';
import { REPO_ROOT } from '../../src/lib/data/paths.js';
import { loadBackbone } from '../../src/lib/models/backbones.js';
import { renderSvg } from '../../src/reference/report.js';
import { runSeedExperiment, SEED_EXPERIMENT } from '../../katas/03-diverging-accuracy/experiment.js';
import { SeedLoader as FixedLoader } from '../../solutions/03-diverging-accuracy/seed-loader.js';

const epochs = Number(process.argv[2] ?? 8);
console.log(backendLine());
const load = os.loadavg()[0]!;
const backbone = await loadBackbone('resnet-mini');
const rows: { loader: string; epoch: number; series: string; value: number }[] = [];
const seconds: Record<string, number> = {};
for (const [loader, Loader] of [['seed’s loader (starting file)', undefined], ['fixed loader (solution)', FixedLoader]] as const) {
  const t0 = performance.now();
  const history = await runSeedExperiment(console.log, { ...SEED_EXPERIMENT, epochs, backbone, ...(Loader ? { Loader } : {}) });
  seconds[loader] = (performance.now() - t0) / 1000;
  for (const r of history) {
    rows.push({ loader, epoch: r.epoch, series: 'validation accuracy', value: r.accuracy });
    rows.push({ loader, epoch: r.epoch, series: 'training loss', value: r.trainingLoss });
  }
}
backbone.model.dispose();

const spec: vl.TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  data: { values: rows },
  columns: 2,
  facet: { field: 'loader', type: 'nominal', title: null, sort: ['seed’s loader (starting file)', 'fixed loader (solution)'] },
  spec: {
    width: 300,
    height: 190,
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 }, title: 'epoch' },
          y: { field: 'value', type: 'quantitative', scale: { domain: [0, 1.2] }, title: null },
          color: { field: 'series', type: 'nominal', scale: { domain: ['validation accuracy', 'training loss'], range: ['#3b6fd8', '#e68a00'] }, title: null },
        },
      },
      { mark: { type: 'rule', strokeDash: [3, 3], color: '#c62828' }, encoding: { y: { datum: Math.LN2 } } },
    ],
  },
  config: { legend: { orient: 'bottom' }, background: 'white' },
};
const svg = await renderSvg(spec);
const dir = path.join(REPO_ROOT, 'docs', 'figures');
writeFileSync(path.join(dir, 'kata-03-curves.svg'), svg);
const meta = { command: `npx tsx docs/.vitepress/figures.ts ${epochs}`, backend: backendLine(), loadAverage1m: load, seconds, experiment: { ...SEED_EXPERIMENT, epochs }, rows };
writeFileSync(path.join(dir, 'kata-03-curves.json'), JSON.stringify(meta, null, 2) + '\n');
console.log(`docs/figures/kata-03-curves.svg written (seed ${seconds['seed’s loader (starting file)']!.toFixed(1)} s, fixed ${seconds['fixed loader (solution)']!.toFixed(1)} s, load ${load.toFixed(2)})`);
