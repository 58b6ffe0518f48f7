/**
 * The contract between the katas: what a training loop needs from a model.
 *
 * PyTorch hides the mode in the module (`model.train()` / `model.eval()`); TensorFlow.js has no such
 * state, so the mode is an explicit argument of every forward pass. That is the point: a reader sees
 * on every call whether dropout is active and whether BatchNorm may touch its statistics.
 */
import type { tf } from './tf.js';
import type { Backbone } from './models/backbones.js';

export interface ForwardOptions {
  /** true: dropout active (training). false: inference — dropout off, BatchNorm uses its moving statistics. */
  training: boolean;
}

export interface Classifier {
  readonly numClasses: number;
  /** images float32 [B,H,W,C] in [0,1] → logits float32 [B, numClasses] (no softmax). */
  forward(images: tf.Tensor4D, opts: ForwardOptions): tf.Tensor2D;
  /** The variables an optimizer may change; nothing else may change during training. */
  trainableVariables(): tf.Variable[];
  /** Frees the model's weights. */
  dispose(): void;
}

/** A pretrained backbone and a new head: what kata 01's buildModel returns. */
export interface TransferModel extends Classifier {
  readonly backbone: Backbone;
  /** features float32 [B, backbone.featureDim] → logits float32 [B, numClasses]. */
  readonly head: tf.Sequential;
  /** true when the backbone is frozen: not trainable, and always run in inference mode. */
  readonly frozen: boolean;
}
