import { describe, expect, it } from 'vitest';
import { tf } from '../src/lib/tf.js';
import { buildResNet50, caffePreprocess, resnet50, RESNET50_NOTOP_PARAMS } from '../src/lib/models/resnet50.js';
import { countFlops } from '../src/lib/models/flops.js';

describe('resnet50 (Keras applications topology)', () => {
  // Param count and names don't depend on the input size: build small to keep the test quick.
  const model = buildResNet50({ inputShape: [32, 32, 3], seed: 1 });

  it('has the Keras ResNet50 notop parameter count', () => {
    expect(model.countParams()).toBe(23_587_712);
    expect(RESNET50_NOTOP_PARAMS).toBe(23_587_712);
  });

  it('has the Keras layer names, in order for the stem, and 2048-d avg_pool features', () => {
    const names = model.layers.map((l) => l.name);
    expect(names.slice(0, 8)).toEqual([
      'input_1', 'conv1_pad', 'conv1_conv', 'conv1_bn', 'conv1_relu', 'pool1_pad', 'pool1_pool', 'conv2_block1_1_conv',
    ]);
    for (const n of [
      'conv2_block1_1_bn', 'conv2_block1_2_conv', 'conv2_block1_3_bn', 'conv2_block1_0_conv', 'conv2_block1_0_bn',
      'conv2_block1_add', 'conv2_block1_out', 'conv2_block3_out', 'conv3_block4_out', 'conv4_block6_out',
      'conv5_block1_0_conv', 'conv5_block3_3_bn', 'conv5_block3_out', 'avg_pool',
    ]) expect(names).toContain(n);
    expect(names).not.toContain('conv2_block2_0_conv'); // identity blocks have no projection
    expect(names.length).toBe(176); // = len(keras ResNet50(include_top=False, pooling='avg').layers)
    expect(model.outputs[0]!.shape).toEqual([null, 2048]);
    const bn = model.getLayer('conv3_block2_2_bn').getConfig();
    expect(bn.epsilon).toBeCloseTo(1.001e-5, 12);
    expect(bn.axis).toBe(3);
    expect(model.getLayer('conv1_conv').getConfig()).toMatchObject({ kernelSize: [7, 7], strides: [2, 2], padding: 'valid' });
    expect(model.getLayer('conv3_block1_1_conv').getConfig()).toMatchObject({ strides: [2, 2] });
  });

  it('runs a forward pass and counts ~7.7 GFLOP at 224x224 (scaled from 32x32)', () => {
    const y = tf.tidy(() => model.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor);
    expect(y.shape).toEqual([1, 2048]);
    y.dispose();
    const { flops } = countFlops(model);
    expect(flops * (224 / 32) ** 2).toBeGreaterThan(6e9); // 32x32 rounds the small maps up
  });

  it('has 25,636,712 parameters with the top and supports pooling none/max', async () => {
    const top = await resnet50({ inputShape: [32, 32, 3], includeTop: true });
    expect(top.countParams()).toBe(25_636_712);
    expect(top.outputs[0]!.shape).toEqual([null, 1000]);
    top.dispose();
    const none = buildResNet50({ inputShape: [64, 64, 3], pooling: 'none' });
    expect(none.outputs[0]!.shape).toEqual([null, 2, 2, 2048]);
    expect(none.countParams()).toBe(23_587_712);
    none.dispose();
  });

  it('names the argument, the expectation and the value on bad options', async () => {
    expect(() => buildResNet50({ inputShape: [64, 64, 1] })).toThrow(/resnet50: inputShape: expected 3 channels, got \[64, 64, 1\]/);
    expect(() => buildResNet50({ inputShape: [16, 16, 3] })).toThrow(/height and width ≥ 32, got \[16, 16, 3\]/);
    expect(() => buildResNet50({ pooling: 'sum' as 'avg' })).toThrow(/pooling: expected 'avg', 'max' or 'none', got "sum"/);
    await expect(resnet50({ inputShape: [32, 32, 3], weights: '/nonexistent/w.h5' })).rejects.toThrow(/no such path: \/nonexistent\/w.h5/);
  });
});

describe('caffePreprocess', () => {
  it('flips RGB to BGR and subtracts the ImageNet means', () => {
    const x = tf.tensor4d([0, 128, 255, 10, 20, 30], [1, 1, 2, 3]);
    const y = caffePreprocess(x);
    const v = Array.from(y.dataSync());
    const want = [255 - 103.939, 128 - 116.779, 0 - 123.68, 30 - 103.939, 20 - 116.779, 10 - 123.68];
    v.forEach((a, i) => expect(a).toBeCloseTo(want[i]!, 4));
    expect(y.shape).toEqual([1, 1, 2, 3]);
    tf.dispose([x, y]);
  });

  it('rejects non-RGB input, naming the shape', () => {
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    expect(() => caffePreprocess(x)).toThrow(/expected a \[batch, height, width, 3\] RGB tensor, got shape \[1, 4, 4, 1\]/);
    x.dispose();
  });
});
