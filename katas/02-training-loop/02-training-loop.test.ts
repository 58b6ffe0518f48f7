import { afterEach, describe, it, vi } from 'vitest';
import { tf } from '../../src/lib/tf.js';
import type { Classifier, ForwardOptions } from '../../src/lib/classifier.js';
import { DataLoader, InMemoryDataset } from '../../src/lib/data/dataset.js';
import { mulberry32 } from '../../src/lib/data/random.js';
import { describeTensor, formatValue } from '../../src/lib/describe.js';
import { crossEntropy, formatEpoch, train, type EpochRecord, type TrainOptions } from './training-loop.js';

// ---------- small models the tests can see inside ----------

/** Images are 4×4×1: 16 pixels, row-major; pixels 0..7 are the top half, 8..15 the bottom half. */
const SHAPE: [number, number, number] = [4, 4, 1];
const PIXELS = 16;

/** A model that remembers every forward's `training` flag, and can run a hook before each forward. */
abstract class Spy implements Classifier {
  readonly numClasses = 2;
  readonly calls: boolean[] = [];
  onForward?: (callIndex: number) => void;
  forward(images: tf.Tensor4D, opts: ForwardOptions): tf.Tensor2D {
    this.onForward?.(this.calls.length);
    this.calls.push(opts.training);
    return this.logits(images, opts.training);
  }
  abstract logits(images: tf.Tensor4D, training: boolean): tf.Tensor2D;
  abstract trainableVariables(): tf.Variable[];
  abstract dispose(): void;
  /** Current values of the trainable weights, flattened. */
  snapshot(): number[] {
    return this.trainableVariables().flatMap((v) => Array.from(v.dataSync()));
  }
}

/**
 * logits = flatten(x) · W + offset. W [16,2] votes class 0 for bright top pixels, class 1 for bright
 * bottom pixels, so the loss of each example can be computed by hand (see handLosses). No dropout:
 * training and validation forwards give the same numbers. `offset` [2] is a trainable tf.Variable
 * that is NOT in trainableVariables() — a frozen weight the optimizer must leave alone.
 */
class LinearSpy extends Spy {
  static readonly W: number[][] = Array.from({ length: PIXELS }, (_, p) => (p < 8 ? [0.5, -0.5] : [-0.5, 0.5]));
  readonly w = tf.variable(tf.tensor2d(LinearSpy.W), true, undefined, 'float32'); // float32 [16,2]
  readonly offset = tf.variable(tf.zeros([2]), true); // float32 [2], frozen
  logits(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(tf.reshape(images, [-1, PIXELS]), this.w), this.offset)); // float32 [B,2]
  }
  trainableVariables(): tf.Variable[] {
    return [this.w];
  }
  dispose(): void {
    tf.dispose([this.w, this.offset]);
  }
}

/** The brief's head in small: flatten → dense(16) → relu → dropout(0.5) → dense(2), seeded. */
class DropoutSpy extends Spy {
  readonly net = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: SHAPE }),
      tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  logits(images: tf.Tensor4D, training: boolean): tf.Tensor2D {
    return this.net.apply(images, { training }) as tf.Tensor2D;
  }
  trainableVariables(): tf.Variable[] {
    return this.net.trainableWeights.map((w) => w.read() as tf.Variable);
  }
  dispose(): void {
    this.net.dispose();
  }
}

/** An SGD that counts its steps (one applyGradients per optimizer.minimize). */
class CountingSGD extends tf.SGDOptimizer {
  steps = 0;
  override applyGradients(grads: Parameters<tf.SGDOptimizer['applyGradients']>[0]): void {
    this.steps++;
    super.applyGradients(grads);
  }
}

// ---------- data ----------

/** One image: top half `top`, bottom half `bottom`. */
function image(top: number, bottom: number): number[] {
  return Array.from({ length: PIXELS }, (_, p) => (p < 8 ? top : bottom));
}

