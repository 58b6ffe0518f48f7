/**
 * A guard for image batches at a model's door: float32 [B,H,W,C] with every value in [0, 1].
 * NaN pixels, 0..255 images and wrong ranks make no error in tfjs — only wrong features.
 */
import { tf } from '../tf.js';
import { formatShape } from '../describe.js';

/**
 * Throws an Error naming `who`, the argument `name`, what was expected and what it got, unless `x` is a
 * float32 tensor of rank 4 whose values are all in [0, 1]. Reads two scalars (one sync); leaks nothing.
 */
export function assertImageBatch(x: unknown, who: string, name = 'x'): asserts x is tf.Tensor4D {
  if (!(x instanceof tf.Tensor)) {
    throw new Error(`${who}: ${name}: expected a float32 tensor [batch, height, width, channels], got ${x === null || x === undefined ? String(x) : ((x as object).constructor?.name ?? typeof x)}`);
  }
  if (x.isDisposed) throw new Error(`${who}: ${name}: expected a live tensor, got a disposed one (shape ${formatShape(x.shape)})`);
  if (x.rank !== 4) throw new Error(`${who}: ${name}: expected [batch, height, width, channels], got shape ${formatShape(x.shape)} (rank ${x.rank})`);
  if (x.dtype !== 'float32') throw new Error(`${who}: ${name}: expected dtype float32 with values in [0, 1], got dtype ${x.dtype}`);
  if (x.size === 0) throw new Error(`${who}: ${name}: expected at least one image, got shape ${formatShape(x.shape)}`);
  assertPixelRange(x, who, name);
}

/** Throws unless every value of `x` is in [0, 1] (NaN included in the check), naming the first bad value. */
export function assertPixelRange(x: tf.Tensor, who: string, name = 'x'): void {
  const bad = tf.tidy(() => {
    const ok = tf.logicalAnd(tf.greaterEqual(x, 0), tf.lessEqual(x, 1)); // false for NaN too
    return tf.any(tf.logicalNot(ok));
  });
  const anyBad = bad.dataSync()[0] === 1;
  bad.dispose();
  if (!anyBad) return;
  const values = Array.from(x.dataSync() as ArrayLike<number>);
  const i = values.findIndex((v) => !(v >= 0 && v <= 1));
  const v = values[i]!;
  const per = x.shape.slice(1).reduce((a, d) => a * d, 1);
  const max = values.reduce((m, u) => (u > m ? u : m), -Infinity);
  throw new Error(
    `${who}: ${name}: expected pixel values in [0, 1], got ${v} at image ${Math.floor(i / per)} (flat index ${i}) of shape ${formatShape(x.shape)}` +
      (Number.isNaN(v) ? ' — NaN would turn every feature of that image into NaN' : max > 1 && max <= 255 ? ' (max ' + max + ': did you forget to divide by 255?)' : ''),
  );
}
