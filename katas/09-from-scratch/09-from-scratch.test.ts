import { afterAll, beforeAll, describe, it } from 'vitest';
import { tf } from '../../src/lib/tf.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import { loadBackbone, type Backbone } from '../../src/lib/models/backbones.js';
import { showCurves } from '../../test/support/curves.js';
import { batchNormLayers, evaluate, recalibrateBatchNorm } from './from-scratch.js';

// ---------- fixtures ----------

// resnet-mini (the same layers, names and 128 features) built for 12x12 inputs, and 133 bundled training images
// (both classes) resized to it: a pass takes milliseconds, and 133 is more than one batch of 32, 64 or 128 and a
// multiple of none (a recalibration batch by batch keeps the last, short batch's statistics).
const N = 133;
const SIDE = 12;
let backbone: Backbone; // resnet-mini with seeded random weights: from scratch, BatchNorm statistics at their initial 0 and 1
let images: tf.Tensor4D; // preprocessed: the model's input, float32 [133,12,12,1]
let labels: tf.Tensor1D;

const fromScratch = (seed: number): Promise<Backbone> => loadBackbone('resnet-mini', { weights: 'random', seed, inputShape: [SIDE, SIDE, 1] });

beforeAll(async () => {
  const ds = loadBundledPair().train.subset(Array.from({ length: N }, (_, i) => i * 7));
  backbone = await fromScratch(7);
  const { x, y } = ds.toTensors();
  images = tf.tidy(() => backbone.preprocess(x));
  labels = y as tf.Tensor1D;
  x.dispose();
});
afterAll(() => {
  tf.dispose([images, labels]);
  backbone.model.dispose();
});

/** A fresh seeded random resnet-mini (each test starts from the initial statistics). */
async function freshModel(seed = 7): Promise<tf.LayersModel> {
  backbone.model.dispose();
  backbone = await fromScratch(seed);
  return backbone.model;
}

const isStat = (w: tf.LayerVariable): boolean => /moving_(mean|variance)$/.test(w.originalName);
const snapshot = (m: tf.LayersModel): Map<string, Float32Array> =>
  new Map(m.weights.map((w) => [w.originalName, Float32Array.from(w.read().dataSync() as Float32Array)]));
const momentumOf = (l: tf.layers.Layer): number => (l.getConfig() as { momentum: number }).momentum;

/** Per-channel mean and biased variance of every BatchNorm layer's input, the model in inference mode. */
function inputStatistics(model: tf.LayersModel): Array<{ mean: Float32Array; variance: Float32Array }> {
  const bns = batchNormLayers(model);
  const probe = tf.model({ inputs: model.inputs, outputs: bns.map((l) => l.input as tf.SymbolicTensor) });
  return tf.tidy(() => {
    const outs = probe.predict(images) as tf.Tensor4D[];
    return outs.map((o) => {
      const { mean, variance } = tf.moments(o, [0, 1, 2]);
      return { mean: mean.dataSync() as Float32Array, variance: variance.dataSync() as Float32Array };
    });
  });
}

