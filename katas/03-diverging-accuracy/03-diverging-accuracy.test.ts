import { describe, it } from 'vitest';
import fc from 'fast-check';
import { tf } from '../../src/lib/tf.js';
import { DataLoader, InMemoryDataset, type Batch } from '../../src/lib/data/dataset.js';
import { mulberry32 } from '../../src/lib/data/random.js';
import { assertProperty } from '../../test/support/kata-test.js';
import { historyCurves, progressLog, showCurves } from '../../test/support/curves.js';
import type { EpochRecord } from '../../solutions/02-training-loop/training-loop.js';
import { QUICK_SYMPTOM, runSeedExperiment, SEED_EXPERIMENT } from './experiment.js';
import { SeedLoader } from './seed-loader.js';
import { checkLabelsFollowImages } from './label-check.js';

/**
 * A dataset whose images say who they are: every pixel of example i is (i + 1) / 1000, and its label
 * is i % numClasses. Any batch can then be checked row by row: which example is this image, and is
 * this its label?
 */
function selfDescribing(n: number, numClasses = 5): InMemoryDataset {
  const per = 2 * 2;
  const images = new Float32Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    images.fill((i + 1) / 1000, i * per, (i + 1) * per);
    labels[i] = i % numClasses;
  }
  return new InMemoryDataset(images, labels, [2, 2, 1], Array.from({ length: numClasses }, (_, c) => `class${c}`));
}

interface Row {
  epoch: number;
  batch: number;
  row: number;
  example: number;
  label: number;
}

/** Runs `epochs` epochs of the loader; returns every row it yielded, and checks the batch tensors on the way. */
function readEpochs(loader: SeedLoader, epochs: number): Row[] {
  const rows: Row[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let batch = 0;
    for (const { x, y } of loader) {
      try {
        if (x.dtype !== 'float32' || y.dtype !== 'int32' || x.rank !== 4 || y.rank !== 1 || x.shape[0] !== y.shape[0]) {
          throw new Error(
            `batch ${batch} of epoch ${epoch}: expected x float32 [B,H,W,C] and y int32 [B] with the same B, ` +
              `got x ${x.dtype} [${x.shape}] and y ${y.dtype} [${y.shape}]`,
          );
        }
        const pixels = x.dataSync();
        const labels = y.dataSync();
        const per = pixels.length / labels.length;
        for (let j = 0; j < labels.length; j++) {
          rows.push({ epoch, batch, row: j, example: Math.round(pixels[j * per]! * 1000) - 1, label: labels[j]! });
        }
      } finally {
        tf.dispose([x, y]);
      }
      batch++;
    }
  }
  return rows;
}

function firstMismatch(rows: Row[], ds: InMemoryDataset): string | null {
  const bad = rows.filter((r) => ds.labels[r.example] !== r.label);
  if (bad.length === 0) return null;
  const perEpoch = [...new Set(rows.map((q) => q.epoch))].map((e) => {
    const all = rows.filter((q) => q.epoch === e);
    return `epoch ${e}: ${all.filter((q) => ds.labels[q.example] !== q.label).length}/${all.length}`;
  });
  return (
    `images and labels: the invariant "row j of x and row j of y are the same example" does not hold: ` +
    `expected every row's label to be the label of the image in that row, got ${bad.length} of ${rows.length} rows ` +
    `whose label is not their image's (${perEpoch.join(', ')}). Your checkLabelsFollowImages should say where.`
  );
}

function orderOf(rows: Row[], epoch: number): number[] {
  return rows.filter((r) => r.epoch === epoch).map((r) => r.example);
}

const fmt = (h: EpochRecord[], key: 'accuracy' | 'trainingLoss'): string => h.map((r) => r[key].toFixed(2)).join(' ');

/** The symptom's assertion, for the quick run and the full one: accuracy at or above 0.85 every epoch, a falling training loss. */
function expectNoCollapse(history: EpochRecord[]): void {
  const low = history.filter((r) => !(r.accuracy >= 0.85));
  const rising = !(history.at(-1)!.trainingLoss <= history[0]!.trainingLoss);
  if (low.length > 0 || rising) {
    throw new Error(
      `validation accuracy per epoch: ${fmt(history, 'accuracy')} — expected >= 0.85 every epoch\n` +
        `training loss per epoch:       ${fmt(history, 'trainingLoss')} — expected to fall (ln 2 = 0.69 is a two-class model that has learned nothing)\n` +
        `  The model and the loop are kata 01's and kata 02's; only the training batches come from your seed-loader.ts.`,
    );
  }
}

