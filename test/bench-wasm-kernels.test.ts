/**
 * The speed kernels of src/lib/wasm/ added for the bench (reduce.ts: Sum/Mean over leading axes; conv1x1.ts: 1x1 conv
 * gradients as matMuls, strided reads by 1x1 max-pool; broadcast.ts: [1,1,1,C] operands as [C]) against the cpu backend.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf, useWasmBackend } from '../src/lib/tf.js';
import { isChannelBroadcast } from '../src/lib/wasm/broadcast.js';
import { leadingAxes } from '../src/lib/wasm/reduce.js';

beforeAll(useWasmBackend);

function data(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5));
}

async function onBoth(f: () => tf.Tensor): Promise<{ wasm: Float32Array; cpu: Float32Array; shape: number[] }> {
  const run = async (b: string): Promise<{ v: Float32Array; shape: number[] }> => {
    await tf.setBackend(b);
    const before = tf.memory().numTensors;
    const t = f();
    const v = (await t.data()) as Float32Array;
    const shape = t.shape.slice();
    t.dispose();
    expect(tf.memory().numTensors, `leak on ${b}`).toBe(before);
    return { v, shape };
  };
  const c = await run('cpu');
  const w = await run('wasm');
  expect(w.shape).toEqual(c.shape);
  return { wasm: w.v, cpu: c.v, shape: w.shape };
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / (Math.abs(b[i]!) + 1e-3));
  return m;
}

describe('leadingAxes', () => {
  it('counts a prefix of reduced axes, else 0', () => {
    expect(leadingAxes([0, 1, 2], 4)).toBe(3);
    expect(leadingAxes([2, 0, 1], 4)).toBe(3);
    expect(leadingAxes(0, 2)).toBe(1);
    expect(leadingAxes([-4, -3], 4)).toBe(2);
    expect(leadingAxes([1, 2], 4)).toBe(0);
    expect(leadingAxes([0, 1, 2, 3], 4)).toBe(0); // all axes: stock kernel
    expect(leadingAxes(undefined, 3)).toBe(0);
  });
});

describe('wasm Sum and Mean over leading axes', () => {
  for (const [shape, axis, keepDims] of [
    [[8, 14, 14, 32], [0, 1, 2], false],
    [[8, 14, 14, 32], [0, 1, 2], true],
    [[3, 7, 5, 64], [0, 1], false],
    [[6000, 3], 0, false],
    [[5, 5, 5, 3], [0, 1, 2], false], // small: stock kernel
    [[4, 9, 130], [1, 2], false], // trailing axes: stock kernel
  ] as [number[], number | number[], boolean][]) {
    it(`sum/mean ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keepDims} match cpu`, async () => {
      const x = data(shape.reduce((a, d) => a * d, 1), shape.length * 7 + shape[0]!);
      for (const op of [tf.sum, tf.mean]) {
        const r = await onBoth(() => tf.tidy(() => op(tf.tensor(x, shape), axis, keepDims)));
        expect(maxRelErr(r.wasm, r.cpu)).toBeLessThan(1e-3);
      }
    });
  }
  it('a BatchNorm-sized sum [64,28,28,32] → [32] is within 5e-7 of the float64 sum (one float32 pooling over all 50,176 terms: 4e-6)', async () => {
    // Per channel: 50,176 terms, noise of ±0.5 around a channel mean from -15.5 to 15.5.
    const shape = [64, 28, 28, 32];
    const K = 32;
    const x = data(64 * 28 * 28 * K, 11).map((v, i) => v + ((i % K) - 15.5));
    const truth = new Float64Array(K);
    x.forEach((v, i) => (truth[i % K] = truth[i % K]! + v));
    await tf.setBackend('wasm');
    const got = tf.tidy(() => tf.sum(tf.tensor(x, shape), [0, 1, 2]).dataSync() as Float32Array);
    let worst = 0;
    for (let j = 0; j < K; j++) worst = Math.max(worst, Math.abs(got[j]! - truth[j]!) / Math.abs(truth[j]!));
    expect(worst, 'largest relative error of the 32 channel sums').toBeLessThan(5e-7);
  });

  it('int32 sums stay exact (stock kernel)', async () => {
    const r = await onBoth(() => tf.tidy(() => tf.cast(tf.sum(tf.ones([64, 64, 3], 'int32'), [0, 1]), 'float32')));
    expect(Array.from(r.wasm)).toEqual([4096, 4096, 4096]);
  });
});

describe('wasm 1x1 conv gradients (matMul path)', () => {
  for (const [b, h, w, ci, co, s] of [
    [2, 28, 28, 16, 32, 1],
    [2, 28, 28, 32, 64, 2],
    [3, 7, 7, 64, 128, 2], // odd size, stride 2
    [2, 9, 6, 5, 3, 3],
  ] as number[][]) {
    it(`x[${b},${h},${w},${ci}] 1x1 ${ci}->${co} stride ${s}: dW and dx match cpu`, async () => {
      const oh = Math.floor((h! - 1) / s!) + 1;
      const ow = Math.floor((w! - 1) / s!) + 1;
      const x = data(b! * h! * w! * ci!, 11);
      const dy = data(b! * oh * ow * co!, 12);
      const f = data(ci! * co!, 13);
      const dW = await onBoth(() => tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter',
        { x: tf.tensor4d(x, [b!, h!, w!, ci!]), dy: tf.tensor4d(dy, [b!, oh, ow, co!]) },
        { strides: [s, s], pad: 'valid', dataFormat: 'NHWC', filterShape: [1, 1, ci, co] } as unknown as tf.NamedAttrMap) as tf.Tensor));
      expect(dW.shape).toEqual([1, 1, ci, co]);
      expect(maxRelErr(dW.wasm, dW.cpu)).toBeLessThan(1e-3);
      const dx = await onBoth(() => tf.tidy(() => tf.engine().runKernel('Conv2DBackpropInput',
        { dy: tf.tensor4d(dy, [b!, oh, ow, co!]), filter: tf.tensor4d(f, [1, 1, ci!, co!]) },
        { strides: [s, s], pad: 'valid', dataFormat: 'NHWC', inputShape: [b, h, w, ci] } as unknown as tf.NamedAttrMap) as tf.Tensor));
      expect(dx.shape).toEqual([b, h, w, ci]);
      expect(maxRelErr(dx.wasm, dx.cpu)).toBeLessThan(1e-3);
    });
  }
});

describe('wasm channel broadcasts ([1,1,1,C] operands passed as [C])', () => {
  it('isChannelBroadcast recognises [1,..,1,C] against [.., C] only', () => {
    expect(isChannelBroadcast([1, 1, 1, 8], [4, 5, 5, 8])).toBe(true);
    expect(isChannelBroadcast([1, 8], [6, 8])).toBe(true);
    expect(isChannelBroadcast([8], [4, 8])).toBe(false); // already a vector
    expect(isChannelBroadcast([1, 1, 2, 8], [4, 5, 2, 8])).toBe(false);
    expect(isChannelBroadcast([1, 1, 1, 8], [1, 1, 1, 8])).toBe(false); // same shape
    expect(isChannelBroadcast([1, 1, 1, 8], [5, 8])).toBe(false); // would change the output rank
  });
  for (const op of ['mul', 'add', 'sub', 'div'] as const) {
    it(`${op} of [1,1,1,C] and [B,H,W,C], both orders, matches cpu`, async () => {
      const big = data(2 * 5 * 5 * 8, 21);
      const small = data(8, 22).map((v) => v + 2); // no division by ~0
      for (const order of [0, 1]) {
        const r = await onBoth(() => tf.tidy(() => {
          const a = tf.tensor4d(small, [1, 1, 1, 8]);
          const b = tf.tensor4d(big, [2, 5, 5, 8]);
          return order ? tf[op](b, a) : tf[op](a, b);
        }));
        expect(r.shape).toEqual([2, 5, 5, 8]);
        expect(maxRelErr(r.wasm, r.cpu)).toBeLessThan(1e-5);
      }
    });
  }
});

describe('wasm FusedBatchNorm (three broadcast passes)', () => {
  for (const [withScale, withOffset] of [[true, true], [false, false], [true, false]]) {
    it(`matches cpu (scale ${withScale}, offset ${withOffset}), values far from 0 included`, async () => {
      const x = data(2 * 6 * 6 * 8, 31).map((v) => 40 + 10 * v);
      const p = (seed: number, shift: number): Float32Array => data(8, seed).map((v) => v + shift);
      const r = await onBoth(() => tf.tidy(() => tf.batchNorm(
        tf.tensor4d(x, [2, 6, 6, 8]), tf.tensor1d(p(32, 40)), tf.tensor1d(p(33, 1)),
        withOffset ? tf.tensor1d(p(34, 0)) : undefined, withScale ? tf.tensor1d(p(35, 1)) : undefined, 1.001e-5)));
      let worst = 0;
      for (let i = 0; i < r.cpu.length; i++) worst = Math.max(worst, Math.abs(r.wasm[i]! - r.cpu[i]!));
      expect(worst).toBeLessThan(1e-4);
    });
  }
  it('keeps the stock kernel for non-vector statistics', async () => {
    const r = await onBoth(() => tf.tidy(() => tf.batchNorm(tf.ones([2, 3, 3, 4]), tf.zeros([1, 1, 1, 4]), tf.ones([1, 1, 1, 4]))));
    expect(maxRelErr(r.wasm, r.cpu)).toBeLessThan(1e-5);
  });
});