function dataset(images: number[][], labels: number[]): InMemoryDataset {
  return new InMemoryDataset(new Float32Array(images.flat()), new Int32Array(labels), SHAPE, ['top', 'bottom']);
}

/**
 * 10 training examples, batches of 4, 4, 2 (no shuffle): the first 8 are easy (loss < 0.05),
 * the last 2 are mislabeled (loss ≈ 5.6 and 6.4): the small last batch has by far the largest mean loss.
 */
const TRAIN = {
  images: [0.9, 0.7, 0.5, 0.8, 0.6, 0.95, 0.75, 0.55, 0.8, 0.9].map((v, i) => (i % 2 ? image(0.1, v) : image(v, 0.1))),
  labels: [0, 1, 0, 1, 0, 1, 0, 1, 1, 0], // the last two are wrong on purpose
  batchSize: 4,
};
/** 7 validation examples, batches of 3, 3, 1: the last one is mislabeled, so 6 of 7 are right. */
const VAL = {
  images: [0.85, 0.65, 0.7, 0.9, 0.6, 0.8, 0.75].map((v, i) => (i % 2 ? image(0.1, v) : image(v, 0.1))),
  labels: [0, 1, 0, 1, 0, 1, 1],
  batchSize: 3,
};

function loaders(): { trainLoader: DataLoader; valLoader: DataLoader } {
  return {
    trainLoader: new DataLoader(dataset(TRAIN.images, TRAIN.labels), { batchSize: TRAIN.batchSize }),
    valLoader: new DataLoader(dataset(VAL.images, VAL.labels), { batchSize: VAL.batchSize }),
  };
}

/** -log softmax(z)[y] in float64. */
function ceOne(z: number[], y: number): number {
  const m = Math.max(...z);
  return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[y]!;
}

/** Per-example losses of LinearSpy, by hand: logits = x · W. */
function handLosses(images: number[][], labels: number[]): { losses: number[]; correct: boolean[] } {
  const logits = images.map((x) => [0, 1].map((c) => x.reduce((s, v, p) => s + v * LinearSpy.W[p]![c]!, 0)));
  return {
    losses: logits.map((z, i) => ceOne(z, labels[i]!)),
    correct: logits.map((z, i) => (z[1]! > z[0]! ? 1 : 0) === labels[i]),
  };
}

/** Splits per-example values into the loader's batches (no shuffle, last batch smaller). */
function batches<T>(values: T[], batchSize: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += batchSize) out.push(values.slice(i, i + batchSize));
  return out;
}

const sum = (xs: number[]): number => xs.reduce((s, v) => s + v, 0);
const f4 = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : String(v));

/** The right loss over a dataset, and the wrong ones a first port computes, each explained. */
function lossCandidates(losses: number[], batchSize: number): { expected: number; how: string; wrongs: Array<[number, string]> } {
  const bs = batches(losses, batchSize);
  const means = bs.map((b) => sum(b) / b.length);
  const sizes = bs.map((b) => b.length);
  const n = losses.length;
  const k = bs.length;
  return {
    expected: sum(means.map((m, i) => m * sizes[i]!)) / n,
    how: `Σ (batch mean loss × batch size) / dataset size = (${means.map((m, i) => `${m.toFixed(3)}×${sizes[i]}`).join(' + ')}) / ${n}`,
    wrongs: [
      [sum(means) / k, `the mean of the ${k} batch means (${means.map((m) => m.toFixed(3)).join(' + ')}) / ${k} — but the last batch has only ${sizes[k - 1]} example${sizes[k - 1] === 1 ? '' : 's'}, so its mean must weigh ${sizes[k - 1]}/${n}, not 1/${k}`],
      [sum(means.map((m, i) => m * sizes[i]!)) / k, `Σ (batch mean × batch size) divided by the number of batches (${k}) instead of the number of examples (${n}) — PyTorch divides by len(train_loader.dataset)`],
      [sum(means) / n, `Σ batch means / ${n}: each batch mean must be multiplied by its batch size first (loss.item() * inputs.size(0))`],
    ],
  };
}

