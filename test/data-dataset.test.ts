import { describe, expect, it } from 'vitest';
import { loadBundledPair, loadFashionMnistDataset } from '../src/lib/data/bundled.js';
import { DataLoader, InMemoryDataset, trainValSplit, type Batch } from '../src/lib/data/dataset.js';
import { findLocalFashionMnist, SOURCE_CLASSES } from '../src/lib/data/fashion-mnist.js';
import { deriveSeed, mulberry32, seededPermutation, seededShuffle } from '../src/lib/data/random.js';
import { tf } from '../src/lib/tf.js';

/** n examples of 2×2×1; image i is filled with i/1000 so the pixels identify the example. */
function makeDs(labels: number[], numClasses = 3): InMemoryDataset {
  const images = new Float32Array(labels.length * 4);
  labels.forEach((_, i) => images.fill(i / 1000, i * 4, i * 4 + 4));
  const names = Array.from({ length: numClasses }, (_, c) => `c${c}`);
  return new InMemoryDataset(images, Int32Array.from(labels), [2, 2, 1], names);
}
const ids = (ds: InMemoryDataset): number[] => Array.from({ length: ds.length }, (_, i) => Math.round(ds.images[i * 4]! * 1000));

/** Runs one epoch, returning the example ids of each batch, checking shapes/dtypes, and disposing. */
function epoch(loader: DataLoader): number[][] {
  const out: number[][] = [];
  for (const b of loader as Iterable<Batch>) {
    expect(b.x.dtype).toBe('float32');
    expect(b.y.dtype).toBe('int32');
    expect(b.x.shape.slice(1)).toEqual(loader.dataset.shape);
    expect(b.y.shape).toEqual([b.x.shape[0]]);
    const x = b.x.dataSync();
    out.push(Array.from({ length: b.x.shape[0] }, (_, j) => Math.round(x[j * 4]! * 1000)));
    tf.dispose([b.x, b.y]);
  }
  return out;
}

describe('seeded randomness', () => {
  it('mulberry32 and shuffles are deterministic and seed-dependent', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from(seededPermutation(50, 1))).toEqual(Array.from(seededPermutation(50, 1)));
    expect(Array.from(seededPermutation(50, 1))).not.toEqual(Array.from(seededPermutation(50, 2)));
    expect(Array.from(seededPermutation(50, 3)).sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(seededShuffle([1, 2, 3, 4, 5, 6, 7, 8], 4).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(1, 1));
    expect(() => mulberry32(1.5)).toThrow(/seed: expected a finite integer, got 1.5/);
  });
});

describe('InMemoryDataset', () => {
  it('validates lengths, labels and pixels with clear messages', () => {
    const shape: [number, number, number] = [2, 2, 1];
    expect(() => new InMemoryDataset(new Float32Array(7), new Int32Array(2), shape, ['a', 'b'])).toThrow(
      /images: expected 2 labels × 2×2×1 = 8 values, got 7/,
    );
    expect(() => new InMemoryDataset(new Float32Array(8), Int32Array.of(0, 2), shape, ['a', 'b'])).toThrow(
      /labels: expected class indices 0..1 \(2 classNames\), got 2 at index 1/,
    );
    expect(() => new InMemoryDataset(new Float32Array(8), Int32Array.of(0, -1), shape, ['a', 'b'])).toThrow(/got -1 at index 1/);
    const nan = new Float32Array(8);
    nan[5] = NaN;
    expect(() => new InMemoryDataset(nan, Int32Array.of(0, 1), shape, ['a', 'b'])).toThrow(/pixel values in \[0, 1\], got NaN at image 1, value index 5/);
    const big = new Float32Array(8).fill(200);
    expect(() => new InMemoryDataset(big, Int32Array.of(0, 1), shape, ['a', 'b'])).toThrow(/got 200 .*divide by 255/);
    expect(() => new InMemoryDataset(new Float32Array(8), Int32Array.of(0, 1), [2, 0, 1] as never, ['a'])).toThrow(/shape: expected \[H, W, C\]/);
    expect(() => new InMemoryDataset(new Float32Array(0), new Int32Array(0), shape, [])).toThrow(/classNames: expected a non-empty/);
    expect(() => new InMemoryDataset([0] as never, new Int32Array(0), shape, ['a'])).toThrow(/images: expected a Float32Array, got Array/);
  });

  it('exposes its fields, subsets and tensors', () => {
    const ds = makeDs([0, 1, 2, 0, 1]);
    expect([ds.length, ds.numClasses, ds.shape, ds.classNames]).toEqual([5, 3, [2, 2, 1], ['c0', 'c1', 'c2']]);
    const sub = ds.subset([4, 0]);
    expect(ids(sub)).toEqual([4, 0]);
    expect(Array.from(sub.labels)).toEqual([1, 0]);
    expect(() => ds.subset([5])).toThrow(/subset indices: expected integers in 0..4, got 5 at position 0/);
    const { x, y } = ds.toTensors();
    expect([x.shape, x.dtype, y.shape, y.dtype]).toEqual([[5, 2, 2, 1], 'float32', [5], 'int32']);
    tf.dispose([x, y]);
  });

  it('perClass takes the first n of a seeded shuffle of each class', () => {
    const labels = Array.from({ length: 60 }, (_, i) => i % 3);
    const ds = makeDs(labels);
    const a = ds.perClass(5, 1);
    expect(a.classCounts()).toEqual([5, 5, 5]);
    expect(ids(ds.perClass(5, 1))).toEqual(ids(a));
    expect(ids(ds.perClass(5, 2))).not.toEqual(ids(a));
    // a larger n keeps the smaller n's examples
    const bigger = new Set(ids(ds.perClass(10, 1)));
    expect(ids(a).every((i) => bigger.has(i))).toBe(true);
    expect(() => ds.perClass(21, 1)).toThrow(/perClass n: expected at most 20 \(class 0 "c0" has 20 examples\), got 21/);
  });
});

