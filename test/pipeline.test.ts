import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../src/lib/tf.js';
import { REPO_ROOT } from '../src/lib/data/paths.js';
import { InMemoryDataset } from '../src/lib/data/dataset.js';
import { bundledData } from '../src/reference/data.js';
import { runPipeline, labelledSplit } from '../src/reference/run.js';
import { resolveOptions } from '../src/reference/options.js';
import { buildPipelineModel, headOnly } from '../src/reference/model.js';
import { PipelineLoader, guardLabels } from '../src/reference/loader.js';
import { savePipeline } from '../src/reference/save.js';
import { batchNormLayers, recalibrateBatchNorm } from '../src/lib/models/precise-bn.js';
import { extractFeatures, FeatureCache } from '../src/lib/features.js';
import { loadModel } from '../src/lib/models/io.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pipeline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = bundledData();
const quiet = (): void => {};

describe('runPipeline (tiny configuration)', () => {
  it('trains the head on cached features, reports the JSON fields, and saves head + pipeline.json', async () => {
    const dir = path.join(tmp, 'transfer');
    const lines: string[] = [];
    const r = await runPipeline(
      { labelsPerClass: 5, epochs: 1, weights: 'random' },
      { data, testLimit: 40, log: (l) => lines.push(l), onTrained: (m, res) => savePipeline(m, res, dir).then(() => {}) },
    );
    expect(r).toMatchObject({ backend: tf.getBackend(), epochs: 1, labelsPerClass: 5, mode: 'transfer', cacheFeatures: true, backbone: 'resnet-mini' });
    expect([r.trainImages, r.valImages, r.testImages]).toEqual([8, 2, 40]);
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(r.testAccuracy).toBeLessThanOrEqual(1);
    expect(r.seconds).toBeGreaterThan(0);
    expect(r.history).toHaveLength(1);
    expect(lines[0]).toMatch(/^Epoch: 0, Training Loss: \d+\.\d\d, Validation Loss: \d+\.\d\d, accuracy = \d\.\d\d$/);
    // The head only: 128*500 + 500 + 500*2 + 2.
    expect(r.trainableParams).toBe(128 * 500 + 500 + 500 * 2 + 2);
    const card = JSON.parse(readFileSync(path.join(dir, 'pipeline.json'), 'utf8'));
    expect(card.backbone).toMatchObject({ name: 'resnet-mini', frozen: true, saved: null, featureDim: 128, inputShape: [28, 28, 1] });
    expect(card.backbone.weights).toBe('random init (seed 1)');
    expect(existsSync(path.join(dir, 'backbone'))).toBe(false);
    const head = await loadModel(path.join(dir, 'head'));
    const y = head.predict(tf.zeros([3, 128])) as tf.Tensor;
    expect(y.shape).toEqual([3, 2]);
    tf.dispose([y]);
    head.dispose();
  });

  it('--no-cache-features runs the seed loop as written (backbone forwarded every batch)', async () => {
    const r = await runPipeline({ labelsPerClass: 3, epochs: 1, weights: 'random', cacheFeatures: false }, { data, testLimit: 20, log: quiet });
    expect(r.cacheFeatures).toBe(false);
    expect(r.testImages).toBe(20);
  });

  it('--from-scratch: same architecture, random init, every backbone weight trainable; saves the trained backbone too', async () => {
    const model = await buildPipelineModel({ backbone: 'resnet-mini', fromScratch: true, seed: 3, numClasses: 2, dropout: 0.5 });
    try {
      expect(model.frozen).toBe(false);
      expect(model.backbone.source).toBe('random init (seed 3)');
      expect(model.backbone.model.trainable).toBe(true);
      expect(model.backbone.model.layers.filter((l) => l.weights.length > 0 && !l.trainable).map((l) => l.name)).toEqual([]);
      const trainable = new Set(model.trainableVariables().map((v) => v.name));
      const all = [...model.backbone.model.trainableWeights, ...model.head.trainableWeights].map((w) => (w.read() as tf.Variable).name);
      expect(trainable.size).toBe(all.length);
      for (const n of all) expect(trainable.has(n)).toBe(true);
      // What is left out is only BatchNorm's moving statistics (never trainable).
      for (const w of model.backbone.model.nonTrainableWeights) expect(w.originalName).toMatch(/moving_(mean|variance)$/);
    } finally {
      model.dispose();
    }
    const dir = path.join(tmp, 'scratch');
    const r = await runPipeline(
      { labelsPerClass: 3, epochs: 1, fromScratch: true },
      { data, testLimit: 20, log: quiet, onTrained: (m, res) => savePipeline(m, res, dir).then(() => {}) },
    );
    expect(r.mode).toBe('scratch');
    expect(r.cacheFeatures).toBe(false);
    expect(r.trainableParams).toBeGreaterThan(128 * 500 + 500 + 1002 + 40_000);
    expect(JSON.parse(readFileSync(path.join(dir, 'pipeline.json'), 'utf8')).backbone).toMatchObject({ frozen: false, saved: 'backbone' });
    expect(existsSync(path.join(dir, 'backbone', 'model.json'))).toBe(true);
  });

  it('errors name the option, what was expected and what came', async () => {
    await expect(runPipeline({ labelsPerClass: 0 }, { data, log: quiet })).rejects.toThrow('--labels: expected an integer >= 2, got 0');
    await expect(runPipeline({ labelsPerClass: 2000, weights: 'random' }, { data, log: quiet })).rejects.toThrow(
      '--labels: expected at most 1000 labelled images per class (the pool holds 1000 of "Dress"), got 2000',
    );
    expect(() => resolveOptions({ fromScratch: true, cacheFeatures: true })).toThrow(/--cache-features: expected a frozen backbone.*got --from-scratch/);
    expect(() => resolveOptions({ fromScratch: true, weights: 'x' })).toThrow('--weights: expected no weights with --from-scratch');
    expect(() => resolveOptions({ epochs: 0 })).toThrow('--epochs: expected an integer >= 1, got 0');
    expect(() => resolveOptions({ lr: -1 })).toThrow('--lr: expected a positive number, got -1');
    expect(() => resolveOptions({ backbone: 'vgg' as never })).toThrow('--backbone: expected one of resnet-mini, resnet50, got "vgg"');
  });
});

