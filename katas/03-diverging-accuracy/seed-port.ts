/**
 * Kata 03 — the diverging accuracy.
 *
 * The seed's model, ported line by line from PyTorch to TensorFlow.js the way its Keras tutorials
 * suggest: one functional model, backbone frozen, new head on top. The training loop is kata 02's.
 * Validation accuracy starts high and then falls, epoch after epoch, with no error anywhere.
 * Find the root cause (README.md walks you through the investigation), fix it here, and keep the
 * exports as they are.
 */
import { tf } from '../../src/lib/tf.js';
import type { Backbone } from '../../src/lib/models/backbones.js';
import type { Classifier, ForwardOptions } from '../../src/lib/classifier.js';

export function portSeedModel(backbone: Backbone, numClasses = 2): Classifier {
  // for param in model.parameters(): param.requires_grad = False
  backbone.model.trainable = false;

  // model.fc = nn.Sequential(nn.Linear(2048, 500), nn.ReLU(), nn.Dropout(), nn.Linear(500, num_classes))
  const input = tf.input({ shape: backbone.inputShape, name: 'images' });
  let x = backbone.model.apply(input) as tf.SymbolicTensor; // features [B, F]
  x = tf.layers.dense({ units: 500, activation: 'relu', name: 'fc_1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.5, name: 'fc_dropout', seed: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: numClasses, name: 'fc_2', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(x) as tf.SymbolicTensor; // logits [B, C]
  const model = tf.model({ inputs: input, outputs: x, name: 'seed_model' });

  return {
    numClasses,
    // model.train() before the training batches, model.eval() before validation.
    forward(images: tf.Tensor4D, { training }: ForwardOptions): tf.Tensor2D {
      return tf.tidy(() => model.apply(backbone.preprocess(images), { training }) as tf.Tensor2D);
    },
    trainableVariables(): tf.Variable[] {
      return model.trainableWeights.map((w) => w.read() as tf.Variable);
    },
    dispose(): void {
      model.dispose();
    },
  };
}
