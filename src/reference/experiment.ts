/**
 * The learning curve: transfer (pretrained resnet-mini, frozen, head on cached features) against the
 * same architecture from scratch, for N labelled images per class, several seeds each.
 *
 * Budgets. Transfer trains a small head on cached features: cheap, so it gets the reference
 * pipeline's settings (at least DEFAULT_EPOCHS.transfer epochs, more for small N so every run makes
 * about the same number of optimizer steps). From scratch backpropagates through the whole network on
 * one wasm thread (~30-45 images/s): every run gets the same budget of training images × epochs, so
 * every run makes about the same number of steps and the whole curve fits in about half an hour.
 */
import { FeatureCache } from '../lib/features.js';
import type { PipelineData } from './data.js';
import { DEFAULT_EPOCHS, DEFAULTS } from './options.js';
import { runPipeline, type PipelineResult, type RunHooks } from './run.js';

export type Arm = 'transfer' | 'scratch';
export const ARMS: readonly Arm[] = ['transfer', 'scratch'];

export interface ExperimentConfig {
  /** Labelled images per class (the x axis). */
  labels: number[];
  seeds: number[];
  arms: Arm[];
  /** Transfer: training images × epochs per run (at least DEFAULT_EPOCHS.transfer epochs). */
  transferImages: number;
  /** From scratch: training images × epochs per run (at least 1 epoch). */
  scratchImages: number;
  /** Upper bound on epochs (tiny N would otherwise get thousands of 1-batch epochs). */
  maxEpochs: number;
  /** Evaluate on the first N test images only (quick runs); undefined: the whole test set. */
  testLimit?: number;
}

export const FULL_GRID: ExperimentConfig = {
  labels: [10, 25, 50, 100, 250, 500, 1000],
  seeds: [1, 2, 3],
  arms: ['transfer', 'scratch'],
  transferImages: 80_000,
  scratchImages: 3_200,
  maxEpochs: 200,
};

export const QUICK_GRID: ExperimentConfig = {
  labels: [5, 10],
  seeds: [1],
  arms: ['transfer', 'scratch'],
  transferImages: 320,
  scratchImages: 16,
  maxEpochs: 20,
  testLimit: 200,
};

/** One point of the curve. */
export interface RunRecord {
  arm: Arm;
  labelsPerClass: number;
  seed: number;
  epochs: number;
  trainImages: number;
  testImages: number;
  testAccuracy: number;
  /** Wall time of the run (for transfer: features of new images + head training + test). */
  seconds: number;
  /** The last epoch's validation accuracy (the seed's line). */
  validationAccuracy: number;
}

/** Training images per class after the validation split (as trainValSplit does it). */
export function trainPerClass(n: number, valFraction = DEFAULTS.valFraction): number {
  const nVal = Math.min(Math.max(Math.round(n * valFraction), 1), n - 1);
  return n - nVal;
}

/** Epochs for a run: budget / training images, within [min, max]. */
export function epochsFor(trainImages: number, budget: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(budget / trainImages)));
}

export function planEpochs(config: ExperimentConfig, arm: Arm, labelsPerClass: number, numClasses = 2): number {
  const trainImages = trainPerClass(labelsPerClass) * numClasses;
  return arm === 'transfer'
    ? epochsFor(trainImages, config.transferImages, Math.min(DEFAULT_EPOCHS.transfer, config.maxEpochs), config.maxEpochs)
    : epochsFor(trainImages, config.scratchImages, 1, config.maxEpochs);
}

export function checkConfig(c: ExperimentConfig, poolPerClass: number): void {
  const bad = c.labels.find((n) => !Number.isInteger(n) || n < 2 || n > poolPerClass);
  if (bad !== undefined) throw new Error(`--labels: expected integers in 2..${poolPerClass} (the pool holds ${poolPerClass} per class), got ${bad}`);
  if (c.labels.length === 0) throw new Error('--labels: expected at least one value, got none');
  if (c.seeds.length === 0) throw new Error('--seeds: expected at least one seed, got none');
  const arm = c.arms.find((a) => !ARMS.includes(a));
  if (arm !== undefined) throw new Error(`--arms: expected ${ARMS.join(' and/or ')}, got ${JSON.stringify(arm)}`);
  for (const [k, flag] of [['transferImages', '--transfer-images'], ['scratchImages', '--scratch-images'], ['maxEpochs', '--max-epochs']] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`${flag}: expected a positive integer, got ${String(c[k])}`);
  }
}

/** The (seed, N, arm) runs in execution order: seed by seed, so a cut-short run has whole curves. */
export function plan(config: ExperimentConfig): { arm: Arm; labelsPerClass: number; seed: number }[] {
  const out: { arm: Arm; labelsPerClass: number; seed: number }[] = [];
  for (const seed of config.seeds) for (const n of config.labels) for (const arm of config.arms) out.push({ arm, labelsPerClass: n, seed });
  return out;
}

export interface ExperimentHooks {
  data: PipelineData;
  /** Runs already done (resume): skipped. */
  done?: RunRecord[];
  /** After each run (e.g. append to a results file, tick a bar). */
  onRun?: (r: RunRecord, index: number, total: number) => void;
  /** Before each run. */
  onStart?: (run: { arm: Arm; labelsPerClass: number; seed: number; epochs: number }, index: number, total: number) => void;
  progress?: RunHooks['progress'];
  featureCache?: FeatureCache;
}

export function toRecord(arm: Arm, seed: number, r: PipelineResult): RunRecord {
  return {
    arm,
    labelsPerClass: r.labelsPerClass,
    seed,
    epochs: r.epochs,
    trainImages: r.trainImages,
    testImages: r.testImages,
    testAccuracy: r.testAccuracy,
    seconds: Number(r.seconds.toFixed(2)),
    validationAccuracy: r.history[r.history.length - 1]?.accuracy ?? NaN,
  };
}

export async function runExperiment(config: ExperimentConfig, hooks: ExperimentHooks): Promise<RunRecord[]> {
  checkConfig(config, Math.min(...hooks.data.pool.classCounts()));
  const cache = hooks.featureCache ?? new FeatureCache();
  const records: RunRecord[] = [...(hooks.done ?? [])];
  const key = (a: Arm, n: number, s: number): string => `${a}/${n}/${s}`;
  const have = new Set(records.map((r) => key(r.arm, r.labelsPerClass, r.seed)));
  const runs = plan(config);
  for (const [i, run] of runs.entries()) {
    if (have.has(key(run.arm, run.labelsPerClass, run.seed))) continue;
    const epochs = planEpochs(config, run.arm, run.labelsPerClass, hooks.data.pool.numClasses);
    hooks.onStart?.({ ...run, epochs }, i, runs.length);
    const r = await runPipeline(
      { labelsPerClass: run.labelsPerClass, seed: run.seed, epochs, fromScratch: run.arm === 'scratch' },
      { data: hooks.data, featureCache: cache, log: () => {}, testLimit: config.testLimit, progress: hooks.progress },
    );
    const rec = toRecord(run.arm, run.seed, r);
    records.push(rec);
    hooks.onRun?.(rec, i, runs.length);
  }
  return records;
}
