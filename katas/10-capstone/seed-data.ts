/**
 * The seed's data, as the seed's loader handed it over: images float32 [N,28,28,1] in [0, 1], and
 * targets float32 [N,1] — class indices stored as floats, one column, the way a CSV or a
 * `torch.FloatTensor(df[['label']].values)` gives them. Not yours to edit: this is what the capstone
 * must be defensive against.
 */
import { tf } from '../../src/lib/tf.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import type { InMemoryDataset } from '../../src/lib/data/dataset.js';

export interface SeedSplit {
  /** float32 [N,H,W,C], values in [0, 1]. */
  images: tf.Tensor4D;
  /** float32 [N,1]: class indices as floats, one column. */
  targets: tf.Tensor2D;
}

export interface SeedData {
  train: SeedSplit;
  test: SeedSplit;
  classNames: string[];
}

function toSeedSplit(ds: InMemoryDataset): SeedSplit {
  return {
    images: tf.tensor4d(ds.images, [ds.length, ...ds.shape], 'float32'),
    targets: tf.tensor2d(Float32Array.from(ds.labels), [ds.length, 1], 'float32'),
  };
}

/** The bundled Dress/Coat pair: 2,000 training images (1,000 per class) and the 2,000 test images. */
export function loadSeedData(): SeedData {
  const { train, test } = loadBundledPair();
  return { train: toSeedSplit(train), test: toSeedSplit(test), classNames: [...train.classNames] };
}

export function disposeSeedData(data: SeedData): void {
  tf.dispose([data.train.images, data.train.targets, data.test.images, data.test.targets]);
}
