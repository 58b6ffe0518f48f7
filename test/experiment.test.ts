import { describe, expect, it } from 'vitest';
import { bundledData } from '../src/reference/data.js';
import { epochsFor, FULL_GRID, plan, planEpochs, runExperiment, trainPerClass, type RunRecord } from '../src/reference/experiment.js';
import { formatTable, gapVerdict, learningCurveSpec, markdownTable, renderSvg, stat, storyComparison, summarise } from '../src/reference/report.js';
import { resultsMarkdown, type ResultsDoc } from '../src/reference/results-md.js';

const rec = (arm: 'transfer' | 'scratch', n: number, seed: number, acc: number): RunRecord => ({
  arm, labelsPerClass: n, seed, testAccuracy: acc, epochs: arm === 'transfer' ? 20 : 2, trainImages: 2 * trainPerClass(n),
  testImages: 2000, seconds: arm === 'transfer' ? 1 : 60, validationAccuracy: acc,
});
// Fake results: at N=10 the gap is 30 points (larger than the story's 20); at N=1000, 5 points (smaller).
const fake: RunRecord[] = [
  rec('transfer', 10, 1, 0.8), rec('transfer', 10, 2, 0.82), rec('transfer', 10, 3, 0.84),
  rec('scratch', 10, 1, 0.5), rec('scratch', 10, 2, 0.52), rec('scratch', 10, 3, 0.54),
  rec('transfer', 1000, 1, 0.93), rec('transfer', 1000, 2, 0.93), rec('transfer', 1000, 3, 0.93),
  rec('scratch', 1000, 1, 0.87), rec('scratch', 1000, 2, 0.88), rec('scratch', 1000, 3, 0.89),
];