/** got must be expected (±tol); if it matches a known wrong computation, say which. */
function expectNumber(
  label: string,
  got: unknown,
  expected: number,
  how: string,
  wrongs: Array<[number, string]> = [],
  otherwise = '',
  tol = 1e-4,
): void {
  if (typeof got === 'number' && Math.abs(got - expected) <= tol) return;
  const hit = typeof got === 'number' ? wrongs.find(([w]) => Math.abs(got - w) <= tol) : undefined;
  throw new Error(
    `${label}: expected ${f4(expected)}, got ${typeof got === 'number' ? f4(got) : formatValue(got)}\n` +
      `  expected = ${how}` +
      (hit ? `\n  you computed ${hit[1]}` : otherwise ? `\n  ${otherwise}` : ''),
  );
}

/** Runs train with defaults for the tests; collects the log lines. */
async function run(over: Partial<TrainOptions> & Pick<TrainOptions, 'model' | 'optimizer'>): Promise<{ history: EpochRecord[]; lines: string[] }> {
  const lines: string[] = [];
  const history = await train({ ...loaders(), epochs: 2, log: (l) => lines.push(l), ...over });
  if (!Array.isArray(history)) throw new Error(`train(...) resolved to ${formatValue(history)}: expected an array of EpochRecord (the history)`);
  return { history, lines };
}

function record(history: EpochRecord[], epoch: number): EpochRecord {
  const r = history[epoch];
  if (!r) throw new Error(`history[${epoch}] is missing: train returned ${history.length} records for 2 epochs`);
  return r;
}

const disposables: Array<{ dispose(): void }> = [];
function own<T extends { dispose(): void }>(x: T): T {
  disposables.push(x);
  return x;
}
afterEach(() => {
  disposables.splice(0).forEach((d) => d.dispose());
  vi.restoreAllMocks();
});

// ---------- the two helpers ----------

describe('kata 02 — crossEntropy and formatEpoch', () => {
  it('crossEntropy is the mean of -log softmax(logits)[target] over the batch: float32 []', () => {
    const z = [[2, 0], [0, 1], [3, 1], [0.5, 0.5]];
    const y = [0, 1, 1, 0];
    const logits = own(tf.tensor2d(z)); // float32 [4,2]
    const targets = own(tf.tensor1d(y, 'int32')); // int32 [4]
    const before = tf.memory().numTensors;
    const loss = crossEntropy(logits, targets);
    const made = tf.memory().numTensors - before;
    own(loss);
    if (!(loss instanceof tf.Tensor) || loss.rank !== 0 || loss.dtype !== 'float32') {
      throw new Error(`crossEntropy(float32 [4,2], int32 [4]) returned ${loss instanceof tf.Tensor ? describeTensor(loss) : formatValue(loss)}: expected float32 [] (a scalar)`);
    }
    const per = z.map((row, i) => ceOne(row, y[i]!));
    expectNumber('crossEntropy(logits, targets)', loss.dataSync()[0], sum(per) / 4, `mean of [${per.map((v) => v.toFixed(4)).join(', ')}]`);
    if (made !== 1) throw new Error(`crossEntropy left ${made} tensors behind: expected 1 (the returned loss). Wrap the work in tf.tidy`);
  });

  it("formatEpoch prints the seed's line: Epoch: 0, Training Loss: 0.52, Validation Loss: 0.43, accuracy = 0.81", () => {
    const cases: Array<[EpochRecord, string]> = [
      [{ epoch: 0, trainingLoss: 0.5249, validationLoss: 0.4251, accuracy: 0.8125 }, 'Epoch: 0, Training Loss: 0.52, Validation Loss: 0.43, accuracy = 0.81'],
      [{ epoch: 12, trainingLoss: 2.0, validationLoss: 0.006, accuracy: 1 }, 'Epoch: 12, Training Loss: 2.00, Validation Loss: 0.01, accuracy = 1.00'],
    ];
    for (const [r, want] of cases) {
      const got = formatEpoch(r);
      if (got !== want) throw new Error(`formatEpoch(${JSON.stringify(r)}):\n  expected ${JSON.stringify(want)}\n  got      ${JSON.stringify(got)}\n  (Python's {:.2f} is toFixed(2))`);
    }
  });
});

