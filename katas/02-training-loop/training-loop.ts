/**
 * Kata 02 — the training loop. Read README.md first.
 *
 * A first port of the seed's PyTorch `train(...)`. It compiles, it runs, the loss goes down and the
 * log line looks right. But three things did not survive the trip from PyTorch:
 *  - `loss.item() * inputs.size(0)`: the port averages the batch means, so a small last batch
 *    weighs as much as a full one;
 *  - `model.eval()`: there is no such call in tfjs — the mode is the `{ training }` argument of every
 *    forward, and the validation forward below was copied from the training one;
 *  - Python's garbage collector: tfjs tensors are not collected — every batch leaks here.
 * crossEntropy, formatEpoch and the option checks at the bottom are done; fix `train`.
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
    // model.train()
    let trainingLoss = 0;
    for (const { x, y } of trainLoader) { // x float32 [B,H,W,C], y int32 [B]
      // zero_grad + forward + backward + step; returns the batch's mean loss, float32 [].
      const loss = optimizer.minimize(
        () => crossEntropy(model.forward(x, { training: true }), y), // logits float32 [B,C]
        true,
        model.trainableVariables(),
      )!;
      trainingLoss += loss.dataSync()[0]!; // loss.item()
      // TODO 1: the seed adds loss.item() * inputs.size(0) — a sum over examples, not over batches.
      // TODO 3: who frees x, y and loss? (tfjs has no garbage collector for tensors.)
    }
    trainingLoss /= trainLoader.numBatches; // TODO 1: the seed divides by len(train_loader.dataset)

    // model.eval()
    let validationLoss = 0;
    let numCorrect = 0;
    let numExamples = 0;
    for (const { x, y } of valLoader) { // x float32 [B,H,W,C], y int32 [B]
      // TODO 2: model.eval() has to happen somewhere — in tfjs, it is this argument.
      const logits = model.forward(x, { training: true }); // float32 [B,C]
      validationLoss += crossEntropy(logits, y).dataSync()[0]!; // TODO 1: weight by the batch size
      const correct = tf.equal(tf.argMax(logits, 1), y); // bool [B]; argMax(softmax(z)) = argMax(z)
      numCorrect += tf.sum(tf.cast(correct, 'int32')).dataSync()[0]!;
      numExamples += correct.shape[0];
      // TODO 3: logits, correct, the loss, the sum... all still alive. tf.tidy(() => ...) frees what a
      //         function makes except what it returns; tf.dispose([x, y]) frees the batch.
    }
    validationLoss /= valLoader.numBatches; // TODO 1: ÷ len(val_loader.dataset)

    const record: EpochRecord = { epoch, trainingLoss, validationLoss, accuracy: numCorrect / numExamples };
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
