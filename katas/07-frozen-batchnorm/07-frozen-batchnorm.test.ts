import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { tf } from '../../src/lib/tf.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import { loadBackbone, type Backbone } from '../../src/lib/models/backbones.js';
import { loadModel, saveModel } from '../../src/lib/models/io.js';
import { buildExportModel, type ExportOptions } from './frozen-export.js';

// ---------- fixtures ----------

// resnet-mini (the same layers, names and 128 features) built for 12x12 inputs: every model.fit below takes milliseconds.
const N = 13; // 13 images, batches of 8: one full batch and one of 5
const SIDE = 12;
let x: tf.Tensor4D; // float32 [13,12,12,1]: 13 bundled test images (Dress and Coat), resized to the backbone's input
let yOneHot: tf.Tensor2D; // float32 [13,2]
const tmpDirs: string[] = [];
const disposables: Array<{ dispose(): void }> = [];

beforeAll(() => {
  const t = loadBundledPair().test.subset(Array.from({ length: N }, (_, i) => i * 61)).toTensors();
  x = tf.tidy(() => tf.image.resizeBilinear(t.x, [SIDE, SIDE]));
  yOneHot = tf.tidy(() => tf.oneHot(t.y, 2).toFloat() as tf.Tensor2D);
  tf.dispose([t.x, t.y]);
});
afterAll(() => {
  tf.dispose([x, yOneHot]);
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});
afterEach(() => {
  // The export holds the backbone's layers: disposing one may already have disposed the other.
  for (const d of disposables.splice(0).reverse()) {
    try {
      d.dispose();
    } catch {
      /* already disposed */
    }
  }
});

/**
 * A fresh resnet-mini (its own weights, so the tests cannot disturb each other) and the learner's export of it.
 * Seeded random weights: what is tested — nothing in the backbone moves — does not depend on how well it was pretrained.
 */
async function fresh(opts: ExportOptions = {}): Promise<{ backbone: Backbone; model: tf.LayersModel }> {
  const backbone = await loadBackbone('resnet-mini', { weights: 'random', seed: 7, inputShape: [SIDE, SIDE, 1] });
  disposables.push(backbone.model);
  const model = explain('buildExportModel(backbone)', () => buildExportModel(backbone, opts));
  disposables.push(model);
  return { backbone, model };
}

/** Runs fn; a tfjs error comes back as a sentence about what the kata's code did, not a stack. */
function explain<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`${what} threw: ${teach((e as Error).message)}`);
  }
}
async function explainAsync<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new Error(`${what} threw: ${teach((e as Error).message)}`);
  }
}
function teach(msg: string): string {
  const first = msg.split('\n')[0]!;
  if (/Unknown layer: (\w+)/.test(first)) {
    const cls = /Unknown layer: (\w+)/.exec(first)![1];
    return (
      `${first}\n  model.json names a layer class '${cls}' that tfjs cannot find when loading. A custom layer must ` +
      `declare static className = '${cls}' and be registered once at module load: tf.serialization.registerClass(${cls}).`
    );
  }
  return first;
}

/** Every weight of a model by name (kernels, BatchNorm gamma/beta AND moving_mean/moving_variance), copied out. */
function snapshot(weights: tf.LayerVariable[]): Map<string, Float32Array> {
  return new Map(weights.map((w) => [w.originalName, w.read().dataSync().slice() as Float32Array]));
}

/** The backbone's weights as they appear inside the export, compared with `before`; names missing from the export are errors. */
function backboneChanges(before: Map<string, Float32Array>, model: tf.LayersModel, where: string): string[] {
  const inModel = new Map(model.weights.map((w) => [w.originalName, w]));
  const missing = [...before.keys()].filter((n) => !inModel.has(n));
  if (missing.length) {
    throw new Error(
      `${where}: expected the backbone's ${before.size} weights inside the model (by name), got ${missing.length} missing, e.g. ${missing.slice(0, 3).join(', ')}. ` +
        'A layer that wraps the backbone must expose its weights (trainableWeights, nonTrainableWeights, getWeights, setWeights), or save/load loses them',
    );
  }
  const changed: string[] = [];
  for (const [name, a] of before) {
    const b = inModel.get(name)!.read().dataSync();
    const i = a.findIndex((v, k) => v !== b[k]);
    if (i >= 0) changed.push(`${name}[${i}]: ${a[i]} → ${b[i]}`);
  }
  return changed;
}