describe('feature caching', () => {
  it('the head on cached features gives the logits of the full frozen model (inference mode)', async () => {
    const model = await buildPipelineModel({ backbone: 'resnet-mini', weights: 'random', fromScratch: false, seed: 1, numClasses: 2, dropout: 0.5 });
    try {
      const ds = data.test.subset([0, 1, 2, 3, 4]);
      const f = extractFeatures(model.backbone, ds, undefined, { batchSize: 2 });
      const viaImages = tf.tidy(() => model.forward(ds.toTensors().x, { training: false }).arraySync());
      const viaFeatures = tf.tidy(() => headOnly(model).forward(tf.tensor4d(f, [5, 1, 1, 128]), { training: false }).arraySync());
      for (let i = 0; i < 5; i++) for (let c = 0; c < 2; c++) expect(viaFeatures[i]![c]!).toBeCloseTo(viaImages[i]![c]!, 4);
    } finally {
      model.dispose();
    }
  });

  it('FeatureCache computes each image once per backbone, whatever the subset', async () => {
    const model = await buildPipelineModel({ backbone: 'resnet-mini', weights: 'random', fromScratch: false, seed: 1, numClasses: 2, dropout: 0.5 });
    try {
      const cache = new FeatureCache();
      const a = cache.features(model.backbone, data.test.subset([0, 1, 2, 3]));
      const b = cache.features(model.backbone, data.test.subset([3, 2, 7]));
      expect(cache.stats).toMatchObject({ computed: 5, hits: 2 });
      expect(Array.from(b.subarray(0, 128))).toEqual(Array.from(a.subarray(3 * 128, 4 * 128)));
    } finally {
      model.dispose();
    }
  });

  it('PipelineLoader: features in the image loader\'s order, labels through the guards', () => {
    const ds = data.pool.perClass(4, 1);
    const values = Float32Array.from({ length: ds.length * 3 }, (_, k) => Math.floor(k / 3)); // feature row i = [i, i, i]
    const loader = new PipelineLoader(ds, { numClasses: 2, batchSize: 3, shuffle: true, seed: 9, features: { values, dim: 3 } });
    const order = loader.orderForEpoch(0);
    const seen: number[] = [];
    for (const { x, y } of loader) {
      expect(x.shape.slice(1)).toEqual([1, 1, 3]);
      expect(y.dtype).toBe('int32');
      const rows = x.reshape([x.shape[0], 3]).arraySync() as number[][];
      const ys = y.arraySync() as number[];
      rows.forEach((r, j) => {
        seen.push(r[0]!);
        expect(ys[j]).toBe(ds.labels[r[0]!]);
      });
      tf.dispose([x, y]);
    }
    expect(seen).toEqual(Array.from(order));
    expect(loader.epochsStarted).toBe(1);
    expect(() => guardLabels(tf.tensor2d([[0], [2]], [2, 1], 'int32'), 2)).toThrow(/labels\[1\] = 2: expected an integer class index in \[0, 2\)/);
    const g = guardLabels(tf.tensor2d([[0], [1]], [2, 1], 'float32'), 2);
    expect([g.shape, g.dtype]).toEqual([[2], 'int32']);
    g.dispose();
  });
});

