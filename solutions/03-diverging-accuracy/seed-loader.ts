/**
 * Kata 03 — the diverging accuracy, fixed.
 *
 * Root cause: the labels were taken by POSITION in the batch (labels.slice(start, end)) while the
 * images were taken by INDEX (order[start..end]). In epoch 0 the order is the file order, so
 * position = index and every image has its own label: accuracy ≈ 0.90. After the first shuffle the
 * images move and the labels stay: from epoch 1 on, the model is trained on random labels.
 *
 * The fix: take x and y through the same index, in the same loop — one source of truth for "which
 * example is row j of this batch".
 */
import { tf } from '../../src/lib/tf.js';
import { DataLoader, type Batch, type InMemoryDataset } from '../../src/lib/data/dataset.js';
import { mulberry32, shuffleInPlace, type Rng } from '../../src/lib/data/random.js';

export class SeedLoader extends DataLoader {
  /** Example indices in this epoch's order: the file order at first, reshuffled after every epoch. */
  private readonly order: number[];
  private readonly rng: Rng;

  constructor(dataset: InMemoryDataset, batchSize: number, seed = 0) {
    super(dataset, { batchSize }); // checks the dataset and the batch size
    this.order = Array.from({ length: dataset.length }, (_, i) => i);
    this.rng = mulberry32(seed);
  }

  /** One epoch: x float32 [B,H,W,C], y int32 [B]; the caller disposes both. */
  override *[Symbol.iterator](): Generator<Batch> {
    const { images, labels, imageSize, shape } = this.dataset;
    const [h, w, c] = shape;
    for (let start = 0; start < this.order.length; start += this.batchSize) {
      const idx = this.order.slice(start, start + this.batchSize); // example indices of this batch
      const x = new Float32Array(idx.length * imageSize);
      const y = new Int32Array(idx.length);
      idx.forEach((i, j) => {
        // Row j of the batch is example i: its image AND its label.
        x.set(images.subarray(i * imageSize, (i + 1) * imageSize), j * imageSize);
        y[j] = labels[i]!;
      });
      yield { x: tf.tensor4d(x, [idx.length, h, w, c], 'float32'), y: tf.tensor1d(y, 'int32') };
    }
    shuffleInPlace(this.order, this.rng); // shuffle=True: a new order for the next epoch
  }
}
