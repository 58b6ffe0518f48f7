/**
 * Kata 06 — tensor memory (reference solution).
 * The backbone is frozen, so its features never change: run it once over the data (extractFeatures),
 * then train the head on the cached features for many epochs (trainHead). Every tensor a batch makes
 * is freed before the next batch: tf.memory().numTensors and numBytes are the same at every epoch,
 * and after each function returns only the tensors it hands back are left.
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
  try {
    for (const { x, y } of loader) { // made by the loader, outside any tidy: ours to dispose
      try {
        tf.tidy(() => {
          const f = backbone.model.apply(backbone.preprocess(x), { training: false }) as tf.Tensor2D; // [B,F]
          parts.push(tf.keep(f)); // outlives this tidy although it is not returned; the rest (preprocessed x) is freed
        });
        labelParts.push(y); // kept as is until the concat below
      } finally {
        x.dispose();
      }
    }
    // concat makes new tensors (a copy even for one part), so the parts can go in finally.
    return { features: tf.concat(parts, 0), labels: tf.concat(labelParts, 0) };
  } finally {
    tf.dispose([...parts, ...labelParts]);
  }
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
    const order = Array.from(seededPermutation(n, deriveSeed(seed, epoch))); // plain numbers: no tensor to free
    let sum = 0;
    for (let start = 0; start < n; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      // Synchronous work in tidy: the gathered batch and everything minimize makes are freed,
      // the returned loss survives. The await comes after: tf.tidy cannot wrap an async function.
      const loss = tf.tidy(() => {
        const rows = tf.tensor1d(idx, 'int32');
        const xb = tf.gather(data.features, rows) as tf.Tensor2D; // [b,F]
        const yb = tf.gather(data.labels, rows) as tf.Tensor1D; // [b]
        return optimizer.minimize(() => crossEntropy(head.apply(xb, { training: true }) as tf.Tensor2D, yb), true, vars)!;
      });
      try {
        sum += (await loss.data())[0]! * idx.length;
      } finally {
        loss.dispose();
      }
    }
    history.push(sum / n);
    onEpoch?.(epoch, sum / n);
  }
  return history;
}
