/** `npm run train` — its flags and their checks, importable without running the command (test/cli-usage.test.ts). */
import { Command } from 'commander';
import { BACKBONE_NAMES, type BackboneName } from '../../lib/models/backbone-names.js';
import { DEFAULT_EPOCHS, DEFAULTS } from '../../reference/options.js';
import { backendChoice, choice, existingDir, existingPathOr, intAtLeast, numberWhere, outPath, parseArgs, UsageError } from '../usage.js';

export interface TrainArgs {
  labels?: number; epochs?: number; seed: number; fromScratch?: boolean; cacheFeatures?: boolean; batchSize: number;
  lr: number; dropout: number; preciseBn: boolean; data?: string; backbone: BackboneName; weights?: string; out?: string;
  testLimit?: number; json?: boolean; verbose?: boolean;
}

export function trainProgram(): Command {
  return new Command('train')
    .description('Train the transfer model (frozen pretrained backbone + new head) and report its test accuracy.')
    .option('--labels <n>', 'labelled images per class (a validation split is taken from them); default: the whole pool', intAtLeast('--labels', 2))
    .option('--epochs <n>', `epochs (default ${DEFAULT_EPOCHS.transfer}, from scratch ${DEFAULT_EPOCHS.scratch})`, intAtLeast('--epochs', 1))
    .option('--seed <n>', 'seed of the labelled subset, the split, the shuffling and a from-scratch init', intAtLeast('--seed', 0), DEFAULTS.seed)
    .option('--from-scratch', 'same architecture, randomly initialised, all trainable')
    .option('--cache-features', 'train the head on backbone features computed once (default for a frozen backbone)')
    .option('--no-cache-features', "forward the frozen backbone on every batch, as the seed's loop does")
    .option('--no-precise-bn', 'from scratch: keep the moving BatchNorm statistics as training left them (no recalibration per epoch)')
    .option('--batch-size <n>', 'mini-batch size', intAtLeast('--batch-size', 1), DEFAULTS.batchSize)
    .option('--lr <x>', 'Adam learning rate', numberWhere('--lr', (n) => n > 0, 'a positive number'), DEFAULTS.lr)
    .option('--dropout <x>', 'dropout rate of the head', numberWhere('--dropout', (n) => n >= 0 && n < 1, 'a number in [0, 1)'), DEFAULTS.dropout)
    .option('--data <folder>', 'your own photos: one sub-folder per class (a test split is held out); or a folder of Fashion-MNIST IDX files', existingDir('--data', 'a folder of photos, one sub-folder per class'))
    .option('--backbone <name>', `backbone: ${BACKBONE_NAMES.join(', ')} (default ${DEFAULTS.backbone})`, choice('--backbone', BACKBONE_NAMES), DEFAULTS.backbone)
    .option('--weights <path>', 'pretrained backbone weights (tfjs dir or Keras .h5), or "random"', existingPathOr('--weights', 'a tfjs model folder, a Keras .h5 file or "random"', ['random']))
    .option('--out <dir>', 'where to save the trained model (default runs/train-<time>)', outPath('--out'))
    .option('--test-limit <n>', 'evaluate on the first N test images only (smoke tests)', intAtLeast('--test-limit', 1))
    .option('--threads <n>', 'CPU threads of the wasm backend (default: the cores, os.availableParallelism(); also KATA_THREADS; read by src/lib/tf.ts)', intAtLeast('--threads', 1))
    .option('--backend <name>', 'force a backend: wasm, cpu, tensorflow, gpu, node (read by src/lib/tf.ts)', backendChoice)
    .option('--verbose', "print the seed's log line for every epoch (default: the first, every 10th and the last)")
    .option('--json', 'print one JSON object as the last line');
}

/** Parses and checks the flags together (one line per problem, as UsageError). */
export function trainArgs(argv: readonly string[]): TrainArgs {
  const o = parseArgs<TrainArgs>(trainProgram(), argv);
  if (!o.data && o.backbone !== 'resnet-mini') {
    throw new UsageError(`--backbone: expected resnet-mini with the bundled 28x28 Fashion-MNIST pair, got ${o.backbone} without --data (give --data <folder> of photos)`);
  }
  if (o.fromScratch && o.weights !== undefined) {
    throw new UsageError(`--weights: expected no weights with --from-scratch (it initialises randomly), got "${o.weights}"`);
  }
  if (o.fromScratch && o.cacheFeatures === true) {
    throw new UsageError('--cache-features: expected a frozen backbone (cached features are fixed only then), got --from-scratch');
  }
  return o;
}
