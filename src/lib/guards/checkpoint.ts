/**
 * Keep the last good epoch: after each epoch whose loss and weights are finite, save the model (e.g. the
 * head) to a directory; at the first NaN/Infinity, stop with NonFiniteLossError naming that checkpoint.
 * A bad epoch never reaches the disk, so the checkpoint can always be loaded and used.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { tf } from '../tf.js';
import { loadModel, saveModel } from '../models/io.js';
import { NonFiniteLossError, assertFiniteLoss, nonFiniteWeights, type CheckpointRef } from './loss.js';

export const CHECKPOINT_JSON = 'checkpoint.json';

export interface WithCheckpointOptions {
  /** The model whose weights are saved after each good epoch (for a frozen backbone: the head). */
  model: tf.LayersModel;
  /** Checkpoint directory: model.json, weights.bin, checkpoint.json ({ epoch, loss }). */
  dir: string;
  epochs: number;
  /**
   * Trains one epoch and returns its mean loss. Call assertFiniteLoss(loss, { epoch, batch }) on each batch
   * loss to stop at the first bad batch (otherwise the epoch's mean is checked at its end).
   */
  runEpoch: (epoch: number) => Promise<number>;
  log?: (line: string) => void;
}

export interface CheckpointRun {
  /** Mean loss of each completed epoch. */
  history: number[];
  checkpoint: CheckpointRef;
}

/**
 * Runs `epochs` epochs through `runEpoch`, checkpointing after each good one. On a non-finite loss (thrown by
 * assertFiniteLoss inside runEpoch, or an epoch mean) or non-finite weights, throws NonFiniteLossError whose
 * message names the epoch, the batch, the value, and the last good checkpoint — which stays untouched.
 */
export async function withCheckpoint(opts: WithCheckpointOptions): Promise<CheckpointRun> {
  const { model, dir, epochs, runEpoch, log = () => {} } = opts;
  if (typeof dir !== 'string' || dir === '') throw new Error(`withCheckpoint: dir: expected a directory path, got ${JSON.stringify(dir)}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`withCheckpoint: epochs: expected a positive integer, got ${String(epochs)}`);
  const history: number[] = [];
  let last: CheckpointRef | undefined;
  for (let epoch = 0; epoch < epochs; epoch++) {
    let loss: number;
    try {
      loss = await runEpoch(epoch);
      assertFiniteLoss(loss, { epoch });
    } catch (e) {
      if (e instanceof NonFiniteLossError) throw new NonFiniteLossError(e.loss, e.where, last);
      throw e;
    }
    const bad = nonFiniteWeights(model);
    if (bad.length) {
      throw new NonFiniteLossError(loss, { epoch }, last, `but ${bad.length} weights are not finite, e.g. ${bad.slice(0, 3).join(', ')}`);
    }
    await saveCheckpoint(model, dir, epoch, loss);
    last = { dir, epoch, loss };
    history.push(loss);
    log(`epoch ${epoch}: loss ${loss.toFixed(4)} — checkpoint saved to ${dir}`);
  }
  return { history, checkpoint: last! };
}

/** Saves the model, then checkpoint.json, each through a rename: a crash leaves the previous checkpoint readable. */
export async function saveCheckpoint(model: tf.LayersModel, dir: string, epoch: number, loss: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await saveModel(model, dir);
  const tmp = path.join(dir, `${CHECKPOINT_JSON}.tmp-${process.pid}`);
  await writeFile(tmp, JSON.stringify({ epoch, loss }) + '\n');
  await rename(tmp, path.join(dir, CHECKPOINT_JSON));
}

/** Loads a checkpoint directory: the model and the epoch/loss it was saved at. */
export async function loadCheckpoint(dir: string): Promise<{ model: tf.LayersModel } & CheckpointRef> {
  const file = path.join(dir, CHECKPOINT_JSON);
  if (!existsSync(file)) throw new Error(`loadCheckpoint(${dir}): expected ${file}, got no such file`);
  const meta = JSON.parse(readFileSync(file, 'utf8')) as { epoch: number; loss: number };
  return { model: await loadModel(dir), dir, epoch: meta.epoch, loss: meta.loss };
}
