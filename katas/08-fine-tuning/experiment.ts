/**
 * Kata 08's measurement — not yours to edit: the frozen head against fine-tuning with YOUR
 * fine-tune.ts, on the bundled Dress/Coat pair, every random choice seeded.
 *
 *  1. the head (Dense(500) → ReLU → Dropout → Dense(2)) trained on the frozen backbone's features,
 *     computed once per image (kata 06): the starting point, as in kata 01;
 *  2. the frozen baseline: that head trained `fineTuneEpochs` more epochs, backbone still frozen;
 *  3. fine-tuning: the same head and the backbone's top stage, trained `fineTuneEpochs` epochs with
 *     buildFineTuneModel + createFineTuner (the whole backbone forwarded on every batch).
 * Both arms start from the same head and get the same number of extra epochs over the same batches.
 */
import { tf } from '../../src/lib/tf.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import { DataLoader, type InMemoryDataset } from '../../src/lib/data/dataset.js';
import { deriveSeed, seededPermutation } from '../../src/lib/data/random.js';
import { extractFeatures } from '../../src/lib/features.js';
import { recalibrateBatchNorm } from '../../src/lib/models/precise-bn.js';
import { loadBackbone, type Backbone } from '../../src/lib/models/backbones.js';
import { SeedSequence, stack } from '../../src/lib/models/blocks.js';
import { RESNET_MINI_STAGES } from '../../src/lib/models/resnet-mini.js';
import { buildFineTuneModel, createFineTuner, type FineTuneConfig } from './fine-tune.js';

export interface FineTuneExperiment {
  /** Labelled training images per class, drawn from the bundled pool (perClass(n, seed)). */
  perClass: number;
  /** Test images: every `testStride`-th of the 2000 held-out ones (1 = all). */
  testStride: number;
  batchSize: number;
  /** Epochs of the head on the frozen features before anything else. */
  headEpochs: number;
  /** Further epochs: of the frozen head (baseline), and of head + top stage (fine-tuning). */
  fineTuneEpochs: number;
  headLr: number;
  /** Passed to createFineTuner as backboneLr. */
  backboneLr: number;
  dropout: number;
  seed: number;
  /**
   * Diagnosis: after fine-tuning, also set every BatchNorm layer's moving statistics to those of the
   * training images (kata 09's precise BatchNorm) and measure again. Default false.
   */
  recalibrate?: boolean;
}

/** The lesson's measurement (README table): npx tsx katas/08-fine-tuning/demo.ts */
export const FINE_TUNE_EXPERIMENT: FineTuneExperiment = {
  perClass: 1000,
  testStride: 1,
  batchSize: 32,
  headEpochs: 20,
  fineTuneEpochs: 10,
  headLr: 1e-3,
  backboneLr: 1e-4,
  dropout: 0.5,
  seed: 1,
};

export interface FineTuneResult {
  /** Test accuracy of the head after headEpochs on the frozen features. */
  head: number;
  /** ... after fineTuneEpochs more, backbone still frozen. */
  frozen: number;
  /** ... after fineTuneEpochs of fine-tuning the top stage and the head. */
  fineTuned: number;
  /** With `recalibrate`: fineTuned, after the moving statistics were set to the training images'. */
  recalibrated?: number;
  trainImages: number;
  testImages: number;
  seconds: { features: number; frozen: number; fineTune: number; total: number };
}

