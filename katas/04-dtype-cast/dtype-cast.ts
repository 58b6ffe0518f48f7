/**
 * Kata 04 — the dtype cast. Read README.md first.
 *
 * This is the "fix" that looks right: cast the targets to int32 and move on.
 * It compiles and even works on clean labels — but tf.cast truncates silently:
 * 1.9 → 1, -0.5 → 0, NaN → 0. Make it a guard that refuses bad labels, loudly.
 */
import { tf } from '../../src/lib/tf.js';
// Helpers for messages: describeTensor(t) → "float32 [4]", formatShape, formatValue(1.9, 'float32') → "1.9"
import { describeTensor, formatShape, formatValue } from '../../src/lib/describe.js';

/** What the guard accepts: a tensor, a plain array, or a typed array of labels. */
export type TargetsInput = tf.Tensor | readonly unknown[] | Float32Array | Int32Array | Uint8Array;

/**
 * Turns labels into int32 class indices, shape [B].
 * Must throw an Error naming `name[i]`, the value and the expected range for anything that
 * is not a whole number in [0, numClasses).
 */
export function toClassIndices(targets: TargetsInput, numClasses: number, name = 'targets'): tf.Tensor1D {
  // TODO 1: numClasses must be an integer >= 2 — throw otherwise (say what you got).
  // TODO 2: tensors: reject string dtype, rank other than 1 (a [B,1] tensor → point to kata 05's
  //         squeezeTargets), and empty input. Then read the values with targets.dataSync().
  // TODO 3: arrays: reject strings ("1" from a CSV), nested arrays and empty arrays.
  // TODO 4: every value must be a whole number in [0, numClasses). NaN fails every comparison,
  //         so `v < 0 || v >= numClasses` alone lets it through. Number.isInteger is your friend.
  //         Message shape: `${name}[3] = 1.9: expected an integer class index in [0, 2), got 1.9 (float32). ...`
  // TODO 5: only then cast (inside tf.tidy, so nothing leaks).
  void describeTensor;
  void formatShape;
  void formatValue;
  void name;
  void numClasses;
  return tf.cast(targets as tf.Tensor, 'int32') as tf.Tensor1D;
}
