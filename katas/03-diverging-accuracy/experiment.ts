/**
 * The seed's experiment at kata size: the ported model (seed-port.ts) trained by the reference loop
 * (kata 02) on the bundled Dress/Coat images with the committed pretrained backbone.
 * Used by the tests and by demo.ts.
 */
import { tf } from '../../src/lib/tf.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import { DataLoader, trainValSplit } from '../../src/lib/data/dataset.js';
import { loadBackbone, type Backbone } from '../../src/lib/models/backbones.js';
import type { Classifier } from '../../src/lib/classifier.js';
import { train, type EpochRecord } from '../../solutions/02-training-loop/training-loop.js';
import { portSeedModel } from './seed-port.js';

export interface SeedRun {
  history: EpochRecord[];
  backbone: Backbone;
  model: Classifier;
}

export const SEED_EXPERIMENT = { perClass: 500, valFraction: 0.4, batchSize: 32, epochs: 4, lr: 1e-3, seed: 3 };

/** Trains the seed's model (on the committed pretrained backbone unless one is given); the caller disposes result.model. */
export async function runSeedExperiment(
  log: (line: string) => void = () => {},
  backbone?: Backbone,
  opts = SEED_EXPERIMENT,
): Promise<SeedRun> {
  const { train: pool } = loadBundledPair();
  const { train: trainSet, val } = trainValSplit(pool.perClass(opts.perClass, opts.seed), opts.valFraction, opts.seed);
  backbone ??= await loadBackbone('resnet-mini');
  const model = portSeedModel(backbone, 2);
  const optimizer = tf.train.adam(opts.lr);
  const history = await train({
    model,
    optimizer,
    trainLoader: new DataLoader(trainSet, { batchSize: opts.batchSize, shuffle: true, seed: opts.seed }),
    valLoader: new DataLoader(val, { batchSize: 100 }),
    epochs: opts.epochs,
    log,
  });
  optimizer.dispose();
  return { history, backbone, model };
}
