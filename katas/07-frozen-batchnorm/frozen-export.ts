/**
 * Kata 07 — frozen means frozen. Read README.md first.
 *
 * One tfjs LayersModel — frozen backbone + new head — that model.fit can train and saveModel/loadModel
 * can round-trip. The Keras recipe writes `x = base(inputs, training=False)` and trusts it. Here the
 * backbone is one layer, InferenceMode (the plumbing — weights, save/load, registration — is ready in
 * src/lib/models/wrapped-model.ts). What is left is the one decision the lesson is about: in which mode
 * the backbone runs when the model is CALLED (model.fit calls it with { training: true }).
 * Run `npm run kata 7` to see which weights moved, then fix call().
 */
import { tf } from '../../src/lib/tf.js';
import type { Backbone } from '../../src/lib/models/backbones.js';
import { WrappedModel } from '../../src/lib/models/wrapped-model.js';

export interface ExportOptions {
  /** Number of classes: an integer >= 2. Default 2. */
  numClasses?: number;
  /** Dropout rate of the head. Default 0.5. */
  dropout?: number;
}

/** The backbone as one layer of the export model; its weights, save and load come from WrappedModel. */
export class InferenceMode extends WrappedModel {
  static className = 'InferenceMode';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor | tf.Tensor[] {
    // TODO: this is where the mode is decided. `kwargs` is the mode of whoever calls the model NOW —
    //       model.fit says { training: true }, predict says false — not the { training: false } written
    //       in buildExportModel (README: measured). Passed through, BatchNorm updates its statistics.
    return this.inner.apply(inputs, kwargs) as tf.Tensor | tf.Tensor[];
  }
}
tf.serialization.registerClass(InferenceMode);

/**
 * backbone (frozen, always in inference mode) → Dense(500) → ReLU → Dropout → Dense(numClasses), as one
 * LayersModel: input float32 [B, ...backbone.inputShape] (already preprocessed), output logits [B, numClasses].
 */
export function buildExportModel(backbone: Backbone, opts: ExportOptions = {}): tf.LayersModel {
  const { numClasses = 2, dropout = 0.5 } = opts;
  if (!Number.isInteger(numClasses) || numClasses < 2) { // Number.isInteger is false for every non-number
    throw new Error(`buildExportModel: numClasses: expected an integer >= 2, got ${String(numClasses)}`);
  }
  backbone.model.trainable = false; // Keras: base.trainable = False — no optimizer may touch it
  const frozen = new InferenceMode({ layer: backbone.model, name: 'frozen_backbone' });

  const input = tf.input({ shape: backbone.inputShape, name: 'images' });
  // Keras: x = base(inputs, training=False) — the kwarg is recorded on the graph node.
  const features = frozen.apply(input, { training: false }) as tf.SymbolicTensor; // [B, featureDim]
  let x = tf.layers.dense({ units: 500, name: 'head_dense' }).apply(features) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu', name: 'head_relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: dropout, name: 'head_dropout' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, name: 'head_logits' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'transfer_export' });
}
