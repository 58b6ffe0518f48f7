/**
 * Kata 10 — the capstone (reference solution): the seed's system, assembled from YOUR pieces.
 *
 *   seed data (targets float32 [N,1])
 *     → squeezeTargets (kata 05) → toClassIndices (kata 04): int32 [N], checked before any training
 *     → stratified train/validation split, seeded shuffled batches (kata 03's lesson: x and y together)
 *     → buildModel (kata 01): frozen pretrained backbone, new head, logits
 *     → train (kata 02): weighted losses, explicit modes, no leaks
 *     → test accuracy with accuracy() (kata 05): refuses to broadcast.
 */
import { tf } from '../../src/lib/tf.js';
import { DataLoader, InMemoryDataset, trainValSplit } from '../../src/lib/data/dataset.js';
import type { TransferModel } from '../../src/lib/classifier.js';
import { buildModel } from '../01-build-model/build-model.js';
import { train, type EpochRecord } from '../02-training-loop/training-loop.js';
import { toClassIndices } from '../04-dtype-cast/dtype-cast.js';
import { accuracy, squeezeTargets } from '../05-squeeze/squeeze.js';
import type { SeedData, SeedSplit } from '../../katas/10-capstone/seed-data.js';

export interface CapstoneOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Fraction of the training images held out for validation. */
  valFraction?: number;
  seed?: number;
  /** Receives the seed's log line of every epoch. */
  log?: (line: string) => void;
}

export interface CapstoneResult {
  /** The trained model; the caller disposes it. */
  model: TransferModel;
  history: EpochRecord[];
  /** Accuracy over every test image. */
  testAccuracy: number;
  seconds: number;
}

export const CAPSTONE_DEFAULTS = { epochs: 3, batchSize: 32, learningRate: 1e-3, valFraction: 0.2, seed: 0 } as const;

export async function runCapstone(data: SeedData, opts: CapstoneOptions = {}): Promise<CapstoneResult> {
  const t0 = performance.now();
  const { epochs, batchSize, learningRate, valFraction, seed } = { ...CAPSTONE_DEFAULTS, ...opts };
  const numClasses = data.classNames.length;
  // Every split is checked before the first weight moves: a bad label fails here, loudly.
  const trainSet = toDataset(data.train, data.classNames, 'train.targets');
  const testSet = toDataset(data.test, data.classNames, 'test.targets');

  const { train: fit, val } = trainValSplit(trainSet, valFraction, seed);
  const model = await buildModel({ numClasses });
  const optimizer = tf.train.adam(learningRate);
  try {
    const history = await train({
      model,
      optimizer,
      trainLoader: new DataLoader(fit, { batchSize, shuffle: true, seed }),
      valLoader: new DataLoader(val, { batchSize: 200 }),
      epochs,
      log: opts.log ?? (() => {}),
    });
    const testAccuracy = evaluate(model, new DataLoader(testSet, { batchSize: 250 }));
    return { model, history, testAccuracy, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
  }
}

/** The seed's split → a checked dataset: targets float32 [N,1] → int32 [N] through your guards. */
function toDataset(split: SeedSplit, classNames: string[], name: string): InMemoryDataset {
  const labels = tf.tidy(() => toClassIndices(squeezeTargets(split.targets, name), classNames.length, name)); // int32 [N]
  try {
    const [, h, w, c] = split.images.shape;
    return new InMemoryDataset(split.images.dataSync() as Float32Array, labels.dataSync() as Int32Array, [h, w, c], classNames);
  } finally {
    labels.dispose();
  }
}

/** Accuracy over every example of the loader: Σ batch accuracy × batch size / N. */
function evaluate(model: TransferModel, loader: DataLoader): number {
  let correct = 0;
  for (const { x, y } of loader) { // x float32 [B,H,W,C], y int32 [B]
    try {
      const logits = model.forward(x, { training: false }); // float32 [B,C]
      correct += accuracy(logits, y) * y.shape[0];
      logits.dispose();
    } finally {
      tf.dispose([x, y]);
    }
  }
  return correct / loader.dataset.length;
}
