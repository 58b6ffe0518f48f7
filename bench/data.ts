/**
 * The bench's data, identical for every variant (tfjs wasm, tfjs cpu, PyTorch): the bundled Dress-vs-Coat pool
 * (2000 images), a stratified 80/20 train/validation split (the same algorithm as trainValSplit) and one seeded
 * permutation of the training indices per epoch.
 */
import { tf } from '../src/lib/tf.js';
import { loadBundledPair } from '../src/lib/data/bundled.js';
import type { InMemoryDataset } from '../src/lib/data/dataset.js';
import { deriveSeed, mulberry32, seededPermutation, shuffleInPlace } from '../src/lib/data/random.js';

export interface BenchData {
  pool: InMemoryDataset;
  /** NHWC pixels in [0, 1], N x 28 x 28 x 1. */
  images: Float32Array;
  labels: Int32Array;
  shape: [number, number, number];
  trainIndices: Int32Array;
  valIndices: Int32Array;
  /** orders[e]: the training indices in epoch e's order. */
  orders: Int32Array[];
}

export function stratifiedSplit(labels: Int32Array, valFraction: number, seed: number): { train: Int32Array; val: Int32Array } {
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const train: number[] = [];
  const val: number[] = [];
  for (const [c, ix] of [...byClass].sort((a, b) => a[0] - b[0])) {
    shuffleInPlace(ix, mulberry32(deriveSeed(seed, c)));
    const nVal = Math.min(Math.max(Math.round(ix.length * valFraction), 1), ix.length - 1);
    val.push(...ix.slice(0, nVal));
    train.push(...ix.slice(nVal));
  }
  const asc = (a: number, b: number): number => a - b;
  return { train: Int32Array.from(train.sort(asc)), val: Int32Array.from(val.sort(asc)) };
}

export function loadBenchData(epochs: number, seed = 0): BenchData {
  const { train: pool } = loadBundledPair();
  const { train, val } = stratifiedSplit(pool.labels, 0.2, seed);
  const orders = Array.from({ length: epochs }, (_, e) => {
    const p = seededPermutation(train.length, deriveSeed(seed, 1000 + e));
    return Int32Array.from(p, (i) => train[i]!);
  });
  return { pool, images: pool.images, labels: pool.labels, shape: pool.shape, trainIndices: train, valIndices: val, orders };
}

/** Tensors of the examples at `idx`: x float32 [n, 28, 28, 1], y int32 [n]. The caller disposes them. */
export function gather(d: BenchData, idx: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const per = d.shape[0] * d.shape[1] * d.shape[2];
  const x = new Float32Array(idx.length * per);
  const y = new Int32Array(idx.length);
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]!;
    x.set(d.images.subarray(i * per, (i + 1) * per), j * per);
    y[j] = d.labels[i]!;
  }
  return { x: tf.tensor4d(x, [idx.length, ...d.shape]), y: tf.tensor1d(y, 'int32') };
}

/** Batch i of the raw workload: examples i*B .. i*B+B-1 of the pool, cycling. */
export function rawBatchIndices(d: BenchData, i: number, batchSize: number): Int32Array {
  const nb = Math.floor(d.labels.length / batchSize);
  const j = i % nb;
  return Int32Array.from({ length: batchSize }, (_, k) => j * batchSize + k);
}