// ---------- the numbers ----------

describe('kata 02 — train: losses weighted by batch size, accuracy over examples', () => {
  const trainHand = handLosses(TRAIN.images, TRAIN.labels);
  const valHand = handLosses(VAL.images, VAL.labels);

  it('training loss = Σ batch loss × batch size / 10 examples (batches of 4, 4, 2), not the mean of batch means', async () => {
    const model = own(new LinearSpy());
    const { history } = await run({ model, optimizer: own(new CountingSGD(0)) }); // lr 0: the weights never move
    const c = lossCandidates(trainHand.losses, TRAIN.batchSize);
    for (const e of [0, 1]) expectNumber(`history[${e}].trainingLoss (lr 0, so every epoch sees the same weights)`, record(history, e).trainingLoss, c.expected, c.how, c.wrongs);
  });

  it('validation loss = Σ batch loss × batch size / 7 examples (batches of 3, 3, 1), not the mean of batch means', async () => {
    const model = own(new LinearSpy());
    const { history } = await run({ model, optimizer: own(new CountingSGD(0)) });
    const c = lossCandidates(valHand.losses, VAL.batchSize);
    for (const e of [0, 1]) expectNumber(`history[${e}].validationLoss`, record(history, e).validationLoss, c.expected, c.how, c.wrongs);
  });

  it('accuracy = correct / examples = 6/7, not the mean of batch accuracies', async () => {
    const model = own(new LinearSpy());
    const { history } = await run({ model, optimizer: own(new CountingSGD(0)) });
    const per = batches(valHand.correct, VAL.batchSize).map((b) => b.filter(Boolean).length);
    const sizes = batches(valHand.correct, VAL.batchSize).map((b) => b.length);
    const correct = sum(per);
    expectNumber('history[0].accuracy', record(history, 0).accuracy, correct / VAL.labels.length, `num_correct / num_examples = ${correct} / ${VAL.labels.length}`, [
      [sum(per.map((p, i) => p / sizes[i]!)) / per.length, `the mean of the ${per.length} batch accuracies (${per.map((p, i) => `${p}/${sizes[i]}`).join(', ')}): a batch of 1 counts as much as a batch of 3`],
      [correct / per.length, `num_correct / number of batches (${per.length}): divide by the number of examples`],
    ]);
  });

  it('returns one record per epoch (epoch 0, 1, 2) and logs formatEpoch(record) once per epoch', async () => {
    const model = own(new LinearSpy());
    const { history, lines } = await run({ model, optimizer: own(new CountingSGD(0.1)), epochs: 3 });
    const epochs = history.map((r) => r.epoch);
    if (JSON.stringify(epochs) !== '[0,1,2]') throw new Error(`history epochs: expected [0,1,2] (one record per epoch), got ${JSON.stringify(epochs)}`);
    for (const r of history) {
      for (const k of ['trainingLoss', 'validationLoss', 'accuracy'] as const) {
        if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) throw new Error(`history[${r.epoch}].${k}: expected a finite number, got ${formatValue(r[k])}`);
      }
    }
    const want = history.map(formatEpoch);
    if (JSON.stringify(lines) !== JSON.stringify(want)) {
      throw new Error(`log lines: expected one per epoch, formatEpoch(history[i]):\n  expected ${JSON.stringify(want, null, 1)}\n  got      ${JSON.stringify(lines, null, 1)}`);
    }
  });

  it('logs with console.log when no log option is given', async () => {
    const spy = vi.spyOn(console, 'log').mockImplementation(() => {});
    const model = own(new LinearSpy());
    const history = await train({ model, optimizer: own(new CountingSGD(0)), ...loaders(), epochs: 1 });
    const logged = spy.mock.calls.map((c) => String(c[0]));
    const want = formatEpoch(record(history, 0));
    if (!logged.includes(want)) throw new Error(`console.log: expected a call with ${JSON.stringify(want)}, got ${JSON.stringify(logged)}`);
  });
});

