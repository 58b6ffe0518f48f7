/**
 * npm run backbone:pretrain — trains resnet-mini on the 8 Fashion-MNIST classes that are NOT the target pair
 * (the source task), and writes models/resnet-mini-fashion8/ (tfjs weights + card.json).
 * A checkpoint is saved after every epoch; an interrupted run resumes from it, and a larger --epochs continues it.
 *
 *   npm run backbone:pretrain -- [--epochs 6] [--batch-size 128] [--lr 0.002] [--seed 1] [--limit N] [--out DIR] [--json]
 */
import './backend-flag.js'; // first: rejects a bad --backend / KATA_BACKEND before src/lib/tf.ts loads
import { opts } from './args/pretrain.js'; // second: the options, before the heavy modules below (args/README.md)
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tf, backend, backendLine } from '../lib/tf.js';
import { CLASS_NAMES, SOURCE_CLASSES } from '../lib/data/fashion-mnist.js';
import { loadFashionMnistDataset } from '../lib/data/bundled.js';
import { DataLoader, type InMemoryDataset } from '../lib/data/dataset.js';
import { REPO_ROOT } from '../lib/data/paths.js';
import { resnetMini, RESNET_MINI_FEATURE_DIM } from '../lib/models/resnet-mini.js';
import { loadWeightsInto, saveModel } from '../lib/models/io.js';
import { epochBar } from '../lib/cli/progress.js';

console.log(backendLine());
const t0 = Date.now();
let train = await loadFashionMnistDataset('train', { classes: SOURCE_CLASSES, dir: opts.data });
let test = await loadFashionMnistDataset('test', { classes: SOURCE_CLASSES, dir: opts.data });
if (opts.limit) {
  train = train.subset(range(Math.min(opts.limit, train.length)));
  test = test.subset(range(Math.min(Math.ceil(opts.limit / 4), test.length)));
}
const classNames = SOURCE_CLASSES.map((c) => CLASS_NAMES[c]!);
console.log(`source task: ${classNames.join(', ')} — ${train.length} train / ${test.length} test images`);

const numClasses = SOURCE_CLASSES.length;
const model = resnetMini({ includeTop: true, classes: numClasses, seed: opts.seed });
const optimizer = tf.train.adam(opts.lr);
const checkpointDir = path.join(opts.out, 'checkpoint');
const statePath = path.join(checkpointDir, 'state.json');

interface EpochLog { epoch: number; lr?: number; trainLoss: number; trainAccuracy: number; testAccuracy: number; seconds: number }
let history: EpochLog[] = [];
let startEpoch = 0;
let secondsBefore = 0;
if (opts.fresh) rmSync(checkpointDir, { recursive: true, force: true });
if (existsSync(statePath)) {
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as { epoch: number; history: EpochLog[]; seconds: number; seed: number };
  if (state.seed !== opts.seed) throw new Error(`--seed: the checkpoint in ${checkpointDir} was made with seed ${state.seed}, got ${opts.seed} (use --fresh)`);
  await loadWeightsInto(model, checkpointDir);
  ({ history } = state);
  startEpoch = state.epoch + 1;
  secondsBefore = state.seconds;
  console.log(`resuming from ${path.relative(REPO_ROOT, checkpointDir)} after epoch ${state.epoch}`);
}

// firstEpoch: after a resume, epoch e still gets the shuffle order of epoch e.
const loader = new DataLoader(train, { batchSize: opts.batchSize, shuffle: true, seed: opts.seed, firstEpoch: startEpoch });