/** Runs fn and throws if it leaves tensors behind. */
function noLeak<T>(what: string, fn: () => T): T {
  const before = tf.memory().numTensors;
  const out = fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tf.memory().numTensors around ${what}: expected ${before} after (as before), got ${after}: ${after - before} tensors leaked`);
  return out;
}

// ---------- recalibrateBatchNorm ----------

describe('kata 09 — recalibrateBatchNorm: the moving statistics become the data\'s', () => {
  it('sets every BatchNorm moving_mean and moving_variance to its input\'s statistics over the images (inference order)', async () => {
    const model = await freshModel();
    const n = noLeak('recalibrateBatchNorm(model, images)', () => recalibrateBatchNorm(model, images));
    const bns = batchNormLayers(model);
    if (n !== bns.length) throw new Error(`recalibrateBatchNorm: expected it to return ${bns.length} (the number of BatchNorm layers), got ${n}`);
    const want = inputStatistics(model);
    const problems: string[] = [];
    bns.forEach((l, i) => {
      const get = (suffix: string): Float32Array => l.weights.find((w) => w.originalName.endsWith(suffix))!.read().dataSync() as Float32Array;
      for (const [stat, got, exp] of [
        ['moving_mean', get('/moving_mean'), want[i]!.mean],
        ['moving_variance', get('/moving_variance'), want[i]!.variance],
      ] as const) {
        let worst = 0;
        let at = 0;
        exp.forEach((v, c) => {
          const d = Math.abs(v - got[c]!) / (1 + Math.abs(v));
          if (d > worst) (worst = d), (at = c);
        });
        if (!(worst < 1e-3)) {
          problems.push(`  ${l.name} ${stat}[${at}]: expected ${exp[at]!.toFixed(4)} (its input over the ${N} images), got ${got[at]!.toFixed(4)} (initial value ${stat === 'moving_mean' ? 0 : 1})`);
        }
      }
    });
    if (problems.length) {
      throw new Error(
        `BatchNorm statistics after recalibrateBatchNorm: ${problems.length} of ${2 * bns.length} are not the data's:\n` +
          problems.slice(0, 6).join('\n') + (problems.length > 6 ? `\n  ... and ${problems.length - 6} more` : '') +
          `\n  tfjs BatchNorm (momentum ${momentumOf(bns[0]!)}) moves its moving statistics (1 - momentum) = 1% of the way to the batch's per\n` +
          '  training-mode pass. Either compute each layer\'s input statistics and write them (layer by layer, in order), or\n' +
          '  make one training-mode pass with momentum 0 — and put the momentum back afterwards.',
      );
    }
  });

  it('in inference mode the recalibrated model computes what it computes in training mode on the same images', async () => {
    const model = await freshModel();
    const saved = model.getWeights().map((w) => w.clone());
    const trainingMode = tf.tidy(() => model.apply(images, { training: true }) as tf.Tensor2D); // batch statistics
    model.setWeights(saved); // undo that pass's statistics update
    tf.dispose(saved);
    const before = tf.tidy(() => tf.max(tf.abs(tf.sub(model.predict(images) as tf.Tensor2D, trainingMode))).dataSync()[0]!);
    recalibrateBatchNorm(model, images);
    const after = tf.tidy(() => tf.max(tf.abs(tf.sub(model.predict(images) as tf.Tensor2D, trainingMode))).dataSync()[0]!);
    trainingMode.dispose();
    if (!(after < 1e-3)) {
      throw new Error(
        `features [${N},128] in inference mode vs training mode (batch statistics of the same ${N} images):\n` +
          `  expected a max difference < 1e-3 after recalibrateBatchNorm, got ${after.toFixed(4)} (before it: ${before.toFixed(4)})\n` +
          '  The network learned its weights with batch statistics; in inference mode it normalises with the moving ones.\n' +
          '  Until those are the data\'s, the evaluated network is not the trained one — a from-scratch run predicts one class.',
      );
    }
  });

  it('changes nothing else: kernels, gamma and beta bit-identical, and every layer\'s momentum as it was (0.99, and 0.9, 0.95, 0.999 on some layers)', async () => {
    const model = await freshModel();
    // Not every layer at tfjs's default: a restore that writes 0.99 everywhere is not "as it was".
    const bns = batchNormLayers(model) as Array<tf.layers.Layer & { momentum: number }>;
    [0.9, 0.95, 0.999].forEach((m, k) => (bns[3 + 5 * k]!.momentum = m));
    const momenta = bns.map(momentumOf);
    const before = snapshot(model);
    recalibrateBatchNorm(model, images);
    const after = snapshot(model);
    const moved = model.weights.filter((w) => !isStat(w) && !before.get(w.originalName)!.every((v, i) => Object.is(v, after.get(w.originalName)![i])));
    if (moved.length) throw new Error(`recalibrateBatchNorm: expected only moving_mean/moving_variance to change, got ${moved.length} other weights changed: ${moved.slice(0, 5).map((w) => w.originalName).join(', ')}`);
    const changed = bns.map((l, i) => [l.name, momenta[i], momentumOf(l)] as const).filter(([, a, b]) => a !== b);
    if (changed.length) {
      throw new Error(
        `BatchNorm momentum after recalibrateBatchNorm: expected each layer's momentum as before, got ${changed.length} changed: ` +
          `${changed.map(([n, a, b]) => `${n}: ${a} → ${b}`).slice(0, 4).join(', ')}\n` +
          '  Momentum 0 is right for the one recalibration pass. Left at 0, every training step would replace the statistics\n' +
          '  with that one batch\'s (noisy with batches of 32); save each layer\'s momentum and put it back in a finally.',
      );
    }
  });

  it('leaks no tensor and is repeatable: a second call gives the same statistics', async () => {
    const model = await freshModel();
    noLeak('recalibrateBatchNorm(model, images)', () => recalibrateBatchNorm(model, images));
    const first = snapshot(model);
    noLeak('recalibrateBatchNorm(model, images) (again)', () => recalibrateBatchNorm(model, images));
    const second = snapshot(model);
    let worst = 0;
    for (const [k, v] of first) v.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - second.get(k)![i]!) / (1 + Math.abs(x)))));
    if (!(worst < 1e-3)) throw new Error(`recalibrateBatchNorm twice: expected the same statistics (max relative difference < 1e-3), got ${worst.toFixed(4)} — they depend on the old ones`);
  });
});

// ---------- the picture ----------

/** Per BatchNorm layer (inference order): how far moving_mean and moving_variance are from its input's statistics (largest relative distance over the channels). */
function distances(model: tf.LayersModel): { mean: number[]; variance: number[] } {
  const want = inputStatistics(model);
  const far = (exp: Float32Array, got: Float32Array): number => exp.reduce((m, v, c) => Math.max(m, Math.abs(v - got[c]!) / (1 + Math.abs(v))), 0);
  const out = { mean: [] as number[], variance: [] as number[] };
  batchNormLayers(model).forEach((l, i) => {
    const get = (suffix: string): Float32Array => l.weights.find((w) => w.originalName.endsWith(suffix))!.read().dataSync() as Float32Array;
    out.mean.push(far(want[i]!.mean, get('/moving_mean')));
    out.variance.push(far(want[i]!.variance, get('/moving_variance')));
  });
  return out;
}