describe('trainValSplit', () => {
  it('is stratified, disjoint, complete and seeded', () => {
    const labels = [...Array(40).fill(0), ...Array(20).fill(1), ...Array(10).fill(2)];
    const ds = makeDs(labels);
    const { train, val } = trainValSplit(ds, 0.2, 3);
    expect(val.classCounts()).toEqual([8, 4, 2]);
    expect(train.classCounts()).toEqual([32, 16, 8]);
    const all = [...ids(train), ...ids(val)].sort((a, b) => a - b);
    expect(all).toEqual([...Array(70).keys()]);
    expect(ids(trainValSplit(ds, 0.2, 3).val)).toEqual(ids(val));
    expect(ids(trainValSplit(ds, 0.2, 4).val)).not.toEqual(ids(val));
    expect(() => trainValSplit(ds, 1, 0)).toThrow(/valFraction: expected a number strictly between 0 and 1, got 1/);
    expect(() => trainValSplit(ds, 0, 0)).toThrow(/got 0/);
  });
});

describe('DataLoader', () => {
  const ds = makeDs(Array.from({ length: 10 }, (_, i) => i % 3));

  it('yields float32/int32 batches with a ragged last batch', () => {
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect([loader.numBatches, loader.batchSize, loader.dataset]).toEqual([3, 4, ds]);
    const batches = epoch(loader);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches.flat()).toEqual([...Array(10).keys()]); // no shuffle: dataset order
    const [first] = loader;
    expect(Array.from(first!.y.dataSync())).toEqual([0, 1, 2, 0]);
    tf.dispose([first!.x, first!.y]);
  });

  it('shuffles deterministically, differently each epoch, each example once per epoch', () => {
    const a = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 42 });
    const b = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 42 });
    const ea = [epoch(a), epoch(a), epoch(a)];
    const eb = [epoch(b), epoch(b), epoch(b)];
    expect(eb).toEqual(ea);
    for (const e of ea) {
      expect(e.map((x) => x.length)).toEqual([3, 3, 3, 1]);
      expect(e.flat().sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
    }
    expect(ea[1]!.flat()).not.toEqual(ea[0]!.flat());
    expect(ea[2]!.flat()).not.toEqual(ea[1]!.flat());
    const c = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 43 });
    expect(epoch(c).flat()).not.toEqual(ea[0]!.flat());
  });

  it('does not leak tensors when batches are disposed', () => {
    const before = tf.memory().numTensors;
    epoch(new DataLoader(ds, { batchSize: 4, shuffle: true }));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad batch sizes, dropLast and an empty dataset', () => {
    for (const bad of [0, -1, 2.5, NaN, Infinity]) {
      expect(() => new DataLoader(ds, { batchSize: bad })).toThrow(`DataLoader batchSize: expected a positive integer, got ${bad}`);
    }
    expect(() => new DataLoader(ds, { batchSize: '4' as never })).toThrow(/batchSize: expected a positive integer, got "4"/);
    expect(() => new DataLoader(ds, { batchSize: 4, dropLast: true as never })).toThrow(/dropLast: only false is supported/);
    expect(() => new DataLoader(ds.subset([]), { batchSize: 4 })).toThrow(/expected at least one example, got an empty dataset/);
  });
});

describe('bundled Dress/Coat subset', () => {
  it('loads with balanced classes and pixels in [0, 1]', () => {
    const { train, test } = loadBundledPair();
    expect(train.classNames).toEqual(['Dress', 'Coat']);
    expect(train.shape).toEqual([28, 28, 1]);
    expect(train.classCounts()).toEqual([1000, 1000]);
    expect(test.classCounts()).toEqual([1000, 1000]);
    let max = 0;
    for (const v of test.images) if (v > max) max = v;
    expect(max).toBe(1);
  });

  it.skipIf(findLocalFashionMnist() === undefined)('full set: loads the 8 source classes remapped to 0..7', async () => {
    const ds = await loadFashionMnistDataset('test', { classes: SOURCE_CLASSES });
    expect(ds.numClasses).toBe(8);
    expect(ds.classNames).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(ds.classCounts()).toEqual(Array(8).fill(1000));
    await expect(loadFashionMnistDataset('test', { classes: [3, 3] })).rejects.toThrow(/classes: expected distinct integers in 0..9, got \[3,3\]/);
  });
});
