/**
 * Feature caching for a FROZEN backbone.
 *
 * The seed's loop forwards the frozen backbone on every batch of every epoch. A frozen backbone runs
 * in inference mode (BatchNorm uses its moving statistics, no dropout), so it is a fixed,
 * deterministic function: features(image) is the same at every epoch. Computing it once per image and
 * training the head on the cached features [N, F] is the same computation, up to float rounding —
 * and on one wasm thread it is what makes a learning curve affordable.
 *
 * The cache is keyed by the backbone (name, weights source, input shape) and by each image's bytes,
 * so any subset of a dataset (perClass, a split) finds the features computed for the pool.
 */
import { createHash } from 'node:crypto';
import { tf } from './tf.js';
import type { Backbone } from './models/backbones.js';
import type { InMemoryDataset } from './data/dataset.js';

export interface ExtractOptions {
  /** Images per forward pass. Default 256. */
  batchSize?: number;
  /** Called after each batch with the images done so far and the total. */
  onBatch?: (done: number, total: number) => void;
}

/**
 * Runs the backbone once, in inference mode, over the images at `indices` (default: all) of `ds`.
 * Returns float32 features, row-major [indices.length, backbone.featureDim]. Leaks no tensor.
 */
export function extractFeatures(
  backbone: Backbone,
  ds: InMemoryDataset,
  indices: ArrayLike<number> = Array.from({ length: ds.length }, (_, i) => i),
  opts: ExtractOptions = {},
): Float32Array {
  const { batchSize = 256, onBatch } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`extractFeatures batchSize: expected a positive integer, got ${String(batchSize)}`);
  }
  const f = backbone.featureDim;
  const per = ds.imageSize;
  const n = indices.length;
  const out = new Float32Array(n * f);
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const pixels = new Float32Array(b * per);
    for (let j = 0; j < b; j++) {
      const i = indices[start + j]!;
      pixels.set(ds.images.subarray(i * per, (i + 1) * per), j * per);
    }
    const feats = tf.tidy(() => {
      const x = tf.tensor4d(pixels, [b, ...ds.shape], 'float32'); // float32 [b,H,W,C] in [0,1]
      // training: false — the frozen backbone's BatchNorm uses its moving statistics, as in buildModel.
      const y = backbone.model.apply(backbone.preprocess(x), { training: false }) as tf.Tensor; // [b,F]
      if (y.rank !== 2 || y.shape[1] !== f) {
        throw new Error(`extractFeatures: ${backbone.name} output: expected shape [${b}, ${f}], got [${y.shape.join(', ')}]`);
      }
      return y;
    });
    out.set(feats.dataSync() as Float32Array, start * f);
    feats.dispose();
    onBatch?.(start + b, n);
  }
  return out;
}

/** The identity of a backbone's function: same name, weights and input shape → same features. */
export function backboneKey(backbone: Backbone): string {
  return `${backbone.name}|${backbone.inputShape.join('x')}|${backbone.source}`;
}

/** sha1 of one image's float32 bytes. */
function imageKey(ds: InMemoryDataset, i: number): string {
  const per = ds.imageSize;
  const view = ds.images.subarray(i * per, (i + 1) * per);
  return createHash('sha1').update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).digest('base64');
}

export interface CacheStats {
  /** Images whose features were computed (backbone forward passes). */
  computed: number;
  /** Images found in the cache. */
  hits: number;
  /** Seconds spent in backbone forward passes. */
  seconds: number;
}

/**
 * Features per (backbone, image), computed on first request. One cache can serve many runs (a
 * learning curve): each run asks for its subset and only new images cost a forward pass.
 */
export class FeatureCache {
  private readonly store = new Map<string, Map<string, Float32Array>>();
  readonly stats: CacheStats = { computed: 0, hits: 0, seconds: 0 };

  /** Features [ds.length, F] (row-major) of every image of `ds`, in dataset order. */
  features(backbone: Backbone, ds: InMemoryDataset, opts: ExtractOptions = {}): Float32Array {
    const key = backboneKey(backbone);
    let byImage = this.store.get(key);
    if (!byImage) this.store.set(key, (byImage = new Map()));
    const f = backbone.featureDim;
    const keys = Array.from({ length: ds.length }, (_, i) => imageKey(ds, i));
    const missing: number[] = [];
    const seen = new Set<string>();
    keys.forEach((k, i) => {
      if (!byImage.has(k) && !seen.has(k)) {
        missing.push(i);
        seen.add(k);
      }
    });
    if (missing.length > 0) {
      const t0 = performance.now();
      const computed = extractFeatures(backbone, ds, missing, opts);
      this.stats.seconds += (performance.now() - t0) / 1000;
      missing.forEach((i, j) => byImage.set(keys[i]!, computed.slice(j * f, (j + 1) * f)));
      this.stats.computed += missing.length;
    }
    this.stats.hits += ds.length - missing.length;
    const out = new Float32Array(ds.length * f);
    keys.forEach((k, i) => out.set(byImage.get(k)!, i * f));
    return out;
  }
}