function explainChanged(where: string, changed: string[], total: number): Error {
  const stats = changed.filter((c) => /moving_(mean|variance)/.test(c));
  const others = changed.filter((c) => !/moving_(mean|variance)/.test(c));
  const why: string[] = [];
  if (stats.length) {
    why.push(
      `${stats.length} BatchNorm moving statistics changed, e.g. ${stats[0]}. trainable = false only keeps the optimizer away:\n` +
        '  BatchNorm overwrites moving_mean/moving_variance whenever it runs in training mode — and in tfjs the { training: false }\n' +
        '  given while building the graph is ignored: model.fit calls every layer with the OUTER mode, { training: true }.\n' +
        '  The backbone must pick its mode when it is called.',
    );
  }
  if (others.length) {
    why.push(
      `${others.length} kernels/gamma/beta changed, e.g. ${others[0]}: the optimizer reached the backbone, so it was trainable.\n` +
        '  After loadModel, check model.trainableWeights: a nested model\'s trainable = false is not written to model.json;\n' +
        '  a wrapping layer\'s own config (its `trainable`) is — and its constructor must apply it.',
    );
  }
  return new Error(`${where}: expected all ${total} backbone weights bit-identical, got ${changed.length} changed.\n  ${why.join('\n  ')}`);
}

async function fit(model: tf.LayersModel, epochs = 2): Promise<void> {
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  await explainAsync('model.fit', () => model.fit(x, yOneHot, { epochs, batchSize: 8, shuffle: false, verbose: 0 }));
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

// ---------- model.fit ----------

describe('kata 07 — model.fit leaves the frozen backbone alone', () => {
  it('the export is one model: images [13,12,12,1] → logits [13,2], and only the head is trainable (65,502 parameters)', async () => {
    const { model } = await fresh();
    const out = explain('model.predict(x)', () => model.predict(x) as tf.Tensor);
    const shape = `[${out.shape.join(',')}]`;
    out.dispose();
    if (shape !== `[${N},2]`) throw new Error(`model.predict(images [${x.shape.join(',')}]): expected logits [${N},2], got ${shape}`);
    const params = model.trainableWeights.reduce((n, w) => n + w.shape.reduce<number>((a, d) => a * (d ?? 1), 1), 0);
    if (params !== 65_502) {
      throw new Error(
        `model.trainableWeights: expected 65,502 parameters (the head: 128·500 + 500 + 500·2 + 2), got ${params.toLocaleString('en-US')} ` +
          `in ${model.trainableWeights.map((w) => w.originalName).slice(0, 6).join(', ')}${model.trainableWeights.length > 6 ? ', …' : ''}`,
      );
    }
  });

  it('numClasses sets the logits: 3 classes give [13,3]; 1, 2.5 and "2" are rejected, naming numClasses and the value', async () => {
    const { backbone, model } = await fresh({ numClasses: 3 });
    const out = explain('model.predict(x) with numClasses 3', () => model.predict(x) as tf.Tensor);
    const shape = `[${out.shape.join(',')}]`;
    out.dispose();
    if (shape !== `[${N},3]`) throw new Error(`buildExportModel(backbone, { numClasses: 3 }).predict(images): expected logits [${N},3], got ${shape}`);
    // 1: one class cannot tell anything apart; 2.5 would make a Dense layer of 2.5 units; "2" is a string, not a count.
    for (const bad of [1, 2.5, '2'] as unknown as number[]) {
      let message: string | undefined;
      try {
        disposables.push(buildExportModel(backbone, { numClasses: bad }));
      } catch (e) {
        message = (e as Error).message;
      }
      if (message === undefined || !message.includes('numClasses') || !message.includes(String(bad))) {
        throw new Error(
          `buildExportModel(backbone, { numClasses: ${JSON.stringify(bad)} }): expected an error naming numClasses and ${JSON.stringify(bad)} ` +
            `(an integer >= 2 is needed: one logit per class, and at least two classes to choose between), got ${message === undefined ? 'a model' : `"${message}"`}`,
        );
      }
    }
  });

  it('model.fit (2 epochs, Adam) leaves every backbone weight bit-identical, BatchNorm moving_mean/moving_variance included', async () => {
    const { backbone, model } = await fresh();
    const before = snapshot(backbone.model.weights);
    await fit(model);
    const changed = backboneChanges(before, model, 'after model.fit');
    if (changed.length) throw explainChanged('after model.fit', changed, before.size);
  });

  it('model.fit trains the head: its weights change', async () => {
    const { backbone, model } = await fresh();
    const backboneNames = new Set(backbone.model.weights.map((w) => w.originalName));
    const head = model.weights.filter((w) => !backboneNames.has(w.originalName));
    const before = snapshot(head);
    await fit(model, 1);
    const moved = head.filter((w) => w.read().dataSync().some((v, i) => v !== before.get(w.originalName)![i]));
    if (moved.length === 0) {
      throw new Error(`after model.fit: expected the head's weights (${head.map((w) => w.originalName).join(', ')}) to change, got none changed`);
    }
  });

  it('the backbone features in inference mode are the same after model.fit as before it', async () => {
    const { backbone, model } = await fresh();
    const before = tf.tidy(() => backbone.model.predict(x) as tf.Tensor2D); // float32 [13,128]
    disposables.push(before);
    await fit(model);
    const after = tf.tidy(() => backbone.model.predict(x) as tf.Tensor2D);
    disposables.push(after);
    const d = maxAbsDiff(before, after);
    if (d !== 0) {
      throw new Error(
        `backbone.model.predict(images) after model.fit: expected the same features [${N},128] as before (max difference 0), got a max difference of ${d.toPrecision(3)}. ` +
          'predict runs BatchNorm with its moving statistics: they were changed by the training run',
      );
    }
  });

  it('in training mode the backbone still computes its inference features: with dropout 0, apply(x, { training: true }) = predict(x), and no statistic moves', async () => {
    const { backbone, model } = await fresh({ dropout: 0 });
    const before = snapshot(backbone.model.weights);
    const inference = model.predict(x) as tf.Tensor2D; // float32 [13,2]
    disposables.push(inference);
    const training = explain('model.apply(x, { training: true })', () => tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor2D));
    disposables.push(training);
    const d = maxAbsDiff(inference, training);
    const changed = backboneChanges(before, model, 'after model.apply(x, { training: true })');
    if (d > 1e-5) {
      throw new Error(
        `logits with { training: true } vs predict (dropout 0, so the head is the same in both modes): expected max difference < 1e-5, got ${d.toPrecision(3)}.\n` +
          '  In training mode the backbone normalised with the BATCH statistics: the head would learn from features it never sees at\n' +
          '  inference. (Stopping the moving averages, e.g. momentum 1, does not help: BatchNorm in training mode still uses the batch.)',
      );
    }
    if (changed.length) throw explainChanged('after model.apply(x, { training: true })', changed, before.size);
  });
});

