/**
 * The pipeline's data: a labelled pool and a held-out test set.
 * Default: the bundled Dress-vs-Coat pair (1000 per class in the pool, all 2000 official test images).
 * --data <folder>: the user's own photos (one sub-folder per class), a seeded stratified test split.
 */
import { loadBundledPair } from '../lib/data/bundled.js';
import { trainValSplit, type InMemoryDataset } from '../lib/data/dataset.js';
import { loadImageFolder } from '../lib/data/image-folder.js';
import { displayPath } from '../lib/data/paths.js';
import type { BackboneName } from '../lib/models/backbones.js';

/** The input each backbone takes by default (loadBackbone): photos are decoded at this size. */
export const BACKBONE_INPUT_SHAPES: Record<BackboneName, [number, number, number]> = {
  'resnet-mini': [28, 28, 1],
  resnet50: [224, 224, 3],
};

export interface PipelineData {
  /** Where the labelled images come from: labelsPerClass are drawn from it. */
  pool: InMemoryDataset;
  /** Held-out images, never seen in training or validation. */
  test: InMemoryDataset;
  /** e.g. 'bundled Fashion-MNIST Dress vs Coat' or 'image folder photos/'. */
  description: string;
}

export function bundledData(): PipelineData {
  const { train, test } = loadBundledPair();
  return { pool: train, test, description: `bundled Fashion-MNIST ${train.classNames.join(' vs ')}` };
}

export interface FolderDataOptions {
  /** [H, W, C] the backbone takes: images are decoded and resized to it. */
  inputShape: readonly [number, number, number];
  /** Fraction of each class held out as the test set. Default 0.2. */
  testFraction?: number;
  seed: number;
}

/** An image folder, split per class into a pool and a held-out test set (at least 1 test image per class). */
export async function folderData(dir: string, opts: FolderDataOptions): Promise<PipelineData> {
  const [h, w, c] = opts.inputShape;
  if (c !== 1 && c !== 3) throw new Error(`--data ${dir}: the backbone takes ${c} channels, expected 1 or 3`);
  const all = await loadImageFolder(dir, { size: [h, w], channels: c });
  const counts = all.classCounts();
  const small = counts.findIndex((n) => n < 3);
  if (all.numClasses < 2) {
    throw new Error(`--data ${displayPath(dir)}: expected at least 2 class sub-folders, got ${all.numClasses} (${all.classNames.join(', ')})`);
  }
  if (small >= 0) {
    throw new Error(
      `--data ${displayPath(dir)}: expected at least 3 images per class (1 test, 1 train, 1 validation), ` +
        `got ${counts[small]} in "${all.classNames[small]}"`,
    );
  }
  const { train, val } = trainValSplit(all, opts.testFraction ?? 0.2, opts.seed);
  return { pool: train, test: val, description: `image folder ${displayPath(dir)} (${all.classNames.join(', ')})` };
}
