/**
 * The bench's workloads on the current tfjs backend:
 *  - rawStep: resnet-mini with every layer trainable, Adam steps on batches of the pool; images/s after a warm-up;
 *  - e2eSeedLoop: the seed's loop — every batch goes through the frozen backbone (inference mode), the head trains;
 *  - e2eCached: the same training, with the backbone's features computed once (src/lib/features.ts);
 *  - lossCheck: the loss before and after one SGD step on one batch (compared with PyTorch's).
 */
import { tf } from '../src/lib/tf.js';
import { extractFeatures } from '../src/lib/features.js';
import type { Backbone } from '../src/lib/models/backbones.js';
import { type BenchData, gather, rawBatchIndices } from './data.js';

export interface AdamOptions {
  lr: number;
  epsilon: number;
}

export function crossEntropy(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, logits.shape[1]), logits) as tf.Scalar);
}

export function trainableVars(...models: tf.LayersModel[]): tf.Variable[] {
  return models.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
}

export interface RawResult {
  steps: number;
  batchSize: number;
  seconds: number;
  /** The best round's images/s (rounds of RAW_ROUND_STEPS steps: other processes on a shared machine add noise). */
  imagesPerSec: number;
  /** images/s of every round, and over all steps. */
  roundImagesPerSec?: number[];
  overallImagesPerSec?: number;
  lastLoss: number;
}

export const RAW_ROUND_STEPS = 5;

/** Times `steps` calls of step(i) in rounds; images/s of the best round, of each round and overall. */
export async function timeRounds(
  steps: number,
  batchSize: number,
  step: (i: number) => number | Promise<number>,
  first = 0,
): Promise<{ seconds: number; imagesPerSec: number; roundImagesPerSec: number[]; overallImagesPerSec: number; lastLoss: number }> {
  const rounds: number[] = [];
  let seconds = 0;
  let last = NaN;
  for (let done = 0; done < steps; ) {
    const n = Math.min(RAW_ROUND_STEPS, steps - done);
    const t0 = performance.now();
    for (let k = 0; k < n; k++) last = await step(first + done + k);
    const s = (performance.now() - t0) / 1000;
    rounds.push((n * batchSize) / s);
    seconds += s;
    done += n;
  }
  return { seconds, imagesPerSec: Math.max(...rounds), roundImagesPerSec: rounds, overallImagesPerSec: (steps * batchSize) / seconds, lastLoss: last };
}

export async function rawStep(
  model: tf.LayersModel,
  d: BenchData,
  o: AdamOptions & { batchSize: number; steps: number; warmup: number },
): Promise<RawResult> {
  const opt = tf.train.adam(o.lr, 0.9, 0.999, o.epsilon);
  const vars = trainableVars(model);
  const step = (i: number): number => {
    const { x, y } = gather(d, rawBatchIndices(d, i, o.batchSize));
    const loss = opt.minimize(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y), true, vars)!;
    const v = loss.dataSync()[0]!;
    tf.dispose([loss, x, y]);
    return v;
  };
  for (let i = 0; i < o.warmup; i++) step(i);
  const t = await timeRounds(o.steps, o.batchSize, step, o.warmup);
  opt.dispose();
  return { steps: o.steps, batchSize: o.batchSize, ...t };
}

export interface EpochLog {
  epoch: number;
  /** Cumulative seconds at the end of this epoch (including feature extraction for the cached variant). */
  seconds: number;
  accuracy: number;
  trainingLoss: number;
  validationLoss: number;
}

export interface E2EResult {
  history: EpochLog[];
  secondsToReference: number | null;
  seconds: number;
  /** Cached variant: the one-off feature extraction (included in the seconds above). */
  featureSeconds?: number;
}

export interface E2EOptions extends AdamOptions {
  batchSize: number;
  epochs: number;
  reference: number;
  /** Reduced run (slow backends): stop each pass after this many batches; epochs then time only, see perEpoch. */
  maxTrainBatches?: number;
  maxValBatches?: number;
}

function batchesOf(idx: Int32Array, b: number, max = Infinity): Int32Array[] {
  const out: Int32Array[] = [];
  for (let k = 0; k < idx.length && out.length < max; k += b) out.push(idx.subarray(k, k + b));
  return out;
}

/**
 * One epoch: train on `order`, then validate on d.valIndices. `features(idx, training)` gives the head's input
 * (through the backbone, or from the cache). Returns the epoch's numbers and its wall time.
 */
