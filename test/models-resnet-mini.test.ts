import { describe, expect, it } from 'vitest';
import { tf } from '../src/lib/tf.js';
import { resnetMini, resnetMiniPreprocess, RESNET_MINI_FEATURE_DIM } from '../src/lib/models/resnet-mini.js';
import { countFlops } from '../src/lib/models/flops.js';

describe('resnet-mini', () => {
  it('has the documented size and cost: 56,272 params, ~10.6 MFLOP forward, 128-d features', () => {
    const m = resnetMini();
    expect(m.name).toBe('resnet-mini');
    expect(m.countParams()).toBe(56_272);
    const cost = countFlops(m);
    expect(cost.macs).toBe(5_281_024);
    expect(cost.flops).toBeLessThan(11e6);
    expect(m.outputs[0]!.shape).toEqual([null, RESNET_MINI_FEATURE_DIM]);
    expect(RESNET_MINI_FEATURE_DIM).toBe(128);
    m.dispose();
  });

  it('uses Keras-style names and bottleneck blocks at 28/14/7', () => {
    const m = resnetMini();
    const names = m.layers.map((l) => l.name);
    expect(names.slice(0, 4)).toEqual(['input_1', 'conv1_conv', 'conv1_bn', 'conv1_relu']);
    for (const n of ['conv2_block1_0_conv', 'conv2_block1_3_bn', 'conv3_block2_add', 'conv4_block2_out', 'avg_pool']) {
      expect(names).toContain(n);
    }
    expect(names).not.toContain('predictions');
    const shape = (n: string): unknown => m.getLayer(n).outputShape;
    expect(shape('conv2_block1_out')).toEqual([null, 28, 28, 32]);
    expect(shape('conv3_block2_out')).toEqual([null, 14, 14, 64]);
    expect(shape('conv4_block2_out')).toEqual([null, 7, 7, 128]);
    expect(m.getLayer('conv4_block1_2_bn').getConfig().epsilon).toBeCloseTo(1.001e-5, 12);
    m.dispose();
  });

  it('adds a logits Dense named predictions with includeTop', () => {
    const m = resnetMini({ includeTop: true, classes: 8 });
    expect(m.layers.at(-1)!.name).toBe('predictions');
    expect(m.getLayer('predictions').getConfig().activation).toBe('linear');
    expect(m.outputs[0]!.shape).toEqual([null, 8]);
    expect(m.countParams()).toBe(56_272 + 128 * 8 + 8);
    const y = tf.tidy(() => m.predict(tf.ones([2, 28, 28, 1])) as tf.Tensor);
    expect(y.shape).toEqual([2, 8]);
    y.dispose();
    m.dispose();
  });

  it('initialises deterministically from the seed', () => {
    const flat = (m: tf.LayersModel): Float32Array => {
      const ws = m.getWeights();
      const out = tf.tidy(() => tf.concat(ws.map((w) => w.flatten())).dataSync() as Float32Array);
      m.dispose();
      return out;
    };
    const a = flat(resnetMini({ seed: 7 }));
    const b = flat(resnetMini({ seed: 7 }));
    const c = flat(resnetMini({ seed: 8 }));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it('names the argument on bad options', () => {
    expect(() => resnetMini({ includeTop: true })).toThrow(/classes: expected a positive integer with includeTop, got undefined/);
    expect(() => resnetMini({ classes: 3 })).toThrow(/classes: expected no classes without includeTop/);
    expect(() => resnetMini({ inputShape: [28, 28] as unknown as [number, number, number] })).toThrow(/inputShape: expected \[height, width, channels\]/);
    expect(() => resnetMini({ seed: 1.5 })).toThrow(/seed: expected an integer, got 1.5/);
    const x = tf.zeros([1, 28, 28, 3]) as tf.Tensor4D;
    expect(() => resnetMiniPreprocess(x)).toThrow(/expected \[batch, height, width, 1\] in \[0, 1\], got shape \[1, 28, 28, 3\]/);
    x.dispose();
  });

  it('trains: a few SGD steps lower the loss on a tiny batch', async () => {
    // Until src/lib/wasm registers Conv2DBackpropFilter, train on the cpu backend (tiny input: JS convs are slow).
    const before = tf.getBackend();
    const canWasm = before === 'wasm' && tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined;
    if (!canWasm) await tf.setBackend('cpu');
    try {
      const m = resnetMini({ inputShape: [8, 8, 1], includeTop: true, classes: 2, seed: 3 });
      m.compile({ optimizer: tf.train.sgd(0.05), loss: tf.losses.softmaxCrossEntropy });
      const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 1);
      const y = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2);
      const h = await m.fit(x, y, { epochs: 3, batchSize: 2, verbose: 0 });
      const loss = h.history.loss as number[];
      expect(loss.every(Number.isFinite)).toBe(true);
      expect(loss[2]!).toBeLessThan(loss[0]!);
      tf.dispose([x, y]);
      m.dispose();
    } finally {
      if (!canWasm) await tf.setBackend(before);
    }
  });
});
