/**
 * Kata 07 — frozen means frozen. Read README.md first.
 *
 * One tfjs LayersModel — frozen backbone + new head — that model.fit can train and saveModel/loadModel
 * can round-trip. This is the Keras transfer-learning recipe, line by line:
 *
 *     base.trainable = False
 *     inputs = keras.Input(shape=(28, 28, 1))
 *     x = base(inputs, training=False)      # "keep BatchNorm in inference mode"
 *     ...
 *
 * It builds, it trains, the head learns — and after model.fit the backbone is no longer the
 * backbone you loaded. Run `npm run kata 7` to see which weights moved, then fix the TODOs.
 */
import { tf } from '../../src/lib/tf.js';
import type { Backbone } from '../../src/lib/models/backbones.js';

export interface ExportOptions {
  /** Number of classes: an integer >= 2. Default 2. */
  numClasses?: number;
  /** Dropout rate of the head. Default 0.5. */
  dropout?: number;
}

/**
 * backbone (frozen, always in inference mode) → Dense(500) → ReLU → Dropout → Dense(numClasses), as one
 * LayersModel: input float32 [B, ...backbone.inputShape] (already preprocessed), output logits [B, numClasses].
 */
export function buildExportModel(backbone: Backbone, opts: ExportOptions = {}): tf.LayersModel {
  const { numClasses = 2, dropout = 0.5 } = opts;
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 2) {
    throw new Error(`buildExportModel: numClasses: expected an integer >= 2, got ${String(numClasses)}`);
  }
  backbone.model.trainable = false; // Keras: base.trainable = False — no optimizer may touch it

  const input = tf.input({ shape: backbone.inputShape, name: 'images' });
  // Keras: x = base(inputs, training=False).
  // TODO: does tfjs honour this { training: false } when model.fit runs the model? (README: measured)
  //       If not, the backbone has to choose its own mode when it is CALLED, not when the graph is built.
  const features = backbone.model.apply(input, { training: false }) as tf.SymbolicTensor; // [B, featureDim]
  let x = tf.layers.dense({ units: 500, name: 'head_dense' }).apply(features) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu', name: 'head_relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: dropout, name: 'head_dropout' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, name: 'head_logits' }).apply(x) as tf.SymbolicTensor;
  // TODO: whatever wraps the backbone must survive saveModel → loadModel (tf.serialization.registerClass).
  return tf.model({ inputs: input, outputs: logits, name: 'transfer_export' });
}
