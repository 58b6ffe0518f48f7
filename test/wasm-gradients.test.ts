/**
 * The training kernels added to the wasm backend (src/lib/wasm/) against the cpu backend's reference kernels,
 * over seeded random shapes, plus leak checks for model.fit / tf.grads / tf.variableGrads on wasm.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, useWasmBackend } from '../src/lib/tf.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number;

/** Makes sure the wasm backend is active (tf.ts may have picked another one, e.g. KATA_BACKEND=cpu). */
beforeAll(useWasmBackend);

function randomData(size: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** Runs a kernel on one backend, with inputs created there from plain data; returns the output's data. */
async function runOn(
  backendName: 'wasm' | 'cpu',
  kernelName: string,
  inputs: Record<string, { data: Float32Array; shape: number[] }>,
  attrs: Record<string, unknown>,
): Promise<{ data: Float32Array; shape: number[] }> {
  const prev = tf.getBackend();
  await tf.setBackend(backendName);
  try {
    const before = tf.memory().numTensors;
    const ts = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
    const out = tf.engine().runKernel(kernelName, ts, attrs as tf.NamedAttrMap) as tf.Tensor;
    const data = (await out.data()) as Float32Array;
    const shape = out.shape.slice();
    tf.dispose([out, ...Object.values(ts)]);
    expect(tf.memory().numTensors, `${kernelName} on ${backendName} leaks tensors`).toBe(before);
    return { data, shape };
  } finally {
    await tf.setBackend(prev);
  }
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num) / (Math.sqrt(den) + 1e-12);
}

interface Case {
  b: number;
  h: number;
  w: number;
  ci: number;
  co: number; // output channels (conv) or channel multiplier (depthwise)
  k: number;
  s: number;
  pad: Pad;
}

function outSize(n: number, k: number, s: number, pad: Pad): number {
  if (pad === 'same') return Math.ceil(n / s);
  const p = pad === 'valid' ? 0 : pad;
  return Math.floor((n + 2 * p - k) / s) + 1;
}

/** Compares the wasm and cpu kernels for conv backprop (filter and input) on one case. */
async function checkConv(c: Case, seed: number, depthwise = false): Promise<void> {
  const oh = outSize(c.h, c.k, c.s, c.pad);
  const ow = outSize(c.w, c.k, c.s, c.pad);
  const outC = depthwise ? c.ci * c.co : c.co;
  const xShape: Shape4 = [c.b, c.h, c.w, c.ci];
  const fShape: Shape4 = [c.k, c.k, c.ci, c.co];
  const dyShape: Shape4 = [c.b, oh, ow, outC];
  const x = { data: randomData(c.b * c.h * c.w * c.ci, seed), shape: xShape };
  const dy = { data: randomData(c.b * oh * ow * outC, seed + 1), shape: dyShape };
  const filter = { data: randomData(c.k * c.k * c.ci * c.co, seed + 2), shape: fShape };
  const common = depthwise
    ? { strides: [c.s, c.s], pad: c.pad, dilations: [1, 1] }
    : { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC' };
  const names = depthwise
    ? ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']
    : ['Conv2DBackpropFilter', 'Conv2DBackpropInput'];
  const label = `${depthwise ? 'depthwise ' : ''}${JSON.stringify(c)}`;

  const fAttrs = { ...common, filterShape: fShape };
  const fw = await runOn('wasm', names[0]!, { x, dy }, fAttrs);
  const fc_ = await runOn('cpu', names[0]!, { x, dy }, fAttrs);
  expect(fw.shape, label).toEqual(fShape);
  expect(relErr(fw.data, fc_.data), `${names[0]} ${label}`).toBeLessThan(1e-4);

  const iAttrs = { ...common, inputShape: xShape };
  const iw = await runOn('wasm', names[1]!, { dy, filter }, iAttrs);
  const ic = await runOn('cpu', names[1]!, { dy, filter }, iAttrs);
  expect(iw.shape, label).toEqual(xShape);
  expect(relErr(iw.data, ic.data), `${names[1]} ${label}`).toBeLessThan(1e-4);
}

const caseArb = fc.record({
  b: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 3, max: 11 }),
  w: fc.integer({ min: 3, max: 11 }),
  ci: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 6 })),
  co: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 5 })),
  k: fc.constantFrom(1, 2, 3),
  s: fc.constantFrom(1, 2),
  pad: fc.constantFrom<Pad>('same', 'valid', 1),
});

