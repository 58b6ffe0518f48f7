import { afterAll, afterEach, beforeAll, describe, it, vi } from 'vitest';
import { tf } from '../../src/lib/tf.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import { DataLoader, type InMemoryDataset } from '../../src/lib/data/dataset.js';
import { describeTensor } from '../../src/lib/describe.js';
import { loadBackbone, type Backbone } from '../../src/lib/models/backbones.js';
import { extractFeatures, trainHead, type Features } from './memory.js';

// ---------- fixtures ----------

const N = 40; // 40 bundled training images; batches of 16, 16, 8
const BATCH = 16;
let data: InMemoryDataset;
let backbone: Backbone; // resnet-mini with seeded random weights: the numbers here do not depend on pretraining
let cached: Features; // the backbone's features of the 40 images, made by the test itself (not by extractFeatures)

beforeAll(async () => {
  data = loadBundledPair().train.subset(Array.from({ length: N }, (_, i) => i * 25));
  backbone = await loadBackbone('resnet-mini', { weights: 'random', seed: 7 });
  const { x, y } = data.toTensors();
  cached = { features: tf.tidy(() => backbone.model.predict(x) as tf.Tensor2D), labels: y };
  x.dispose();
});
afterAll(() => {
  tf.dispose([cached.features, cached.labels]);
  backbone.model.dispose();
});
const disposables: Array<{ dispose(): void }> = [];
afterEach(() => {
  disposables.splice(0).forEach((d) => d.dispose());
});

/** The head: Dense(32) → ReLU → Dense(2), seeded. */
function head(): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [backbone.featureDim], units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  disposables.push(m);
  return m;
}

interface Mem {
  numTensors: number;
  numBytes: number;
}
const mem = (): Mem => ({ numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes });
const fmt = (n: number): string => n.toLocaleString('en-US');
const showMem = (m: Mem): string => `${fmt(m.numTensors)} tensors / ${fmt(m.numBytes)} bytes`;

/** A tfjs error, rewritten as what the kata's code did (no tfjs stack). */
function teach(what: string, e: unknown): Error {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
  let why = '';
  if (/Cannot return a Promise inside of tidy/.test(msg)) {
    why =
      '\n  tf.tidy is synchronous: it frees everything its function made as soon as the function RETURNS — and an async\n' +
      '  function returns (a Promise) at its first await. tfjs logs this error and carries on: it frees what was made before\n' +
      '  the first await (even a loss you are still reading) and tracks nothing made after it. Keep the synchronous tensor work\n' +
      '  in tf.tidy, return the tensor you need (the loss), then await loss.data() outside it and dispose the loss yourself.';
  } else if (/disposed/i.test(msg) || /reading 'backend'/.test(msg)) {
    why =
      (/reading 'backend'/.test(msg) ? '\n  (This is what a tfjs op says when one of its inputs was already disposed.)' : '') +
      '\n  Use after dispose: a tensor was read after it was freed. tf.tidy frees every tensor its function made except the ones\n' +
      '  it RETURNS (or marks with tf.keep) — assigning one to an outer variable does not save it. And dispose the parts only\n' +
      '  after the tensor built from them (tf.concat) exists.';
  }
  return new Error(`${what} threw: ${msg}${why}`);
}

/**
 * Runs fn, rewriting a tfjs error as a lesson. tfjs only LOGS "Cannot return a Promise inside of tidy" (console.error)
 * and goes on: whatever the async function makes after its first await is tracked by no tidy. That log fails the test.
 */
async function run<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  const logged: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    logged.push(args.map(String).join(' '));
  });
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    throw teach(what, e);
  } finally {
    spy.mockRestore();
  }
  const promiseInTidy = logged.find((l) => /Cannot return a Promise inside of tidy/.test(l));
  if (promiseInTidy) throw teach(what, new Error(`${promiseInTidy} (logged by tfjs with console.error, ${logged.length} time${logged.length === 1 ? '' : 's'})`));
  return result;
}

// ---------- extractFeatures ----------

