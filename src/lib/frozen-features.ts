/**
 * Plumbing for the katas' experiments (03, 05). The seed's model runs its frozen backbone in
 * inference mode: a fixed function of the image, the same at every epoch. So the experiment computes
 * it ONCE per image (the same numbers, up to float rounding) and looks each batch's rows up by their
 * pixels: a run of the symptom takes a few seconds instead of a minute on one wasm thread. Lookup is by
 * the image's exact bytes, so whatever order or pairing a loader produces, every row gets the features
 * of the image it really holds.
 */
import { tf } from './tf.js';
import type { Backbone } from './models/backbones.js';
import type { InMemoryDataset } from './data/dataset.js';

/** The exact bytes of one image as a Map key. */
function keyOf(pixels: Float32Array): string {
  const u16 = new Uint16Array(pixels.buffer, pixels.byteOffset, pixels.byteLength / 2);
  let s = '';
  for (let k = 0; k < u16.length; k += 4096) s += String.fromCharCode(...u16.subarray(k, k + 4096));
  return s;
}

export class FrozenFeatures {
  private readonly rows = new Map<string, Float32Array>();

  /** Runs the backbone (inference mode, batches of 250) over every image of `datasets`. Leaks no tensor. */
  constructor(
    readonly backbone: Backbone,
    datasets: InMemoryDataset[],
  ) {
    const f = backbone.featureDim;
    for (const ds of datasets) {
      const per = ds.imageSize;
      for (let start = 0; start < ds.length; start += 250) {
        const b = Math.min(250, ds.length - start);
        const pixels = ds.images.subarray(start * per, (start + b) * per);
        const feats = tf.tidy(() => {
          const x = tf.tensor4d(pixels, [b, ...ds.shape], 'float32');
          return backbone.model.apply(backbone.preprocess(x), { training: false }) as tf.Tensor2D; // float32 [b,F]
        });
        const values = feats.dataSync() as Float32Array;
        feats.dispose();
        for (let j = 0; j < b; j++) this.rows.set(keyOf(pixels.subarray(j * per, (j + 1) * per)), values.slice(j * f, (j + 1) * f));
      }
    }
  }

  /** Features of one example of the datasets it was built from (a copy), or undefined. */
  ofPixels(pixels: Float32Array): Float32Array | undefined {
    return this.rows.get(keyOf(pixels));
  }

  /** Features float32 [B,F] of the images float32 [B,H,W,C]; throws for an image it has not seen. */
  of(images: tf.Tensor4D): tf.Tensor2D {
    const [b, h, w, c] = images.shape;
    const per = h * w * c;
    const f = this.backbone.featureDim;
    const pixels = images.dataSync() as Float32Array;
    const out = new Float32Array(b * f);
    for (let j = 0; j < b; j++) {
      const row = this.rows.get(keyOf(pixels.subarray(j * per, (j + 1) * per)));
      if (!row) throw new Error(`FrozenFeatures: row ${j} of the batch is not an image of the experiment's datasets`);
      out.set(row, j * f);
    }
    return tf.tensor2d(out, [b, f], 'float32');
  }
}