// ---------- save and load ----------

describe('kata 07 — the export survives saveModel → loadModel', () => {
  async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kata07-'));
    tmpDirs.push(dir);
    await explainAsync(`saveModel(model, ${dir})`, () => saveModel(model, dir));
    const loaded = await explainAsync(`loadModel(${dir})`, () => loadModel(dir));
    disposables.push(loaded);
    return loaded;
  }

  it('saveModel then loadModel gives bit-identical predictions', async () => {
    const { model } = await fresh();
    const loaded = await roundTrip(model);
    const a = model.predict(x) as tf.Tensor;
    const b = explain('loaded.predict(x)', () => loaded.predict(x) as tf.Tensor);
    disposables.push(a, b);
    const d = maxAbsDiff(a, b);
    if (d !== 0) {
      throw new Error(
        `loaded.predict(images) vs model.predict(images): expected identical logits, got a max difference of ${d.toPrecision(3)}. ` +
          'Some weights did not travel through model.json/weights.bin (does the wrapper expose the backbone\'s weights?)',
      );
    }
  });

  it('the loaded model is still frozen: model.fit leaves its backbone weights bit-identical', async () => {
    const { backbone, model } = await fresh();
    const loaded = await roundTrip(model);
    const names = new Set(backbone.model.weights.map((w) => w.originalName));
    const before = snapshot(loaded.weights.filter((w) => names.has(w.originalName)));
    if (before.size !== names.size) {
      throw new Error(`loadModel: expected the backbone's ${names.size} weights in the loaded model (by name), got ${before.size}`);
    }
    await fit(loaded);
    const changed = backboneChanges(before, loaded, 'loaded model after model.fit');
    if (changed.length) throw explainChanged('loaded model after model.fit', changed, before.size);
  });
});
