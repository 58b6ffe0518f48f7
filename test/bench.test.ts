/**
 * npm run bench: the weight export (tfjs → torch layouts, TF padding, layer graph), the summary/ratio/JSON formatting,
 * the data split and shards, and — when Debian's python3-torch is installed — the same loss in tfjs and PyTorch.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tf } from '../src/lib/tf.js';
import { gather, loadBenchData, stratifiedSplit } from '../bench/data.js';
import { BlobWriter, exportGraph } from '../bench/export-graph.js';
import { type BenchPlan, writeExport } from '../bench/export.js';
import { formatSummary, jsonLine, ratio, summarize, type TorchOut, type VariantOut } from '../bench/format.js';
import { buildHead, buildRawModel } from '../bench/models.js';
import { denseToTorch, hwioToOihw, nhwcToNchw, tfPadding } from '../bench/torch-layout.js';
import { lossCheck, trainableVars } from '../bench/workloads.js';
import { loadBackbone } from '../src/lib/models/backbones.js';

describe('torch layouts', () => {
  it('HWIO → OIHW moves every element to [o][i][h][w]', () => {
    const shape = [2, 3, 4, 5];
    const data = Float32Array.from({ length: 120 }, (_, k) => k);
    const r = hwioToOihw(data, shape);
    expect(r.shape).toEqual([5, 4, 2, 3]);
    for (const [h, w, i, o] of [[0, 0, 0, 0], [1, 2, 3, 4], [1, 0, 2, 3], [0, 2, 1, 0]] as const) {
      expect(r.data[((o * 4 + i) * 2 + h) * 3 + w]).toBe(data[((h * 3 + w) * 4 + i) * 5 + o]);
    }
  });
  it('dense [in, out] → [out, in]', () => {
    const r = denseToTorch(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]); // [[1,2,3],[4,5,6]]
    expect(r.shape).toEqual([3, 2]);
    expect(Array.from(r.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });
  it('NHWC → NCHW', () => {
    const r = nhwcToNchw(Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40]), [1, 2, 2, 2]);
    expect(r.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 10, 20, 30, 40]);
  });
  it('TF same padding: symmetric at stride 1, extra pixel after at stride 2, none for valid', () => {
    expect(tfPadding('same', 28, 3, 1)).toEqual([1, 1]);
    expect(tfPadding('same', 28, 3, 2)).toEqual([0, 1]); // asymmetric: torch padding=1 would be wrong
    expect(tfPadding('same', 27, 3, 2)).toEqual([1, 1]);
    expect(tfPadding('same', 224, 7, 2)).toEqual([2, 3]);
    expect(tfPadding('same', 28, 1, 2)).toEqual([0, 0]);
    expect(tfPadding('valid', 28, 3, 2)).toEqual([0, 0]);
  });
  it('rejects wrong ranks and sizes', () => {
    expect(() => hwioToOihw(new Float32Array(4), [2, 2])).toThrow(/4-D/);
    expect(() => denseToTorch(new Float32Array(5), [2, 3])).toThrow(/6 values/);
  });
});

describe('exportGraph', () => {
  it('exports a functional model with a stride-2 same conv: torch-layout weights at their offsets, explicit pads, inputs', () => {
    const input = tf.input({ shape: [6, 6, 2] });
    const c = tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', name: 'c' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.batchNormalization({ name: 'b', epsilon: 1.001e-5 }).apply(c) as tf.SymbolicTensor;
    const p = tf.layers.globalAveragePooling2d({ name: 'p' }).apply(b) as tf.SymbolicTensor;
    const dns = tf.layers.dense({ units: 2, name: 'd' }).apply(p) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: dns, name: 'tiny' });
    const blobs = new BlobWriter();
    const g = exportGraph(model, blobs);
    expect(g.layers.map((l) => [l.name, l.type, l.inputs])).toEqual([
      ['c', 'Conv2D', ['input']], ['b', 'BatchNormalization', ['c']], ['p', 'GlobalAveragePooling2D', ['b']], ['d', 'Dense', ['p']],
    ]);
    expect(g.layers[0]!.config.pad).toEqual([0, 1, 0, 1]);
    expect(g.layers[1]!.config.epsilon).toBeCloseTo(1.001e-5, 12);
    const bin = new Float32Array(blobs.concat().buffer);
    const kernel = model.getLayer('c').getWeights()[0]!;
    const ref = g.layers[0]!.weights.weight!;
    expect(ref.shape).toEqual([3, 2, 3, 3]);
    const size = ref.shape.reduce((a, x) => a * x, 1);
    expect(Array.from(bin.subarray(ref.offset / 4, ref.offset / 4 + size))).toEqual(Array.from(hwioToOihw(kernel.dataSync() as Float32Array, kernel.shape).data));
    expect(Object.keys(g.layers[1]!.weights)).toEqual(['weight', 'bias', 'running_mean', 'running_var']);
    expect(g.layers[3]!.weights.weight!.shape).toEqual([2, 3]);
    model.dispose();
  });
  it('exports a sequential head and refuses unknown layers', () => {
    const head = buildHead(8, 0.5);
    const g = exportGraph(head, new BlobWriter());
    expect(g.layers.map((l) => l.type)).toEqual(['Dense', 'Activation', 'Dropout', 'Dense']);
    expect(g.layers[0]!.inputs).toEqual(['input']);
    expect(g.layers[2]!.config.rate).toBe(0.5);
    head.dispose();
    const odd = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2] })] });
    expect(() => exportGraph(odd, new BlobWriter())).toThrow(/unsupported type Flatten/);
    odd.dispose();
  });
});

describe('bench data', () => {
  it('splits 80/20 per class, disjoint, covering every example', () => {
    const labels = Int32Array.from({ length: 50 }, (_, i) => (i < 20 ? 0 : 1));
    const { train, val } = stratifiedSplit(labels, 0.2, 0);
    expect(train.length + val.length).toBe(50);
    expect(new Set([...train, ...val]).size).toBe(50);
    expect(Array.from(val).filter((i) => labels[i] === 0)).toHaveLength(4);
    expect(Array.from(val).filter((i) => labels[i] === 1)).toHaveLength(6);
  });
});

const variantsFixture = (): VariantOut[] => [
  {
    variant: 'wasm', detail: 'wasm 1t',
    check: { raw: { loss0: 0.7, loss1: 0.6 }, e2e: { loss0: 0.69, loss1: 0.68 } },
    raw: { steps: 20, batchSize: 64, seconds: 10, imagesPerSec: 128, lastLoss: 0.5 },
    e2e: { history: [{ epoch: 0, seconds: 4, accuracy: 0.85, trainingLoss: 0, validationLoss: 0 }, { epoch: 1, seconds: 8, accuracy: 0.91, trainingLoss: 0, validationLoss: 0 }], secondsToReference: 8, seconds: 8 },
    cached: { history: [{ epoch: 0, seconds: 2.5, accuracy: 0.86, trainingLoss: 0, validationLoss: 0 }, { epoch: 1, seconds: 2.6, accuracy: 0.92, trainingLoss: 0, validationLoss: 0 }], secondsToReference: 2.6, seconds: 2.6, featureSeconds: 2.4 },
  },
  { variant: 'wasm-dp', detail: 'wasm dp', raw: { steps: 20, batchSize: 64, seconds: 6, imagesPerSec: 200, lastLoss: 0.5, workers: 2 } },
  {
    variant: 'cpu', detail: 'cpu',
    check: { raw: { loss0: 0.7000001, loss1: 0.6000002 }, e2e: { loss0: 0.69, loss1: 0.68 } },
    raw: { steps: 1, batchSize: 16, seconds: 20, imagesPerSec: 0.8, lastLoss: 0.6 },
    e2e: { perEpochSeconds: 40, measuredSeconds: 3, note: 'measured 2 + 1 batches' },
  },
];
const torchFixture = (): TorchOut => ({
  torch: '1.13', threads: 2, blas: 'openblas',
  check: { raw: { loss0: 0.7, loss1: 0.6 }, e2e: { loss0: 0.69, loss1: 0.68 } },
  raw: { imagesPerSec: 250, steps: 20, seconds: 5 },
  e2e: { history: [{ epoch: 0, seconds: 5, accuracy: 0.88 }, { epoch: 1, seconds: 10, accuracy: 0.93 }], secondsToReference: 10, seconds: 10 },
});

describe('summary and formatting', () => {
  it('ratio is null for missing or zero inputs', () => {
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(null, 4)).toBeNull();
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(3, undefined)).toBeNull();
  });
  it('picks the fastest wasm variant as (a), extrapolates (b), computes speed ratios and the loss check', () => {
    const s = summarize(variantsFixture(), torchFixture(), null, 0.9);
    expect(s.raw.a.label).toBe('wasm dp');
    expect(s.raw.aOverB).toBeCloseTo(250);
    expect(s.raw.aOverC).toBeCloseTo(0.8);
    expect(s.e2e.a.value).toBe(2.6); // cached features
    expect(s.e2e.aSeed.value).toBe(8);
    expect(s.e2e.b.value).toBe(80); // 40 s/epoch x the 2 epochs the wasm seed loop needed
    expect(s.e2e.b.note).toMatch(/extrapolated/);
    expect(s.e2e.aOverC).toBeCloseTo(10 / 2.6);
    expect(s.e2e.aOverB).toBeCloseTo(80 / 2.6);
    expect(s.check.pass).toBe(true);
    expect(s.check.maxRelDiff!).toBeLessThan(1e-5);
    expect(s.e2eAll.epochs).toBe(2);
    expect(s.e2eAll.a.value).toBe(2.6);
    expect(s.e2eAll.b.value).toBe(80);
    expect(s.e2eAll.aOverC).toBeCloseTo(10 / 2.6);
    expect(s.e2eAll.c.note).toBe('final accuracy 0.930');
  });
  it('says when PyTorch was skipped and when the reference was not reached; fails a loss mismatch', () => {
    const v = variantsFixture();
    v[0]!.check!.raw.loss1 = 0.61;
    (v[0]!.cached as { secondsToReference: number | null }).secondsToReference = null;
    (v[0]!.e2e as { secondsToReference: number | null }).secondsToReference = null;
    const s = summarize(v, null, 'no PyTorch for /usr/bin/python3', 0.95);
    expect(s.raw.c.value).toBeNull();
    expect(s.raw.c.label).toMatch(/skipped \(no PyTorch/);
    expect(s.e2e.a.value).toBeNull();
    expect(s.e2e.a.note).toMatch(/not reached/);
    expect(s.check.pass).toBe(false);
    const text = formatSummary(s);
    expect(text).toMatch(/a\/c = —/);
    expect(text).toMatch(/FAIL/);
  });
  it('formats a table with every workload and a one-line JSON', () => {
    const s = summarize(variantsFixture(), torchFixture(), null, 0.9);
    const text = formatSummary(s);
    for (const want of ['Raw training step', 'End to end', 'all 2 epochs', 'ResNet50 inference', 'a/b = 250x', 'a/c = 0.80x', 'PASS']) expect(text).toContain(want);
    const line = jsonLine({ summary: s });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line).summary.raw.aOverC).toBeCloseTo(0.8);
  });
});

function hasTorch(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(hasTorch())('tfjs and PyTorch compute the same thing (Debian python3-torch installed)', () => {
  it('same loss before and after one SGD step, raw (BN training mode) and frozen backbone + head', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-test-'));
    try {
      const plan: BenchPlan = {
        batchSize: 64,
        raw: { steps: 1, warmup: 0, lr: 1e-3, epsilon: 1e-8 },
        e2e: { epochs: 1, lr: 1e-3, epsilon: 1e-8, reference: 0.9, dropout: 0.5 },
        check: { lr: 0.02, batch: 4 },
        resnet50: { batch: 1, iters: 1, warmup: 0, size: 224 },
      };
      const d = loadBenchData(1);
      const backbone = await loadBackbone('resnet-mini', { weights: 'random', seed: 3 });
      const raw = buildRawModel();
      const head = buildHead(backbone.featureDim);
      await writeExport(dir, plan, d, { raw, backbone, head });
      const out = execFileSync('/usr/bin/python3', ['bench/torch_bench.py', '--export', dir, '--skip-raw', '--skip-e2e', '--skip-resnet50', '--threads', '1'], { encoding: 'utf8', timeout: 60_000 });
      const torch = JSON.parse(out.trim().split('\n').pop()!) as TorchOut;
      const { x, y } = gather(d, [0, 1, 2, 3]);
      const rawPair = lossCheck((v) => raw.apply(v, { training: true }) as tf.Tensor2D, trainableVars(raw), x, y, 0.02);
      const fwd = (v: tf.Tensor4D): tf.Tensor2D =>
        head.apply(backbone.model.apply(backbone.preprocess(v), { training: false }), { training: false }) as tf.Tensor2D;
      const e2ePair = lossCheck(fwd, trainableVars(head), x, y, 0.02);
      for (const [mine, theirs] of [[rawPair, torch.check!.raw], [e2ePair, torch.check!.e2e]] as const) {
        expect(mine.loss0).toBeCloseTo(theirs.loss0, 4);
        expect(mine.loss1).toBeCloseTo(theirs.loss1, 4);
      }
      expect(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')).graphs.raw.layers.length).toBeGreaterThan(50);
      tf.dispose([x, y]);
      raw.dispose();
      head.dispose();
      backbone.model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