describe('wasm training kernels', () => {
  it('are registered on wasm', () => {
    const names = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    for (const n of [
      'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad', 'AvgPoolGrad',
    ]) expect(names.has(n), n).toBe(true);
  });

  it('Conv2D backprop (filter, input) matches cpu on fixed cases: 1x1, 3x3, 7x7 stride 2, batch 1 and more', async () => {
    const cases: Case[] = [
      { b: 1, h: 5, w: 5, ci: 1, co: 1, k: 1, s: 1, pad: 'valid' },
      { b: 2, h: 6, w: 7, ci: 4, co: 5, k: 1, s: 1, pad: 'same' },
      { b: 2, h: 8, w: 8, ci: 4, co: 3, k: 1, s: 2, pad: 'same' },
      { b: 1, h: 8, w: 8, ci: 1, co: 4, k: 3, s: 1, pad: 'same' },
      { b: 3, h: 9, w: 7, ci: 5, co: 6, k: 3, s: 1, pad: 'valid' },
      { b: 2, h: 10, w: 9, ci: 6, co: 4, k: 3, s: 2, pad: 'same' },
      { b: 2, h: 9, w: 10, ci: 4, co: 4, k: 3, s: 2, pad: 'valid' },
      { b: 2, h: 7, w: 7, ci: 3, co: 2, k: 3, s: 1, pad: 2 },
      { b: 2, h: 16, w: 16, ci: 3, co: 8, k: 7, s: 2, pad: 'same' },
      { b: 1, h: 15, w: 13, ci: 1, co: 4, k: 7, s: 2, pad: 'valid' },
      { b: 2, h: 12, w: 12, ci: 16, co: 16, k: 3, s: 1, pad: 'same' },
    ];
    let seed = 1;
    for (const c of cases) await checkConv(c, (seed += 10));
  });

  it('Conv2D backprop matches cpu on random shapes (seeded)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.integer({ min: 1, max: 1e6 }), async (c, seed) => {
        fc.pre(c.pad === 'same' || outSize(c.h, c.k, c.s, c.pad) >= 1);
        fc.pre(c.pad !== 1 || c.k >= 2); // explicit padding must be < the kernel size for the cpu reference
        await checkConv(c, seed);
      }),
      { seed: 8474, numRuns: 40 },
    );
  });

  it('Conv2D backprop supports explicit per-side padding and NCHW-free dilation-1 attrs as arrays', async () => {
    const xShape: Shape4 = [2, 7, 6, 3];
    const fShape: Shape4 = [3, 2, 3, 4];
    const pad = [[0, 0], [1, 0], [0, 2], [0, 0]];
    const oh = 7 + 1 - 3 + 1;
    const ow = 6 + 2 - 2 + 1;
    const x = { data: randomData(2 * 7 * 6 * 3, 5), shape: xShape };
    const dy = { data: randomData(2 * oh * ow * 4, 6), shape: [2, oh, ow, 4] };
    const filter = { data: randomData(3 * 2 * 3 * 4, 7), shape: fShape };
    const attrs = { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] };
    const a = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape });
    const b = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape });
    expect(relErr(a.data, b.data)).toBeLessThan(1e-4);
    const c = await runOn('wasm', 'Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xShape });
    const d = await runOn('cpu', 'Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xShape });
    expect(relErr(c.data, d.data)).toBeLessThan(1e-4);
  });

  it('Tile (broadcast fast path and stock fallback) matches cpu', async () => {
    const cases: [number[], number[]][] = [
      [[1, 1, 1, 16], [64, 8, 8, 1]], [[3, 1, 5], [1, 2000, 1]], [[2, 3, 4], [3, 1, 2]], [[1, 1], [2, 3]],
    ];
    for (const [shape, reps] of cases) {
      const x = { data: randomData(shape.reduce((a, b) => a * b, 1), 9), shape };
      const a = await runOn('wasm', 'Tile', { x }, { reps });
      const b = await runOn('cpu', 'Tile', { x }, { reps });
      expect(a.shape).toEqual(b.shape);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
    }
  });

  it('Conv2DBackpropFilter names the unsupported attribute', async () => {
    const x = tf.zeros([1, 4, 4, 1]);
    const dy = tf.zeros([1, 4, 4, 1]);
    const run = (attrs: Record<string, unknown>) => () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [1, 1, 1, 1], ...attrs,
      } as tf.NamedAttrMap);
    expect(run({ dilations: 0.5 })).toThrow(/dilations/);
    expect(run({ dataFormat: 'NCDHW' })).toThrow(/dataFormat/);
    tf.dispose([x, dy]);
  });

  it('Depthwise backprop (filter, input) matches cpu on random shapes (seeded)', async () => {
    await checkConv({ b: 2, h: 8, w: 8, ci: 3, co: 2, k: 3, s: 2, pad: 'same' }, 3, true);
    await fc.assert(
      fc.asyncProperty(caseArb, fc.integer({ min: 1, max: 1e6 }), async (c, seed) => {
        fc.pre(c.pad === 'same' || outSize(c.h, c.k, c.s, c.pad) >= 1);
        fc.pre(c.pad !== 1 || c.k >= 2);
        await checkConv({ ...c, co: Math.min(c.co, 3) }, seed, true);
      }),
      { seed: 2020, numRuns: 25 },
    );
  });
});

