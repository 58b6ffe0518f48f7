/** The bench's networks, built identically in every variant (weights then loaded from the export directory). */
import { tf } from '../src/lib/tf.js';
import { resnetMini } from '../src/lib/models/resnet-mini.js';

/** Raw workload: resnet-mini + Dense(2) logits, every layer trainable. */
export function buildRawModel(seed = 1): tf.LayersModel {
  return resnetMini({ includeTop: true, classes: 2, seed });
}

/** The seed's new head: Dense(500) → ReLU → Dropout → Dense(numClasses) logits (as solutions/01-build-model). */
export function buildHead(featureDim: number, dropout = 0.5, numClasses = 2): tf.Sequential {
  return tf.sequential({
    name: 'head',
    layers: [
      tf.layers.dense({ inputShape: [featureDim], units: 500, name: 'head_dense' }),
      tf.layers.activation({ activation: 'relu', name: 'head_relu' }),
      tf.layers.dropout({ rate: dropout, name: 'head_dropout' }),
      tf.layers.dense({ units: numClasses, name: 'head_logits' }),
    ],
  });
}