// ---------- model.train() / model.eval() ----------

describe('kata 02 — train: training mode, then validation mode', () => {
  it('every training forward says { training: true }, every validation forward { training: false }', async () => {
    const model = own(new DropoutSpy());
    await run({ model, optimizer: own(new CountingSGD(0.1)) });
    const perEpoch = 'T'.repeat(3) + ' ' + 'F'.repeat(3); // 3 training batches, then 3 validation batches
    const want = `${perEpoch} | ${perEpoch}`;
    const flags = model.calls.map((t) => (t ? 'T' : 'F')).join('');
    const got = flags.length === 12 ? `${flags.slice(0, 3)} ${flags.slice(3, 6)} | ${flags.slice(6, 9)} ${flags.slice(9)}` : flags;
    if (got !== want) {
      const why = flags.slice(3, 6).includes('T')
        ? 'validation ran with training: true, so dropout was active during validation (PyTorch: model.eval())'
        : flags.slice(0, 3).includes('F')
          ? 'training ran with training: false, so dropout never regularised training (PyTorch: model.train())'
          : `expected 12 forward calls (2 epochs × (3 + 3 batches)), got ${flags.length}`;
      throw new Error(`forward({ training }) flags in call order (T = true, F = false):\n  expected ${want}\n  got      ${got}\n  ${why}`);
    }
  });

  it('validation loss with dropout 0.5 equals the dropout-off loss computed by hand (dropout is off in validation)', async () => {
    const model = own(new DropoutSpy());
    const { history } = await run({ model, optimizer: own(new CountingSGD(0)), epochs: 1 }); // lr 0
    const { x, y } = loaders().valLoader.dataset.toTensors();
    const z = tf.tidy(() => model.net.predict(x) as tf.Tensor2D).arraySync() as number[][]; // dropout off
    tf.dispose(x);
    const labels = Array.from(y.dataSync());
    y.dispose();
    const c = lossCandidates(z.map((row, i) => ceOne(row, labels[i]!)), VAL.batchSize);
    const got = record(history, 0).validationLoss;
    expectNumber(
      'history[0].validationLoss (lr 0, dropout 0.5 in the model)',
      got,
      c.expected,
      c.how + ', with every logit from forward(x, { training: false })',
      c.wrongs,
      'matches no weighting of the dropout-off losses: it changes from run to run, so dropout was active in validation. ' +
        'PyTorch switches it off with model.eval(); tfjs with forward(x, { training: false })',
    );
  });

  it('the optimizer steps once per training batch (3 per epoch) and never during validation', async () => {
    const model = own(new LinearSpy());
    const optimizer = own(new CountingSGD(0.1));
    await run({ model, optimizer, epochs: 2 });
    if (optimizer.steps !== 6) {
      throw new Error(
        `optimizer steps: expected 6 (2 epochs × 3 training batches), got ${optimizer.steps}` +
          (optimizer.steps === 12 ? ' — validation went through optimizer.minimize too: compute its loss without the optimizer' : ''),
      );
    }
  });

  it('validation changes no weight: the weights at the first validation forward are the weights at the log line', async () => {
    const model = own(new DropoutSpy());
    const snaps: number[][] = [];
    model.onForward = (i) => {
      if (i % 6 === 3) snaps.push(model.snapshot()); // 3 training batches, then the first validation batch
    };
    const atLog: number[][] = [];
    await train({ model, optimizer: own(new CountingSGD(0.5)), ...loaders(), epochs: 2, log: () => atLog.push(model.snapshot()) });
    for (let e = 0; e < 2; e++) {
      const a = snaps[e];
      const b = atLog[e];
      if (!a || !b) throw new Error(`epoch ${e}: expected 6 forward calls and one log line per epoch (got ${model.calls.length} forwards, ${atLog.length} lines)`);
      const moved = a.findIndex((v, i) => v !== b[i]);
      if (moved >= 0) {
        throw new Error(
          `epoch ${e}: weight ${moved} changed during validation, from ${a[moved]} to ${b[moved]}. ` +
            'Validation must only read the model: no optimizer.minimize, no variable.assign',
        );
      }
    }
  });

  it('only model.trainableVariables() change: a frozen weight outside that list stays put', async () => {
    const model = own(new LinearSpy());
    const w0 = Array.from(model.w.dataSync());
    await run({ model, optimizer: own(new CountingSGD(0.5)), epochs: 1 });
    const offset = Array.from(model.offset.dataSync());
    if (offset.some((v) => v !== 0)) {
      throw new Error(
        `frozen offset: expected [0, 0], got [${offset.join(', ')}] — pass model.trainableVariables() as the ` +
          'third argument of optimizer.minimize; without it tfjs updates every trainable tf.Variable it can reach',
      );
    }
    if (Array.from(model.w.dataSync()).every((v, i) => v === w0[i])) throw new Error('W did not change with lr 0.5: the optimizer never stepped');
  });
});

