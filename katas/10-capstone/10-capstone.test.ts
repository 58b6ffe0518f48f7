import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { tf } from '../../src/lib/tf.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import { DataLoader } from '../../src/lib/data/dataset.js';
import type { Classifier } from '../../src/lib/classifier.js';
import { buildModel } from '../01-build-model/build-model.js';
import { train } from '../02-training-loop/training-loop.js';
import { toClassIndices } from '../04-dtype-cast/dtype-cast.js';
import { accuracy, squeezeTargets } from '../05-squeeze/squeeze.js';
import { CAPSTONE_DEFAULTS, runCapstone, type CapstoneResult } from './capstone.js';
import { disposeSeedData, loadSeedData, type SeedData } from './seed-data.js';
import { slowBeforeAll } from '../../test/support/tiers.js';
import { historyCurves, progressLog, showCurves } from '../../test/support/curves.js';

// Kata 05's accuracy() as your capstone calls it: the real function, watched (every call and what it returned).
vi.mock(import('../05-squeeze/squeeze.js'), { spy: true });
// Kata 01's buildModel and kata 02's train, watched the same way: the model your capstone builds, the loaders it trains with.
vi.mock(import('../01-build-model/build-model.js'), { spy: true });
vi.mock(import('../02-training-loop/training-loop.js'), { spy: true });

/** The bundled pair, read once for the whole file (each read decompresses and parses four IDX files). */
let pair: ReturnType<typeof loadBundledPair> | undefined;
const bundled = (): ReturnType<typeof loadBundledPair> => (pair ??= loadBundledPair());

// ---------- your pieces first: a few seconds of checks instead of minutes of training on an unfinished kata ----------

