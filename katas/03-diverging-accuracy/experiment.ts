/**
 * The seed's experiment at kata size: the seed's model (seed-model.ts) trained by the reference loop
 * (kata 02) with YOUR training loader (seed-loader.ts) on the bundled Dress/Coat images, committed
 * pretrained backbone. Validation uses the project's DataLoader, so only the training batches differ.
 * The frozen backbone's features are computed once per image (frozen-features.ts): same run, seconds.
 * Used by the tests and by demo.ts.
 */
import { tf } from '../../src/lib/tf.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import { DataLoader, trainValSplit, type InMemoryDataset } from '../../src/lib/data/dataset.js';
import { loadBackbone, type Backbone } from '../../src/lib/models/backbones.js';
import { train, type EpochRecord } from '../../solutions/02-training-loop/training-loop.js';
import { FrozenFeatures } from '../../src/lib/frozen-features.js';
import { seedModel } from './seed-model.js';
import { SeedLoader } from './seed-loader.js';
import { inBrowser } from '../../src/lib/runtime.js';

export const SEED_EXPERIMENT = { perClass: 500, valFraction: 0.4, batchSize: 32, epochs: 4, lr: 1e-3, seed: 2 };
/**
 * The same run at a size that takes a second or two (`npm run kata 3` shows it first): 50 Dress and 50 Coat images
 * (60 train, 40 validation), batches of 8, 6 epochs. Measured with the starting loader: validation accuracy
 * 0.93 0.95 0.82 0.10 0.07 0.15; fixed: 0.93 at every epoch.
 */
export const QUICK_SYMPTOM = { ...SEED_EXPERIMENT, perClass: 50, batchSize: 8, epochs: 6 };

/**
 * In the browser (`npm run kata 3 -- --browser`): a fifth of the images (100 Dress, 100 Coat; 120 train, 80
 * validation) in batches of 16, the same epochs and assertion. On a software renderer the full experiment ran
 * past Vitest's 120 s test timeout (WebGL on llvmpipe, 2 cores at load 17). Measured on wasm with the solution's
 * loader: validation accuracy 0.90 0.90 0.90 0.90, training loss 0.53 → 0.28; with the starting loader
 * 0.90 0.93 0.70 0.31, training loss 0.53 → 0.73 (learning rate ±10%: the same verdicts).
 */
export const SEED_EXPERIMENT_BROWSER = { ...SEED_EXPERIMENT, perClass: 100, batchSize: 16 };

/** The experiment this process runs: the browser's variant in a page, the full one in Node. */
export const SEED_EXPERIMENT_HERE = inBrowser ? SEED_EXPERIMENT_BROWSER : SEED_EXPERIMENT;

/** A training loader class: the learner's SeedLoader, or another one (the solution's, for the site's figures). */
export type LoaderClass = new (dataset: InMemoryDataset, batchSize: number, seed?: number) => DataLoader;

/** Trains the seed's model; returns the history. Disposes everything it made (the backbone if it loaded it). */
export async function runSeedExperiment(
  log: (line: string) => void = () => {},
  opts: typeof SEED_EXPERIMENT & { backbone?: Backbone; Loader?: LoaderClass } = SEED_EXPERIMENT_HERE,
): Promise<EpochRecord[]> {
  const { train: pool } = loadBundledPair();
  const { train: trainSet, val } = trainValSplit(pool.perClass(opts.perClass, opts.seed), opts.valFraction, opts.seed);
  const backbone = opts.backbone ?? (await loadBackbone('resnet-mini'));
  const model = seedModel(backbone, 2, new FrozenFeatures(backbone, [trainSet, val]));
  const optimizer = tf.train.adam(opts.lr);
  try {
    return await train({
      model,
      optimizer,
      trainLoader: new (opts.Loader ?? SeedLoader)(trainSet, opts.batchSize, opts.seed),
      valLoader: new DataLoader(val, { batchSize: 100 }),
      epochs: opts.epochs,
      log,
    });
  } finally {
    optimizer.dispose();
    model.dispose();
    if (!opts.backbone) backbone.model.dispose();
  }
}