// ---------- no garbage collector for tensors ----------

describe('kata 02 — train: tensor memory', () => {
  it('tf.memory().numTensors is the same before and after train (SGD, dropout model, 2 epochs)', async () => {
    const model = own(new DropoutSpy());
    const optimizer = own(new CountingSGD(0.1));
    const { trainLoader, valLoader } = loaders();
    const before = tf.memory().numTensors;
    await train({ model, optimizer, trainLoader, valLoader, epochs: 2, log: () => {} });
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) {
      throw new Error(
        `tf.memory().numTensors: expected ${before} after train (as before), got ${before + leaked}: ${leaked} tensors leaked ` +
          `in 2 epochs × (3 + 3) batches = ${(leaked / 12).toFixed(1)} per batch. Dispose each batch's x and y ` +
          '(tf.dispose([x, y])), the loss that optimizer.minimize returns, and wrap validation in tf.tidy',
      );
    }
  });

  it('numTensors is the same at the end of every epoch (Adam, 4 epochs)', async () => {
    const model = own(new DropoutSpy());
    const counts: number[] = [];
    await train({ model, optimizer: own(tf.train.adam(0.01)), ...loaders(), epochs: 4, log: () => counts.push(tf.memory().numTensors) });
    if (new Set(counts).size !== 1) {
      throw new Error(
        `tf.memory().numTensors at each epoch's log line: expected the same number 4 times, got ${JSON.stringify(counts)} ` +
          `(+${(counts[1] ?? 0) - (counts[0] ?? 0)} per epoch). A long run would fill the memory: every tensor made per batch must be disposed`,
      );
    }
  });
});

// ---------- it learns ----------

describe('kata 02 — train learns', () => {
  it('learns a separable 2-class task (bright top vs bright bottom): accuracy >= 0.9 after 6 epochs with Adam', async () => {
    const rnd = mulberry32(42);
    const make = (n: number): InMemoryDataset => {
      const labels = Array.from({ length: n }, (_, i) => i % 2);
      const images = labels.map((l) =>
        Array.from({ length: PIXELS }, (_, p) => ((p < 8) === (l === 0) ? 0.6 + 0.4 * rnd() : 0.3 * rnd())),
      );
      return dataset(images, labels);
    };
    const model = own(new DropoutSpy());
    const lines: string[] = [];
    const history = await train({
      model,
      optimizer: own(tf.train.adam(0.05)),
      trainLoader: new DataLoader(make(64), { batchSize: 16, shuffle: true, seed: 1 }),
      valLoader: new DataLoader(make(30), { batchSize: 16 }),
      epochs: 6,
      log: (l) => lines.push(l),
    });
    const last = history[history.length - 1];
    if (!last || !(last.accuracy >= 0.9) || !(last.trainingLoss < history[0]!.trainingLoss)) {
      throw new Error(`expected the last accuracy >= 0.9 and a falling training loss, got:\n  ${lines.join('\n  ')}`);
    }
  });
});

