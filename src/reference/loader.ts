/**
 * The pipeline's loader: the project's DataLoader (same seeded order per epoch), with
 *  - the guards of katas 04 and 05 on every batch's labels: squeezeTargets → toClassIndices;
 *  - optionally cached backbone features instead of images (see src/lib/features.ts);
 *  - optionally a progress callback per pass (one bar per epoch).
 * It IS a DataLoader, so the solution's train() (kata 02) takes it unchanged.
 */
import { tf } from '../lib/tf.js';
import { DataLoader, type Batch, type DataLoaderOptions, type InMemoryDataset } from '../lib/data/dataset.js';
import { toClassIndices } from '../../solutions/04-dtype-cast/dtype-cast.js';
import { squeezeTargets } from '../../solutions/05-squeeze/squeeze.js';

export interface PassProgress {
  tick(): void;
  stop(): void;
}

export interface PipelineLoaderOptions extends DataLoaderOptions {
  numClasses: number;
  /**
   * Cached features of the dataset's images, row-major [dataset.length, dim], in dataset order.
   * Batches then carry x = features as float32 [B, 1, 1, dim] (a Batch's x is rank 4) instead of images.
   */
  features?: { values: Float32Array; dim: number };
  /** Called at the start of every pass over the data; the returned progress is ticked per batch. */
  progress?: (numBatches: number) => PassProgress;
  /** Called once at the end of every complete pass (before the training loop validates). */
  onPassEnd?: () => void;
}

export class PipelineLoader extends DataLoader {
  readonly numClasses: number;
  readonly features?: { values: Float32Array; dim: number };
  private readonly progress?: (numBatches: number) => PassProgress;
  private readonly onPassEnd?: () => void;

  constructor(dataset: InMemoryDataset, opts: PipelineLoaderOptions) {
    super(dataset, opts);
    const { numClasses, features, progress, onPassEnd } = opts;
    if (features && features.values.length !== dataset.length * features.dim) {
      throw new Error(
        `PipelineLoader features: expected ${dataset.length} images × ${features.dim} = ${dataset.length * features.dim} values, ` +
          `got ${features.values.length}`,
      );
    }
    this.numClasses = numClasses;
    this.features = features;
    this.progress = progress;
    this.onPassEnd = onPassEnd;
  }

  override [Symbol.iterator](): Iterator<Batch> {
    const epoch = this.epochsStarted;
    // The base iterator fixes this epoch's order and advances the epoch counter; its image batches
    // are only built when next() is called, so the feature path never builds them.
    const images = super[Symbol.iterator]();
    const order = this.orderForEpoch(epoch);
    const feats = this.features;
    const bar = this.progress?.(this.numBatches);
    let start = 0;
    let finished = false;
    const finish = (complete: boolean): IteratorResult<Batch> => {
      if (!finished) {
        finished = true;
        bar?.stop();
        if (complete) this.onPassEnd?.();
      }
      return { done: true, value: undefined };
    };
    return {
      next: (): IteratorResult<Batch> => {
        let raw: Batch;
        if (feats) {
          if (start >= order.length) return finish(true);
          const end = Math.min(start + this.batchSize, order.length);
          const b = end - start;
          const x = new Float32Array(b * feats.dim);
          const y = new Int32Array(b);
          for (let j = 0; j < b; j++) {
            const i = order[start + j]!;
            x.set(feats.values.subarray(i * feats.dim, (i + 1) * feats.dim), j * feats.dim);
            y[j] = this.dataset.labels[i]!;
          }
          start = end;
          raw = { x: tf.tensor4d(x, [b, 1, 1, feats.dim], 'float32'), y: tf.tensor1d(y, 'int32') };
        } else {
          const r = images.next();
          if (r.done) return finish(true);
          raw = r.value;
        }
        bar?.tick();
        return { done: false, value: { x: raw.x, y: guardLabels(raw.y, this.numClasses) } };
      },
      return: (): IteratorResult<Batch> => finish(false),
    };
  }
}

/** Labels as the loss needs them: [B] or [B,1] → [B] (kata 05), then int32 class indices in range (kata 04). Disposes `y`. */
export function guardLabels(y: tf.Tensor, numClasses: number): tf.Tensor1D {
  try {
    const squeezed = squeezeTargets(y, 'labels'); // [B]
    try {
      return toClassIndices(squeezed, numClasses, 'labels'); // int32 [B]
    } finally {
      squeezed.dispose();
    }
  } finally {
    y.dispose();
  }
}