function smallCnn(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, padding: 'same', useBias: false }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU());
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }));
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dropout({ rate: 0.2 }));
  m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  return m;
}

describe('training on wasm does not leak tensors', () => {
  for (const optimizer of ['sgd', 'adam'] as const) {
    it(`model.fit of a small CNN (${optimizer})`, async () => {
      expect(tf.getBackend()).toBe('wasm');
      const model = smallCnn();
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });
      const xs = tf.tensor4d(randomData(16 * 12 * 12, 11), [16, 12, 12, 1]);
      const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
      await model.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0 }); // creates the optimizer's state
      const before = tf.memory().numTensors;
      const h = await model.fit(xs, ys, { epochs: 2, batchSize: 8, verbose: 0 });
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(h.history.loss![1] as number)).toBe(true);
      tf.dispose([xs, ys]);
      model.dispose();
    });
  }

  it('tf.grads and tf.variableGrads through conv, pooling and batchnorm', () => {
    const x = tf.tensor4d(randomData(2 * 8 * 8 * 3, 21), [2, 8, 8, 3]);
    const w = tf.variable(tf.tensor4d(randomData(3 * 3 * 3 * 4, 22), [3, 3, 3, 4]));
    const dw = tf.variable(tf.tensor4d(randomData(3 * 3 * 4 * 1, 23), [3, 3, 4, 1]));
    const before = tf.memory().numTensors;
    const f = (xx: tf.Tensor4D, ww: tf.Tensor4D): tf.Scalar => {
      const y = tf.relu(tf.conv2d(xx, ww, 2, 'same'));
      const { mean, variance } = tf.moments(y, [0, 1, 2]) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
      const bn = tf.batchNorm(y, mean, variance, tf.zerosLike(mean), tf.onesLike(mean)) as tf.Tensor4D;
      const p = tf.add(tf.maxPool(bn, 2, 1, 'same'), tf.avgPool(bn, 2, 1, 'same')) as tf.Tensor4D;
      return tf.mean(tf.square(tf.depthwiseConv2d(p, dw, 1, 'same')));
    };
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a as tf.Tensor4D, b as tf.Tensor4D))([x, w]);
    expect(gx!.shape).toEqual(x.shape);
    expect(gw!.shape).toEqual(w.shape);
    tf.dispose([gx!, gw!]);
    expect(tf.memory().numTensors).toBe(before);
    const { value, grads } = tf.variableGrads(() => f(x, w));
    expect(Object.keys(grads).sort()).toEqual([dw.name, w.name].sort());
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, dw]);
  });
});