/** Dense(500) → ReLU → Dropout → Dense(numClasses) on [featureDim], kernels seeded. */
export function buildHead(featureDim: number, numClasses: number, dropout: number, seed: number): tf.Sequential {
  return tf.sequential({
    name: 'head',
    layers: [
      tf.layers.dense({ inputShape: [featureDim], units: 500, name: 'head_dense', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.activation({ activation: 'relu', name: 'head_relu' }),
      tf.layers.dropout({ rate: dropout, name: 'head_dropout' }),
      tf.layers.dense({ units: numClasses, name: 'head_logits', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

/**
 * A seeded dropout mask per step: tfjs's Dropout with a fixed `seed` draws the SAME mask on every
 * call, and without one it draws from Math.random (not reproducible). So the seed changes per step.
 */
export function setDropoutSeed(head: tf.Sequential, seed: number): void {
  for (const l of head.layers) if (l.getClassName() === 'Dropout') (l as unknown as { seed: number }).seed = seed;
}

function copyHead(head: tf.Sequential, dropout: number): tf.Sequential {
  const c = buildHead(head.inputs[0]!.shape[1] as number, head.outputs[0]!.shape[1] as number, dropout, 0);
  c.setWeights(head.getWeights());
  return c;
}

/** Trains the head on cached features [N, F] with Adam, batches in the order of `loader`'s epochs. */
export function trainHeadOnFeatures(
  head: tf.Sequential,
  features: Float32Array,
  labels: Int32Array,
  o: { epochs: number; batchSize: number; lr: number; seed: number; firstEpoch?: number },
): void {
  const n = labels.length;
  const f = features.length / n;
  const optimizer = tf.train.adam(o.lr);
  const all = tf.tensor2d(features, [n, f]); // float32 [N,F]
  const y = tf.tensor1d(labels, 'int32');
  const vars = head.trainableWeights.map((w) => w.read() as tf.Variable);
  try {
    for (let e = o.firstEpoch ?? 0; e < (o.firstEpoch ?? 0) + o.epochs; e++) {
      const order = Array.from(seededPermutation(n, deriveSeed(o.seed, e)));
      for (let s = 0; s < n; s += o.batchSize) {
        setDropoutSeed(head, deriveSeed(o.seed, e, s));
        tf.tidy(() => {
          const idx = tf.tensor1d(order.slice(s, s + o.batchSize), 'int32');
          const xb = tf.gather(all, idx);
          const yb = tf.gather(y, idx);
          optimizer.minimize(() => {
            const logits = head.apply(xb, { training: true }) as tf.Tensor2D;
            return tf.losses.softmaxCrossEntropy(tf.oneHot(yb, logits.shape[1]), logits) as tf.Scalar;
          }, false, vars);
        });
      }
    }
  } finally {
    tf.dispose([all, y]);
    optimizer.dispose();
  }
}

/** Accuracy of argmax(logits(x)) over a dataset, in batches; `logits` runs in inference mode. */
export function accuracy(logits: (x: tf.Tensor4D) => tf.Tensor2D, ds: InMemoryDataset, batchSize = 250): number {
  let correct = 0;
  for (const { x, y } of new DataLoader(ds, { batchSize })) {
    const c = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits(x), -1), y), 'int32')));
    correct += c.dataSync()[0]!;
    tf.dispose([c, x, y]);
  }
  return correct / ds.length;
}

function headAccuracy(head: tf.Sequential, features: Float32Array, labels: Int32Array): number {
  const n = labels.length;
  return tf.tidy(() => {
    const logits = head.apply(tf.tensor2d(features, [n, features.length / n]), { training: false }) as tf.Tensor2D;
    return tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), tf.tensor1d(labels, 'int32')), 'int32')).dataSync()[0]! / n;
  });
}

/**
 * Runs the measurement with `fine-tune.ts`. Loads its own pretrained backbone (or uses `backbone`,
 * whose weights the fine-tuning changes) and disposes everything it made.
 */
