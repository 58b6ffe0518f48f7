/**
 * Kata 05 — the squeeze (reference solution).
 * squeezeTargets removes exactly one axis — the trailing size-1 axis of [B,1] — and nothing else;
 * accuracy compares argMax(logits) [B] with targets [B] and refuses every other shape, because
 * tf.equal would broadcast [B] against [B,1] into a [B,B] matrix without a word.
 */
import { tf } from '../../src/lib/tf.js';
import { describeTensor, formatShape } from '../../src/lib/describe.js';

/**
 * [B,1] → [B]; [B] stays [B]; [1,1] → [1] (never a scalar). Dtype and values are unchanged.
 * Throws, naming the shape, for scalars, one-hot [B,C] (C > 1) and rank >= 3.
 * Returns a new tensor the caller owns; the input is left untouched.
 */
export function squeezeTargets(targets: tf.Tensor, name = 'targets'): tf.Tensor1D {
  const shape = targets.shape; // any dtype, any shape
  const s = formatShape(shape);
  if (targets.rank === 0) {
    throw new Error(
      `${name} is a scalar (${describeTensor(targets)}): expected a batch of labels, shape [B] or [B,1]. ` +
        // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
        `A single label? make it a batch of one: tf.tensor1d([label])`,
    );
  }
  if (targets.rank === 1) return tf.clone(targets) as tf.Tensor1D; // [B] → [B], same dtype
  if (targets.rank === 2) {
    const [b, c] = shape as [number, number];
    if (c === 1) return tf.reshape(targets, [b]) as tf.Tensor1D; // [B,1] → [B], same dtype
    throw new Error(
      `${name} has shape ${s}: expected [B] or [B,1]. A [B,${c}] tensor looks like one-hot rows ` +
        `(or scores); squeezing cannot fix it — take the class index with tf.argMax(${name}, -1) → [${b}]`,
    );
  }
  throw new Error(
    `${name} has shape ${s} (rank ${targets.rank}): expected [B] or [B,1]. ` +
      // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
      `Squeezing every size-1 axis would hide where the extra axes came from — find that instead`,
  );
}

/**
 * Fraction of rows where argMax(logits) equals the target: logits [B,C], targets int32 [B].
 * Throws, naming both shapes, for targets of any other shape — never broadcasts.
 */
export function accuracy(logits: tf.Tensor2D, targets: tf.Tensor1D): number {
  const ls = formatShape(logits.shape);
  const ts = formatShape(targets.shape);
  if (logits.rank !== 2) {
    throw new Error(`accuracy: logits has shape ${ls}: expected [B,C], one row of class scores per example`);
  }
  const b = logits.shape[0];
  const tshape: readonly number[] = targets.shape; // typed [B], but callers can pass anything
  if (targets.rank !== 1 || tshape[0] !== b) {
    let message = `accuracy: targets has shape ${ts} but logits has shape ${ls}: expected targets [${b}], one class index per row of logits.`;
    if (tshape.length === 2 && tshape[1] === 1) {
      // [B,1] is the seed's bug: point to the squeeze (tested); the sentence before it is wording.
      // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
      message += ` Comparing argMax(logits) [${b}] with ${ts} would broadcast to a [${tshape[0]},${b}] matrix and average the wrong thing;`;
      message += ` squeeze the targets first (squeezeTargets)`;
    }
    throw new Error(message);
  }
  if (targets.dtype !== 'int32') {
    throw new Error(
      `accuracy: targets is ${describeTensor(targets)}: expected int32 class indices — convert with toClassIndices (kata 04)`,
    );
  }
  if (b === 0) throw new Error(`accuracy: empty batch (logits ${ls}): accuracy of nothing is undefined`);
  return tf.tidy(() => {
    const predicted = tf.argMax(logits, -1); // int32 [B]
    const correct = tf.cast(tf.equal(predicted, targets), 'float32'); // float32 [B], 1 where right
    return tf.mean(correct).dataSync()[0]!; // float32 [] → number
  });
}