describe('kata 06 — extractFeatures runs the backbone once and keeps only its result', () => {
  it('returns features float32 [40,128] (the backbone in inference mode) and labels int32 [40], in loader order', async () => {
    const loader = new DataLoader(data, { batchSize: BATCH });
    const out = await run('extractFeatures(backbone, loader)', () => extractFeatures(backbone, loader));
    disposables.push(out.features, out.labels);
    const problems: string[] = [];
    const f = await run('reading the returned features', () => out.features.array());
    const l = await run('reading the returned labels', () => out.labels.array());
    if (describeTensor(out.features) !== 'float32 [40,128]') problems.push(`features: expected float32 [40,128], got ${describeTensor(out.features)}`);
    if (describeTensor(out.labels) !== 'int32 [40]') problems.push(`labels: expected int32 [40], got ${describeTensor(out.labels)}`);
    const want = cached.features.arraySync();
    let worst = 0;
    want.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - (f[i]?.[j] ?? NaN))))));
    if (!(worst < 1e-4)) problems.push(`features: expected backbone.model.predict(images) row by row (max difference < 1e-4), got a max difference of ${worst}`);
    const wantLabels = Array.from(data.labels);
    if (JSON.stringify(l) !== JSON.stringify(wantLabels)) problems.push(`labels: expected ${JSON.stringify(wantLabels)}, got ${JSON.stringify(l)}`);
    if (problems.length) throw new Error(problems.join('\n'));
  });

  it('leaves exactly the two tensors it returns: numTensors +2, numBytes +20,640 (40·128·4 + 40·4)', async () => {
    const loader = new DataLoader(data, { batchSize: BATCH });
    const before = mem();
    const out = await run('extractFeatures(backbone, loader)', () => extractFeatures(backbone, loader));
    const after = mem();
    const returned = out.features.size * 4 + out.labels.size * 4;
    tf.dispose([out.features, out.labels]);
    const left = mem();
    const extraTensors = left.numTensors - before.numTensors;
    const extraBytes = left.numBytes - before.numBytes;
    if (after.numTensors !== before.numTensors + 2 || after.numBytes !== before.numBytes + returned || extraTensors !== 0) {
      throw new Error(
        `tf.memory() around extractFeatures (3 batches: 16, 16, 8):\n` +
          `  before          ${showMem(before)}\n` +
          `  expected after  ${showMem({ numTensors: before.numTensors + 2, numBytes: before.numBytes + returned })}   (+ features and labels)\n` +
          `  got after       ${showMem(after)}\n` +
          `  after disposing the returned features and labels, ${fmt(extraTensors)} tensors (${fmt(extraBytes)} bytes) are still alive: ` +
          `${(extraTensors / 3).toFixed(1)} per batch.\n` +
          '  Each batch\'s x and y come from the loader (outside any tidy): dispose them. Run the backbone inside tf.tidy so the\n' +
          '  preprocessed copy dies with it, and free the per-batch parts once tf.concat has copied them.',
      );
    }
  });
});

// ---------- trainHead ----------

