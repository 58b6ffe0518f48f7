/**
 * npm run experiment — the learning curve, transfer vs from scratch, on the bundled Dress-vs-Coat pair:
 * N ∈ {10, 25, 50, 100, 250, 500, 1000} labelled images per class, 3 seeds each. Prints a table of
 * mean ± sd, writes docs/results.md with the table and an SVG chart (vega-lite, rendered headless).
 *
 *   npm run experiment -- [--quick] [--labels 10,25] [--seeds 1,2,3] [--arms transfer,scratch]
 *                         [--scratch-images N] [--transfer-images N] [--resume] [--out FILE.md] [--json]
 */
import './backend-flag.js'; // first: rejects a bad --backend / KATA_BACKEND before src/lib/tf.ts loads
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backend, backendLine } from '../lib/tf.js';
import { displayPath, REPO_ROOT } from '../lib/data/paths.js';
import { FeatureCache } from '../lib/features.js';
import { bundledData } from '../reference/data.js';
import { runPipeline } from '../reference/run.js';
import { DEFAULT_EPOCHS } from '../reference/options.js';
import { FULL_GRID, QUICK_GRID, plan, planEpochs, type ExperimentConfig, type RunRecord, runExperiment } from '../reference/experiment.js';
import { formatTable, learningCurveSpec, renderSvg, storyComparison, summarise } from '../reference/report.js';
import { resultsMarkdown, type Machine, type ResultsDoc, type TrainSummary } from '../reference/results-md.js';
import { passBars } from '../reference/cli.js';
import { trainSummary } from '../reference/summary.js';
import { UsageError } from '../lib/cli/usage-error.js';
import { experimentArgs } from './programs/experiment.js';
import { exitOnUsageError } from './usage.js';

const opts = exitOnUsageError('experiment', () => experimentArgs(process.argv));

