/**
 * Fashion-MNIST: class names, the course's target pair (Dress vs Coat), and finding / loading the
 * full data set. Lookup order: explicit dir (argument, or env FASHION_MNIST_DIR) → project cache
 * .cache/fashion-mnist → /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist)
 * → download from the official mirror into the cache (MD5-verified).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { downloadFashionMnist, FASHION_MNIST_MIRROR, md5, type DownloadOptions, type FetchLike } from './download.js';
import { expectDims, readIdx, type IdxData } from './idx.js';
import { BUNDLED_PAIR_DIR, DEBIAN_FASHION_MNIST_DIR, FASHION_MNIST_CACHE_DIR, displayPath } from './paths.js';
import { fileExists, readTextFile } from '../files.js';

export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** The transfer target: Dress (3) → pair index 0, Coat (4) → pair index 1. */
export const TARGET_PAIR = { classes: [3, 4], names: ['Dress', 'Coat'] } as const;

/** The pretraining source task: the other 8 classes, in label order. */
export const SOURCE_CLASSES: readonly number[] = CLASS_NAMES.map((_, i) => i).filter(
  (c) => !(TARGET_PAIR.classes as readonly number[]).includes(c),
);

export type Split = 'train' | 'test';

/** Base file names (without .gz) of each split. */
export const FASHION_MNIST_FILES: Record<Split, { images: string; labels: string }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

const ALL_BASES = Object.values(FASHION_MNIST_FILES).flatMap((f) => [f.images, f.labels]);

export type DataSource = 'explicit' | 'cache' | 'debian' | 'download';

export interface DataLocation {
  dir: string;
  source: DataSource;
}

export interface LocateOptions {
  /** Explicit folder; wins over env FASHION_MNIST_DIR. A missing explicit folder is an error. */
  dir?: string;
  /** Download into the cache when nothing is found locally (default true). */
  allowDownload?: boolean;
  /** Environment to read FASHION_MNIST_DIR from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Overrides for tests. */
  cacheDir?: string;
  debianDir?: string;
  fetch?: FetchLike;
  checksums?: DownloadOptions['checksums'];
  mirror?: string;
  log?: (message: string) => void;
}

/** The path of `base` in `dir`: `base.gz` preferred, raw `base` accepted; undefined if neither. */
export function findIdxFile(dir: string, base: string): string | undefined {
  for (const name of [base + '.gz', base]) {
    const p = path.join(dir, name);
    if (fileExists(p)) return p;
  }
  return undefined;
}

