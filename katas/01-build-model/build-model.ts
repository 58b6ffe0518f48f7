/**
 * Kata 01 — build the transfer model: a pretrained backbone, frozen, and a new head
 *   Dense(500) → ReLU → Dropout → Dense(numClasses), returning logits.
 *
 * This first version is what many of us write after a Keras tutorial. It runs, and its
 * predictions even look reasonable. Run `npm run kata 1` to see what the tests think of it,
 * then fix the TODOs. README.md in this folder is the lesson.
 */
import { tf } from '../../src/lib/tf.js';
import { loadBackbone, type Backbone, type BackboneName } from '../../src/lib/models/backbones.js';
import type { ForwardOptions, TransferModel } from '../../src/lib/classifier.js';

export interface BuildModelOptions {
  /** Number of classes of the new task: an integer >= 2. Default 2. */
  numClasses?: number;
  /** Freeze the backbone: no backbone weight trainable, backbone always in inference mode. Default true. */
  freezeBackbone?: boolean;
  /** A backbone name (loaded with its pretrained weights) or a loaded Backbone. Default 'resnet-mini'. */
  backbone?: BackboneName | Backbone;
  /** Dropout rate of the head. Default 0.5. */
  dropout?: number;
}

export async function buildModel(opts: BuildModelOptions = {}): Promise<TransferModel> {
  const { numClasses = 2, freezeBackbone = true, backbone = 'resnet-mini', dropout = 0.5 } = opts;
  // TODO: check numClasses before doing anything else.
  const bb = typeof backbone === 'string' ? await loadBackbone(backbone) : backbone;

  // TODO: freeze the backbone when freezeBackbone is true.

  const head = tf.sequential({
    name: 'head',
    layers: [
      tf.layers.dense({ inputShape: [bb.featureDim], units: 500, activation: 'relu', name: 'head_dense' }),
      tf.layers.dropout({ rate: dropout, name: 'head_dropout' }),
      tf.layers.dense({ units: numClasses, activation: 'softmax', name: 'head_output' }),
    ],
  });

  return {
    backbone: bb,
    head,
    numClasses,
    frozen: freezeBackbone,
    forward(images: tf.Tensor4D, { training }: ForwardOptions): tf.Tensor2D {
      return tf.tidy(() => {
        const x = bb.preprocess(images);
        const features = bb.model.apply(x, { training }) as tf.Tensor2D; // TODO: which mode, when frozen?
        return head.apply(features, { training }) as tf.Tensor2D;
      });
    },
    trainableVariables(): tf.Variable[] {
      return [bb.model, head].flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
    },
    dispose(): void {
      head.dispose();
      bb.model.dispose();
    },
  };
}