// ---------- options ----------

describe('kata 02 — train rejects bad options', () => {
  async function expectRejected(what: string, opts: unknown, fragments: string[]): Promise<void> {
    let history: unknown;
    try {
      history = await train(opts as TrainOptions);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const o = (opts as { optimizer?: unknown } | null)?.optimizer; // not instanceof: tf.Optimizer's is duck-typed and reads .minimize
      const steps = typeof o === 'object' && o !== null && 'steps' in o ? Number(o.steps) : 0;
      if (steps > 0) {
        throw new Error(`train threw for ${what}, but only after ${steps} training steps: check every option before the first step (a bad option found after an hour of training costs the hour).\n  message: ${msg.split('\n')[0]}`);
      }
      const missing = fragments.filter((f) => !msg.includes(f));
      if (missing.length) {
        throw new Error(`train threw for ${what} — good — but the message should name ${missing.map((m) => JSON.stringify(m)).join(', ')}.\n  message: ${msg.split('\n')[0]}`);
      }
      return;
    }
    throw new Error(`train accepted ${what} and returned ${formatValue(history)} (${Array.isArray(history) ? `${history.length} epochs` : ''}).\n  expected: an Error naming ${fragments.map((f) => JSON.stringify(f)).join(', ')}`);
  }

  it('rejects epochs 0, -1, 1.5, NaN and "3", naming epochs and the value', async () => {
    const model = own(new LinearSpy());
    const optimizer = own(new CountingSGD(0));
    for (const [epochs, shown] of [[0, '0'], [-1, '-1'], [1.5, '1.5'], [NaN, 'NaN'], ['3', '"3"']] as const) {
      await expectRejected(`epochs = ${shown}`, { model, optimizer, ...loaders(), epochs, log: () => {} }, ['epochs', shown]);
    }
  });

  it('rejects a missing model, optimizer, loader or options object, and a dataset where a DataLoader belongs, naming the option, what it expected and what came', async () => {
    const model = own(new LinearSpy());
    const optimizer = own(new CountingSGD(0.1));
    const ok = { model, optimizer, ...loaders(), epochs: 1, log: () => {} };
    // A TypeError from deep inside train ("valLoader is not iterable", after a whole epoch of training) names the
    // option too: the checks must say what was expected and what came, before the first step.
    await expectRejected('model = undefined', { ...ok, model: undefined }, ['train model', 'expected a Classifier', 'got undefined']);
    const { forward, trainableVariables } = { forward: model.forward.bind(model), trainableVariables: model.trainableVariables.bind(model) };
    await expectRejected('a model without trainableVariables()', { ...ok, model: { numClasses: 2, forward } }, ['train model', 'trainableVariables', 'got Object']);
    await expectRejected('a model without forward()', { ...ok, model: { numClasses: 2, trainableVariables } }, ['train model', 'forward', 'got Object']);
    await expectRejected('optimizer = "adam" (a string)', { ...ok, optimizer: 'adam' }, ['train optimizer', 'expected a tf.Optimizer', 'got String']);
    await expectRejected('optimizer = null', { ...ok, optimizer: null }, ['train optimizer', 'got null']);
    await expectRejected('valLoader = undefined', { ...ok, valLoader: undefined }, ['train valLoader', 'expected a DataLoader', 'got undefined']);
    await expectRejected('trainLoader = an InMemoryDataset', { ...ok, trainLoader: ok.trainLoader.dataset }, ['train trainLoader', 'expected a DataLoader', 'got InMemoryDataset']);
    await expectRejected('log = "console" (a string)', { ...ok, log: 'console' }, ['train log', 'expected a function', 'got String']);
    for (const [opts, shown] of [[undefined, 'undefined'], [null, 'null'], [20, '20']] as const) {
      await expectRejected(`train(${shown}) instead of train({ model, optimizer, … })`, opts, ['train options', 'expected an object', shown]);
    }
  });
});