/** Base names of the four files missing from `dir`. */
export function missingFiles(dir: string, bases: string[] = ALL_BASES): string[] {
  return bases.filter((b) => findIdxFile(dir, b) === undefined);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function explicitDir(opts: LocateOptions): { dir: string; from: string } | undefined {
  if (opts.dir !== undefined && opts.dir !== '') return { dir: path.resolve(opts.dir), from: 'dir argument' };
  const env = (opts.env ?? process.env).FASHION_MNIST_DIR;
  if (env !== undefined && env !== '') return { dir: path.resolve(env), from: 'FASHION_MNIST_DIR' };
  return undefined;
}

function checkExplicit(e: { dir: string; from: string }): DataLocation {
  if (!isDir(e.dir)) {
    throw new Error(`Fashion-MNIST ${e.from}: expected an existing folder, got "${e.dir}" (it does not exist)`);
  }
  const missing = missingFiles(e.dir);
  if (missing.length) {
    throw new Error(
      `Fashion-MNIST ${e.from} "${e.dir}": expected the four IDX files (.gz or raw), missing: ${missing.join(', ')}`,
    );
  }
  return { dir: e.dir, source: 'explicit' };
}

/** Steps 1–3 of the lookup (no network). Undefined when nothing local has all four files. */
export function findLocalFashionMnist(opts: LocateOptions = {}): DataLocation | undefined {
  const e = explicitDir(opts);
  if (e) return checkExplicit(e);
  const cache = opts.cacheDir ?? FASHION_MNIST_CACHE_DIR;
  if (isDir(cache) && missingFiles(cache).length === 0) return { dir: cache, source: 'cache' };
  const debian = opts.debianDir ?? DEBIAN_FASHION_MNIST_DIR;
  if (isDir(debian) && missingFiles(debian).length === 0) return { dir: debian, source: 'debian' };
  return undefined;
}

function howToGetIt(cache: string, debian: string): string {
  return (
    `To fix: install the Debian package (apt-get install dataset-fashion-mnist, which puts the files in ${debian}), ` +
    `or set FASHION_MNIST_DIR to a folder holding ${ALL_BASES.map((b) => b + '.gz').join(', ')} ` +
    `(or copy them into ${displayPath(cache)})`
  );
}

/** Finds the full Fashion-MNIST, downloading it into the cache as a last resort. */
export async function locateFashionMnist(opts: LocateOptions = {}): Promise<DataLocation> {
  const local = findLocalFashionMnist(opts);
  if (local) return local;
  const cache = opts.cacheDir ?? FASHION_MNIST_CACHE_DIR;
  const debian = opts.debianDir ?? DEBIAN_FASHION_MNIST_DIR;
  const looked = `looked in ${displayPath(cache)} and ${debian}; FASHION_MNIST_DIR is not set`;
  if (opts.allowDownload === false) {
    throw new Error(`Fashion-MNIST not found (${looked}) and downloading is off (allowDownload: false). ${howToGetIt(cache, debian)}`);
  }
  try {
    await downloadFashionMnist(cache, {
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.checksums ? { checksums: opts.checksums } : {}),
      ...(opts.log ? { log: opts.log } : {}),
      mirror: opts.mirror ?? FASHION_MNIST_MIRROR,
    });
  } catch (e) {
    throw new Error(`Fashion-MNIST not found (${looked}), and the download failed: ${(e as Error).message}. ${howToGetIt(cache, debian)}`);
  }
  const missing = missingFiles(cache);
  if (missing.length) throw new Error(`Fashion-MNIST download into ${cache}: files still missing: ${missing.join(', ')}`);
  return { dir: cache, source: 'download' };
}

/** One line for `npm run doctor`: where the full set would be read from, and the bundled subset. */
export function describeDataLocation(opts: LocateOptions = {}): string {
  const bundled = missingFiles(BUNDLED_PAIR_DIR).length === 0 ? `bundled Dress/Coat subset in ${displayPath(BUNDLED_PAIR_DIR)}` : `bundled Dress/Coat subset MISSING from ${displayPath(BUNDLED_PAIR_DIR)} (run npx tsx src/cli/make-subset.ts)`;
  let full: string;
  try {
    const loc = findLocalFashionMnist(opts);
    if (!loc) {
      full = `full set not found locally (would download to ${displayPath(opts.cacheDir ?? FASHION_MNIST_CACHE_DIR)}; or apt-get install dataset-fashion-mnist / set FASHION_MNIST_DIR)`;
    } else {
      const why = { explicit: 'explicit folder', cache: 'project cache', debian: 'Debian package dataset-fashion-mnist', download: 'downloaded' }[loc.source];
      full = `full set in ${displayPath(loc.dir)} (${why})`;
    }
  } catch (e) {
    full = `full set: ${(e as Error).message}`;
  }
  return `Fashion-MNIST: ${full}; ${bundled}`;
}

