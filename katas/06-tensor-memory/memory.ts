/**
 * Kata 06 — tensor memory. Read README.md first.
 *
 * The backbone is frozen, so its features never change: run it ONCE over the data (extractFeatures),
 * then train the head on the cached features for many epochs (trainHead) — 100× cheaper per epoch
 * than running the backbone every time.
 *
 * Both functions below give the right numbers. Both leak: in Python the garbage collector frees a
 * tensor when its last name goes; in tfjs nothing is freed until you say so. Run `npm run kata 6`
 * to see how many tensors and bytes each batch leaves behind, then fix the TODOs.
 */
import { tf } from '../../src/lib/tf.js';
import type { Backbone } from '../../src/lib/models/backbones.js';
import type { DataLoader } from '../../src/lib/data/dataset.js';
import { deriveSeed, seededPermutation } from '../../src/lib/data/random.js';

export interface Features {
  /** float32 [N, featureDim]: the backbone's inference features, in loader order. */
  features: tf.Tensor2D;
  /** int32 [N]: the labels, in the same order. */
  labels: tf.Tensor1D;
}

export interface TrainHeadOptions {
  optimizer: tf.Optimizer;
  epochs: number;
  batchSize: number;
  /** Seed of the per-epoch shuffle. Default 0. */
  seed?: number;
  /** Called after each epoch with its mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** Runs the frozen backbone (inference mode) over every batch. The caller owns (disposes) the result. */
export function extractFeatures(backbone: Backbone, loader: DataLoader): Features {
  const parts: tf.Tensor2D[] = [];
  const labelParts: tf.Tensor1D[] = [];
  for (const { x, y } of loader) { // x float32 [B,28,28,1], y int32 [B]: new tensors every batch
    const f = backbone.model.apply(backbone.preprocess(x), { training: false }) as tf.Tensor2D; // [B,F]
    parts.push(f);
    labelParts.push(y);
    // TODO: x, and the preprocessed copy of x, are never used again. Who frees them?
  }
  // TODO: after the concat, parts and labelParts are copies nobody needs — but not before it.
  return { features: tf.concat(parts, 0), labels: tf.concat(labelParts, 0) };
}

/** Mean softmax cross-entropy: logits float32 [B,C], labels int32 [B] → float32 []. */
function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar);
}

/**
 * Trains `head` (features → logits) on cached features with mini-batches, a new shuffle per epoch.
 * Returns the mean training loss of each epoch (Σ batch loss × batch size / N).
 */
export async function trainHead(head: tf.LayersModel, data: Features, opts: TrainHeadOptions): Promise<number[]> {
  const { optimizer, epochs, batchSize, seed = 0, onEpoch } = opts;
  const n = data.features.shape[0];
  const vars = head.trainableWeights.map((w) => w.read() as tf.Variable);
  const history: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = tf.tensor1d(seededPermutation(n, deriveSeed(seed, epoch)), 'int32'); // int32 [N]
    let sum = 0;
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const rows = order.slice(start, b); // int32 [b]
      const xb = tf.gather(data.features, rows) as tf.Tensor2D; // [b,F]
      const yb = tf.gather(data.labels, rows) as tf.Tensor1D; // [b]
      const loss = optimizer.minimize(() => crossEntropy(head.apply(xb, { training: true }) as tf.Tensor2D, yb), true, vars)!;
      sum += (await loss.data())[0]! * b;
      // TODO: rows, xb, yb and loss live on after this line — every batch. (tf.tidy cannot wrap the await.)
    }
    // TODO: and order, every epoch.
    history.push(sum / n);
    onEpoch?.(epoch, sum / n);
  }
  return history;
}
