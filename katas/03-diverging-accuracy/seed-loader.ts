/**
 * Kata 03 — the diverging accuracy. Read README.md first.
 *
 * The seed's training loader, ported from `DataLoader(train_data, batch_size=32, shuffle=True)`:
 * batches of images and their labels, in a new random order every epoch. The model (seed-model.ts)
 * and the training loop (kata 02) are correct. Trained with this loader, validation accuracy is
 * about 0.90 after the first epoch and then falls — 0.3, 0.5, ... — with no error anywhere.
 * Find the root cause (README.md walks you through the investigation), fix it here, and keep the
 * exports as they are.
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
      idx.forEach((i, j) => x.set(images.subarray(i * imageSize, (i + 1) * imageSize), j * imageSize));
      const y = labels.slice(start, start + idx.length); // one number per example: int32 [B]
      yield { x: tf.tensor4d(x, [idx.length, h, w, c], 'float32'), y: tf.tensor1d(y, 'int32') };
    }
    shuffleInPlace(this.order, this.rng); // shuffle=True: a new order for the next epoch
  }
}
