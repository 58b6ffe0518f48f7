/**
 * The seed's model for kata 03 — correct, and not yours to edit: the pretrained backbone, frozen and
 * always in inference mode (kata 01), with the seed's head Dense(500) → ReLU → Dropout → Dense(2).
 * Its initial weights and dropout masks are seeded, so every run of the experiment is the same run.
 */
import { tf } from '../../src/lib/tf.js';
import type { Backbone } from '../../src/lib/models/backbones.js';
import type { Classifier, ForwardOptions } from '../../src/lib/classifier.js';
import type { FrozenFeatures } from '../../src/lib/frozen-features.js';

/** `cached`: the backbone's features computed once per image (frozen-features.ts) — the same function, faster. */
export function seedModel(backbone: Backbone, numClasses = 2, cached?: FrozenFeatures): Classifier {
  backbone.model.trainable = false; // for p in model.parameters(): p.requires_grad = False
  const head = tf.sequential({
    name: 'fc',
    layers: [
      tf.layers.dense({ inputShape: [backbone.featureDim], units: 500, activation: 'relu', name: 'fc_1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dropout({ rate: 0.5, name: 'fc_dropout', seed: 2 }),
      tf.layers.dense({ units: numClasses, name: 'fc_2', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  return {
    numClasses,
    forward(images: tf.Tensor4D, { training }: ForwardOptions): tf.Tensor2D {
      return tf.tidy(() => {
        // features float32 [B,F]: the frozen backbone in inference mode, whatever the head does
        const features = cached
          ? cached.of(images)
          : (backbone.model.apply(backbone.preprocess(images), { training: false }) as tf.Tensor2D);
        return head.apply(features, { training }) as tf.Tensor2D; // logits float32 [B,C]; dropout only in training
      });
    },
    trainableVariables(): tf.Variable[] {
      return head.trainableWeights.map((w) => w.read() as tf.Variable);
    },
    dispose(): void {
      head.dispose();
    },
  };
}