describe('kata 09 — the picture: every layer\'s statistics, before and after', () => {
  it('draws each BatchNorm layer\'s distance from its input\'s moving_mean/moving_variance: initial, and after recalibrateBatchNorm (0 in every layer)', async (ctx) => {
    const model = await freshModel(5);
    const before = distances(model);
    recalibrateBatchNorm(model, images);
    const after = distances(model);
    const mean = 'moving_mean: distance from the input\'s mean';
    const variance = 'moving_variance: distance from the input\'s variance';
    await showCurves(ctx, `BatchNorm statistics per layer vs its input's over the ${N} images (relative distance, largest channel)`, [
      { label: 'moving_mean, initial (0)', values: before.mean, panel: mean },
      { label: 'moving_mean, after yours', values: after.mean, panel: mean, expected: '0 in every layer' },
      { label: 'moving_variance, initial (1)', values: before.variance, panel: variance },
      { label: 'moving_variance, after yours', values: after.variance, panel: variance, expected: '0 in every layer' },
    ], { xTitle: 'BatchNorm layer (inference order)', firstX: 1 });
    const far = [...after.mean, ...after.variance].filter((d) => !(d < 1e-3)).length;
    if (far > 0) {
      const moved = after.mean.map((d, i) => 1 - d / Math.max(before.mean[i]!, 1e-12));
      const median = [...moved].sort((a, b) => a - b)[Math.floor(moved.length / 2)]!;
      throw new Error(
        `moving_mean/moving_variance after recalibrateBatchNorm: expected a distance < 1e-3 from the input's statistics in all ${after.mean.length} layers, ` +
          `got ${far} of ${2 * after.mean.length} statistics further, e.g. moving_mean of layer 1: ${after.mean[0]!.toFixed(4)} (initially ${before.mean[0]!.toFixed(4)}).\n` +
          `  Your call moved moving_mean ${(100 * median).toFixed(1)}% of the way (median over the layers): compare the two lines of each panel above.`,
      );
    }
  });
});

// ---------- evaluate ----------

describe('kata 09 — evaluate stays in inference mode', () => {
  it('accuracy does not depend on the batch size (1, 7, 25), and evaluating changes no weight', async () => {
    const E = 25; // 25 = 3 × 7 + 4: the last batch of 7 is short
    const model = await freshModel(11);
    recalibrateBatchNorm(model, images);
    const input = tf.input({ shape: [SIDE, SIDE, 1] });
    const head = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) });
    const clf = tf.model({ inputs: input, outputs: head.apply(model.apply(input)) as tf.SymbolicTensor });
    const [xs, ys] = [images.slice(0, E), labels.slice(0, E)];
    const before = snapshot(clf);
    const accs = [1, 7, E].map((b) => noLeak(`evaluate(model, images, labels, ${b})`, () => evaluate(clf, xs, ys, b)));
    const after = snapshot(clf);
    // The accuracy counted by the test: every image at once, inference mode, correct / E.
    const truth = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(clf.predict(xs) as tf.Tensor2D, -1), ys), 'int32')).dataSync()[0]! / E);
    const moved = clf.weights.filter((w) => !before.get(w.originalName)!.every((v, i) => Object.is(v, after.get(w.originalName)![i])));
    tf.dispose([xs, ys]);
    head.dispose();
    if (truth === 0.5 || truth === 0 || truth === 1) throw new Error(`test fixture: the accuracy counted by the test is ${truth}: a constant could match it; pick another seed`);
    if (accs.some((acc) => Math.abs(acc - truth) > 1e-9) && !moved.length) {
      throw new Error(
        `evaluate: expected ${truth.toFixed(3)} (${Math.round(truth * E)} of ${E} images right, counted by the test), got ${new Set(accs).size === 1 ? `${accs[0]!.toFixed(3)} for every batch size` : `${accs.map((a) => a.toFixed(3)).join(', ')} for batch sizes 1, 7 and ${E}`}.\n` +
          '  Count the correct predictions over all batches and divide by the number of images — not by the number of batches,\n' +
          '  and not an average of batch accuracies (the last batch of 7 holds 4 images: 25 = 3 × 7 + 4).',
      );
    }
    if (new Set(accs).size !== 1 || moved.length) {
      throw new Error(
        `evaluate: expected one accuracy for batch sizes 1, 7 and ${E} and no weight changed, got ${accs.map((a) => a.toFixed(3)).join(', ')}` +
          (moved.length ? `; changed: ${moved.slice(0, 4).map((w) => w.originalName).join(', ')}` : '') +
          '\n  With { training: true } at test time BatchNorm uses each batch\'s own statistics: a prediction depends on which\n' +
          '  other images share its batch (and a batch of one normalises every image to its own mean), and the moving\n' +
          '  statistics move on every evaluation. Evaluate with { training: false } and fix the statistics instead.',
      );
    }
  });
});