describe('kata 03 — the symptom', () => {
  it(`validation accuracy stays at or above 0.85 at every epoch (quick run: ${QUICK_SYMPTOM.epochs} epochs, 50 Dress and 50 Coat images, batches of 8)`, async (ctx) => {
    const history = await runSeedExperiment(progressLog('seed experiment, quick run', QUICK_SYMPTOM.epochs), QUICK_SYMPTOM);
    await showCurves(ctx, 'the seed experiment (quick run: 100 images, batches of 8), per epoch', historyCurves(history, '≥ 0.85 every epoch'));
    expectNoCollapse(history);
  }, 120_000); // seconds in Node; in a browser on a software renderer the first run compiles every shader
});

describe('kata 03 — the invariant: row j of x and row j of y are the same example', () => {
  it('every batch pairs each image with its own label, in every epoch (23 examples, batches of 4, 3 epochs)', () => {
    const ds = selfDescribing(23);
    const rows = readEpochs(new SeedLoader(ds, 4, 7), 3);
    const msg = firstMismatch(rows, ds);
    if (msg) throw new Error(msg);
  });

  it('property: for any dataset size, batch size and seed, every image keeps its label for 3 epochs', () => {
    assertProperty(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 1000 }), (n, bs, seed) => {
        const ds = selfDescribing(n);
        const msg = firstMismatch(readEpochs(new SeedLoader(ds, bs, seed), 3), ds);
        if (msg) throw new Error(`n = ${n}, batchSize = ${bs}, seed = ${seed}: ${msg}`);
      }),
      60,
    );
  });
});

/** n random 2x2 images (distinct), labels i % numClasses in a seeded order: a dataset that does not describe itself. */
function randomDataset(n: number, numClasses: number, seed: number): InMemoryDataset {
  const rng = mulberry32(seed);
  const images = Float32Array.from({ length: n * 4 }, () => rng());
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % numClasses);
  return new InMemoryDataset(images, labels, [2, 2, 1], Array.from({ length: numClasses }, (_, c) => `c${c}`));
}

type Fault =
  | 'labels rotated by one row'
  | 'two rows swap their images, not their labels'
  | 'images scaled by 0.5'
  | 'labels as float32'
  | 'labels as [B,1]'
  | 'the last label dropped';

/**
 * A correct loader (the project's DataLoader, shuffled, seed 5) with ONE planted fault in one batch of one
 * epoch; every other batch is right. The test first proves that the fault really breaks the invariant.
 */
class PlantedFault extends DataLoader {
  private epochsRead = 0;
  constructor(
    ds: InMemoryDataset,
    batchSize: number,
    private readonly at: { epoch: number; batch: number; fault: Fault },
  ) {
    super(ds, { batchSize, shuffle: true, seed: 5 });
  }

  override *[Symbol.iterator](): Generator<Batch> {
    const epoch = this.epochsRead++;
    let b = 0;
    const inner = super[Symbol.iterator]();
    for (let r = inner.next(); !r.done; r = inner.next()) {
      const batch = r.value;
      if (epoch !== this.at.epoch || b++ !== this.at.batch) {
        yield batch;
        continue;
      }
      const { x, y } = batch;
      const n = y.shape[0];
      const planted = tf.tidy((): { x: tf.Tensor; y: tf.Tensor } => {
        switch (this.at.fault) {
          case 'labels rotated by one row':
            return { x: x.clone(), y: tf.concat([y.slice(1), y.slice(0, 1)]) };
          case 'two rows swap their images, not their labels':
            return { x: tf.gather(x, tf.tensor1d([n - 1, ...Array.from({ length: n - 2 }, (_, k) => k + 1), 0], 'int32')), y: y.clone() };
          case 'images scaled by 0.5':
            return { x: tf.mul(x, 0.5), y: y.clone() };
          case 'labels as float32':
            return { x: x.clone(), y: tf.cast(y, 'float32') };
          case 'labels as [B,1]':
            return { x: x.clone(), y: tf.expandDims(y, 1) };
          case 'the last label dropped':
            return { x: x.clone(), y: y.slice(0, n - 1) };
        }
      });
      tf.dispose([x, y]);
      yield planted as unknown as Batch;
    }
  }
}