describe('kata 06 — trainHead: the same memory at every epoch', () => {
  it('tf.memory().numTensors and numBytes are the same at the end of every epoch (5 epochs, Adam)', async () => {
    const counts: Mem[] = [];
    const h = head();
    const optimizer = tf.train.adam(0.01);
    disposables.push(optimizer);
    await run('trainHead(head, features, { epochs: 5, batchSize: 16 })', () =>
      trainHead(h, cached, { optimizer, epochs: 5, batchSize: BATCH, onEpoch: () => counts.push(mem()) }),
    );
    if (counts.length !== 5) throw new Error(`onEpoch: expected 5 calls (one per epoch), got ${counts.length}`);
    const steady = counts.every((c) => c.numTensors === counts[0]!.numTensors && c.numBytes === counts[0]!.numBytes);
    if (!steady) {
      const dT = counts[1]!.numTensors - counts[0]!.numTensors;
      const dB = counts[1]!.numBytes - counts[0]!.numBytes;
      throw new Error(
        `tf.memory() at the end of each epoch: expected the same numbers 5 times (Adam's state is made in the first step and then reused), got\n` +
          counts.map((c, e) => `    epoch ${e}: ${showMem(c)}`).join('\n') +
          `\n  +${fmt(dT)} tensors and +${fmt(dB)} bytes per epoch of 3 batches. A 1000-epoch run would hold ${fmt(dT * 1000)} tensors.\n` +
          '  What a batch makes (the index tensor, the gathered rows, the loss) must be freed before the next batch:\n' +
          '  tf.tidy for the synchronous part (returning the loss), then await loss.data(), then loss.dispose().',
      );
    }
  });

  it('after trainHead returns, memory is exactly as before (SGD keeps no state): numTensors and numBytes', async () => {
    const h = head();
    const optimizer = tf.train.sgd(0.1);
    disposables.push(optimizer);
    const before = mem();
    await run('trainHead(head, features, { epochs: 3, batchSize: 16 })', () => trainHead(h, cached, { optimizer, epochs: 3, batchSize: BATCH }));
    const after = mem();
    if (after.numTensors !== before.numTensors || after.numBytes !== before.numBytes) {
      throw new Error(
        `tf.memory() around trainHead (SGD, 3 epochs × 3 batches):\n  expected ${showMem(before)} after (as before)\n  got      ${showMem(after)}: ` +
          `${fmt(after.numTensors - before.numTensors)} tensors and ${fmt(after.numBytes - before.numBytes)} bytes leaked ` +
          `(${((after.numTensors - before.numTensors) / 9).toFixed(1)} per batch).`,
      );
    }
  });

  it('the epoch loss is Σ batch loss × batch size / 40 (batches of 16, 16, 8), not the mean of the 3 batch means; onEpoch gets the same number', async () => {
    const h = head();
    const optimizer = tf.train.sgd(0); // learning rate 0: every batch sees the same head, so the epoch loss is known exactly
    disposables.push(optimizer);
    const seen: [number, number][] = [];
    const history = await run('trainHead(head, features, { epochs: 2, batchSize: 16, sgd(0) })', () =>
      trainHead(h, cached, { optimizer, epochs: 2, batchSize: BATCH, onEpoch: (e, l) => seen.push([e, l]) }),
    );
    const whole = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(cached.labels, 2), h.apply(cached.features) as tf.Tensor2D).dataSync()[0]!);
    const bad = history.findIndex((l) => !(Math.abs(l - whole) <= 1e-5 * Math.max(1, whole)));
    if (history.length !== 2 || bad >= 0) {
      throw new Error(
        `trainHead losses with a learning rate of 0: expected ${whole.toFixed(6)} at both epochs (the mean loss over all 40 examples), got ${history.map((l) => l.toFixed(6)).join(', ')}.\n` +
          '  The last batch holds 8 examples, not 16: averaging the 3 batch means weighs each of its examples twice as much.\n' +
          '  Sum (await loss.data())[0] × the batch size over the batches, then divide by the number of examples (40), not of batches (3).',
      );
    }
    if (JSON.stringify(seen) !== JSON.stringify(history.map((l, e) => [e, l]))) {
      throw new Error(`onEpoch: expected (epoch, that epoch's mean loss) after each epoch: ${JSON.stringify(history.map((l, e) => [e, l]))}, got ${JSON.stringify(seen)}`);
    }
    // 40 examples in batches of 8: exactly 5 batches. A 6th, empty batch (a loop that runs while start <= n) has a NaN loss.
    const exact = await run('trainHead(head, features, { epochs: 1, batchSize: 8, sgd(0) })', () => trainHead(h, cached, { optimizer, epochs: 1, batchSize: 8 }));
    if (exact.length !== 1 || !(Math.abs(exact[0]! - whole) <= 1e-5 * Math.max(1, whole))) {
      throw new Error(
        `trainHead losses with batches of 8 (40 examples: exactly 5 full batches) and a learning rate of 0: expected ${whole.toFixed(6)}, got ${exact.map((l) => l.toFixed(6)).join(', ')}.\n` +
          '  When the batch size divides the number of examples there is no partial batch — and no empty one: loop while start < n.',
      );
    }
  });

  it('the seed decides the shuffle: the same seed gives the same losses, another seed other losses (Adam, 2 epochs)', async () => {
    const losses = async (seed: number): Promise<number[]> => {
      const optimizer = tf.train.adam(0.01);
      disposables.push(optimizer);
      return run(`trainHead(head, features, { epochs: 2, seed: ${seed} })`, () => trainHead(head(), cached, { optimizer, epochs: 2, batchSize: BATCH, seed }));
    };
    const [a, b, c] = [await losses(1), await losses(1), await losses(2)];
    const show = (l: number[]): string => l.map((v) => v.toFixed(6)).join(', ');
    if (show(a) !== show(b)) throw new Error(`trainHead with seed 1 twice: expected the same losses (a seeded shuffle), got ${show(a)} and ${show(b)}`);
    if (show(a) === show(c)) {
      throw new Error(
        `trainHead with seed 1 and seed 2: expected different losses (different batch orders), got ${show(a)} both times.\n` +
          '  Is opts.seed passed to the shuffle (seededPermutation(n, deriveSeed(seed, epoch))), and is the order shuffled anew every epoch?',
      );
    }
  });

  it('learns: one mean loss per epoch, the last below the first (Adam, 8 epochs), and the input features are still usable', async () => {
    const h = head();
    const optimizer = tf.train.adam(0.01);
    disposables.push(optimizer);
    const history = await run('trainHead(head, features, { epochs: 8 })', () => trainHead(h, cached, { optimizer, epochs: 8, batchSize: BATCH }));
    if (!Array.isArray(history) || history.length !== 8 || !history.every((v) => Number.isFinite(v))) {
      throw new Error(`trainHead: expected 8 finite mean losses (one per epoch), got ${JSON.stringify(history)}`);
    }
    if (!(history[7]! < history[0]!)) throw new Error(`trainHead losses: expected the last below the first, got ${history.map((v) => v.toFixed(4)).join(', ')}`);
    if (cached.features.isDisposed || cached.labels.isDisposed) {
      throw new Error('trainHead disposed the features or labels it was given: expected them untouched — the caller owns them (and trains on them again)');
    }
  });
});