for (let epoch = startEpoch; epoch < opts.epochs; epoch++) {
  const te = Date.now();
  const bar = epochBar(`epoch ${epoch + 1}/${opts.epochs}`, loader.numBatches, opts.json);
  let lossSum = 0; // Σ batch mean loss × batch size
  let correct = 0;
  for (const { x, y } of loader) {
    // x: float32 [B,28,28,1], y: int32 [B]
    const { lossValue, hits } = tf.tidy(() => {
      let hitsT: tf.Scalar | undefined;
      const loss = optimizer.minimize(() => {
        const logits = model.apply(x, { training: true }) as tf.Tensor2D; // [B, 8]
        hitsT = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'))) as tf.Scalar;
        return tf.losses.softmaxCrossEntropy(tf.oneHot(y, numClasses), logits); // scalar, mean over B
      }, true)!;
      return { lossValue: loss, hits: hitsT! };
    });
    const [l, h] = [(await lossValue.data())[0]!, (await hits.data())[0]!];
    tf.dispose([x, y, lossValue, hits]);
    if (!Number.isFinite(l)) throw new Error(`pretrain: loss became ${l} at epoch ${epoch}; lower --lr (now ${opts.lr})`);
    lossSum += l * y.shape[0];
    correct += h;
    bar.tick({ loss: l.toFixed(3) });
  }
  bar.stop();
  const testAccuracy = await accuracy(model, test, 512);
  const log: EpochLog = {
    epoch, lr: opts.lr, trainLoss: lossSum / train.length, trainAccuracy: correct / train.length, testAccuracy,
    seconds: (Date.now() - te) / 1000,
  };
  history.push(log);
  console.log(
    `epoch ${epoch}: train loss ${log.trainLoss.toFixed(4)}, train accuracy ${log.trainAccuracy.toFixed(4)}, ` +
      `source test accuracy ${testAccuracy.toFixed(4)} (${log.seconds.toFixed(0)} s)`,
  );
  mkdirSync(checkpointDir, { recursive: true });
  await saveModel(model, checkpointDir);
  const seconds = secondsBefore + (Date.now() - t0) / 1000;
  writeFileSync(statePath, JSON.stringify({ epoch, history, seconds, seed: opts.seed }, null, 2));
}

const seconds = secondsBefore + (Date.now() - t0) / 1000;
const last = history[history.length - 1];
if (!last) throw new Error(`--epochs: expected at least 1 epoch of training, got ${opts.epochs}`);
// With --epochs at or below the checkpoint's, this only finalises the checkpoint (card, weights).
await saveModel(model, opts.out);
const card = {
  name: 'resnet-mini-fashion8',
  architecture: 'resnet-mini (Keras ResNet v1 bottleneck design for 28x28x1), features: global average pool, ' +
    `${RESNET_MINI_FEATURE_DIM}-d; the saved model includes the 8-way "predictions" layer of the source task`,
  params: model.countParams(),
  data: `Fashion-MNIST (MIT, Zalando Research), official train split${opts.limit ? ` (first ${opts.limit})` : ''}, ` +
    'the 8 classes that are not the target pair (Dress, Coat)',
  classes: classNames,
  trainImages: train.length,
  testImages: test.length,
  epochs: history.length,
  batchSize: opts.batchSize,
  optimizer: `adam, lr per epoch: ${history.map((h) => h.lr ?? opts.lr).join(', ')} (a resumed run may lower it)`,
  seed: opts.seed,
  sourceTestAccuracy: Number(last.testAccuracy.toFixed(4)),
  history,
  backend: backendLine(backend),
  seconds: Math.round(seconds),
  command: `npm run backbone:pretrain -- ${process.argv.slice(2).join(' ')}`.trim(),
  date: new Date().toISOString().slice(0, 10),
};
writeFileSync(path.join(opts.out, 'card.json'), JSON.stringify(card, null, 2) + '\n');
console.log(`checkpoint kept in ${path.relative(REPO_ROOT, checkpointDir)} (git-ignored): --epochs N continues it`);
console.log(`saved ${path.relative(REPO_ROOT, opts.out) || opts.out}/ (model.json, weights.bin, card.json)`);
console.log(`source-task test accuracy ${card.sourceTestAccuracy} after ${card.epochs} epochs, ${card.seconds} s`);
if (opts.json) {
  console.log(JSON.stringify({ backend: backend.name, epochs: card.epochs, sourceTestAccuracy: card.sourceTestAccuracy, seconds: card.seconds }));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

async function accuracy(m: tf.LayersModel, ds: InMemoryDataset, batchSize: number): Promise<number> {
  let hits = 0;
  for (const { x, y } of new DataLoader(ds, { batchSize })) {
    const h = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(m.apply(x, { training: false }) as tf.Tensor2D, 1), y), 'int32')));
    hits += (await h.data())[0]!;
    tf.dispose([x, y, h]);
  }
  return hits / ds.length;
}