describe('precise BatchNorm (from scratch)', () => {
  it('sets moving mean/variance to the statistics of the BN inputs over the images, leaking nothing', async () => {
    const model = await buildPipelineModel({ backbone: 'resnet-mini', fromScratch: true, seed: 2, numClasses: 2, dropout: 0.5 });
    try {
      const ds = data.pool.subset(Array.from({ length: 16 }, (_, i) => i));
      const before = tf.memory().numTensors;
      expect(recalibrateBatchNorm(model.backbone, ds, { batchSize: 16 })).toBe(batchNormLayers(model.backbone.model).length);
      expect(tf.memory().numTensors).toBe(before);
      const first = batchNormLayers(model.backbone.model)[0]!; // conv1_bn: its input is conv1's output
      const conv = tf.model({ inputs: model.backbone.model.inputs, outputs: first.input as tf.SymbolicTensor });
      const { mean, variance } = tf.tidy(() => tf.moments(conv.predict(ds.toTensors().x) as tf.Tensor, [0, 1, 2]));
      const w = Object.fromEntries(first.weights.map((v) => [v.originalName.split('/').pop(), v.read().arraySync() as number[]]));
      const m = mean.arraySync() as number[];
      const v = variance.arraySync() as number[];
      m.forEach((x, c) => expect(w.moving_mean![c]!).toBeCloseTo(x, 4));
      v.forEach((x, c) => expect(w.moving_variance![c]!).toBeCloseTo(x, 4));
      tf.dispose([mean, variance]);
    } finally {
      model.dispose();
    }
  });
});

describe('labelledSplit', () => {
  it('N per class, a stratified validation split, nested across N', () => {
    const o = resolveOptions({ labelsPerClass: 10, seed: 4 });
    const { train, val, perClass } = labelledSplit(data.pool, o);
    expect(perClass).toBe(10);
    expect(train.classCounts()).toEqual([8, 8]);
    expect(val.classCounts()).toEqual([2, 2]);
    expect(train).toBeInstanceOf(InMemoryDataset);
  });
});

describe('npm run train (CLI)', () => {
  it('--json: the last line is one JSON object; the model is saved where it says', () => {
    const out = path.join(tmp, 'cli');
    const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
    for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k];
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/train.ts', '--labels', '3', '--epochs', '1', '--test-limit', '20', '--weights', 'random', '--json', '--out', out],
      { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^backend: /);
    expect(r.stdout).toMatch(/^Epoch: 0, Training Loss: /m);
    expect(r.stdout).toMatch(/^test accuracy: \d\.\d{4} on 20 held-out test images \(Dress vs Coat\)$/m);
    expect(r.stdout).toMatch(/^seconds: \d+\.\d$/m);
    // the curves: one terminal line per series, and an SVG chart next to the model
    expect(r.stdout).toMatch(/^curve: validation accuracy\s+[▁▂▃▄▅▆▇█]\s+\d\.\d\d$/m);
    expect(r.stdout).toMatch(/^curve: training loss\s+[▁▂▃▄▅▆▇█]\s+\d+\.\d\d$/m);
    expect(readFileSync(path.join(out, 'curves.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*validation accuracy[\s\S]*<\/svg>$/);
    const json = JSON.parse(lines[lines.length - 1]!);
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['backend', 'epochs', 'labelsPerClass', 'testAccuracy', 'seconds']));
    expect(json).toMatchObject({ epochs: 1, labelsPerClass: 3, testImages: 20, mode: 'transfer' });
    expect(existsSync(path.join(out, 'head', 'model.json'))).toBe(true);
    expect(existsSync(path.join(out, 'pipeline.json'))).toBe(true);
  }, 120_000);
});
