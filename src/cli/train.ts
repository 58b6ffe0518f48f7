/**
 * npm run train — the reference pipeline: kata 01's buildModel, kata 02's training loop, the guards
 * of katas 04/05, on the bundled Dress-vs-Coat pair with the committed pretrained resnet-mini, frozen.
 *
 *   npm run train -- [--labels N] [--epochs N] [--seed N] [--from-scratch] [--no-cache-features]
 *                    [--data <folder> --backbone resnet50 --weights <path|random>] [--out DIR] [--verbose] [--json]
 */
import './backend-flag.js'; // first: rejects a bad --backend / KATA_BACKEND before src/lib/tf.ts loads
import { opts } from './args/train.js'; // second: the options, before the heavy modules below (args/README.md)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { backendLine } from '../lib/tf.js';
import { curveLines, curveSvg, type Curve } from '../lib/curves.js';
import { displayPath, REPO_ROOT } from '../lib/data/paths.js';
import { UsageError } from '../lib/cli/usage-error.js';
import { BACKBONE_INPUT_SHAPES, bundledData, dataFolderKind, folderData, idxFolderData, type PipelineData } from '../reference/data.js';
import { DEFAULT_EPOCHS } from '../reference/options.js';
import { runPipeline } from '../reference/run.js';
import { savePipeline } from '../reference/save.js';
import { trainSummary } from '../reference/summary.js';
import { defaultRunDir, passBars } from '../reference/cli.js';

const epochs = opts.epochs ?? (opts.fromScratch ? DEFAULT_EPOCHS.scratch : DEFAULT_EPOCHS.transfer);

/** The seed's log line for epochs 0, 9, 19, … and the last (all of them with --verbose or up to 10 epochs). */
function epochLog(): (line: string) => void {
  let epoch = 0;
  return (line) => {
    const e = epoch++;
    if (opts.verbose || epochs <= 10 || e === 0 || (e + 1) % 10 === 0 || e === epochs - 1) console.log(line);
    if (!opts.verbose && epochs > 10 && e === epochs - 1) console.log(`(the log line of every 10th of ${epochs} epochs; --verbose for all)`);
  };
}

/** A path inside the repository, relative to it ("models/resnet-mini-fashion8"), wherever it appears in s. */
const shortPaths = (s: string): string => s.split(REPO_ROOT + '/').join('');

try {
  console.log(backendLine());
  let data: PipelineData;
  const folder = opts.data ? dataFolderKind(opts.data) : undefined;
  if (opts.data && folder?.kind === 'neither') {
    throw new UsageError(`--data: expected photos in one sub-folder per class, or the four Fashion-MNIST IDX files (train-images-idx3-ubyte.gz, …), got ${folder.found} in ${displayPath(opts.data)}`);
  }
  if (opts.data && folder?.kind === 'idx') {
    if (opts.backbone !== 'resnet-mini') throw new UsageError(`--backbone: expected resnet-mini with Fashion-MNIST's 28x28 IDX files, got ${opts.backbone}`);
    data = idxFolderData(opts.data);
  } else if (opts.data) {
    // Decode the photos at the size the backbone takes (resnet50: 224x224x3, resnet-mini: 28x28x1).
    data = await folderData(opts.data, { inputShape: BACKBONE_INPUT_SHAPES[opts.backbone], seed: opts.seed });
  } else {
    data = bundledData(); // trainArgs checked: resnet-mini
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
      log: epochLog(),
      progress: passBars(epochs),
      onTrained: async (model, r) => {
        await savePipeline(model, r, out, `npm run train -- ${process.argv.slice(2).join(' ')}`.trim());
      },
    },
  );
  console.log(
    `labels: ${result.labelsPerClass} per class (${result.trainImages} train, ${result.valImages} validation); ` +
      `weights: ${shortPaths(result.weights)}; ${result.cacheFeatures ? 'head trained on cached features' : 'backbone forwarded every batch'}`,
  );
  const curves: Curve[] = [
    { label: 'validation accuracy', values: result.history.map((r) => r.accuracy) },
    { label: 'training loss', values: result.history.map((r) => r.trainingLoss) },
    { label: 'validation loss', values: result.history.map((r) => r.validationLoss) },
  ];
  for (const line of curveLines(curves)) console.log(`curve: ${line}`);
  writeFileSync(path.join(out, 'curves.svg'), await curveSvg(`npm run train: ${mode}, per epoch`, curves));
  console.log(`test accuracy: ${result.testAccuracy.toFixed(4)} on ${result.testImages} held-out test images (${result.classNames.join(' vs ')})`);
  console.log(`seconds: ${result.seconds.toFixed(1)}`);
  console.log(`saved: ${displayPath(out)}/ (head/, ${result.mode === 'scratch' ? 'backbone/, ' : ''}pipeline.json, curves.svg — backbone ${result.backbone})`);
  if (opts.json) {
    console.log(JSON.stringify(trainSummary(result, displayPath(out))));
  }
} catch (e) {
  console.error(`train: ${(e as Error).message}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
}
