/**
 * Kata 07 — frozen means frozen (reference solution).
 *
 * The Keras way, `x = base(inputs, training=False)`, does not survive in tfjs: the `training` kwarg
 * given while building the graph is stored (even written to model.json) but ignored when the model
 * runs — the executor hands the OUTER call's { training } to every layer, so model.fit runs the
 * backbone's BatchNorm layers in training mode. The backbone must decide its mode itself, at call
 * time: InferenceMode.call always runs it with { training: false }.
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
  // Stryker disable next-line StringLiteral: a static initializer, which StrykerJS reports "survived" without running it (the guide's "blind spots"); '' is killed by hand: registerClass refuses it, the test file does not load
  static className = 'InferenceMode';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor | tf.Tensor[] {
    void kwargs; // the caller's mode — deliberately ignored: this is the point of the layer
    // Stryker disable next-line ObjectLiteral: {} is equivalent — tfjs's BatchNorm and Dropout read a missing `training` as inference; false → true stays mutated (and killed)
    const out = this.inner.apply(inputs, { training: false }); // (not under `as`: StrykerJS does not mutate what a cast wraps)
    return out as tf.Tensor | tf.Tensor[];
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
  // Stryker disable next-line StringLiteral: equivalent — tfjs names a layer whose name is empty itself; no test, kata or course file reads it
  const frozen = new InferenceMode({ layer: backbone.model, name: 'frozen_backbone' });

  // Stryker disable next-line StringLiteral: equivalent — as the backbone's name (an empty input name is replaced by tfjs)
  const input = tf.input({ shape: backbone.inputShape, name: 'images' });
  // Keras: x = base(inputs, training=False) — the kwarg is recorded on the graph node.
  const features = frozen.apply(input, { training: false }) as tf.SymbolicTensor; // [B, featureDim]
  let x = tf.layers.dense({ units: 500, name: 'head_dense' }).apply(features) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu', name: 'head_relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: dropout, name: 'head_dropout' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, name: 'head_logits' }).apply(x) as tf.SymbolicTensor;
  // Stryker disable next-line StringLiteral: equivalent — the model's own name: read by nothing, save/load round-trips either way
  return tf.model({ inputs: input, outputs: logits, name: 'transfer_export' });
}
