/**
 * In-memory image classification data: a validated container (InMemoryDataset), a stratified
 * train/validation split, and a seeded mini-batch loader that yields tf tensors.
 */
import { tf } from '../tf.js';
import { deriveSeed, mulberry32, seededPermutation, shuffleInPlace } from './random.js';

export interface Batch {
  /** float32 [B, H, W, C], values in [0, 1]. */
  x: tf.Tensor4D;
  /** int32 [B]. */
  y: tf.Tensor1D;
}

function isPositiveInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0;
}

export class InMemoryDataset {
  readonly length: number;
  readonly shape: [number, number, number];
  readonly classNames: string[];
  readonly numClasses: number;
  readonly images: Float32Array;
  readonly labels: Int32Array;

  /**
   * @param images N*H*W*C pixels in [0, 1], row-major, channels last
   * @param labels N class indices in 0..classNames.length-1
   * @param shape [H, W, C] of one image
   */
  constructor(images: Float32Array, labels: Int32Array, shape: [number, number, number], classNames: string[]) {
    if (!(images instanceof Float32Array)) {
      throw new Error(`InMemoryDataset images: expected a Float32Array, got ${describe(images)}`);
    }
    if (!(labels instanceof Int32Array)) {
      throw new Error(`InMemoryDataset labels: expected an Int32Array, got ${describe(labels)}`);
    }
    if (!Array.isArray(shape) || shape.length !== 3 || !shape.every(isPositiveInt)) {
      throw new Error(`InMemoryDataset shape: expected [H, W, C] of positive integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(classNames) || classNames.length < 1) {
      throw new Error(`InMemoryDataset classNames: expected a non-empty array of names, got ${JSON.stringify(classNames)}`);
    }
    const [h, w, c] = shape;
    const per = h * w * c;
    const n = labels.length;
    if (images.length !== n * per) {
      throw new Error(
        `InMemoryDataset images: expected ${n} labels × ${h}×${w}×${c} = ${n * per} values, got ${images.length}` +
          (images.length % per === 0 ? ` (${images.length / per} images)` : ''),
      );
    }
    const k = classNames.length;
    for (let i = 0; i < n; i++) {
      const l = labels[i]!;
      if (l < 0 || l >= k) {
        throw new Error(`InMemoryDataset labels: expected class indices 0..${k - 1} (${k} classNames), got ${l} at index ${i}`);
      }
    }
    for (let i = 0; i < images.length; i++) {
      const v = images[i]!;
      // `!(v >= 0 && v <= 1)` is also true for NaN.
      if (!(v >= 0 && v <= 1)) {
        const img = Math.floor(i / per);
        throw new Error(
          `InMemoryDataset images: expected pixel values in [0, 1], got ${v} at image ${img}, value index ${i}` +
            (v > 1 && v <= 255 ? ' (did you forget to divide by 255?)' : ''),
        );
      }
    }
    this.images = images;
    this.labels = labels;
    this.shape = [h, w, c];
    this.classNames = classNames.slice();
    this.numClasses = k;
    this.length = n;
  }

  /** Values in one image (H*W*C). */
  get imageSize(): number {
    return this.shape[0] * this.shape[1] * this.shape[2];
  }

  /** A new dataset of the given examples, in the given order (copies the data). */
  subset(indices: ArrayLike<number>): InMemoryDataset {
    const per = this.imageSize;
    const m = indices.length;
    const images = new Float32Array(m * per);
    const labels = new Int32Array(m);
    for (let j = 0; j < m; j++) {
      const i = indices[j]!;
      if (!Number.isInteger(i) || i < 0 || i >= this.length) {
        throw new Error(`subset indices: expected integers in 0..${this.length - 1}, got ${i} at position ${j}`);
      }
      images.set(this.images.subarray(i * per, (i + 1) * per), j * per);
      labels[j] = this.labels[i]!;
    }
    return new InMemoryDataset(images, labels, this.shape, this.classNames);
  }

  /** Indices of the examples of each class, in dataset order. */
  indicesByClass(): number[][] {
    const byClass: number[][] = this.classNames.map(() => []);
    for (let i = 0; i < this.length; i++) byClass[this.labels[i]!]!.push(i);
    return byClass;
  }

  /** Examples per class. */
  classCounts(): number[] {
    return this.indicesByClass().map((ix) => ix.length);
  }

  /**
   * The first n examples of a seeded shuffle of each class (so a larger n keeps the smaller n's
   * examples). The result keeps dataset order. Errors if a class has fewer than n.
   */
  perClass(n: number, seed: number): InMemoryDataset {
    if (!Number.isInteger(n) || n < 0) throw new Error(`perClass n: expected an integer >= 0, got ${String(n)}`);
    const chosen: number[] = [];
    this.indicesByClass().forEach((ix, c) => {
      if (ix.length < n) {
        throw new Error(`perClass n: expected at most ${ix.length} (class ${c} "${this.classNames[c]}" has ${ix.length} examples), got ${n}`);
      }
      shuffleInPlace(ix, mulberry32(deriveSeed(seed, c)));
      chosen.push(...ix.slice(0, n));
    });
    return this.subset(chosen.sort((a, b) => a - b));
  }

  /** All examples as tensors: x float32 [N,H,W,C], y int32 [N]. The caller disposes them. */
  toTensors(): { x: tf.Tensor4D; y: tf.Tensor1D } {
    return {
      x: tf.tensor4d(this.images, [this.length, ...this.shape], 'float32'),
      y: tf.tensor1d(this.labels, 'int32'),
    };
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  return (v as object).constructor?.name ?? typeof v;
}

/**
 * Stratified split: in each class, a seeded shuffle puts round(count × valFraction) examples in
 * val (at least 1 and at most count-1 when the class has 2 or more). Both parts keep dataset order.
 */
export function trainValSplit(
  ds: InMemoryDataset,
  valFraction: number,
  seed: number,
): { train: InMemoryDataset; val: InMemoryDataset } {
  if (typeof valFraction !== 'number' || !(valFraction > 0 && valFraction < 1)) {
    throw new Error(`trainValSplit valFraction: expected a number strictly between 0 and 1, got ${String(valFraction)}`);
  }
  const train: number[] = [];
  const val: number[] = [];
  ds.indicesByClass().forEach((ix, c) => {
    shuffleInPlace(ix, mulberry32(deriveSeed(seed, c)));
    let nVal = Math.round(ix.length * valFraction);
    if (ix.length >= 2) nVal = Math.min(Math.max(nVal, 1), ix.length - 1);
    val.push(...ix.slice(0, nVal));
    train.push(...ix.slice(nVal));
  });
  const asc = (a: number, b: number): number => a - b;
  return { train: ds.subset(train.sort(asc)), val: ds.subset(val.sort(asc)) };
}

export interface DataLoaderOptions {
  batchSize: number;
  shuffle?: boolean;
  seed?: number;
  /** Only false is supported: the last batch may be smaller. */
  dropLast?: false;
  /** The epoch number of the first iteration (a resumed run continues the same sequence of orders). Default 0. */
  firstEpoch?: number;
}

/**
 * Mini-batches of a dataset. Each `for (const b of loader)` is one epoch; with shuffle, every epoch
 * gets a new order derived from (seed, epoch number), so a run is reproducible from its seed.
 * Every example appears exactly once per epoch; the last batch may be smaller.
 * The caller disposes each batch's tensors (tf.dispose([b.x, b.y])).
 */
export class DataLoader implements Iterable<Batch> {
  readonly dataset: InMemoryDataset;
  readonly batchSize: number;
  readonly numBatches: number;
  readonly shuffle: boolean;
  readonly seed: number;
  private epoch = 0;

  constructor(dataset: InMemoryDataset, opts: DataLoaderOptions) {
    if (!(dataset instanceof InMemoryDataset)) {
      throw new Error(`DataLoader dataset: expected an InMemoryDataset, got ${describe(dataset)}`);
    }
    if (dataset.length === 0) throw new Error('DataLoader dataset: expected at least one example, got an empty dataset');
    const bs = opts?.batchSize;
    if (!isPositiveInt(bs)) {
      throw new Error(`DataLoader batchSize: expected a positive integer, got ${typeof bs === 'string' ? `"${bs}"` : String(bs)}`);
    }
    if ((opts.dropLast as unknown) !== undefined && (opts.dropLast as unknown) !== false) {
      throw new Error(`DataLoader dropLast: only false is supported (the last batch may be smaller), got ${String(opts.dropLast)}`);
    }
    const seed = opts.seed ?? 0;
    if (!Number.isInteger(seed)) throw new Error(`DataLoader seed: expected an integer, got ${String(seed)}`);
    this.dataset = dataset;
    this.batchSize = bs;
    this.shuffle = opts.shuffle ?? false;
    this.seed = seed;
    this.numBatches = Math.ceil(dataset.length / bs);
    const first = opts.firstEpoch ?? 0;
    if (!Number.isInteger(first) || first < 0) {
      throw new Error(`DataLoader firstEpoch: expected a non-negative integer, got ${String(opts.firstEpoch)}`);
    }
    this.epoch = first;
  }

  /** Epochs started so far. */
  get epochsStarted(): number {
    return this.epoch;
  }

  /** The example order of a given epoch (0-based), without advancing the epoch counter. */
  orderForEpoch(epoch: number): Int32Array {
    const n = this.dataset.length;
    if (this.shuffle) return seededPermutation(n, deriveSeed(this.seed, epoch));
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }

  [Symbol.iterator](): Iterator<Batch> {
    const order = this.orderForEpoch(this.epoch++);
    const { dataset, batchSize } = this;
    const per = dataset.imageSize;
    const [h, w, c] = dataset.shape;
    let start = 0;
    return {
      next: (): IteratorResult<Batch> => {
        if (start >= order.length) return { done: true, value: undefined };
        const end = Math.min(start + batchSize, order.length);
        const b = end - start;
        const images = new Float32Array(b * per);
        const labels = new Int32Array(b);
        for (let j = 0; j < b; j++) {
          const i = order[start + j]!;
          images.set(dataset.images.subarray(i * per, (i + 1) * per), j * per);
          labels[j] = dataset.labels[i]!;
        }
        start = end;
        return {
          done: false,
          value: { x: tf.tensor4d(images, [b, h, w, c], 'float32'), y: tf.tensor1d(labels, 'int32') },
        };
      },
    };
  }
}
