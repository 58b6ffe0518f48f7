/**
 * The pipeline's data: a labelled pool and a held-out test set.
 * Default: the bundled Dress-vs-Coat pair (1000 per class in the pool, all 2000 official test images).
 * --data <folder>: the user's own photos (one sub-folder per class), a seeded stratified test split; or a folder
 * of Fashion-MNIST IDX files (a copy of the bundled data, or the full set: its Dress and Coat images).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { toDataset } from '../lib/data/bundled.js';
import { missingFiles, readFashionMnistSplit, TARGET_PAIR } from '../lib/data/fashion-mnist.js';
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

/** The Fashion-MNIST IDX file names (without .gz) a --data folder may hold. */
const IDX_BASES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/**
 * What a --data folder holds: the four Fashion-MNIST IDX files, photo class-folders, or neither (then `found`
 * says what is there, for a one-line error).
 */
export function dataFolderKind(dir: string): { kind: 'idx' } | { kind: 'photos' } | { kind: 'neither'; found: string } {
  const entries = readdirSync(dir);
  const missing = missingFiles(dir, IDX_BASES);
  if (missing.length === 0) return { kind: 'idx' };
  const subfolders = entries.filter((e) => !e.startsWith('.') && statSync(path.join(dir, e)).isDirectory());
  if (subfolders.length > 0 && missing.length === IDX_BASES.length) return { kind: 'photos' };
  if (missing.length < IDX_BASES.length) return { kind: 'neither', found: `${IDX_BASES.length - missing.length} of the 4 Fashion-MNIST IDX files (missing ${missing.join(', ')})` };
  const files = entries.filter((e) => !e.startsWith('.'));
  return { kind: 'neither', found: files.length ? `${files.length} file${files.length === 1 ? '' : 's'} and no sub-folder (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''})` : 'an empty folder' };
}

/** A folder of Fashion-MNIST IDX files: its Dress and Coat images (train = the pool, t10k = the test set). */
export function idxFolderData(dir: string): PipelineData {
  const names = [...TARGET_PAIR.names];
  const load = (split: 'train' | 'test'): InMemoryDataset => toDataset(readFashionMnistSplit(dir, split), TARGET_PAIR.classes, names);
  const pool = load('train');
  const test = load('test');
  if (pool.length === 0 || test.length === 0) {
    throw new Error(`--data ${displayPath(dir)}: expected Dress (3) and Coat (4) images in its IDX files, got ${pool.length} in train and ${test.length} in t10k`);
  }
  return { pool, test, description: `Fashion-MNIST ${names.join(' vs ')} from ${displayPath(dir)}` };
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