describe('learning-curve report (pure functions on fake results)', () => {
  it('summarises mean ± sample sd per N and arm, and the gap', () => {
    expect(stat([0.8, 0.82, 0.84]).mean).toBeCloseTo(0.82, 10);
    expect(stat([0.8, 0.82, 0.84]).sd).toBeCloseTo(0.02, 10);
    expect(stat([0.5]).sd).toBe(0);
    const rows = summarise(fake);
    expect(rows.map((r) => r.labelsPerClass)).toEqual([10, 1000]);
    expect(rows[0]!.gap).toBeCloseTo(0.3, 10);
    expect(rows[1]!.gap).toBeCloseTo(0.05, 10);
    expect(rows[1]!.scratch).toMatchObject({ n: 3, epochs: [2], seconds: 180 });
  });

  it('prints a table of mean ± sd and says plainly where the gap is smaller or larger than 70 vs 90', () => {
    const rows = summarise(fake);
    const table = formatTable(rows);
    expect(table.split('\n')[0]).toMatch(/labels\/class\s+transfer %\s+scratch %\s+gap \(pts\)/);
    expect(table).toContain('82.0 ± 2.0');
    expect(table).toContain('52.0 ± 2.0');
    expect(table).toContain('+30.0');
    expect(gapVerdict(0.3)).toBe('larger by 10.0 pts');
    expect(gapVerdict(0.05)).toBe('smaller by 15.0 pts');
    expect(gapVerdict(0.21)).toMatch(/^about the same/);
    const said = storyComparison(rows).join('\n');
    expect(said).toContain("The measured gap is **smaller** than the source story's 20 points (70% vs 90%) at 1000 labels per class.");
    expect(said).toContain("The measured gap is **larger** than the source story's 20 points at 10 labels per class.");
    expect(said).toMatch(/At 1000 labels per class, transfer reaches 93\.0 ± 0\.0% \(story: about 90%, reached\) and from scratch 88\.0 ± 1\.0% \(story: about 70%, measured above it\)/);
    expect(said).toContain("Transfer is at or above the story's ~90% at 1000 and below it at 10 labels per class (lowest mean: 82.0% at 10 labels per class).");
    expect(said).toContain("From scratch is at or above the story's ~70% at 1000 and below it at 10 labels per class (lowest mean: 52.0% at 10 labels per class).");
    expect(storyComparison(summarise(fake.filter((r) => r.labelsPerClass === 1000))).join('\n')).toContain(
      "From scratch is at or above the story's ~70% at every N measured (lowest mean: 88.0% at 1000 labels per class).",
    );
    const md = markdownTable(rows);
    expect(md.split('\n')).toHaveLength(4);
    expect(md).toMatch(/^\| labels\/class \| transfer % \|/);
    expect(md).toContain('| 1000 | 93.0 ± 0.0 | 88.0 ± 1.0 | +5.0 | smaller by 15.0 pts |');
  });

  it('renders the vega-lite chart to SVG headless', async () => {
    const spec = learningCurveSpec(fake);
    const svg = await renderSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('transfer (pretrained, frozen)');
    expect(svg).toContain('from scratch');
    expect(svg).toContain('source story: transfer ~90%');
    expect(svg).toContain('labelled images per class (log scale)');
  });

  it('writes results.md with the table, the figure, the commands, the backend, the machine and the wall time', () => {
    const doc: ResultsDoc = {
      records: fake, config: { ...FULL_GRID, labels: [10, 1000] }, quick: false, planned: 12,
      reference: { backend: 'wasm', epochs: 20, labelsPerClass: 1000, testAccuracy: 0.931, seconds: 12.3, mode: 'transfer', backbone: 'resnet-mini', testImages: 2000 },
      machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 8, gpu: 'no GPU', node: 'v20.0.0', platform: 'Linux x64' },
      backendLine: 'backend: wasm (SIMD, 1 thread) — reasons', wallSeconds: 1900, featureSeconds: 14, command: 'npm run experiment',
      figure: 'figures/learning-curve.svg', data: 'figures/learning-curve.json', date: '2026-11-30 01:00 UTC',
    };
    const md = resultsMarkdown(doc);
    expect(md).toContain('![Test accuracy against labelled images per class, transfer vs from scratch](figures/learning-curve.svg)');
    expect(md).toContain('| 1000 | 93.0 ± 0.0 | 88.0 ± 1.0 | +5.0 | smaller by 15.0 pts |');
    expect(md).toContain('npm run train -- --json');
    expect(md).toContain('npm run experiment ');
    expect(md).toContain('`backend: wasm (SIMD, 1 thread) — reasons`');
    expect(md).toContain('2 CPU cores (Test CPU), 8 GiB memory, no GPU');
    expect(md).toContain('31.7 min');
    expect(md).toContain('the target of at least 90% is **met**');
    expect(md).toContain('**Reduced run.**'); // 2 of the 7 labels
    expect(md).toContain('the gap goes from 30.0 points at 10 labels per class to 5.0 at 1000');
    expect(md).not.toContain('BatchNorm recalibration (from scratch): measured');
    const withAblation = resultsMarkdown({ ...doc, ablation: { labelsPerClass: 1000, epochs: 2, seed: 1, withPreciseBn: 0.91, withoutPreciseBn: 0.4 } });
    expect(withAblation).toContain('**91.0%** with precise BN, **40.0%** without it');
    expect(withAblation).toContain('npm run train -- --from-scratch --labels 1000 --epochs 2 --seed 1 --json --no-precise-bn');
    expect(resultsMarkdown({ ...doc, config: FULL_GRID, planned: 12 })).not.toContain('Reduced run');
    expect(resultsMarkdown({ ...doc, quick: true })).toContain('This is the `--quick` grid');
  });

  it('plans the runs seed by seed and budgets the epochs', () => {
    expect(trainPerClass(10)).toBe(8);
    expect(trainPerClass(1000)).toBe(800);
    expect(trainPerClass(2)).toBe(1);
    expect(epochsFor(1600, 3200, 1, 200)).toBe(2);
    expect(epochsFor(16, 3200, 1, 100)).toBe(100);
    expect(planEpochs(FULL_GRID, 'transfer', 1000)).toBe(50);
    expect(planEpochs(FULL_GRID, 'transfer', 10)).toBe(200);
    expect(planEpochs(FULL_GRID, 'scratch', 1000)).toBe(Math.round(FULL_GRID.scratchImages / 1600));
    const p = plan({ ...FULL_GRID, labels: [10, 25], seeds: [1, 2] });
    expect(p.slice(0, 4).map((r) => `${r.arm}/${r.labelsPerClass}/${r.seed}`)).toEqual(['transfer/10/1', 'scratch/10/1', 'transfer/25/1', 'scratch/25/1']);
  });
});

describe('runExperiment (tiny real run)', () => {
  it('runs both arms on the bundled pair and returns one record per (N, seed, arm)', async () => {
    const data = bundledData();
    const seen: string[] = [];
    const records = await runExperiment(
      { labels: [3], seeds: [1], arms: ['transfer', 'scratch'], transferImages: 8, scratchImages: 4, maxEpochs: 2, testLimit: 20 },
      { data, onRun: (r) => seen.push(r.arm) },
    );
    expect(seen).toEqual(['transfer', 'scratch']);
    expect(records.map((r) => [r.arm, r.labelsPerClass, r.testImages, r.trainImages])).toEqual([['transfer', 3, 20, 4], ['scratch', 3, 20, 4]]);
    expect(records[0]!.epochs).toBe(2);
    expect(records[1]!.epochs).toBe(1);
    await expect(runExperiment({ ...FULL_GRID, labels: [5000] }, { data })).rejects.toThrow('--labels: expected integers in 2..1000 (the pool holds 1000 per class), got 5000');
  });
});
