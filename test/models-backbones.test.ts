import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../src/lib/tf.js';
import { defaultWeights, loadBackbone, REPO_ROOT } from '../src/lib/models/backbones.js';
import { resnetMini } from '../src/lib/models/resnet-mini.js';
import { saveModel } from '../src/lib/models/io.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'models-bb-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('loadBackbone', () => {
  it('resnet-mini: loads a pretrained (with head) dir as a 128-d feature extractor', async () => {
    const pretrained = resnetMini({ includeTop: true, classes: 8, seed: 11 });
    const dir = path.join(tmp, 'resnet-mini-fashion8');
    await saveModel(pretrained, dir);
    const bb = await loadBackbone('resnet-mini', { weights: dir });
    expect(bb.featureDim).toBe(128);
    expect(bb.inputShape).toEqual([28, 28, 1]);
    expect(bb.source).toMatch(/resnet-mini-fashion8 \(tfjs, \d+ tensors, ignored predictions\/kernel, predictions\/bias\)/);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const feats = bb.model.predict(bb.preprocess(x)) as tf.Tensor;
    expect(feats.shape).toEqual([2, 128]);
    const avg = tf.model({ inputs: pretrained.inputs, outputs: pretrained.getLayer('avg_pool').output });
    const want = avg.predict(x) as tf.Tensor;
    expect(Buffer.from(feats.dataSync().buffer).equals(Buffer.from(want.dataSync().buffer))).toBe(true);
    tf.dispose([x, feats, want]);
  });

  it('resnet-mini: says to run npm run backbone:pretrain when the weights are absent', async () => {
    expect(defaultWeights('resnet-mini')).toBe(path.join(REPO_ROOT, 'models', 'resnet-mini-fashion8'));
    await expect(loadBackbone('resnet-mini', { weights: path.join(tmp, 'missing') })).rejects.toThrow(
      /loadBackbone\('resnet-mini'\): weights: expected pretrained weights at .*missing, got no such path — run npm run backbone:pretrain/,
    );
  });

  it('resnet50: preprocess scales [0,1] gray to 0..255 BGR minus means, at the input size', async () => {
    const bb = await loadBackbone('resnet50', { weights: 'random', inputShape: [32, 32, 3] });
    expect(bb.featureDim).toBe(2048);
    expect(bb.source).toBe('random init (seed 0)');
    const x = tf.fill([1, 28, 28, 1], 0.5) as tf.Tensor4D;
    const p = bb.preprocess(x);
    expect(p.shape).toEqual([1, 32, 32, 3]);
    const px = Array.from(p.slice([0, 5, 5, 0], [1, 1, 1, 3]).dataSync());
    [127.5 - 103.939, 127.5 - 116.779, 127.5 - 123.68].forEach((v, i) => expect(px[i]!).toBeCloseTo(v, 3));
    const rgb = tf.tensor4d([1, 0.5, 0], [1, 1, 1, 3]);
    const q = Array.from(caffeOnly(bb, rgb));
    expect(q[0]!).toBeCloseTo(0 - 103.939, 3); // B came from the last channel
    expect(q[2]!).toBeCloseTo(255 - 123.68, 3);
    tf.dispose([x, p, rgb]);
    bb.model.dispose();
  });

  it('names the backbone and the problem on bad arguments', async () => {
    await expect(loadBackbone('vgg16' as 'resnet50')).rejects.toThrow(/name: expected one of resnet-mini, resnet50, got "vgg16"/);
    await expect(loadBackbone('resnet50', { weights: path.join(tmp, 'nope.h5') })).rejects.toThrow(
      /expected pretrained weights at .*nope.h5, got no such path — run npx tsx src\/cli\/weights-resnet50.ts/,
    );
    const bb = await loadBackbone('resnet-mini', { weights: 'random' });
    const x = tf.zeros([1, 28, 28, 2]) as tf.Tensor4D;
    expect(() => bb.preprocess(x)).toThrow(/expected 1 channels \(or 1\/3 to convert\), got shape \[1, 28, 28, 2\]/);
    tf.dispose(x);
  });
});

/** resnet50 preprocess of a 1x1 RGB image resized to the input: every pixel equals the one input pixel. */
function caffeOnly(bb: { preprocess(x: tf.Tensor4D): tf.Tensor4D }, rgb: tf.Tensor4D): Float32Array {
  const p = bb.preprocess(rgb);
  const v = p.slice([0, 0, 0, 0], [1, 1, 1, 3]).dataSync() as Float32Array;
  p.dispose();
  return v;
}