interface WrongRow {
  epoch: number;
  batch: number;
  row: number;
  /** The label of the image in that row (undefined: an image the dataset does not contain). */
  expected: number | undefined;
  got: number;
}

/** The first row, in reading order, whose label is not its image's: read by the test itself. */
function firstWrongRow(ds: InMemoryDataset, loader: DataLoader, epochs: number): WrongRow | null {
  const labelOf = new Map<string, number>();
  for (let i = 0; i < ds.length; i++) labelOf.set(Array.from(ds.images.subarray(i * 4, i * 4 + 4)).join(), ds.labels[i]!);
  let first: WrongRow | null = null;
  for (let epoch = 0; epoch < epochs; epoch++) {
    let batch = 0;
    for (const { x, y } of loader) {
      const px = x.dataSync();
      const ys = y.dataSync();
      for (let row = 0; row < ys.length && !first; row++) {
        const expected = labelOf.get(Array.from(px.subarray(row * 4, row * 4 + 4)).join());
        if (expected !== ys[row]) first = { epoch, batch, row, expected, got: ys[row]! };
      }
      tf.dispose([x, y]);
      batch++;
    }
  }
  return first;
}

/** The planted fault, proven real by the test's own reading of the rows: at least one row's label is not its image's. */
function planted(ds: InMemoryDataset, batchSize: number, at: { epoch: number; batch: number; fault: Fault }): () => PlantedFault {
  const make = (): PlantedFault => new PlantedFault(ds, batchSize, at);
  if (!firstWrongRow(ds, make(), at.epoch + 1)) throw new Error(`test fixture: the planted fault (${at.fault}) left every row right; pick another batch`);
  return make;
}

function expectRejected(run: () => void, what: string, mentions: string[], why = 'a dtype and shape check cannot see a label on the wrong image'): string {
  let message: string | null = null;
  try {
    run();
  } catch (e) {
    message = (e as Error).message;
  }
  if (message === null) {
    throw new Error(`checkLabelsFollowImages: expected it to throw for ${what}, got a normal return (${why})`);
  }
  const missing = mentions.filter((m) => !message!.includes(m));
  if (missing.length > 0) {
    throw new Error(`checkLabelsFollowImages threw for ${what}, as it should, but its message does not say where: expected it to mention ${missing.map((m) => `"${m}"`).join(' and ')}, got "${message}"`);
  }
  return message;
}

function expectAccepted(run: () => void, what: string): void {
  try {
    run();
  } catch (e) {
    throw new Error(`checkLabelsFollowImages: expected a normal return for ${what} (every row keeps its own label), got "${(e as Error).message}"`);
  }
}