try {
  const t0 = performance.now();
  const base = opts.quick ? QUICK_GRID : FULL_GRID;
  const config: ExperimentConfig = {
    labels: opts.labels ?? base.labels,
    seeds: opts.seeds ?? base.seeds,
    arms: opts.arms ?? base.arms,
    transferImages: opts.transferImages ?? base.transferImages,
    scratchImages: opts.scratchImages ?? base.scratchImages,
    maxEpochs: opts.maxEpochs ?? base.maxEpochs,
    testLimit: opts.testLimit ?? base.testLimit,
  };
  const runDir = path.join(REPO_ROOT, 'runs', opts.quick ? 'experiment-quick' : 'experiment');
  const out = path.resolve(opts.out ?? (opts.quick ? path.join(runDir, 'results.md') : path.join(REPO_ROOT, 'docs', 'results.md')));
  const resultsFile = path.resolve(opts.results ?? path.join(runDir, 'results.jsonl'));
  const figureDir = path.join(path.dirname(out), 'figures');
  const svgFile = path.join(figureDir, 'learning-curve.svg');
  const dataFile = path.join(figureDir, 'learning-curve.json');

  console.log(backendLine());
  const load = os.loadavg()[0]!;
  const data = bundledData();
  const runs = plan(config);
  console.log(
    `learning curve: labels/class ${config.labels.join(', ')} × seeds ${config.seeds.join(', ')} × ${config.arms.join(' and ')} = ${runs.length} runs; ` +
      `budgets: transfer ${config.transferImages}, scratch ${config.scratchImages} training images × epochs per run`,
  );

  // Run records, one JSON per line after a header with the budgets: a cut-short run can be resumed.
  const budgets = { transferImages: config.transferImages, scratchImages: config.scratchImages, maxEpochs: config.maxEpochs, testLimit: config.testLimit ?? null };
  let done: RunRecord[] = [];
  if (opts.resume && existsSync(resultsFile)) {
    const [head, ...lines] = readFileSync(resultsFile, 'utf8').trim().split('\n');
    const header = JSON.parse(head!) as { budgets: typeof budgets };
    if (JSON.stringify(header.budgets) !== JSON.stringify(budgets)) {
      throw new UsageError(`--resume: ${displayPath(resultsFile)} was made with budgets ${JSON.stringify(header.budgets)}, expected ${JSON.stringify(budgets)}`);
    }
    const wanted = new Set(runs.map((r) => `${r.arm}/${r.labelsPerClass}/${r.seed}`));
    done = lines.map((l) => JSON.parse(l) as RunRecord).filter((r) => wanted.has(`${r.arm}/${r.labelsPerClass}/${r.seed}`));
    console.log(`resuming: ${done.length} of ${runs.length} runs already in ${displayPath(resultsFile)}`);
  } else {
    mkdirSync(path.dirname(resultsFile), { recursive: true });
    writeFileSync(resultsFile, JSON.stringify({ budgets, config, started: new Date().toISOString() }) + '\n');
  }
  const resumedSeconds = done.reduce((a, r) => a + r.seconds, 0);

  const cache = new FeatureCache();
  let epochs = 1;
  const bars = (phase: 'features' | 'train' | 'test', n: number, epoch?: number) => passBars(epochs)(phase, n, epoch);
  const records = await runExperiment(config, {
    data,
    done,
    featureCache: cache,
    progress: bars,
    onStart: (r, i, total) => {
      epochs = r.epochs;
      process.stderr.write(`[${i + 1}/${total}] ${r.arm} N=${r.labelsPerClass} seed ${r.seed}: ${r.epochs} epochs…\n`);
    },
    onRun: (r, i, total) => {
      appendFileSync(resultsFile, JSON.stringify(r) + '\n');
      console.log(
        `[${i + 1}/${total}] ${r.arm.padEnd(8)} N=${String(r.labelsPerClass).padStart(4)} seed ${r.seed}: ` +
          `${r.epochs} epochs, test accuracy ${r.testAccuracy.toFixed(4)} (${r.seconds.toFixed(1)} s)`,
      );
    },
  });

  let reference: TrainSummary | undefined;
  if (opts.reference && !opts.quick) {
    epochs = DEFAULT_EPOCHS.transfer;
    const r = await runPipeline({}, { data, featureCache: cache, log: () => {}, progress: bars });
    reference = trainSummary(r);
    console.log(`reference pipeline (npm run train defaults): ${JSON.stringify(reference)}`);
  }

  let ablation: ResultsDoc['ablation'];
  if (opts.ablation && !opts.quick && config.arms.includes('scratch')) {
    // npm run train -- --from-scratch at the grid's largest N, with and without precise BN.
    const n = Math.max(...config.labels);
    const a = { labelsPerClass: n, epochs: planEpochs(config, 'scratch', n), seed: config.seeds[0]! };
    const acc = async (preciseBn: boolean): Promise<number> => {
      epochs = a.epochs;
      const r = await runPipeline({ ...a, fromScratch: true, preciseBn }, { data, log: () => {}, testLimit: config.testLimit, progress: bars });
      return r.testAccuracy;
    };
    ablation = { ...a, withPreciseBn: await acc(true), withoutPreciseBn: await acc(false) };
    console.log(`from scratch, N=${n}, ${a.epochs} epochs, seed ${a.seed}: test accuracy ${ablation.withPreciseBn.toFixed(4)} with precise BN, ${ablation.withoutPreciseBn.toFixed(4)} without`);
  }

  const rows = summarise(records);
  console.log('\n' + formatTable(rows) + '\n');
  for (const s of storyComparison(rows)) console.log(s.replace(/\*\*/g, ''));

  const wallSeconds = (performance.now() - t0) / 1000 + resumedSeconds;
  mkdirSync(figureDir, { recursive: true });
  const svg = await renderSvg(learningCurveSpec(records));
  writeFileSync(svgFile, svg);
  writeFileSync(dataFile, JSON.stringify({ config, budgets, reference, ablation, records }, null, 2) + '\n');
  const machine: Machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    gpu: backend.name === 'tensorflow' && backend.detail.startsWith('GPU') ? backend.detail : existsSync('/dev/nvidia0') ? 'a GPU present but not used' : 'no GPU',
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
  const rel = (p: string): string => path.relative(path.dirname(out), p).split(path.sep).join('/');
  const md = resultsMarkdown({
    records, config, quick: Boolean(opts.quick), planned: runs.length, reference, ablation, machine, backendLine: backendLine(),
    wallSeconds, featureSeconds: cache.stats.seconds,
    command: `npm run experiment${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    figure: rel(svgFile), data: rel(dataFile), date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    notes: [
      `Load average (1 min) when the run started: ${load.toFixed(2)} on ${machine.cpus} cores` +
        (load > 1.5 ? ' — other processes were sharing the CPU, so the times above are slower than an idle machine would give.' : '.'),
      ...(done.length ? [`Resumed: ${done.length} runs came from an earlier invocation (their seconds are included in the wall time).`] : []),
    ],
  });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, md);
  console.log(`wrote ${displayPath(out)}, ${displayPath(svgFile)}, ${displayPath(dataFile)}; run records in ${displayPath(resultsFile)}`);
  console.log(`wall time: ${wallSeconds.toFixed(0)} s`);
  if (opts.json) console.log(JSON.stringify({ backend: backend.name, wallSeconds: Math.round(wallSeconds), reference, ablation, rows }));
} catch (e) {
  console.error(`experiment: ${(e as Error).message}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
}
