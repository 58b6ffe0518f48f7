/**
 * Kata 03, part 2 — the check that would have caught it. Read README.md first.
 *
 * `checkLabelsFollowImages(loader, epochs)` reads `epochs` epochs of batches from ANY loader of
 * `loader.dataset` and throws when the invariant the seed's training silently relied on does not
 * hold: row j of x and row j of y are the same example of the dataset. It returns normally when every
 * row of every batch of every epoch keeps it. Its message says where it broke (epoch, batch, row)
 * and what was expected and what came. It disposes every batch it reads.
 *
 * The tests run it against loaders with planted faults and against correct ones: it must tell them
 * apart. The version below checks what katas 04 and 05 check — dtype and shape. Run it and see.
 */
import { tf } from '../../src/lib/tf.js';
import type { DataLoader } from '../../src/lib/data/dataset.js';

export function checkLabelsFollowImages(loader: DataLoader, epochs = 3): void {
  for (let epoch = 0; epoch < epochs; epoch++) {
    let batch = 0;
    for (const { x, y } of loader) {
      try {
        if (y.dtype !== 'int32' || y.rank !== 1 || y.shape[0] !== x.shape[0]) {
          throw new Error(`epoch ${epoch}, batch ${batch}: expected y int32 [${x.shape[0]}], got ${y.dtype} [${y.shape}]`);
        }
      } finally {
        tf.dispose([x, y]);
      }
      batch++;
    }
  }
}
