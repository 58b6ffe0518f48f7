/**
 * Kata 10 — the capstone. Read README.md first.
 *
 * The seed's system, assembled: its data (targets float32 [N,1], seed-data.ts), your buildModel
 * (kata 01) and your training loop (kata 02). It runs, it trains, the log looks fine — and the test
 * accuracy it reports is 0.50. This file is the seed's assembly before the fixes: none of your guards
 * from katas 04 and 05 is in the path. Put them there, so that this run reaches 0.90 and every bad
 * target stops it with your error message before a single weight moves.
 */
import { tf } from '../../src/lib/tf.js';
import { DataLoader, InMemoryDataset, trainValSplit } from '../../src/lib/data/dataset.js';
import type { TransferModel } from '../../src/lib/classifier.js';
import { buildModel } from '../01-build-model/build-model.js';
import { train, type EpochRecord } from '../02-training-loop/training-loop.js';
import type { SeedData, SeedSplit } from './seed-data.js';

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
  const trainSet = toDataset(data.train, data.classNames);

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
    const testAccuracy = evaluate(model, data.test);
    return { model, history, testAccuracy, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    optimizer.dispose();
  }
}

/** The seed's split → a dataset: targets float32 [N,1] → int32 [N]. */
function toDataset(split: SeedSplit, classNames: string[]): InMemoryDataset {
  const labels = Int32Array.from(split.targets.dataSync()); // [N,1] is N numbers in memory; Int32Array makes them integers
  const [, h, w, c] = split.images.shape;
  return new InMemoryDataset(split.images.dataSync() as Float32Array, labels, [h, w, c], classNames);
}

/** The seed's test accuracy: every test image against its target, as the seed computed it. */
function evaluate(model: TransferModel, split: SeedSplit): number {
  const n = split.images.shape[0];
  let correct = 0;
  for (let start = 0; start < n; start += 250) {
    const b = Math.min(250, n - start);
    correct += tf.tidy(() => {
      const x = tf.slice(split.images, [start, 0, 0, 0], [b, -1, -1, -1]); // float32 [B,H,W,C]
      const y = tf.slice(split.targets, [start, 0], [b, -1]); // float32 [B,1]
      const predicted = tf.argMax(model.forward(x, { training: false }), 1); // int32 [B]
      return tf.mean(tf.cast(tf.equal(predicted, y), 'float32')).dataSync()[0]! * b;
    });
  }
  return correct / n;
}