/** One check per piece the capstone stands on (the katas' own tests check them fully); returns what is unfinished. */
async function unfinishedPieces(): Promise<string[]> {
  const out: string[] = [];
  const check = async (kata: string, what: string, ok: () => boolean | Promise<boolean>): Promise<void> => {
    try {
      if (!(await ok())) out.push(`kata ${kata}: ${what}`);
    } catch (e) {
      out.push(`kata ${kata}: ${what} — threw ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    }
  };
  const rejects = (f: () => unknown): boolean => {
    try {
      tf.tidy(() => void f());
      return false;
    } catch {
      return true;
    }
  };
  await check('01', 'buildModel() gives a frozen model whose only trainable parameters are the head\'s 65,502', async () => {
    const m = await buildModel({ numClasses: 2 });
    try {
      return m.frozen && m.trainableVariables().reduce((n, v) => n + v.size, 0) === 65_502;
    } finally {
      m.dispose();
    }
  });
  await check('02', 'train() leaks no tensor (2 epochs of a tiny model)', async () => {
    const ds = bundled().train.subset([0, 1, 2, 3, 4, 5, 6, 7]);
    const dense = tf.layers.dense({ units: 2, inputShape: [784] });
    const tiny: Classifier = {
      numClasses: 2,
      forward: (x) => tf.tidy(() => dense.apply(tf.reshape(x, [x.shape[0], 784])) as tf.Tensor2D),
      trainableVariables: () => dense.trainableWeights.map((w) => w.read() as tf.Variable),
      dispose: () => dense.dispose(),
    };
    const optimizer = tf.train.sgd(0.1);
    tf.tidy(() => void tiny.forward(tf.zeros([1, 28, 28, 1]), { training: false })); // builds the layer
    const before = tf.memory().numTensors;
    const history = await train({ model: tiny, optimizer, trainLoader: new DataLoader(ds, { batchSize: 3 }), valLoader: new DataLoader(ds, { batchSize: 3 }), epochs: 2, log: () => {} });
    const leaked = tf.memory().numTensors - before;
    optimizer.dispose();
    tiny.dispose();
    return leaked === 0 && history.length === 2;
  });
  await check('04', 'toClassIndices rejects 1.9', () => rejects(() => toClassIndices(tf.tensor1d([0, 1.9]), 2)));
  await check('05', 'squeezeTargets turns [1,1] into [1]', () => tf.tidy(() => squeezeTargets(tf.tensor2d([[1]])).shape.join(',') === '1'));
  await check('05', 'accuracy refuses [B,1] targets', () => rejects(() => accuracy(tf.zeros([2, 2]) as tf.Tensor2D, tf.zeros([2, 1], 'int32') as unknown as tf.Tensor1D)));
  return out;
}

let pieces: string[] = [];
beforeAll(async () => {
  pieces = await unfinishedPieces();
}, 60_000);

/** Throws, before any capstone run, when a piece from katas 01–05 is not finished yet. */
function requirePieces(): void {
  if (pieces.length > 0) {
    throw new Error(
      `the capstone runs on YOUR katas 01–05, and these are not finished yet:\n  ${pieces.join('\n  ')}\n` +
        '  Finish them first (npm run kata shows your progress), then come back.',
    );
  }
}

/** Recounts test accuracy from the returned model, the bundled test images and their int32 labels. */
function recount(result: CapstoneResult): number {
  const { test } = bundled();
  let correct = 0;
  for (let start = 0; start < test.length; start += 250) {
    const idx = Array.from({ length: Math.min(250, test.length - start) }, (_, j) => start + j);
    const { x, y } = test.subset(idx).toTensors(); // float32 [B,28,28,1], int32 [B]
    correct += tf.tidy(() => {
      const predicted = tf.argMax(result.model.forward(x, { training: false }), 1); // int32 [B]
      return tf.sum(tf.cast(tf.equal(predicted, y), 'int32')).dataSync()[0]!; // both [B]: no broadcast
    });
    tf.dispose([x, y]);
  }
  return correct / test.length;
}

/**
 * A small copy of the seed's data (40 training and 20 test images) whose targets the test chooses:
 * `train`/`test` give the target tensors' values and shapes.
 */
function smallData(
  train: { values: number[]; shape: number[] } | null,
  test: { values: number[]; shape: number[] } | null,
): SeedData {
  const { train: tr, test: te } = bundled();
  const pick = (ds: typeof tr, n: number) => ds.subset(Array.from({ length: n }, (_, i) => i));
  const a = pick(tr, 40);
  const b = pick(te, 20);
  const targets = (labels: Int32Array, t: { values: number[]; shape: number[] } | null) =>
    t ? tf.tensor(t.values, t.shape, 'float32') : tf.tensor2d(Float32Array.from(labels), [labels.length, 1], 'float32');
  return {
    train: { images: tf.tensor4d(a.images, [40, 28, 28, 1]), targets: targets(a.labels, train) as tf.Tensor2D },
    test: { images: tf.tensor4d(b.images, [20, 28, 28, 1]), targets: targets(b.labels, test) as tf.Tensor2D },
    classNames: [...tr.classNames],
  };
}

/** The seed's targets for the first n training images as floats, with some values replaced. */
function seedTargets(n: number, split: 'train' | 'test', replace: Record<number, number> = {}): number[] {
  const labels = Array.from(bundled()[split].labels.subarray(0, n));
  for (const [i, v] of Object.entries(replace)) labels[Number(i)] = v;
  return labels;
}

/** Runs the capstone on bad data; returns the error it threw and whether any epoch ran. */
async function failureOf(data: SeedData): Promise<{ message: string | null; epochsRun: number }> {
  let epochsRun = 0;
  try {
    const r = await runCapstone(data, { epochs: 1, log: () => epochsRun++ });
    r.model.dispose();
    return { message: null, epochsRun };
  } catch (err) {
    return { message: err instanceof Error ? err.message : String(err), epochsRun };
  } finally {
    disposeSeedData(data);
  }
}

async function expectRejected(data: SeedData, what: string, mustMention: Array<string | RegExp>): Promise<void> {
  try {
    requirePieces();
  } catch (e) {
    disposeSeedData(data);
    throw e;
  }
  const { message, epochsRun } = await failureOf(data);
  if (message === null) {
    throw new Error(`${what}: expected runCapstone to throw before training, got a finished run (${epochsRun} epoch) and no error`);
  }
  const missing = mustMention.filter((m) => (typeof m === 'string' ? !message.includes(m) : !m.test(message)));
  if (missing.length > 0) {
    const shown = (m: string | RegExp): string => (typeof m === 'string' ? JSON.stringify(m) : `the split's name (${m.source.replace(/\\b/g, '')})`);
    throw new Error(
      `${what}: expected an error mentioning ${mustMention.map(shown).join(' and ')}, got:\n  ${message}` +
        (missing.some((m) => typeof m !== 'string') ? "\n  Name each split when you guard it (toClassIndices(…, numClasses, 'test.targets')): '[3] = NaN' alone sends you to the wrong file." : ''),
    );
  }
  if (epochsRun > 0) throw new Error(`${what}: expected the run to stop before the first epoch, got ${epochsRun} epoch logged, then:\n  ${message}`);
}

describe('kata 10 — bad targets stop the run before the first epoch, with your guards\' messages', () => {
  it('a fractional target (1.9 at training row 7) is rejected, naming [7] and 1.9', async () => {
    await expectRejected(smallData({ values: seedTargets(40, 'train', { 7: 1.9 }), shape: [40, 1] }, null), 'train target 1.9', ['[7]', '1.9', /\btrain\b/]);
  });

  it('a NaN target in the TEST split (row 3) is rejected before training, naming [3] and NaN', async () => {
    await expectRejected(smallData(null, { values: seedTargets(20, 'test', { 3: NaN }), shape: [20, 1] }), 'test target NaN', ['[3]', 'NaN', /\btest\b/]);
  });

  it('one-hot targets [40,2] are rejected with a hint to argMax', async () => {
    const labels = seedTargets(40, 'train');
    const oneHot = labels.flatMap((l) => (l === 0 ? [1, 0] : [0, 1]));
    await expectRejected(smallData({ values: oneHot, shape: [40, 2] }, null), 'one-hot targets', ['argMax']);
  });

  it('targets [40,1,1] are rejected, naming the shape', async () => {
    await expectRejected(smallData({ values: seedTargets(40, 'train'), shape: [40, 1, 1] }, null), 'targets [40,1,1]', ['[40,1,1]']);
  });

  it('a target equal to numClasses (2 at training row 5) is rejected, naming the value', async () => {
    await expectRejected(smallData({ values: seedTargets(40, 'train', { 5: 2 }), shape: [40, 1] }, null), 'train target 2', ['2']);
  });

  it('a run that fails after its model is built (epochs: 0) leaves no tensor behind, and that model has one logit per class name (3)', async () => {
    requirePieces();
    // Three class names, labels 0 and 1: valid targets; train() then rejects epochs 0 — after buildModel.
    const data = { ...smallData(null, null), classNames: ['Dress', 'Coat', 'Sandal'] };
    vi.mocked(buildModel).mockClear();
    const before = tf.memory().numTensors;
    let message: string | null = null;
    try {
      (await runCapstone(data, { epochs: 0, log: () => {} })).model.dispose();
    } catch (err) {
      message = err instanceof Error ? err.message : String(err);
    }
    const left = tf.memory().numTensors - before;
    disposeSeedData(data);
    const built = vi.mocked(buildModel).mock.results.at(-1);
    const classes = built?.type === 'return' ? (await built.value).numClasses : undefined;
    if (message === null || !message.includes('epochs')) throw new Error(`runCapstone(data, { epochs: 0 }): expected train's error naming epochs, got ${message === null ? 'a finished run' : JSON.stringify(message)}`);
    if (left !== 0) {
      throw new Error(
        `runCapstone(data, { epochs: 0 }) threw (good), but left ${left} tensors behind (a model not disposed is 99 of them: backbone and head).\n` +
          '  A failed run must free what it made: the model in a catch, then rethrow; the optimizer and the labels it made in a finally.',
      );
    }
    if (classes !== 3) throw new Error(`the model runCapstone built: expected numClasses 3 (data.classNames has 3 names), got ${classes} — build it with numClasses: data.classNames.length, not the default 2`);
  });
});

describe('kata 10 — the capstone run (3 epochs on 1,600 images, test on 2,000)', () => {
  let data: SeedData;
  let result: CapstoneResult;
  let tensorsBefore: number;
  let logLines: string[];
  let wallSeconds: number;
  /** The example order of the first two epochs of the training loader that runCapstone gave kata 02's train (null: train was not called). */
  let trainOrders: [number[], number[]] | null = null;
  /** The calls of kata 05's accuracy() during the run: the labels' shape and dtype, and what it returned. */
  let accuracyCalls: { targets: string; batch: number; returned: number }[] = [];
  // The slow tier (katas/manifest.json "slow"): declared last, trained only when the fast tests above pass.
  slowBeforeAll(async () => {
    if (pieces.length > 0) return; // each test says which kata to finish
    data = loadSeedData();
    tensorsBefore = tf.memory().numTensors;
    logLines = [];
    vi.mocked(accuracy).mockClear();
    const t0 = performance.now();
    result = await runCapstone(data, { log: progressLog('capstone', CAPSTONE_DEFAULTS.epochs, (l) => logLines.push(l)) });
    wallSeconds = (performance.now() - t0) / 1000;
    const loader = vi.mocked(train).mock.calls.at(-1)?.[0]?.trainLoader;
    trainOrders = loader ? [Array.from(loader.orderForEpoch(0)), Array.from(loader.orderForEpoch(1))] : null;
    const spy = vi.mocked(accuracy).mock;
    accuracyCalls = spy.calls.map(([, t], i) => ({
      targets: `${t.dtype} [${t.shape.join(',')}]`,
      batch: t.shape[0] ?? 0,
      returned: spy.results[i]?.type === 'return' ? (spy.results[i]!.value as number) : Number.NaN,
    }));
  }, 240_000);
  afterAll(() => {
    try {
      result?.model.dispose();
    } catch {
      // disposed by a test
    }
    if (data) disposeSeedData(data);
  });

  it('reaches at least 0.90 accuracy on the 2,000 bundled test images with your pieces', async (ctx) => {
    requirePieces();
    await showCurves(ctx, `the capstone run, per epoch (test accuracy ${result.testAccuracy.toFixed(3)})`, historyCurves(result.history, '≥ 0.90 on the test images at the end'));
    if (!(result.testAccuracy >= 0.9)) {
      throw new Error(
        `testAccuracy: expected >= 0.90, got ${result.testAccuracy.toFixed(4)} after ${result.seconds.toFixed(1)} s.\n` +
          `  The log said:\n    ${logLines.join('\n    ')}\n` +
          '  0.50 on two balanced classes while validation says 0.9: what shapes does the test accuracy compare?',
      );
    }
  });

  it('the accuracy it reports is the accuracy of the model it returns (recounted by the test)', () => {
    requirePieces();
    const truth = recount(result);
    if (Math.abs(truth - result.testAccuracy) > 0.5 / 2000) { // less than half an image of the 2,000
      throw new Error(
        `testAccuracy: expected the returned model's accuracy ${truth.toFixed(4)} (recounted with int32 [B] labels), ` +
          `got ${result.testAccuracy.toFixed(4)} reported.\n  A [B] prediction compared with [B,1] targets is a [B,B] matrix: its mean is not an accuracy (kata 05).`,
      );
    }
  });

  it("the test accuracy is kata 05's accuracy() over all 2,000 test images, never a hand-made comparison", () => {
    requirePieces();
    // The last calls that cover the 2,000 test images, batch by batch (validation may call it too).
    let covered = 0;
    let weighted = 0;
    for (let i = accuracyCalls.length - 1; i >= 0 && covered < 2000; i--) {
      covered += accuracyCalls[i]!.batch;
      weighted += accuracyCalls[i]!.returned * accuracyCalls[i]!.batch;
    }
    const fromAccuracy = covered === 2000 ? weighted / 2000 : Number.NaN;
    if (!(Math.abs(fromAccuracy - result.testAccuracy) < 1e-6)) {
      throw new Error(
        `testAccuracy: expected Σ accuracy(logits, y) × batch size / 2,000 over the test batches, computed by kata 05's accuracy(), ` +
          `got ${result.testAccuracy.toFixed(4)} reported and ${accuracyCalls.length} call(s) of accuracy() covering ` +
          `${accuracyCalls.reduce((n, c) => n + c.batch, 0)} examples (${[...new Set(accuracyCalls.map((c) => c.targets))].join(', ') || 'none'}).\n` +
          '  A test accuracy computed by hand — tf.equal(argMax, tf.squeeze(rawTargets)) — is right only while the raw targets\n' +
          '  happen to have the shape you expect: tf.squeeze without an axis turns [1,1] into a scalar and tf.equal broadcasts\n' +
          '  [B] against [B,1] into a [B,B] matrix without a word. Score the test split through the same guards as training:\n' +
          '  squeezeTargets → toClassIndices (int32 [B]) → accuracy(logits, y), which refuses any other shape.',
      );
    }
  });

  it("the model is kata 01's: frozen backbone, only the head's 65,502 parameters trainable", () => {
    requirePieces();
    const got = result.model.trainableVariables().reduce((n, v) => n + v.size, 0);
    const f = result.model.backbone.featureDim;
    const expected = f * 500 + 500 + 500 * 2 + 2;
    if (!result.model.frozen || got !== expected) {
      throw new Error(`model: expected a frozen backbone and ${expected} trainable parameters, got frozen = ${result.model.frozen} and ${got}`);
    }
  });

  it('reports what it did: the log option gets the seed\'s line of every epoch (3), and seconds is the time the run took', () => {
    requirePieces();
    const epochs = logLines.filter((l) => /^Epoch: \d+, Training Loss: /.test(l)).length;
    if (epochs !== CAPSTONE_DEFAULTS.epochs || result.history.length !== CAPSTONE_DEFAULTS.epochs) {
      throw new Error(`log: expected the seed's line of each of the ${CAPSTONE_DEFAULTS.epochs} epochs through the log option (and ${CAPSTONE_DEFAULTS.epochs} history records), got ${epochs} lines and ${result.history.length} records`);
    }
    if (!(result.seconds > 0 && result.seconds <= wallSeconds + 0.01)) {
      throw new Error(`seconds: expected the run's duration in seconds, between 0 and ${wallSeconds.toFixed(1)} (timed by the test around the call), got ${result.seconds}`);
    }
  });

  it("trains like the seed: kata 02's train() with shuffled training batches, in a new order every epoch", () => {
    requirePieces();
    if (!trainOrders) throw new Error("train: expected runCapstone to train with kata 02's train(), got no call of it");
    const [first, second] = trainOrders;
    const inOrder = first.every((v, i) => v === i);
    const same = first.every((v, i) => v === second[i]);
    if (inOrder || same) {
      throw new Error(
        `the training loader's example order: expected a shuffled order, a new one every epoch, got ${inOrder ? `0, 1, 2, … ${first.length - 1} (the dataset's order)` : 'the same permutation in epochs 0 and 1'}.\n` +
          '  The seed trained on DataLoader(train, shuffle=True): a fixed order puts the same examples in the same batches, and the\n' +
          '  last batches of every epoch pull the head the same way. new DataLoader(fit, { batchSize, shuffle: true, seed }).',
      );
    }
  });

  it('leaks no tensor: once the model is disposed, tf.memory().numTensors is as before the run', () => {
    requirePieces();
    result.model.dispose();
    const after = tf.memory().numTensors;
    if (after !== tensorsBefore) {
      throw new Error(`tf.memory().numTensors: expected ${tensorsBefore} after model.dispose(), got ${after} (${after - tensorsBefore} left behind)`);
    }
  });
});