export async function runFineTuneExperiment(
  o: FineTuneExperiment = FINE_TUNE_EXPERIMENT,
  log: (line: string) => void = () => {},
  backbone?: Backbone,
  tunerConfig: FineTuneConfig = { headLr: o.headLr, backboneLr: o.backboneLr },
): Promise<FineTuneResult> {
  const t0 = performance.now();
  const secs = (t: number): number => (performance.now() - t) / 1000;
  const pair = loadBundledPair();
  const trainSet = pair.train.perClass(o.perClass, o.seed);
  const testSet = pair.test.subset(Array.from({ length: Math.ceil(pair.test.length / o.testStride) }, (_, i) => i * o.testStride));
  const bb = backbone ?? (await loadBackbone('resnet-mini'));
  bb.model.trainable = false; // frozen, as kata 01 leaves it: buildFineTuneModel decides what to unfreeze
  const head = buildHead(bb.featureDim, 2, o.dropout, o.seed);
  let frozenHead: tf.Sequential | undefined;
  try {
    // 1. the head on the frozen features (computed once)
    let t = performance.now();
    const trainFeatures = extractFeatures(bb, trainSet);
    const testFeatures = extractFeatures(bb, testSet);
    const featureSeconds = secs(t);
    t = performance.now();
    const hp = { batchSize: o.batchSize, lr: o.headLr, seed: o.seed };
    trainHeadOnFeatures(head, trainFeatures, trainSet.labels, { ...hp, epochs: o.headEpochs });
    const headAcc = headAccuracy(head, testFeatures, testSet.labels);
    log(`head on the frozen features, ${o.headEpochs} epochs: test accuracy ${headAcc.toFixed(4)}`);

    // 2. the frozen baseline: fineTuneEpochs more of the same
    frozenHead = copyHead(head, o.dropout);
    trainHeadOnFeatures(frozenHead, trainFeatures, trainSet.labels, { ...hp, epochs: o.fineTuneEpochs, firstEpoch: o.headEpochs });
    const frozen = headAccuracy(frozenHead, testFeatures, testSet.labels);
    const frozenSeconds = secs(t);
    log(`frozen: + ${o.fineTuneEpochs} epochs of the head alone: test accuracy ${frozen.toFixed(4)}`);

    // 3. fine-tuning with the learner's code: same head, same extra epochs, same batches
    t = performance.now();
    const model = buildFineTuneModel(bb, head);
    const tuner = createFineTuner(model, tunerConfig);
    try {
      const loader = new DataLoader(trainSet, { batchSize: o.batchSize, shuffle: true, seed: o.seed, firstEpoch: o.headEpochs });
      for (let e = 0; e < o.fineTuneEpochs; e++) {
        let sum = 0;
        let s = 0;
        for (const { x, y } of loader) {
          setDropoutSeed(head, deriveSeed(o.seed, o.headEpochs + e, s));
          try {
            sum += tuner.step(x, y) * y.shape[0];
          } finally {
            tf.dispose([x, y]);
          }
          s += o.batchSize;
        }
        log(`fine-tuning epoch ${e + 1}/${o.fineTuneEpochs}: training loss ${(sum / trainSet.length).toFixed(4)} (${secs(t).toFixed(1)} s)`);
      }
    } finally {
      tuner.dispose();
    }
    const fineTuned = accuracy((x) => model.forward(x, { training: false }), testSet);
    log(`fine-tuned (head ${tuner.headLr}, backbone ${tuner.backboneLr}): test accuracy ${fineTuned.toFixed(4)}`);
    let recalibrated: number | undefined;
    if (o.recalibrate) {
      recalibrateBatchNorm(bb, trainSet, { batchSize: o.batchSize, maxBatches: Math.ceil(trainSet.length / o.batchSize) });
      recalibrated = accuracy((x) => model.forward(x, { training: false }), testSet);
      log(`the same weights, BatchNorm moving statistics set to the training images': test accuracy ${recalibrated.toFixed(4)}`);
    }
    return {
      head: headAcc,
      frozen,
      fineTuned,
      ...(recalibrated !== undefined ? { recalibrated } : {}),
      trainImages: trainSet.length,
      testImages: testSet.length,
      seconds: { features: featureSeconds, frozen: frozenSeconds, fineTune: secs(t), total: secs(t0) },
    };
  } finally {
    frozenHead?.dispose();
    head.dispose();
    if (!backbone) bb.model.dispose();
  }
}

/**
 * The backbone split below its top stage, for tests that must be fast: `lower` (input → conv3's
 * output, [B,14,14,64]) is frozen and in inference mode, a fixed function — so its output can be
 * computed once per image (kata 06's feature caching, one stage lower) — and `top` is a Backbone
 * whose model is only the top stage and the pooling, with the same layer names (conv4_*, avg_pool)
 * and a copy of the same weights: top.model(lower(x)) = backbone.model(x).
 */
export function splitBelowTopStage(backbone: Backbone): { lower: tf.LayersModel; top: Backbone } {
  const spec = RESNET_MINI_STAGES[RESNET_MINI_STAGES.length - 1]!;
  const below = backbone.model.getLayer(`${RESNET_MINI_STAGES[RESNET_MINI_STAGES.length - 2]!.name}_block2_out`);
  const lower = tf.model({ inputs: backbone.model.inputs, outputs: below.output as tf.SymbolicTensor, name: 'lower_stages' });
  const shape = (below.output as tf.SymbolicTensor).shape.slice(1) as [number, number, number];
  const input = tf.input({ shape, name: 'top_input' });
  const style = { init: 'heNormal' as const, useBias: false, bnEpsilon: 1.001e-5, seeds: new SeedSequence(0) };
  const pooled = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(stack(input, style, spec)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: pooled, name: 'top_stage' });
  const source = new Map(backbone.model.weights.map((w) => [w.originalName, w]));
  for (const w of model.weights) {
    const from = source.get(w.originalName);
    if (!from) throw new Error(`splitBelowTopStage: expected ${w.originalName} in ${backbone.name}, got no such weight`);
    w.write(from.read());
  }
  return {
    lower,
    top: {
      name: backbone.name,
      model,
      inputShape: shape,
      featureDim: backbone.featureDim,
      preprocess: (x: tf.Tensor4D): tf.Tensor4D => tf.clone(x), // already the lower stages' output
      source: `${backbone.source}, top stage only`,
    },
  };
}