export interface FashionMnistSplit {
  /** Row-major uint8 pixels, count*rows*cols. */
  images: Uint8Array;
  /** Original labels 0..9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** The way out when a bundled data file is changed or corrupted. */
export const RESTORE_BUNDLED = 'restore the bundled data with: git checkout data/';

interface Provenance {
  train?: { imagesMd5?: string; labelsMd5?: string };
  test?: { imagesMd5?: string; labelsMd5?: string };
}

/** The folder's provenance.json (the bundled subset has one, with an MD5 per file's payload), if any. */
function readProvenance(dir: string): Provenance | undefined {
  const file = path.join(dir, 'provenance.json');
  if (!fileExists(file)) return undefined;
  try {
    return JSON.parse(readTextFile(file)) as Provenance;
  } catch (e) {
    throw new Error(`${displayPath(file)}: expected JSON with the bundled files' checksums, got ${(e as Error).message.split('\n')[0]}; ${RESTORE_BUNDLED}`);
  }
}

/** Payloads already verified in this process (path → md5): each file is hashed once (about 5 ms for all four). */
const verified = new Map<string, string>();

/**
 * Checks an IDX file's payload (the bytes after the header, as make-subset.ts hashed them) against the MD5 in
 * its folder's provenance.json: an overwritten block inside a valid file (which still parses, and trains) is
 * refused, naming the file and the way to restore it.
 */
export function verifyChecksum(file: string, payload: Uint8Array, expected: string | undefined): void {
  if (!expected) return;
  if (verified.get(file) === expected) return;
  const got = md5(payload);
  if (got !== expected) {
    throw new Error(
      `${displayPath(file)}: expected md5 ${expected} of its ${payload.length} data bytes (provenance.json), got ${got}: the file was changed or corrupted; ${RESTORE_BUNDLED}`,
    );
  }
  verified.set(file, expected);
}

/** Reads one split from a folder known to hold the files (no lookup, synchronous). */
export function readFashionMnistSplit(dir: string, split: Split, maxLabel = CLASS_NAMES.length - 1): FashionMnistSplit {
  const names = FASHION_MNIST_FILES[split];
  if (names === undefined) throw new Error(`Fashion-MNIST split: expected "train" or "test", got "${String(split)}"`);
  const imagesFile = findIdxFile(dir, names.images);
  const labelsFile = findIdxFile(dir, names.labels);
  if (!imagesFile || !labelsFile) {
    throw new Error(`Fashion-MNIST ${split} split in ${displayPath(dir)}: expected ${names.images}(.gz) and ${names.labels}(.gz), missing: ${[!imagesFile && names.images, !labelsFile && names.labels].filter(Boolean).join(', ')}`);
  }
  const provenance = readProvenance(dir);
  const read = (file: string): IdxData => {
    try {
      return readIdx(file);
    } catch (e) {
      // A corrupted bundled file (a .gz that does not gunzip, a bad header): say how to get it back.
      throw provenance ? new Error(`${(e as Error).message}; ${RESTORE_BUNDLED}`) : e;
    }
  };
  const images = read(imagesFile);
  expectDims(images, imagesFile, [null, null, null], 'images');
  const labels = read(labelsFile);
  expectDims(labels, labelsFile, [null], 'labels');
  if (provenance) {
    verifyChecksum(imagesFile, images.data, provenance[split]?.imagesMd5);
    verifyChecksum(labelsFile, labels.data, provenance[split]?.labelsMd5);
  }
  const [count, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new Error(
      `Fashion-MNIST ${split} split: image and label counts differ: ${displayPath(imagesFile)} has ${count} images, ${displayPath(labelsFile)} has ${labels.dims[0]} labels`,
    );
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i]! > maxLabel) {
      throw new Error(`IDX file ${displayPath(labelsFile)}: expected labels 0..${maxLabel}, got ${labels.data[i]} at index ${i}`);
    }
  }
  return { images: images.data, labels: labels.data, count, rows, cols };
}

/** Finds (see locateFashionMnist) and reads one split of the full Fashion-MNIST. */
export async function loadFashionMnist(split: Split, opts: LocateOptions = {}): Promise<FashionMnistSplit> {
  const loc = await locateFashionMnist(opts);
  return readFashionMnistSplit(loc.dir, split);
}
