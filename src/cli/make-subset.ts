/**
 * Builds the bundled Dress-vs-Coat subset in data/fashion-mnist-dress-coat/ from the full
 * Fashion-MNIST (found as in locateFashionMnist: --dir / FASHION_MNIST_DIR, cache, Debian package,
 * download). Deterministic: the same source and seed give byte-identical files.
 *
 *   npm run data:subset -- [--dir FOLDER] [--out FOLDER] [--per-class 1000] [--seed 20240601]
 *
 * train: up to --per-class images of each class, a seeded selection from the official train split;
 * test: every official test image of the two classes. Labels are kept as the original 3 and 4.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { exitOnUsageError, parseArgs } from './usage.js';
import { SUBSET_PER_CLASS, SUBSET_SEED, subsetProgram } from './programs/tools.js';
import { md5 } from '../lib/data/download.js';
import { FASHION_MNIST_FILES, loadFashionMnist, TARGET_PAIR, type FashionMnistSplit } from '../lib/data/fashion-mnist.js';
import { writeIdx } from '../lib/data/idx.js';
import { BUNDLED_PAIR_DIR, displayPath } from '../lib/data/paths.js';
import { deriveSeed, mulberry32, shuffleInPlace } from '../lib/data/random.js';

export { SUBSET_PER_CLASS, SUBSET_SEED };

/** Indices (ascending) of the examples of the pair's classes; with perClass, a seeded selection. */
export function selectIndices(split: FashionMnistSplit, perClass: number | undefined, seed: number): number[] {
  const chosen: number[] = [];
  for (const c of TARGET_PAIR.classes) {
    const ix: number[] = [];
    for (let i = 0; i < split.count; i++) if (split.labels[i] === c) ix.push(i);
    if (perClass === undefined) {
      chosen.push(...ix);
    } else {
      shuffleInPlace(ix, mulberry32(deriveSeed(seed, c)));
      chosen.push(...ix.slice(0, Math.min(perClass, ix.length)));
    }
  }
  return chosen.sort((a, b) => a - b);
}

function gather(split: FashionMnistSplit, indices: number[]): { images: Uint8Array; labels: Uint8Array } {
  const per = split.rows * split.cols;
  const images = new Uint8Array(indices.length * per);
  const labels = new Uint8Array(indices.length);
  indices.forEach((i, j) => {
    images.set(split.images.subarray(i * per, (i + 1) * per), j * per);
    labels[j] = split.labels[i]!;
  });
  return { images, labels };
}

async function main(): Promise<void> {
  const values = exitOnUsageError('data:subset', () =>
    parseArgs<{ dir?: string; out?: string; perClass: number; seed: number }>(
      subsetProgram(),
      process.argv,
    ),
  );
  const out = path.resolve(values.out ?? BUNDLED_PAIR_DIR);
  const perClass = values.perClass;
  const seed = values.seed;
  const locate = values.dir ? { dir: values.dir } : {};
  const provenance: Record<string, unknown> = {
    source: 'Fashion-MNIST (Zalando Research), official train and t10k splits',
    classes: { 3: 'Dress', 4: 'Coat' },
    labels: 'original Fashion-MNIST labels (3 = Dress, 4 = Coat); loadBundledPair maps them to 0 and 1',
    seed,
    perClass,
  };
  for (const split of ['train', 'test'] as const) {
    const full = await loadFashionMnist(split, locate);
    const indices = selectIndices(full, split === 'train' ? perClass : undefined, seed);
    const { images, labels } = gather(full, indices);
    const names = FASHION_MNIST_FILES[split];
    writeIdx(path.join(out, names.images + '.gz'), [indices.length, full.rows, full.cols], images);
    writeIdx(path.join(out, names.labels + '.gz'), [indices.length], labels);
    const counts = TARGET_PAIR.classes.map((c) => labels.filter((l) => l === c).length);
    provenance[split] = {
      count: indices.length,
      perClass: Object.fromEntries(TARGET_PAIR.names.map((n, i) => [n, counts[i]])),
      sourceImagesMd5: md5(full.images),
      sourceLabelsMd5: md5(full.labels),
      imagesMd5: md5(images),
      labelsMd5: md5(labels),
      sourceIndices: indices,
    };
    console.log(`${split}: ${indices.length} images (${TARGET_PAIR.names.map((n, i) => `${n} ${counts[i]}`).join(', ')})`);
  }
  writeFileSync(path.join(out, 'provenance.json'), JSON.stringify(provenance, (k, v) => (k === 'sourceIndices' ? v.join(' ') : v), 2) + '\n');
  console.log(`wrote ${displayPath(out)}`);
}

main().catch((e: unknown) => {
  console.error(`make-subset: ${(e as Error).message}`);
  process.exitCode = 1;
});
