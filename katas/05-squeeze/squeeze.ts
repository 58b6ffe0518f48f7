/**
 * Kata 05 — the squeeze. Read README.md first.
 *
 * These are the first fixes that come to mind, and they work on the example in front of you:
 * tf.squeeze turns [B,1] into [B], and tf.equal compares predictions with targets.
 * But tf.squeeze(t) also turns [1,1] into a scalar and [B,1,1] into [B], leaves one-hot [B,2]
 * alone, and tf.equal broadcasts [B] against [B,1] into a [B,B] matrix — silently.
 */
import { tf } from '../../src/lib/tf.js';
// Helpers for messages: describeTensor(t) → "float32 [4,1]", formatShape([4,1]) → "[4,1]"
import { describeTensor, formatShape } from '../../src/lib/describe.js';

/** [B,1] → [B]; [B] stays [B]; [1,1] → [1]. Throws for anything else, naming the shape. */
export function squeezeTargets(targets: tf.Tensor, name = 'targets'): tf.Tensor1D {
  // TODO 1: a scalar (rank 0) is not a batch: throw, naming `name` and the shape.
  // TODO 2: [B] → return a copy (tf.clone), [B,1] → tf.reshape to [B] — remove exactly that one axis.
  //         (tf.squeeze without an axis removes EVERY size-1 axis, including B when B = 1.)
  // TODO 3: [B,C] with C > 1 is one-hot or scores: throw, with a hint to tf.argMax(targets, -1).
  // TODO 4: rank >= 3 (even [B,1,1]): throw, naming the shape.
  void describeTensor;
  void formatShape;
  void name;
  return tf.squeeze(targets) as tf.Tensor1D;
}

/** Fraction of rows where argMax(logits) [B] equals targets [B] (int32). Never broadcasts. */
export function accuracy(logits: tf.Tensor2D, targets: tf.Tensor1D): number {
  // TODO 5: targets must have shape exactly [B] with B = logits.shape[0]; otherwise throw,
  //         naming both shapes (e.g. "targets has shape [4,1] but logits has shape [4,2]").
  // TODO 6: targets must be int32 (kata 04's toClassIndices makes them so).
  return tf.tidy(() => {
    const predicted = tf.argMax(logits, -1); // int32 [B]
    return tf.mean(tf.cast(tf.equal(predicted, targets), 'float32')).dataSync()[0]!;
  });
}
