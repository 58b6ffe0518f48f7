/**
 * Kata 03, part 2 — the check that would have caught it, written.
 *
 * The invariant: row j of x and row j of y are the same example. dtype and shape cannot see it (every
 * label is a valid int32 class of the right shape); only the data can. So: know, for every image of the
 * dataset, which label it has (a map from the image's exact pixels to its label), then read every row
 * of every batch of several epochs (a fault may appear only after a shuffle) and look each image up.
 */
import { tf } from '../../src/lib/tf.js';
import type { DataLoader } from '../../src/lib/data/dataset.js';

/** An image's exact float32 bytes, as a Map key. */
function keyOf(pixels: Float32Array): string {
  return Array.from(new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length)).join(',');
}

export function checkLabelsFollowImages(loader: DataLoader, epochs = 3): void {
  const { images, labels, imageSize: per } = loader.dataset;
  const labelOf = new Map<string, Set<number>>(); // an image may appear twice; then each label it has is its own
  for (let i = 0; i < labels.length; i++) {
    const k = keyOf(images.subarray(i * per, (i + 1) * per));
    labelOf.set(k, (labelOf.get(k) ?? new Set()).add(labels[i]!));
  }
  for (let epoch = 0; epoch < epochs; epoch++) {
    let batch = 0;
    for (const { x, y } of loader) {
      try {
        if (y.dtype !== 'int32' || y.rank !== 1 || y.shape[0] !== x.shape[0]) {
          throw new Error(`epoch ${epoch}, batch ${batch}: expected y int32 [${x.shape[0]}], got ${y.dtype} [${y.shape}]`);
        }
        const pixels = x.dataSync() as Float32Array;
        const ys = y.dataSync();
        for (let j = 0; j < ys.length; j++) {
          const own = labelOf.get(keyOf(pixels.subarray(j * per, (j + 1) * per)));
          if (!own) throw new Error(`epoch ${epoch}, batch ${batch}, row ${j}: expected an image of the dataset, got pixels it does not contain`);
          if (!own.has(ys[j]!)) {
            // Stryker disable next-line StringLiteral: hint wording past the contract's fragments (the separator of an image's several labels)
            const expected = [...own].join(' or ');
            throw new Error(`epoch ${epoch}, batch ${batch}, row ${j}: expected the label of the image in that row (${expected}), got ${ys[j]}`);
          }
        }
      } finally {
        tf.dispose([x, y]);
      }
      batch++;
    }
  }
}
