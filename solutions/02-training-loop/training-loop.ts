/**
 * Kata 02 — the training loop (reference solution).
 * The seed's PyTorch `train(...)` in TensorFlow.js: per epoch, one pass of training with dropout on,
 * one pass of validation with dropout off and no optimizer, losses weighted by batch size, the seed's
 * log line, and a history. Every tensor made here is disposed: tf.memory().numTensors is the same
 * before and after train, and at the end of every epoch.
 */
import { tf } from '../../src/lib/tf.js';
import type { Classifier } from '../../src/lib/classifier.js';
import { DataLoader } from '../../src/lib/data/dataset.js';
import { formatValue } from '../../src/lib/describe.js';

export interface EpochRecord {
  epoch: number;
  trainingLoss: number;
  validationLoss: number;
  accuracy: number;
}

export interface TrainOptions {
  model: Classifier;
  optimizer: tf.Optimizer;
  trainLoader: DataLoader;
  valLoader: DataLoader;
  epochs: number;
  /** Receives one line per epoch (formatEpoch). Default console.log. */
  log?: (line: string) => void;
}

/** Mean softmax cross-entropy over the batch: logits float32 [B,C], targets int32 [B] → float32 []. */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(targets, logits.shape[1]); // int32 [B,C]
    return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar; // float32 [], mean over B
  });
}

/** `Epoch: 0, Training Loss: 0.52, Validation Loss: 0.43, accuracy = 0.81` — the seed's print. */
export function formatEpoch(r: EpochRecord): string {
  return (
    `Epoch: ${r.epoch}, Training Loss: ${r.trainingLoss.toFixed(2)}, ` +
    `Validation Loss: ${r.validationLoss.toFixed(2)}, accuracy = ${r.accuracy.toFixed(2)}`
  );
}

export async function train(opts: TrainOptions): Promise<EpochRecord[]> {
  const { model, optimizer, trainLoader, valLoader, epochs, log = console.log } = checkOptions(opts);
  const history: EpochRecord[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    // model.train(): tfjs has no mode flag — every forward below says { training: true } (dropout on).
    let trainingSum = 0; // Σ batch mean loss × batch size
    for (const { x, y } of trainLoader) { // x float32 [B,H,W,C], y int32 [B]
      try {
        // zero_grad + forward + backward + step; returns the batch's mean loss, float32 [].
        const loss = optimizer.minimize(
          () => crossEntropy(model.forward(x, { training: true }), y), // logits float32 [B,C]
          true,
          model.trainableVariables(),
        )!;
        trainingSum += (await loss.data())[0]! * y.shape[0]; // loss.item() * inputs.size(0)
        loss.dispose();
      } finally {
        tf.dispose([x, y]); // no GC for tensors: the batch is ours to free
      }
    }
    const trainingLoss = trainingSum / trainLoader.dataset.length; // ÷ len(train_loader.dataset)

    // model.eval(): { training: false } (dropout off), and no optimizer — validation changes no weight.
    let validSum = 0;
    let numCorrect = 0;
    let numExamples = 0;
    for (const { x, y } of valLoader) { // x float32 [B,H,W,C], y int32 [B]
      try {
        const [loss, correct] = tf.tidy(() => {
          const logits = model.forward(x, { training: false }); // float32 [B,C]
          const hits = tf.equal(tf.argMax(logits, 1), y); // bool [B]; argMax(softmax(z)) = argMax(z)
          return [crossEntropy(logits, y), tf.sum(tf.cast(hits, 'int32'))]; // float32 [], int32 []
        });
        validSum += (await loss.data())[0]! * y.shape[0];
        numCorrect += (await correct.data())[0]!;
        numExamples += y.shape[0];
        tf.dispose([loss, correct]);
      } finally {
        tf.dispose([x, y]);
      }
    }
    const record: EpochRecord = {
      epoch,
      trainingLoss,
      validationLoss: validSum / valLoader.dataset.length,
      accuracy: numCorrect / numExamples, // over examples, not an average of batch accuracies
    };
    history.push(record);
    log(formatEpoch(record));
  }
  return history;
}

/** Throws an Error naming the option, what was expected and what it got. */
function checkOptions(opts: TrainOptions): TrainOptions {
  if (typeof opts !== 'object' || opts === null) {
    throw new Error(`train options: expected an object { model, optimizer, trainLoader, valLoader, epochs }, got ${formatValue(opts)}`);
  }
  const { model, optimizer, trainLoader, valLoader, epochs, log } = opts;
  const what = (v: unknown): string => (v === null || v === undefined ? String(v) : (v as object).constructor?.name ?? typeof v);
  if (typeof model?.forward !== 'function' || typeof model?.trainableVariables !== 'function') {
    throw new Error(`train model: expected a Classifier (forward, trainableVariables), got ${what(model)}`);
  }
  // tf.Optimizer's instanceof is duck-typed (it reads .minimize): null and undefined (== null) must be ruled out first.
  if (optimizer == null || !(optimizer instanceof tf.Optimizer)) {
    throw new Error(`train optimizer: expected a tf.Optimizer (e.g. tf.train.adam(1e-3)), got ${what(optimizer)}`);
  }
  if (!(trainLoader instanceof DataLoader)) throw new Error(`train trainLoader: expected a DataLoader, got ${what(trainLoader)}`);
  if (!(valLoader instanceof DataLoader)) throw new Error(`train valLoader: expected a DataLoader, got ${what(valLoader)}`);
  if (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs < 1) {
    throw new Error(`train epochs: expected a positive integer, got ${formatValue(epochs)}`);
  }
  if (log !== undefined && typeof log !== 'function') throw new Error(`train log: expected a function (line) => void, got ${what(log)}`);
  return opts;
}