describe('kata 03 — your check: checkLabelsFollowImages tells a broken loader from a correct one', () => {
  const ds = randomDataset(27, 3, 4);

  it('throws for a shuffling loader whose labels are rotated by one row in batch 2 of epoch 2, naming epoch 2 and batch 2, the row, the label expected and the label that came', () => {
    const make = planted(ds, 4, { epoch: 2, batch: 2, fault: 'labels rotated by one row' });
    const wrong = firstWrongRow(ds, make(), 3)!;
    const message = expectRejected(() => checkLabelsFollowImages(make(), 3), 'labels rotated by one row in batch 2 of epoch 2', ['epoch 2', 'batch 2', `row ${wrong.row}`]);
    if (!new RegExp(`expected\\D*\\b${wrong.expected}\\b[^]*got\\D*\\b${wrong.got}\\b`).test(message)) {
      throw new Error(
        `checkLabelsFollowImages threw "${message}": expected it to say what was expected and what came — row ${wrong.row}'s image has label ${wrong.expected}, ` +
          `the batch gave it ${wrong.got} ("expected ${wrong.expected}, got ${wrong.got}"). Whoever reads the message must be able to tell a rotated label from an off-by-one class.`,
      );
    }
  });

  it('still rejects what a dtype and shape check catches: y float32 [4], y int32 [4,1], y one row shorter than x — naming the epoch and the batch', () => {
    const why =
      'the data check does not replace the dtype and shape check: a float label 1 passes a lookup of class 1, a [4,1] column reads as 4 labels, ' +
      'and with one label fewer than images the last image has none while the rows that remain all match. Keep checking y int32 [B], B = x\'s rows';
    for (const fault of ['labels as float32', 'labels as [B,1]', 'the last label dropped'] as const) {
      const make = (): PlantedFault => new PlantedFault(ds, 4, { epoch: 1, batch: 3, fault });
      expectRejected(() => checkLabelsFollowImages(make(), 2), `${fault} in batch 3 of epoch 1`, ['epoch 1', 'batch 3'], why);
    }
  });

  it('throws for a loader that changes the images (scaled by 0.5 in batch 1 of epoch 0): a row whose image the dataset does not contain, naming epoch 0 and batch 1', () => {
    // A second normalisation, an augmentation: the check cannot tell which example such a row is, so it cannot vouch for its label.
    const make = planted(ds, 4, { epoch: 0, batch: 1, fault: 'images scaled by 0.5' });
    expectRejected(() => checkLabelsFollowImages(make(), 1), 'images scaled by 0.5 in batch 1 of epoch 0 (pixels that no image of loader.dataset has)', ['epoch 0', 'batch 1'],
      'a row whose image loader.dataset does not contain is no example of it: the check cannot say whose label it should carry, so it must not let the row through');
  });

  it('throws for a loader where two rows of the last batch of epoch 1 swap their images but keep their labels', () => {
    const make = planted(ds, 5, { epoch: 1, batch: 5, fault: 'two rows swap their images, not their labels' });
    expectRejected(() => checkLabelsFollowImages(make(), 2), 'two images swapped in batch 5 of epoch 1', ['epoch 1', 'batch 5']);
  });

  it('reads as many epochs as it is asked: a fault in epoch 4 is caught with epochs = 5, not looked for with epochs = 3 (nor one in epoch 3: epochs 0, 1, 2)', () => {
    const make = planted(ds, 6, { epoch: 4, batch: 0, fault: 'labels rotated by one row' });
    expectRejected(() => checkLabelsFollowImages(make(), 5), 'a fault in epoch 4 (epochs = 5)', ['epoch 4']);
    expectAccepted(() => checkLabelsFollowImages(make(), 3), 'the first 3 epochs of a loader whose first fault is in epoch 4');
    // epochs = 3 reads epochs 0, 1 and 2: a 4th would consume (and reshuffle) an epoch the training was meant to get.
    const at3 = planted(ds, 6, { epoch: 3, batch: 0, fault: 'labels rotated by one row' });
    expectAccepted(() => checkLabelsFollowImages(at3(), 3), 'epochs = 3 of a loader whose first fault is in epoch 3, the 4th (epochs are counted from 0: read 0, 1, 2)');
  });

  it('returns normally for correct loaders: shuffled (batches of 4), in file order, batches of 1 and one batch larger than the data', () => {
    const other = randomDataset(11, 2, 9);
    expectAccepted(() => checkLabelsFollowImages(new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 5 }), 3), 'a shuffled DataLoader, batches of 4');
    expectAccepted(() => checkLabelsFollowImages(new DataLoader(ds, { batchSize: 4 }), 2), 'a DataLoader in file order');
    expectAccepted(() => checkLabelsFollowImages(new DataLoader(other, { batchSize: 1, shuffle: true, seed: 2 }), 3), 'a shuffled DataLoader, batches of 1');
    expectAccepted(() => checkLabelsFollowImages(new DataLoader(other, { batchSize: 32, shuffle: true, seed: 3 }), 2), 'one batch of all 11 examples');
  });

  it('leaks no tensor, whether it returns or throws', () => {
    const before = tf.memory().numTensors;
    try {
      checkLabelsFollowImages(planted(ds, 4, { epoch: 2, batch: 2, fault: 'labels rotated by one row' })(), 3);
    } catch {
      // thrown or not, the batches it read must be disposed
    }
    checkLabelsFollowImages(new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 5 }), 2);
    const after = tf.memory().numTensors;
    if (after !== before) throw new Error(`tf.memory().numTensors: expected ${before} after checkLabelsFollowImages, got ${after}`);
  });
});

