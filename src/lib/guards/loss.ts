/**
 * Runtime guards for a training loop: stop at the first non-finite loss with a message that says where,
 * instead of training on NaN for the remaining epochs and saving NaN weights.
 */
import { tf } from '../tf.js';

export interface LossWhere {
  epoch: number;
  /** Batch index within the epoch; omit for an epoch-level value (e.g. the epoch's mean loss). */
  batch?: number;
}

export interface CheckpointRef {
  dir: string;
  /** The epoch whose weights the checkpoint holds. */
  epoch: number;
  /** That epoch's mean training loss. */
  loss: number;
}

/** A loss (or a weight) became NaN or ±Infinity: training must stop. Carries where, and the last good checkpoint. */
export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
  constructor(
    readonly loss: number,
    readonly where: LossWhere,
    readonly checkpoint?: CheckpointRef,
    detail = '',
  ) {
    super(NonFiniteLossError.format(loss, where, checkpoint, detail));
  }

  static format(loss: number, where: LossWhere, checkpoint: CheckpointRef | undefined, detail: string): string {
    const at = `epoch ${where.epoch}${where.batch === undefined ? '' : `, batch ${where.batch}`}`;
    const kept = checkpoint
      ? ` The last good checkpoint (epoch ${checkpoint.epoch}, loss ${checkpoint.loss.toPrecision(4)}) is in ${checkpoint.dir}; it was not overwritten.`
      : ' No epoch finished with a finite loss, so there is no checkpoint.';
    return (
      `training stopped at ${at}: loss: expected a finite number, got ${loss}${detail ? ` (${detail})` : ''}.` +
      kept +
      ' Usual causes: a learning rate too high (try 10× lower), labels out of range, NaN in the inputs.'
    );
  }
}

/** Throws NonFiniteLossError unless `loss` is a finite number. */
export function assertFiniteLoss(loss: number, where: LossWhere): void {
  if (typeof loss !== 'number') {
    throw new TypeError(`assertFiniteLoss: loss: expected a number (read it with (await loss.data())[0]), got ${loss === null ? 'null' : typeof loss}`);
  }
  if (!Number.isFinite(loss)) throw new NonFiniteLossError(loss, where);
}

/** Names of the model's weights that hold a NaN or ±Infinity (empty when all are finite). */
export function nonFiniteWeights(model: tf.LayersModel): string[] {
  return model.weights
    .filter((w) => tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(w.read()))).dataSync()[0] === 1))
    .map((w) => w.originalName);
}
