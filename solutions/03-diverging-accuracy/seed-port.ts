/**
 * Kata 03 — the diverging accuracy, fixed.
 *
 * Root cause: the frozen backbone ran in training mode. `trainable = false` stops the optimizer,
 * not BatchNormalization: with { training: true } every BN layer normalises with the batch's own
 * statistics and overwrites its moving mean and variance, even in a non-trainable layer. The head
 * learned on batch-normalised features; validation ran on features normalised with drifting
 * moving averages. Passing { training: false } to the backbone inside the functional model does
 * not help: tfjs hands the outer call's `training` to every layer of the graph (kata 07).
 *
 * The fix: keep the backbone out of the trained graph and call it in inference mode, always.
 */
import { tf } from '../../src/lib/tf.js';
import type { Backbone } from '../../src/lib/models/backbones.js';
import type { Classifier, ForwardOptions } from '../../src/lib/classifier.js';

export function portSeedModel(backbone: Backbone, numClasses = 2): Classifier {
  // for param in model.parameters(): param.requires_grad = False
  backbone.model.trainable = false;

  // model.fc = nn.Sequential(nn.Linear(2048, 500), nn.ReLU(), nn.Dropout(), nn.Linear(500, num_classes))
  const head = tf.sequential({
    name: 'fc',
    layers: [
      tf.layers.dense({ inputShape: [backbone.featureDim], units: 500, activation: 'relu', name: 'fc_1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dropout({ rate: 0.5, name: 'fc_dropout', seed: 2 }),
      tf.layers.dense({ units: numClasses, name: 'fc_2', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }), // logits [B, C]
    ],
  });

  return {
    numClasses,
    forward(images: tf.Tensor4D, { training }: ForwardOptions): tf.Tensor2D {
      return tf.tidy(() => {
        // The frozen backbone: inference mode whatever the head does. features float32 [B, F]
        const features = backbone.model.apply(backbone.preprocess(images), { training: false }) as tf.Tensor2D;
        return head.apply(features, { training }) as tf.Tensor2D; // dropout only while training; [B, C]
      });
    },
    trainableVariables(): tf.Variable[] {
      return head.trainableWeights.map((w) => w.read() as tf.Variable);
    },
    dispose(): void {
      head.dispose();
      backbone.model.dispose();
    },
  };
}