describe('kata 03 — what the loader must still do', () => {
  it('every example appears exactly once per epoch, in batches of 4 and a last one of 3', () => {
    const ds = selfDescribing(23);
    const rows = readEpochs(new SeedLoader(ds, 4, 7), 3);
    for (let e = 0; e < 3; e++) {
      const order = orderOf(rows, e);
      const sorted = [...order].sort((a, b) => a - b);
      if (sorted.length !== 23 || sorted.some((v, i) => v !== i)) {
        throw new Error(`epoch ${e}: expected examples 0..22 once each, got [${order.join(', ')}]`);
      }
      const sizes = [...new Set(rows.filter((r) => r.epoch === e).map((r) => r.batch))].map(
        (b) => rows.filter((r) => r.epoch === e && r.batch === b).length,
      );
      if (sizes.join(',') !== '4,4,4,4,4,3') throw new Error(`epoch ${e}: expected batch sizes 4,4,4,4,4,3, got ${sizes.join(',')}`);
    }
  });

  it('no empty batch when the batches fit exactly: 24 examples give 6 batches of 4, or 3 batches of 8, every epoch', () => {
    for (const bs of [4, 8]) {
      const loader = new SeedLoader(selfDescribing(24), bs, 7);
      for (let e = 0; e < 2; e++) {
        const sizes: number[] = [];
        for (const { x, y } of loader) {
          sizes.push(y.shape[0]);
          tf.dispose([x, y]);
        }
        const want = Array.from({ length: 24 / bs }, () => bs);
        if (sizes.join(',') !== want.join(',')) {
          throw new Error(
            `SeedLoader(24 examples, batchSize ${bs}), epoch ${e}: expected batch sizes ${want.join(',')}, got ${sizes.join(',')}. ` +
              'A batch of 0 examples is not a batch: its mean loss is 0/0 = NaN, and one NaN makes the epoch\'s loss NaN (the loop runs while start < n).',
          );
        }
      }
    }
  });

  it('shuffle=True: every epoch has a new order', () => {
    const rows = readEpochs(new SeedLoader(selfDescribing(23), 4, 7), 3);
    const [a, b, c] = [0, 1, 2].map((e) => orderOf(rows, e).join(','));
    if (a === b || b === c) {
      throw new Error(`epoch orders: expected a new order every epoch (DataLoader(shuffle=True)), got\n  epoch 0: ${a}\n  epoch 1: ${b}\n  epoch 2: ${c}`);
    }
  });

  it('the same seed gives the same orders (a run can be repeated)', () => {
    const order = (): string => readEpochs(new SeedLoader(selfDescribing(23), 4, 11), 3).map((r) => r.example).join(',');
    const [a, b] = [order(), order()];
    if (a !== b) throw new Error(`two loaders with seed 11: expected the same 3 epochs of orders, got\n  ${a}\n  ${b}\n  (Math.random and tf.util.shuffle ignore the seed)`);
  });

  it('leaks no tensor: after the caller disposes every batch, tf.memory().numTensors is as before', () => {
    const loader = new SeedLoader(selfDescribing(23), 4, 7);
    const before = tf.memory().numTensors;
    readEpochs(loader, 2);
    const after = tf.memory().numTensors;
    if (after !== before) throw new Error(`tf.memory().numTensors: expected ${before} after two epochs, got ${after}`);
  });
});

// ---------- slow tier (katas/manifest.json "slow"): runs once the tests above pass ----------

describe('kata 03 — the seed experiment at full size', () => {
  it(`validation accuracy stays at or above 0.85 at every epoch (${SEED_EXPERIMENT.epochs} epochs, 500 Dress and 500 Coat images)`, async (ctx) => {
    const history = await runSeedExperiment(progressLog('seed experiment', SEED_EXPERIMENT.epochs));
    await showCurves(ctx, 'the seed experiment, per epoch', historyCurves(history, '≥ 0.85 every epoch'));
    expectNoCollapse(history);
  }, 120_000);
});
