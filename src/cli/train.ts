/**
 * npm run train — the reference pipeline: kata 01's buildModel, kata 02's training loop, the guards
 * of katas 04/05, on the bundled Dress-vs-Coat pair with the committed pretrained resnet-mini, frozen.
 *
 *   npm run train -- [--labels N] [--epochs N] [--seed N] [--from-scratch] [--no-cache-features]
 *                    [--data <folder> --backbone resnet50 --weights <path|random>] [--out DIR] [--json]
 */
import { Command, Option } from 'commander';
import { backendLine } from '../lib/tf.js';
import { BACKBONE_NAMES, type BackboneName } from '../lib/models/backbones.js';
import { displayPath } from '../lib/data/paths.js';
import { BACKBONE_INPUT_SHAPES, bundledData, folderData, type PipelineData } from '../reference/data.js';
import { DEFAULT_EPOCHS, DEFAULTS } from '../reference/options.js';
import { runPipeline } from '../reference/run.js';
import { savePipeline } from '../reference/save.js';
import { trainSummary } from '../reference/summary.js';
import { defaultRunDir, intOption, numberOption, passBars } from '../reference/cli.js';

const program = new Command('train')
  .description('Train the transfer model (frozen pretrained backbone + new head) and report its test accuracy.')
  .option('--labels <n>', 'labelled images per class (a validation split is taken from them); default: the whole pool', intOption('--labels', 2))
  .option('--epochs <n>', `epochs (default ${DEFAULT_EPOCHS.transfer}, from scratch ${DEFAULT_EPOCHS.scratch})`, intOption('--epochs', 1))
  .option('--seed <n>', 'seed of the labelled subset, the split, the shuffling and a from-scratch init', intOption('--seed', 0), DEFAULTS.seed)
  .option('--from-scratch', 'same architecture, randomly initialised, all trainable')
  .option('--cache-features', 'train the head on backbone features computed once (default for a frozen backbone)')
  .option('--no-cache-features', "forward the frozen backbone on every batch, as the seed's loop does")
  .option('--no-precise-bn', 'from scratch: keep the moving BatchNorm statistics as training left them (no recalibration per epoch)')
  .option('--batch-size <n>', 'mini-batch size', intOption('--batch-size', 1), DEFAULTS.batchSize)
  .option('--lr <x>', 'Adam learning rate', numberOption('--lr', (n) => n > 0 && Number.isFinite(n), 'a positive number'), DEFAULTS.lr)
  .option('--dropout <x>', 'dropout rate of the head', numberOption('--dropout', (n) => n >= 0 && n < 1, 'a number in [0, 1)'), DEFAULTS.dropout)
  .option('--data <folder>', 'your own photos: one sub-folder per class (a test split is held out)')
  .addOption(new Option('--backbone <name>', 'backbone').choices([...BACKBONE_NAMES]).default(DEFAULTS.backbone))
  .option('--weights <path>', 'pretrained backbone weights (tfjs dir or Keras .h5), or "random"')
  .option('--out <dir>', 'where to save the trained model (default runs/train-<time>)')
  .option('--test-limit <n>', 'evaluate on the first N test images only (smoke tests)', intOption('--test-limit', 1))
  .option('--backend <name>', 'force a backend: wasm, cpu, tensorflow (read by src/lib/tf.ts)')
  .option('--json', 'print one JSON object as the last line')
  .parse();

const opts = program.opts<{
  labels?: number; epochs?: number; seed: number; fromScratch?: boolean; cacheFeatures?: boolean; batchSize: number;
  lr: number; dropout: number; preciseBn: boolean; data?: string; backbone: BackboneName; weights?: string; out?: string; testLimit?: number; json?: boolean;
}>();

try {
  console.log(backendLine());
  let data: PipelineData;
  if (opts.data) {
    // Decode the photos at the size the backbone takes (resnet50: 224x224x3, resnet-mini: 28x28x1).
    data = await folderData(opts.data, { inputShape: BACKBONE_INPUT_SHAPES[opts.backbone], seed: opts.seed });
  } else {
    if (opts.backbone !== 'resnet-mini') {
      throw new Error(`--backbone ${opts.backbone}: the bundled 28x28 Fashion-MNIST pair goes with resnet-mini; with --backbone ${opts.backbone} give --data <folder> of photos`);
    }
    data = bundledData();
  }
  const mode = opts.fromScratch
    ? 'from scratch (random init, all trainable)'
    : `transfer (backbone frozen, ${opts.weights === 'random' ? 'randomly initialised: --weights random' : 'pretrained'})`;
  console.log(`data: ${data.description} — pool ${data.pool.length} images, test ${data.test.length} held-out images`);
  console.log(`model: ${opts.backbone}, ${mode}`);
  const out = opts.out ?? defaultRunDir(opts.fromScratch ? 'train-scratch' : 'train');
  const result = await runPipeline(
    {
      labelsPerClass: opts.labels, epochs: opts.epochs, seed: opts.seed, fromScratch: opts.fromScratch, backbone: opts.backbone,
      weights: opts.weights, cacheFeatures: opts.cacheFeatures, batchSize: opts.batchSize, lr: opts.lr, dropout: opts.dropout, preciseBn: opts.preciseBn,
    },
    {
      data,
      testLimit: opts.testLimit,
      progress: passBars(opts.epochs ?? (opts.fromScratch ? DEFAULT_EPOCHS.scratch : DEFAULT_EPOCHS.transfer)),
      onTrained: async (model, r) => {
        await savePipeline(model, r, out, `npm run train -- ${process.argv.slice(2).join(' ')}`.trim());
      },
    },
  );
  console.log(
    `labels: ${result.labelsPerClass} per class (${result.trainImages} train, ${result.valImages} validation); ` +
      `weights: ${result.weights}; ${result.cacheFeatures ? 'head trained on cached features' : 'backbone forwarded every batch'}`,
  );
  console.log(`test accuracy: ${result.testAccuracy.toFixed(4)} on ${result.testImages} held-out test images (${result.classNames.join(' vs ')})`);
  console.log(`seconds: ${result.seconds.toFixed(1)}`);
  console.log(`saved: ${displayPath(out)}/ (head/, ${result.mode === 'scratch' ? 'backbone/, ' : ''}pipeline.json — backbone ${result.backbone})`);
  if (opts.json) {
    console.log(JSON.stringify(trainSummary(result, displayPath(out))));
  }
} catch (e) {
  console.error(`train: ${(e as Error).message}`);
  process.exitCode = 1;
}