async function epoch(
  head: tf.LayersModel,
  opt: tf.Optimizer,
  d: BenchData,
  order: Int32Array,
  features: (idx: Int32Array) => tf.Tensor2D,
  o: E2EOptions,
): Promise<{ accuracy: number; trainingLoss: number; validationLoss: number; seconds: number; trainBatches: number; valBatches: number }> {
  const t0 = performance.now();
  const vars = trainableVars(head);
  let trainSum = 0;
  let trainN = 0;
  const trainB = batchesOf(order, o.batchSize, o.maxTrainBatches);
  for (const idx of trainB) {
    const f = features(idx);
    const y = tf.tensor1d(Int32Array.from(idx, (i) => d.labels[i]!), 'int32');
    const loss = opt.minimize(() => crossEntropy(head.apply(f, { training: true }) as tf.Tensor2D, y), true, vars)!;
    trainSum += loss.dataSync()[0]! * idx.length;
    trainN += idx.length;
    tf.dispose([loss, f, y]);
  }
  let valSum = 0;
  let correct = 0;
  let valN = 0;
  const valB = batchesOf(d.valIndices, o.batchSize, o.maxValBatches);
  for (const idx of valB) {
    const f = features(idx);
    const y = tf.tensor1d(Int32Array.from(idx, (i) => d.labels[i]!), 'int32');
    const [l, c] = tf.tidy(() => {
      const logits = head.apply(f, { training: false }) as tf.Tensor2D;
      return [crossEntropy(logits, y), tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'))];
    });
    valSum += l.dataSync()[0]! * idx.length;
    correct += c.dataSync()[0]!;
    valN += idx.length;
    tf.dispose([l, c, f, y]);
  }
  return {
    accuracy: correct / valN,
    trainingLoss: trainSum / trainN,
    validationLoss: valSum / valN,
    seconds: (performance.now() - t0) / 1000,
    trainBatches: trainB.length,
    valBatches: valB.length,
  };
}

async function loop(
  head: tf.LayersModel,
  d: BenchData,
  o: E2EOptions,
  features: (idx: Int32Array) => tf.Tensor2D,
  startSeconds: number,
): Promise<E2EResult> {
  const opt = tf.train.adam(o.lr, 0.9, 0.999, o.epsilon);
  const history: EpochLog[] = [];
  let elapsed = startSeconds;
  let toRef: number | null = null;
  for (let e = 0; e < o.epochs; e++) {
    const r = await epoch(head, opt, d, d.orders[e]!, features, o);
    elapsed += r.seconds;
    history.push({ epoch: e, seconds: elapsed, accuracy: r.accuracy, trainingLoss: r.trainingLoss, validationLoss: r.validationLoss });
    if (toRef === null && r.accuracy >= o.reference) toRef = elapsed;
  }
  opt.dispose();
  return { history, secondsToReference: toRef, seconds: elapsed };
}

/** The head's input for the examples at idx, through the frozen backbone in inference mode. */
function throughBackbone(backbone: Backbone, d: BenchData): (idx: Int32Array) => tf.Tensor2D {
  return (idx) =>
    tf.tidy(() => {
      const { x, y } = gather(d, idx);
      y.dispose();
      return backbone.model.apply(backbone.preprocess(x), { training: false }) as tf.Tensor2D;
    });
}

/** The seed's loop: the frozen backbone (inference mode) runs on every batch of every epoch. */
export async function e2eSeedLoop(backbone: Backbone, head: tf.LayersModel, d: BenchData, o: E2EOptions): Promise<E2EResult> {
  return loop(head, d, o, throughBackbone(backbone, d), 0);
}

/** Rows `idx` of a row-major [N, F] feature matrix, as a tensor [idx.length, F]. */
export function gatherFeatures(cache: Float32Array, f: number, idx: ArrayLike<number>): tf.Tensor2D {
  const out = new Float32Array(idx.length * f);
  for (let j = 0; j < idx.length; j++) out.set(cache.subarray(idx[j]! * f, (idx[j]! + 1) * f), j * f);
  return tf.tensor2d(out, [idx.length, f]);
}

/**
 * Feature caching (src/lib/features.ts): the frozen backbone runs once over every image of the pool, the epochs
 * train the head on the cached features. The extraction time counts in the result.
 */
export async function e2eCached(backbone: Backbone, head: tf.LayersModel, d: BenchData, o: E2EOptions): Promise<E2EResult> {
  const t0 = performance.now();
  const cache = extractFeatures(backbone, d.pool, undefined, { batchSize: 256 });
  const featureSeconds = (performance.now() - t0) / 1000;
  const r = await loop(head, d, o, (idx) => gatherFeatures(cache, backbone.featureDim, idx), featureSeconds);
  return { ...r, featureSeconds };
}

/** Per-epoch seconds of the seed's loop from a reduced run (slow backends): time per batch x batches per epoch. */
export async function e2eSeedLoopPerEpoch(
  backbone: Backbone,
  head: tf.LayersModel,
  d: BenchData,
  o: E2EOptions & { maxTrainBatches: number; maxValBatches: number },
): Promise<{ perEpochSeconds: number; measuredSeconds: number; trainBatches: number; valBatches: number; note: string }> {
  const opt = tf.train.adam(o.lr, 0.9, 0.999, o.epsilon);
  const r = await epoch(head, opt, d, d.orders[0]!, throughBackbone(backbone, d), o);
  opt.dispose();
  const fullTrain = Math.ceil(d.orders[0]!.length / o.batchSize);
  const fullVal = Math.ceil(d.valIndices.length / o.batchSize);
  const perBatch = r.seconds / (r.trainBatches + r.valBatches);
  return {
    perEpochSeconds: perBatch * (fullTrain + fullVal),
    measuredSeconds: r.seconds,
    trainBatches: r.trainBatches,
    valBatches: r.valBatches,
    note: `measured ${r.trainBatches} training + ${r.valBatches} validation batches, extrapolated to ${fullTrain} + ${fullVal} per epoch`,
  };
}

export interface LossPair {
  loss0: number;
  loss1: number;
}

/** The loss on (x, y), one plain SGD step on `vars`, the loss again. */
export function lossCheck(forward: (x: tf.Tensor4D) => tf.Tensor2D, vars: tf.Variable[], x: tf.Tensor4D, y: tf.Tensor1D, lr: number): LossPair {
  const { value, grads } = tf.variableGrads(() => crossEntropy(forward(x), y), vars);
  const loss0 = value.dataSync()[0]!;
  tf.tidy(() => {
    for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, lr)));
  });
  tf.dispose([value, ...Object.values(grads)]);
  const l1 = tf.tidy(() => crossEntropy(forward(x), y));
  const loss1 = l1.dataSync()[0]!;
  l1.dispose();
  return { loss0, loss1 };
}
