/**
 * Kata 08 — fine-tuning the top residual stage. Read README.md first.
 *
 * Kata 01's head learned on the frozen backbone's features. Now the recipe's second half: unfreeze the
 * backbone's top stage and train it with the head, gently. This is a first port of the PyTorch
 * recipe, line by line:
 *
 *     for p in model.layer4.parameters(): p.requires_grad = True   # unfreeze the top stage
 *     optimizer = optim.Adam([{"params": model.fc.parameters(), "lr": 1e-3},
 *                             {"params": model.layer4.parameters(), "lr": 1e-4}])
 *
 * It runs, the loss goes down — and `npm run kata 8` lists what it changed that it should not have.
 * Yours: which layers may learn (buildFineTuneModel) and which variables get which learning rate
 * (createFineTuner). The mode is ready (kata 07). The tests say which weights moved and how far.
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
 * The backbone with its top stage unfrozen, and the head: forward(images) = head(backbone(images)).
 */
export function buildFineTuneModel(backbone: Backbone, head: tf.Sequential): FineTuneModel {
  // PyTorch: for p in model.layer4.parameters(): p.requires_grad = True — tfjs has no layer4.parameters(),
  // so: the one switch at hand. TODO: it unfreezes conv1–conv3 too. Only TOP_STAGE's layers (conv4_*) should learn.
  backbone.model.trainable = true;
  const numClasses = head.outputs[0]!.shape[1] as number;
  const vars = (layers: tf.LayersModel): tf.Variable[] => layers.trainableWeights.map((w) => w.read() as tf.Variable);

  return {
    backbone,
    head,
    numClasses,
    forward(images: tf.Tensor4D, { training }: ForwardOptions): tf.Tensor2D {
      return tf.tidy(() => {
        const x = backbone.preprocess(images); // float32 [B,28,28,1]
        // Ready (kata 07): the backbone's BatchNorm stays in inference mode while conv4 trains;
        // only the head's dropout follows the caller's mode.
        const features = backbone.model.apply(x, { training: false }) as tf.Tensor2D; // [B,F]
        return head.apply(features, { training }) as tf.Tensor2D; // [B,numClasses]
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
  // TODO: the rule is backboneLr <= headLr / MIN_LR_RATIO — say so with an error when it is broken.

  // PyTorch has parameter groups: Adam([{params: head, lr: headLr}, {params: layer4, lr: backboneLr}]).
  // A tfjs optimizer has one learning rate, so: one Adam at headLr, and the backbone's gradients scaled
  // by backboneLr / headLr (with SGD, lr · (s·g) = (s·lr) · g). TODO: is that true of Adam's step?
  const optimizer = tf.train.adam(headLr);
  const scale = backboneLr / headLr;
  const headVars = model.headVariables();
  const backboneVars = model.backboneVariables();

  return {
    headLr,
    backboneLr,
    step(images: tf.Tensor4D, labels: tf.Tensor1D): number {
      const { value, grads } = tf.variableGrads(
        () => crossEntropy(model.forward(images, { training: true }), labels),
        [...headVars, ...backboneVars],
      );
      const scaled = backboneVars.map((v) => tf.mul(grads[v.name]!, scale)); // backboneLr / headLr of each gradient
      try {
        optimizer.applyGradients([
          ...headVars.map((v) => ({ name: v.name, tensor: grads[v.name]! })),
          ...backboneVars.map((v, i) => ({ name: v.name, tensor: scaled[i]! })),
        ]);
        return value.dataSync()[0]!;
      } finally {
        tf.dispose([value, ...Object.values(grads), ...scaled]);
      }
    },
    dispose(): void {
      optimizer.dispose();
    },
  };
}
