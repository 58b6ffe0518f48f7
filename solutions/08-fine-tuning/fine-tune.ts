/**
 * Kata 08 — fine-tuning the top residual stage (reference solution).
 *
 * After the head has learned on the frozen backbone's features, unfreeze the backbone's top stage
 * (conv4: its conv kernels and BatchNorm gamma/beta) and train it together with the head:
 *  - only conv4 and the head are trainable: conv1–conv3 stay as pretrained;
 *  - the backbone always runs in inference mode: BatchNorm normalises with its moving statistics and
 *    never overwrites them (the head's dropout still follows the caller's mode);
 *  - two Adam optimizers, one per group, from one gradient computation: the backbone's learning rate
 *    is at most the head's / 10.
 */
import { tf } from '../../src/lib/tf.js';
import type { Backbone } from '../../src/lib/models/backbones.js';
import type { Classifier, ForwardOptions } from '../../src/lib/classifier.js';

/** The backbone's top residual stage: resnet-mini's layers conv4_block1_* and conv4_block2_*. */
export const TOP_STAGE = 'conv4';

/** The backbone's learning rate may be at most the head's divided by this. */
export const MIN_LR_RATIO = 10;

export interface FineTuneModel extends Classifier {
  readonly backbone: Backbone;
  /** features float32 [B, backbone.featureDim] → logits float32 [B, numClasses] (e.g. trained on the frozen features first). */
  readonly head: tf.Sequential;
  /** The backbone variables the optimizer may change: the top stage's kernels, gamma and beta. */
  backboneVariables(): tf.Variable[];
  /** The head's variables. */
  headVariables(): tf.Variable[];
}

/**
 * The backbone with its top stage unfrozen, and the head. forward(images) = head(backbone(images)),
 * the backbone in inference mode whatever the caller says, the head in the caller's mode.
 */
export function buildFineTuneModel(backbone: Backbone, head: tf.Sequential): FineTuneModel {
  const stage = (name: string): boolean => name.startsWith(`${TOP_STAGE}_`);
  if (!backbone.model.layers.some((l) => stage(l.name))) {
    throw new Error(`buildFineTuneModel: expected layers named ${TOP_STAGE}_* in ${backbone.name}, got none`);
  }
  // The container's setter marks every layer's weights; then each layer decides for itself.
  backbone.model.trainable = true;
  for (const layer of backbone.model.layers) layer.trainable = stage(layer.name);
  // trainableWeights holds conv kernels and BatchNorm gamma/beta only: moving_mean/moving_variance
  // are never trainable weights (no gradient may touch them).
  const numClasses = head.outputs[0]!.shape[1] as number;
  const vars = (layers: tf.LayersModel): tf.Variable[] => layers.trainableWeights.map((w) => w.read() as tf.Variable);

  return {
    backbone,
    head,
    numClasses,
    forward(images: tf.Tensor4D, { training }: ForwardOptions): tf.Tensor2D {
      return tf.tidy(() => {
        const x = backbone.preprocess(images); // float32 [B,28,28,1]
        // Inference mode, always: BatchNorm uses its moving statistics (and leaves them alone).
        // The gradients still reach conv4's kernels, gamma and beta.
        // (Neither call under `as`: StrykerJS does not mutate what a cast wraps.)
        const features = backbone.model.apply(x, { training: false }); // [B,F]
        const logits = head.apply(features, { training }); // dropout on only in training
        return logits as tf.Tensor2D;
      });
    },
    backboneVariables: () => vars(backbone.model),
    headVariables: () => vars(head),
    trainableVariables(): tf.Variable[] {
      return [...vars(backbone.model), ...vars(head)];
    },
    dispose(): void {
      head.dispose();
      backbone.model.dispose();
    },
  };
}

export interface FineTuneConfig {
  /** Adam learning rate of the head. Default 1e-3. */
  headLr?: number;
  /** Adam learning rate of the backbone's top stage: at most headLr / MIN_LR_RATIO. Default headLr / MIN_LR_RATIO. */
  backboneLr?: number;
}

export interface FineTuner {
  readonly headLr: number;
  readonly backboneLr: number;
  /** One training step on a batch (images float32 [B,H,W,C] in [0,1], labels int32 [B]); returns the batch's mean loss before the step. */
  step(images: tf.Tensor4D, labels: tf.Tensor1D): number;
  /** Frees the optimizers' state. */
  dispose(): void;
}

/** Mean softmax cross-entropy: logits float32 [B,C], labels int32 [B] → float32 []. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar);
}

export function createFineTuner(model: FineTuneModel, cfg: FineTuneConfig = {}): FineTuner {
  const { headLr = 1e-3 } = cfg;
  const { backboneLr = headLr / MIN_LR_RATIO } = cfg;
  for (const [name, v] of [['headLr', headLr], ['backboneLr', backboneLr]] as const) {
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
      throw new Error(`createFineTuner: ${name}: expected a positive number, got ${String(v)}`);
    }
  }
  if (backboneLr > (headLr / MIN_LR_RATIO) * (1 + 1e-9)) { // 1e-9: 3e-4 / 10 is 2.9999999999999997e-5 in floating point
    throw new Error(
      `createFineTuner: backboneLr: expected at most headLr / ${MIN_LR_RATIO} = ${headLr / MIN_LR_RATIO}, got ${backboneLr} ` +
        // Stryker disable next-line StringLiteral: hint wording past the contract's fragments (backboneLr, its value, the limit)
        `(headLr ${headLr}): large steps in the pretrained stage wipe out what pretraining learned`,
    );
  }
  // tfjs has no parameter groups: one optimizer per learning rate. Adam's step does not depend on
  // the gradient's scale, so multiplying conv4's gradients by 0.1 would NOT lower its learning rate.
  const headOpt = tf.train.adam(headLr);
  const backboneOpt = tf.train.adam(backboneLr);
  const headVars = model.headVariables();
  const backboneVars = model.backboneVariables();
  // variableGrads names each gradient by its variable's name: each optimizer gets its own group's.
  const pick = (grads: tf.NamedTensorMap, vars: tf.Variable[]): Array<{ name: string; tensor: tf.Tensor }> =>
    vars.map((v) => ({ name: v.name, tensor: grads[v.name]! }));

  return {
    headLr,
    backboneLr,
    step(images: tf.Tensor4D, labels: tf.Tensor1D): number {
      // One forward and one backward pass; then each optimizer applies its group's gradients.
      const { value, grads } = tf.variableGrads(
        () => crossEntropy(model.forward(images, { training: true }), labels),
        [...headVars, ...backboneVars],
      );
      try {
        headOpt.applyGradients(pick(grads, headVars));
        backboneOpt.applyGradients(pick(grads, backboneVars));
        return value.dataSync()[0]!;
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
    },
    dispose(): void {
      headOpt.dispose();
      backboneOpt.dispose();
    },
  };
}
