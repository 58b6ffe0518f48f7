/**
 * The reference pipeline: kata 01's buildModel, kata 02's training loop, the guards of katas 04/05,
 * on a labelled subset of the pool, evaluated on the held-out test set.
 *
 *   const r = await runPipeline({ labelsPerClass: 100, seed: 2 });  // r.testAccuracy, r.history, r.seconds
 */
import { UsageError } from '../lib/cli/usage-error.js';
import { tf, backend } from '../lib/tf.js';
import type { Classifier, TransferModel } from '../lib/classifier.js';
import { trainValSplit, type InMemoryDataset } from '../lib/data/dataset.js';
import { FeatureCache } from '../lib/features.js';
import { train, type EpochRecord } from '../../solutions/02-training-loop/training-loop.js';
import { bundledData, type PipelineData } from './data.js';
import { PipelineLoader, type PassProgress } from './loader.js';
import { buildPipelineModel, countTrainable, headOnly } from './model.js';
import { evaluate } from './evaluate.js';
import { recalibrateBatchNorm } from '../lib/models/precise-bn.js';
import { resolveOptions, type PipelineOptions, type ResolvedOptions } from './options.js';

export interface RunHooks {
  /** The data (default: the bundled Dress-vs-Coat pair). Pass it to share one load between runs. */
  data?: PipelineData;
  /** Shared between runs (a learning curve): each image's features are computed once per backbone. */
  featureCache?: FeatureCache;
  /** The seed's per-epoch line. Default console.log; pass () => {} for silence. */
  log?: (line: string) => void;
  /** Progress of each pass: phase 'features' | 'train' | 'test', epoch for 'train'. */
  progress?: (phase: 'features' | 'train' | 'test', numBatches: number, epoch?: number) => PassProgress;
  /** Use only the first N test images (tests; the reported figures always use the whole test set). */
  testLimit?: number;
  /** Called with the trained model before it is disposed (e.g. to save it). */
  onTrained?: (model: TransferModel, result: PipelineResult) => Promise<void>;
}

export interface PipelineResult {
  backend: string;
  backbone: string;
  /** Where the backbone's weights came from (a path, or 'random init (seed N)'). */
  weights: string;
  mode: 'transfer' | 'scratch';
  cacheFeatures: boolean;
  epochs: number;
  labelsPerClass: number;
  trainImages: number;
  valImages: number;
  testImages: number;
  classNames: string[];
  testAccuracy: number;
  testLoss: number;
  /** Trainable parameters (what the optimizer changes). */
  trainableParams: number;
  history: EpochRecord[];
  /** Wall time of the whole run: model, features, training, test. */
  seconds: number;
  /** Of which: backbone forward passes to fill the feature cache (0 when all were cached). */
  featureSeconds: number;
  options: ResolvedOptions;
}

/** Draws labelsPerClass per class from the pool (seeded) and splits them into train / validation. */
export function labelledSplit(pool: InMemoryDataset, o: ResolvedOptions): { train: InMemoryDataset; val: InMemoryDataset; perClass: number } {
  const counts = pool.classCounts();
  const most = Math.min(...counts);
  const n = o.labelsPerClass ?? most;
  if (n > most) {
    const c = counts.indexOf(most);
    throw new UsageError(`--labels: expected at most ${most} labelled images per class (the pool holds ${most} of "${pool.classNames[c]}"), got ${n}`);
  }
  if (n < 2) throw new UsageError(`--labels: expected at least 2 per class (1 to train, 1 to validate), got ${n}`);
  const labelled = pool.perClass(n, o.seed);
  const { train, val } = trainValSplit(labelled, o.valFraction, o.seed);
  return { train, val, perClass: n };
}

export async function runPipeline(opts: PipelineOptions = {}, hooks: RunHooks = {}): Promise<PipelineResult> {
  const o = resolveOptions(opts);
  const t0 = performance.now();
  const data = hooks.data ?? bundledData();
  const { train: trainSet, val: valSet, perClass } = labelledSplit(data.pool, o);
  let test = data.test;
  if (hooks.testLimit !== undefined) test = test.subset(Array.from({ length: Math.min(hooks.testLimit, test.length) }, (_, i) => i));
  const numClasses = data.pool.numClasses;
  const bar = (phase: 'train' | 'test', epoch?: number) =>
    hooks.progress ? (n: number) => hooks.progress!(phase, n, epoch) : undefined;

  const model = await buildPipelineModel({
    backbone: o.backbone,
    weights: o.weights,
    fromScratch: o.fromScratch,
    seed: o.seed,
    numClasses,
    dropout: o.dropout,
    inputShape: data.pool.shape,
  });
  try {
    let classifier: Classifier = model;
    let featureSeconds = 0;
    let feats: ((ds: InMemoryDataset) => { values: Float32Array; dim: number }) | undefined;
    if (o.cacheFeatures) {
      const cache = hooks.featureCache ?? new FeatureCache();
      feats = (ds) => {
        const before = cache.stats.seconds;
        const p = hooks.progress?.('features', Math.ceil(ds.length / 256));
        let last = 0;
        const values = cache.features(model.backbone, ds, {
          onBatch: (done) => {
            for (; last < Math.ceil(done / 256); last++) p?.tick();
          },
        });
        p?.stop();
        featureSeconds += cache.stats.seconds - before;
        return { values, dim: model.backbone.featureDim };
      };
      classifier = headOnly(model);
    }
    const loaderOpts = { numClasses, batchSize: o.batchSize };
    let epoch = 0;
    const trainLoader = new PipelineLoader(trainSet, {
      ...loaderOpts,
      shuffle: true,
      seed: o.seed,
      features: feats?.(trainSet),
      progress: hooks.progress ? (n) => hooks.progress!('train', n, epoch++) : undefined,
      // A trained backbone: BatchNorm statistics of the training images before each validation (precise-bn.ts).
      onPassEnd: o.preciseBn && !model.frozen ? () => void recalibrateBatchNorm(model.backbone, trainSet, { batchSize: o.batchSize }) : undefined,
    });
    const valLoader = new PipelineLoader(valSet, { ...loaderOpts, features: feats?.(valSet) });
    const optimizer = tf.train.adam(o.lr);
    const history = await train({
      model: classifier,
      optimizer,
      trainLoader,
      valLoader,
      epochs: o.epochs,
      log: hooks.log ?? console.log,
    }).finally(() => optimizer.dispose());
    const testLoader = new PipelineLoader(test, { ...loaderOpts, batchSize: 256, features: feats?.(test), progress: bar('test') });
    const ev = await evaluate(classifier, testLoader);
    const result: PipelineResult = {
      backend: backend.name,
      backbone: o.backbone,
      weights: model.backbone.source,
      mode: o.fromScratch ? 'scratch' : 'transfer',
      cacheFeatures: o.cacheFeatures,
      epochs: o.epochs,
      labelsPerClass: perClass,
      trainImages: trainSet.length,
      valImages: valSet.length,
      testImages: test.length,
      classNames: data.pool.classNames,
      testAccuracy: ev.accuracy,
      testLoss: ev.loss,
      trainableParams: countTrainable(classifier),
      history,
      seconds: (performance.now() - t0) / 1000,
      featureSeconds,
      options: o,
    };
    if (hooks.onTrained) await hooks.onTrained(model, result);
    return result;
  } finally {
    model.dispose();
  }
}
